import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver } from '../../dns/static.ts';
import type { Prober } from '../../net/prober.ts';
import type { SmtpOutcome, SmtpProbeResult } from '../../net/smtp.ts';
import { mxCheck } from '../mx/index.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { rollUp, starttlsOf } from './check.ts';
import { smtpCheck } from './index.ts';

const mx = (exchange: string) => [{ preference: 10, exchange }];
const tlsa = { usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) };
const resolver = staticResolver(
  {
    'ok.test': { MX: mx('mx.ok.test') },
    'mx.ok.test': { A: ['185.12.64.1', '185.12.64.2'] },
    'mixed.test': { MX: [...mx('mx.ok.test'), { preference: 20, exchange: 'mx.plain.test' }] },
    'mx.plain.test': { A: ['185.12.64.3'] },
    'down.test': { MX: mx('mx.down.test') },
    'mx.down.test': { A: ['185.12.64.4'] },
    'dane.test': { MX: mx('mx.dane.test') },
    'mx.dane.test': { A: ['185.12.64.5'] },
    '_25._tcp.mx.dane.test': { TLSA: [tlsa] },
    'alias.test': { MX: mx('mx.alias.test') },
    'mx.alias.test': { CNAME: 'real.dane.test' },
    'real.dane.test': { A: ['185.12.64.6'] },
    '_25._tcp.real.dane.test': { TLSA: [tlsa] },
    'insecure.test': { MX: mx('mx.insecure.test') },
    'mx.insecure.test': { A: ['185.12.64.7'] },
    '_25._tcp.mx.insecure.test': { TLSA: [tlsa] },
    'bogus.test': { MX: mx('mx.bogus.test') },
    'mx.bogus.test': { A: ['185.12.64.8'] },
    '_25._tcp.mx.bogus.test': { TLSA: 'SERVFAIL' },
    'pkix.test': { MX: mx('mx.pkix.test') },
    'mx.pkix.test': { A: ['185.12.64.9'] },
    '_25._tcp.mx.pkix.test': { TLSA: [{ ...tlsa, usage: 1 }] },
    'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
    'private.test': { MX: mx('mx.private.test') },
    'mx.private.test': { A: ['10.1.2.3'] },
    'fail.test': { MX: 'SERVFAIL' },
    'noaddr.test': { MX: mx('mx.noaddr.test') },
    'mx.noaddr.test': 'SERVFAIL',
    'halfaddr.test': { MX: [...mx('mx.ok.test'), { preference: 20, exchange: 'mx.noaddr.test' }] },
  },
  {
    authenticated: [
      'mx.dane.test',
      '_25._tcp.mx.dane.test',
      'mx.alias.test',
      'real.dane.test',
      '_25._tcp.real.dane.test',
      'mx.bogus.test',
      'mx.pkix.test',
      '_25._tcp.mx.pkix.test',
    ],
  },
);

const outcomes: Record<string, SmtpOutcome> = {
  '185.12.64.3': 'no-starttls',
  '185.12.64.4': 'timeout',
  '185.12.64.5': 'starttls-refused',
};
function fakeProber(): Prober & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    connections: 0,
    async probeSmtp(address, sni): Promise<SmtpProbeResult> {
      calls.push(`${address}|${sni}`);
      const outcome = outcomes[address] ?? (address.startsWith('10.') ? 'refused-address' : 'ok');
      return {
        address,
        sni,
        outcome,
        banner: '220 hi',
        ehlo: [],
        starttlsReply: null,
        tls: null,
        error: null,
        elapsedMs: 1,
      };
    },
  };
}

async function run(domain: string, o: { noSmtp?: boolean; prober?: Prober } = {}) {
  const ctx = testContext(resolver, { options: { noSmtp: o.noSmtp ?? false } });
  const prober = o.prober ?? fakeProber();
  const full = { ...ctx, prober };
  const prior = { mx: await mxCheck.run(domain, full, {}) };
  return smtpCheck.run(domain, full, prior);
}

const cases: [
  title: string,
  domain: string,
  status: string,
  support: string,
  dane: string[],
  ids: string[],
][] = [
  ['every host ok → all → pass', 'ok.test', 'pass', 'all', ['none', 'none'], []],
  [
    'one host without STARTTLS → some → warn',
    'mixed.test',
    'warn',
    'some',
    ['none', 'none', 'none'],
    ['smtp.starttls-missing'],
  ],
  ['timeout only → error, never no', 'down.test', 'error', 'error', ['none'], ['smtp.unreachable']],
  [
    'RFC 7672 §2.2 usable TLSA and STARTTLS refused → DANE invalid',
    'dane.test',
    'fail',
    'none',
    ['invalid'],
    ['smtp.starttls-refused', 'smtp.dane-invalid', 'smtp.dane-no-rollover'],
  ],
  // the fake prober captures no chain, so matching is not reached
  [
    'RFC 7672 §2.2.2 secure CNAME: TLSA at the target',
    'alias.test',
    'pass',
    'all',
    ['skipped'],
    ['smtp.dane-no-rollover'],
  ],
  ['TLSA in an unsigned zone → none', 'insecure.test', 'pass', 'all', ['none'], ['smtp.dane-insecure']],
  [
    'bogus TLSA (SERVFAIL) → error, and the section fails',
    'bogus.test',
    'fail',
    'all',
    ['error'],
    ['smtp.dane-lookup-failed'],
  ],
  [
    'RFC 7672 §3.1.3 PKIX-EE only → none (a warning)',
    'pkix.test',
    'warn',
    'all',
    ['none'],
    ['smtp.dane-pkix-usage', 'smtp.dane-no-usable-record'],
  ],
  ['Null MX → skipped', 'nullmx.test', 'skipped', 'skipped', [], []],
  [
    'private address outside --allow-private → skipped',
    'private.test',
    'skipped',
    'skipped',
    ['skipped'],
    ['smtp.refused-address'],
  ],
  ['MX SERVFAIL → error', 'fail.test', 'error', 'error', [], ['smtp.undetermined']],
  // the MX host's A/AAAA SERVFAIL: not tested is error, never skipped
  ['MX address SERVFAIL → error', 'noaddr.test', 'error', 'error', [], ['smtp.undetermined']],
  [
    'one MX tested, the other address SERVFAIL → all, warn, counted undetermined',
    'halfaddr.test',
    'warn',
    'all',
    ['none', 'none'],
    ['smtp.undetermined'],
  ],
];
for (const [title, domain, status, support, dane, ids] of cases) {
  test(title, async () => {
    const r = await run(domain);
    assertStatusAllowed(r);
    assert.equal(r.status, status);
    assert.equal(r.evidence.starttlsSupport, support);
    assert.deepEqual(
      r.evidence.hosts.map((h) => h.dane.status),
      dane,
    );
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
  });
}

test('hostile: an MX set of hundreds of addresses is listed, but only the first 32 are probed', async () => {
  const many = Array.from({ length: 300 }, (_, i) => `185.12.${65 + (i >> 8)}.${i & 255}`);
  const zone = staticResolver({
    'many.test': { MX: mx('mx.many.test') },
    'mx.many.test': { A: many },
  });
  const p = fakeProber();
  const ctx = { ...testContext(zone, { options: { noSmtp: false } }), prober: p };
  const r = await smtpCheck.run('many.test', ctx, { mx: await mxCheck.run('many.test', ctx, {}) });
  assert.equal(p.calls.length, 32);
  assert.equal(r.evidence.hosts.length, 300);
  assert.equal(r.evidence.hosts.filter((h) => h.outcome === 'skipped').length, 268);
  assert.equal(r.evidence.starttlsSupport, 'all');
  assert.ok(r.findings.some((f) => f.id === 'smtp.hosts-not-probed'));
});

test('interface.md --no-smtp: skipped even when the MX lookup failed', async () => {
  const r = await run('fail.test', { noSmtp: true });
  assert.equal(r.status, 'skipped');
  assert.equal(r.evidence.starttlsSupport, 'skipped');
});

test('an MX whose addresses could not be looked up counts as undetermined', async () => {
  assert.equal((await run('halfaddr.test')).evidence.undetermined, 1);
  assert.equal((await run('noaddr.test', { noSmtp: true })).status, 'skipped');
});

test('SNI is the TLSA base domain when DANE applies, else the exchange', async () => {
  const p = fakeProber();
  const alias = await run('alias.test', { prober: p });
  assert.equal(alias.evidence.hosts[0]?.dane.base, 'real.dane.test');
  await run('ok.test', { prober: p });
  assert.deepEqual(p.calls, [
    '185.12.64.6|real.dane.test',
    '185.12.64.1|mx.ok.test',
    '185.12.64.2|mx.ok.test',
  ]);
});

test('--no-smtp → skipped, no probe', async () => {
  const p = fakeProber();
  const r = await run('ok.test', { noSmtp: true, prober: p });
  assert.equal(r.status, 'skipped');
  assert.deepEqual(
    r.evidence.hosts.map((h) => h.outcome),
    ['skipped', 'skipped'],
  );
  assert.equal(p.calls.length, 0);
  assert.deepEqual(
    r.evidence.hosts.map((h) => h.dane.status),
    ['skipped', 'skipped'],
  );
});

test('interface.md outcome → starttls and the roll-up', () => {
  assert.deepEqual(
    (
      [
        'ok',
        'no-starttls',
        'starttls-refused',
        'handshake-failed',
        'refused',
        'timeout',
        'refused-address',
        'skipped',
      ] as const
    ).map(starttlsOf),
    ['yes', 'no', 'no', 'error', 'error', 'error', 'skipped', 'skipped'],
  );
  assert.equal(rollUp(['yes', 'error']), 'all');
  assert.equal(rollUp(['no', 'error', 'skipped']), 'none');
  assert.equal(rollUp(['error', 'skipped']), 'error');
  assert.equal(rollUp(['skipped']), 'skipped');
});

test('RFC 7672 §3.2.3: a certificate naming the MX host is no name mismatch when SNI is the CNAME target', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { X509Certificate } = await import('node:crypto');
  const { createTestCa } = await import('../../../testworld/ca.ts');
  const { describeCertificate } = await import('../../net/tls-info.ts');
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-smtp-names-'));
  try {
    const ca = await createTestCa(dir);
    const cert = (name: string) => ca.issue(name).then((c) => new X509Certificate(c.chainPem));
    const [forMx, forOther] = await Promise.all([cert('mx.alias.test'), cert('mx.other.test')]);
    const prober = (leaf: InstanceType<typeof X509Certificate>): Prober => ({
      connections: 0,
      async probeSmtp(address, sni) {
        return {
          address,
          sni,
          outcome: 'ok',
          banner: '220 hi',
          ehlo: ['STARTTLS'],
          starttlsReply: '220 go ahead',
          tls: {
            version: 'TLSv1.3',
            cipher: 'TLS_AES_128_GCM_SHA256',
            chain: [describeCertificate(leaf)],
            trusted: true,
            trustError: null,
            nameMatch: false,
            nameError: `not valid for ${sni}`,
          },
          error: null,
          elapsedMs: 1,
        };
      },
    });
    const ids = async (leaf: InstanceType<typeof X509Certificate>) =>
      (await run('alias.test', { prober: prober(leaf) })).findings.map((f) => f.id);
    assert.ok(!(await ids(forMx)).includes('smtp.certificate-name-mismatch'));
    assert.ok((await ids(forOther)).includes('smtp.certificate-name-mismatch'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
