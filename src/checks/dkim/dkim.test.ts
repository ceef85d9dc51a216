import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import type { QueryOptions, Resolver, RRType } from '../../dns/types.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { dkimCheck } from './index.ts';
import { parseDkimKey } from './parse.ts';

const rsa = (bits: number) =>
  generateKeyPairSync('rsa', { modulusLength: bits })
    .publicKey.export({ format: 'der', type: 'spki' })
    .toString('base64');
const ed = () =>
  generateKeyPairSync('ed25519')
    .publicKey.export({ format: 'der', type: 'spki' })
    .subarray(-32)
    .toString('base64');
const K2048 = rsa(2048);
const K1024 = rsa(1024);
const K512 = rsa(512);
const ED = ed();

const parseCases: [title: string, record: string, expect: Record<string, unknown> | null, codes: string[]][] =
  [
    ['6376 §3.6.1 minimal rsa key', `p=${K2048}`, { keyType: 'rsa', keyBits: 2048 }, []],
    ['6376 §3.6.1 v=DKIM1 first', `v=DKIM1; k=rsa; p=${K1024}`, { keyBits: 1024 }, []],
    ['6376 §3.6.1 v not first', `k=rsa; v=DKIM1; p=${K2048}`, {}, ['version-not-first']],
    ['6376 §3.6.1 wrong version', `v=DKIM2; p=${K2048}`, {}, ['version-invalid']],
    ['6376 §3.6.1 empty p= is revoked', 'v=DKIM1; p=', { revoked: true, keyBits: null }, []],
    ['6376 §3.6.1 p missing', 'v=DKIM1; k=rsa', null, ['p-missing']],
    [
      '6376 §3.2 tag names are case-sensitive: P= is not p=',
      `v=DKIM1; P=${K2048}`,
      null,
      ['unknown-tag', 'p-missing'],
    ],
    ['6376 §3.6.1 t=y testing', `v=DKIM1; t=y; p=${K2048}`, { testing: true, strict: false }, []],
    ['6376 §3.6.1 t=y:s', `v=DKIM1; t=y:s; p=${K2048}`, { testing: true, strict: true }, []],
    ['6376 §3.6.1 h=sha1', `v=DKIM1; h=sha1; p=${K2048}`, { hashes: ['sha1'] }, []],
    ['6376 §3.6.1 unknown hash', `v=DKIM1; h=md5; p=${K2048}`, {}, ['hash-unknown']],
    [
      '6376 §3.6.1 key with whitespace',
      `v=DKIM1; p=${K2048.slice(0, 100)} ${K2048.slice(100)}`,
      { keyBits: 2048 },
      [],
    ],
    ['6376 §3.2 duplicate tag', `v=DKIM1; p=${K2048}; p=${K1024}`, {}, ['duplicate-tag']],
    ['6376 §3.2 garbage segment', `v=DKIM1; garbage; p=${K2048}`, {}, ['tag-syntax']],
    [
      '6376 §3.6.1 unknown k',
      `v=DKIM1; k=dsa; p=${K2048}`,
      { keyType: 'dsa', keyBits: null },
      ['key-type-unknown'],
    ],
    ['6376 §3.6.1 p not base64', 'v=DKIM1; p=not*base64', {}, ['key-invalid']],
    ['8463 §4.2 ed25519 32 bytes', `v=DKIM1; k=ed25519; p=${ED}`, { keyType: 'ed25519', keyBits: 256 }, []],
    [
      '8463 §4.2 ed25519 wrong length',
      `v=DKIM1; k=ed25519; p=${K1024}`,
      { keyBits: null },
      ['ed25519-key-length'],
    ],
    ['6376 §3.6.1 unknown tag ignored', `v=DKIM1; x=1; p=${K2048}`, {}, ['unknown-tag']],
  ];
for (const [title, record, expect, codes] of parseCases) {
  test(`parse: ${title}`, () => {
    const r = parseDkimKey(record);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      codes,
    );
    if (expect === null) assert.equal(r.ok, false);
    else {
      assert.ok(r.ok);
      for (const [k, v] of Object.entries(expect))
        assert.deepEqual((r.value as unknown as Record<string, unknown>)[k], v, k);
    }
  });
}

const ctx = (zone: ZoneLiteral, selectors: string[] = []) =>
  testContext(staticResolver(zone), { validates: false, options: { selectors } });

const D = 'example.ch';
const dk = (sel: string) => `${sel}._domainkey.${D}`;
const node = { [`_domainkey.${D}`]: {} };

const runCases: [
  title: string,
  zone: ZoneLiteral,
  selectors: string[],
  status: string,
  ids: string[],
  check?: (e: Record<string, unknown>) => void,
][] = [
  [
    '8020 §2 NXDOMAIN at _domainkey: absent, no selector queried',
    {},
    [],
    'absent',
    ['dkim.none-found'],
    (e) => {
      assert.equal(e.domainkeyNode, false);
      assert.deepEqual(e.tried, []);
    },
  ],
  [
    '8020 §4 NXDOMAIN at _domainkey (a non-compliant server): a --selectors key is still found',
    { [dk('mysel')]: { TXT: [`v=DKIM1; k=rsa; p=${K2048}`] } },
    ['MySel'],
    'pass',
    [],
    (e) => {
      assert.deepEqual(e.tried, ['mysel']);
      assert.deepEqual(
        (e.selectors as { selector: string }[]).map((s) => s.selector),
        ['mysel'],
      );
    },
  ],
  [
    '8020 §2 _domainkey exists, no known selector: absent, other selectors may exist',
    { ...node },
    [],
    'absent',
    ['dkim.none-found'],
    (e) => assert.equal(e.domainkeyNode, true),
  ],
  [
    '6376 §3.6.1 a 2048-bit key passes',
    { ...node, [dk('google')]: { TXT: [`v=DKIM1; k=rsa; p=${K2048}`] } },
    [],
    'pass',
    [],
  ],
  [
    '8301 §3.2 1024-bit key warns',
    { ...node, [dk('selector1')]: { TXT: [`v=DKIM1; p=${K1024}`] } },
    [],
    'warn',
    ['dkim.rsa-key-short'],
  ],
  [
    '8301 §3.2 512-bit key fails',
    { ...node, [dk('s1')]: { TXT: [`v=DKIM1; p=${K512}`] } },
    [],
    'fail',
    ['dkim.rsa-key-too-short'],
  ],
  [
    '6376 §3.6.1 revoked key is info',
    { ...node, [dk('k1')]: { TXT: ['v=DKIM1; p='] } },
    [],
    'pass',
    ['dkim.revoked'],
  ],
  [
    '6376 §3.6.1 t=y warns',
    { ...node, [dk('k1')]: { TXT: [`v=DKIM1; t=y; p=${K2048}`] } },
    [],
    'warn',
    ['dkim.testing'],
  ],
  [
    '8301 §3.1 h=sha1 only warns',
    { ...node, [dk('k1')]: { TXT: [`v=DKIM1; h=sha1; p=${K2048}`] } },
    [],
    'warn',
    ['dkim.sha1-only'],
  ],
  [
    '8463 ed25519 key passes',
    { ...node, [dk('fm1')]: { TXT: [`v=DKIM1; k=ed25519; p=${ED}`] } },
    [],
    'pass',
    [],
    (e) => assert.deepEqual((e.selectors as { keyBits: number }[])[0]?.keyBits, 256),
  ],
  [
    '6376 §3.6.2.1 CNAME to a provider key is followed',
    {
      ...node,
      [dk('selector1')]: { CNAME: 'selector1-example-ch._domainkey.tenant.onmicrosoft.com' },
      'selector1-example-ch._domainkey.tenant.onmicrosoft.com': { TXT: [`v=DKIM1; k=rsa; p=${K2048}`] },
    },
    [],
    'pass',
    [],
    (e) =>
      assert.equal(
        (e.selectors as { cname: string }[])[0]?.cname,
        'selector1-example-ch._domainkey.tenant.onmicrosoft.com',
      ),
  ],
  [
    '4.3 M365 CNAME without key yet: info, absent',
    { ...node, [dk('selector2')]: { CNAME: 'selector2-example-ch._domainkey.tenant.onmicrosoft.com' } },
    [],
    'absent',
    ['dkim.cname-without-key', 'dkim.none-found'],
  ],
  [
    'a selector found only through --selectors',
    { ...node, [dk('custom2024')]: { TXT: [`v=DKIM1; p=${K2048}`] } },
    ['custom2024'],
    'pass',
    [],
    (e) => assert.ok((e.tried as string[]).includes('custom2024')),
  ],
  [
    'selector SERVFAIL is error, not absent',
    { ...node, [dk('google')]: 'SERVFAIL' },
    [],
    'error',
    ['dkim.undetermined'],
  ],
  [
    'selector TIMEOUT next to a found key: warn, not absent',
    { ...node, [dk('google')]: 'TIMEOUT', [dk('k1')]: { TXT: [`p=${K2048}`] } },
    [],
    'warn',
    ['dkim.selector-undetermined'],
  ],
  [
    '_domainkey REFUSED and selectors too: error',
    { [`_domainkey.${D}`]: 'REFUSED', [dk('google')]: 'REFUSED' },
    [],
    'error',
    ['dkim.undetermined'],
  ],
  [
    'wildcard TXT (SPF) under _domainkey is no key: absent',
    { ...node, [dk('google')]: { TXT: ['v=spf1 -all'] }, [dk('k1')]: { TXT: ['v=spf1 -all'] } },
    [],
    'absent',
    ['dkim.none-found'],
    (e) => assert.deepEqual(e.nonKeyTxt, ['google', 'k1']),
  ],
  [
    '6376 §3.6.1 record without p=: fail',
    { ...node, [dk('dkim')]: { TXT: ['v=DKIM1; k=rsa'] } },
    [],
    'fail',
    ['dkim.record-invalid'],
  ],
];
for (const [title, zone, selectors, status, ids, extra] of runCases) {
  test(`run: ${title}`, async () => {
    const r = await dkimCheck.run(D, ctx(zone, selectors), {});
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
    extra?.(r.evidence as unknown as Record<string, unknown>);
  });
}

test('selector queries run at most 4 at a time', async () => {
  let inFlight = 0;
  let peak = 0;
  const inner = staticResolver({ ...node });
  const c = ctx({});
  const resolver: Resolver = {
    async query<T extends RRType>(name: string, type: T, options?: QueryOptions) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      try {
        return await inner.query(name, type, options);
      } finally {
        inFlight--;
      }
    },
  };
  await dkimCheck.run(D, { ...c, resolver }, {});
  assert.ok(peak <= 4, `peak ${peak}`);
  assert.ok(inner.calls.length >= 31);
});
