import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestCa } from '../../../testworld/ca.ts';
import type { TlsaRecord } from '../../dns/types.ts';
import { type ChainCert, matchDane, nameMatches, tlsaProblem } from './dane.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailsec-dane-'));
const chains: Record<string, ChainCert[]> = {};
const certs: Record<string, X509Certificate> = {};
// set after the certificates are issued (their notBefore is the second of issue)
let NOW = new Date();

const pemCerts = (pem: string) =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]),
  );

before(async () => {
  const ca = await createTestCa(dir);
  const [good, wrong, expired] = await Promise.all([
    ca.issue('mx.dane.test', { key: 'dane-ee' }),
    ca.issue('mx.other.test'),
    ca.issue('mx.dane.test', { expired: true }),
  ]);
  const root = pemCerts(ca.rootPem)[0]!;
  for (const [k, issued] of Object.entries({ good, wrong, expired })) {
    const cs = pemCerts(issued.chainPem);
    chains[k] = cs.map((c) => ({ der: c.raw.toString('base64') }));
  }
  chains.withRoot = [...chains.good!, { der: root.raw.toString('base64'), presented: false }];
  chains.leafOnly = [chains.good![0]!];
  certs.leaf = pemCerts(good.chainPem)[0]!;
  certs.int = pemCerts(good.chainPem)[1]!;
  certs.root = root;
  NOW = new Date(Date.now() + 2000);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const spki = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' });
const h = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');
type Rec = (c: Record<string, X509Certificate>) => TlsaRecord;
const rec =
  (usage: number, selector: number, matchingType: number, which: string): Rec =>
  (c) => {
    const data = selector === 0 ? c[which]!.raw : spki(c[which]!);
    const hexData =
      matchingType === 0 ? data.toString('hex') : h(matchingType === 1 ? 'sha256' : 'sha512', data);
    return { usage, selector, matchingType, data: hexData };
  };
const other: Rec = () => ({ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) });

const cases: [title: string, records: Rec[], chain: string, status: string, matched: (boolean | null)[]][] = [
  ['RFC 7672 §3.1.1 DANE-EE 3 1 1 matches the leaf SPKI', [rec(3, 1, 1, 'leaf')], 'good', 'valid', [true]],
  ['DANE-EE 3 0 1 full certificate, SHA-256', [rec(3, 0, 1, 'leaf')], 'good', 'valid', [true]],
  ['DANE-EE 3 1 2 SPKI, SHA-512', [rec(3, 1, 2, 'leaf')], 'good', 'valid', [true]],
  ['DANE-EE 3 0 0 full certificate', [rec(3, 0, 0, 'leaf')], 'good', 'valid', [true]],
  ['DANE-EE ignores names and expiry (RFC 7671 §5.1)', [rec(3, 1, 1, 'leaf')], 'leafOnly', 'valid', [true]],
  ['DANE-EE does not match another key', [other], 'good', 'invalid', [false]],
  ['DANE-EE 3 1 1 of the intermediate does not match', [rec(3, 1, 1, 'int')], 'good', 'invalid', [false]],
  [
    'RFC 7671 §5.2 DANE-TA 2 1 1 matches the presented intermediate',
    [rec(2, 1, 1, 'int')],
    'good',
    'valid',
    [true],
  ],
  ['DANE-TA 2 0 1 intermediate certificate', [rec(2, 0, 1, 'int')], 'good', 'valid', [true]],
  ['DANE-TA 2 0 2 intermediate certificate, SHA-512', [rec(2, 0, 2, 'int')], 'good', 'valid', [true]],
  ['DANE-TA never matches the leaf', [rec(2, 1, 1, 'leaf')], 'good', 'invalid', [false]],
  [
    'DANE-TA digest of a root the server did not send: no match',
    [rec(2, 1, 1, 'root')],
    'withRoot',
    'invalid',
    [false],
  ],
  [
    'DANE-TA 2 1 0 full root key verifies the top presented certificate',
    [rec(2, 1, 0, 'root')],
    'good',
    'valid',
    [true],
  ],
  ['RFC 7672 §3.2.3 DANE-TA: leaf names must match', [rec(2, 1, 1, 'int')], 'wrong', 'invalid', [false]],
  ['DANE-TA: expired leaf below the anchor', [rec(2, 1, 1, 'int')], 'expired', 'invalid', [false]],
  ['RFC 7672 §3.1.3 PKIX-EE(1) is unusable for SMTP', [rec(1, 1, 1, 'leaf')], 'good', 'none', [null]],
  ['PKIX-TA(0) is unusable for SMTP', [rec(0, 0, 1, 'int')], 'good', 'none', [null]],
  [
    'unusable beside usable: the usable one decides',
    [rec(1, 1, 1, 'leaf'), other, rec(3, 1, 1, 'leaf')],
    'good',
    'valid',
    [null, false, true],
  ],
  ['no records → none', [], 'good', 'none', []],
  ['no chain → invalid (not compared)', [rec(3, 1, 1, 'leaf')], 'none', 'invalid', [null]],
];
for (const [title, records, chain, status, matched] of cases) {
  test(title, () => {
    const r = matchDane(
      records.map((f) => f(certs)),
      chain === 'none' ? [] : chains[chain]!,
      ['mx.dane.test'],
      NOW,
    );
    assert.equal(r.status, status);
    assert.deepEqual(
      r.records.map((x) => x.matched),
      matched,
    );
  });
}

test('DANE-TA name mismatch and expiry are reported', () => {
  assert.equal(
    matchDane([rec(2, 1, 1, 'int')(certs)], chains.wrong!, ['mx.dane.test'], NOW).taNameMismatch,
    true,
  );
  assert.equal(
    matchDane([rec(2, 1, 1, 'int')(certs)], chains.expired!, ['mx.dane.test'], NOW).taExpired,
    true,
  );
});

test('rollover readiness counts usable records', () => {
  const r = matchDane(
    [rec(3, 1, 1, 'leaf')(certs), other(certs), rec(1, 1, 1, 'leaf')(certs)],
    chains.good!,
    [],
    NOW,
  );
  assert.equal(r.usable, 2);
});

const problems: [TlsaRecord, string | null][] = [
  [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }, null],
  [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(31) }, 'digest-length'],
  [{ usage: 3, selector: 1, matchingType: 2, data: 'ab'.repeat(32) }, 'digest-length'],
  [{ usage: 4, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }, 'unknown-usage'],
  [{ usage: 3, selector: 2, matchingType: 1, data: 'ab'.repeat(32) }, 'unknown-selector'],
  [{ usage: 3, selector: 1, matchingType: 3, data: 'ab'.repeat(32) }, 'unknown-matching-type'],
  [{ usage: 0, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }, 'pkix-usage'],
];
for (const [r, p] of problems) {
  test(`RFC 6698 §2.1 fields ${r.usage} ${r.selector} ${r.matchingType} (${r.data.length / 2} octets) → ${p}`, () => {
    assert.equal(tlsaProblem(r), p);
  });
}

const names: [string, string, boolean][] = [
  ['mx.dane.test', 'MX.dane.test.', true],
  ['*.dane.test', 'mx.dane.test', true],
  ['*.dane.test', 'a.mx.dane.test', false],
  ['*.test', 'dane.test', false],
  ['m*.dane.test', 'mx.dane.test', false],
];
for (const [p, n, want] of names)
  test(`nameMatches(${p}, ${n})`, () => assert.equal(nameMatches(p, n), want));
