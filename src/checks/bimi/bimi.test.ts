import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import { dmarcCheck } from '../dmarc/index.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import type { GatherContext } from '../types.ts';
import { bimiCheck } from './index.ts';
import { parseBimi } from './parse.ts';

const L = 'https://brand.example.ch/logo.svg';
const A = 'https://brand.example.ch/vmc.pem';
const parseCases: [title: string, record: string, codes: string[], expect?: Record<string, unknown>][] = [
  ['BIMI §4.2 l and a', `v=BIMI1; l=${L}; a=${A}`, [], { location: L, authority: A, declination: false }],
  ['BIMI §4.2 l only', `v=BIMI1; l=${L};`, [], { location: L, authority: null }],
  ['BIMI §4.2 declination: l= and a= empty', 'v=BIMI1; l=; a=;', [], { declination: true }],
  ['BIMI §4.2 l must be https', 'v=BIMI1; l=http://brand.example.ch/logo.svg', ['location-not-https']],
  ['BIMI §4.2 a must be https', `v=BIMI1; l=${L}; a=ftp://x.example/vmc.pem`, ['authority-not-https']],
  ['BIMI §4.2 l missing', `v=BIMI1; a=${A}`, ['location-missing']],
  ['BIMI §4.2 v must come first', `l=${L}; v=BIMI1`, ['version-invalid']],
  ['BIMI §4.2 avp brand|personal', `v=BIMI1; l=${L}; avp=company`, ['avp-invalid']],
  ['BIMI §4.2 unknown tag', `v=BIMI1; l=${L}; x=1`, ['unknown-tag']],
];
for (const [title, record, codes, expect] of parseCases) {
  test(`parse: ${title}`, () => {
    const r = parseBimi(record);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      codes,
    );
    for (const [k, v] of Object.entries(expect ?? {})) {
      assert.ok(r.ok);
      assert.deepEqual((r.value as unknown as Record<string, unknown>)[k], v, k);
    }
  });
}

const ctx = (zone: ZoneLiteral, bimiSelector?: string): GatherContext =>
  ({
    resolver: staticResolver(zone),
    options: { selectors: [], bimiSelector },
    signal: new AbortController().signal,
  }) as unknown as GatherContext;

const D = 'example.ch';
const mail = { MX: [{ preference: 10, exchange: 'mx.example.ch' }] };
const reject = { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; rua=mailto:d@${D}`] } };
const bimi = (rec: string, sel = 'default', d = D) => ({ [`${sel}._bimi.${d}`]: { TXT: [rec] } });

const runCases: [
  title: string,
  domain: string,
  zone: ZoneLiteral,
  status: string,
  ids: string[],
  sel?: string,
][] = [
  [
    'BIMI record with DMARC reject: pass (assets not fetched)',
    D,
    { ...reject, ...bimi(`v=BIMI1; l=${L}; a=${A}`) },
    'pass',
    ['bimi.assets-not-checked'],
  ],
  ['no BIMI record: absent', D, { ...reject }, 'absent', []],
  [
    'a record without a= passes, with a note that the large mailbox providers require a mark certificate',
    D,
    { ...reject, ...bimi(`v=BIMI1; l=${L}`) },
    'pass',
    ['bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  ],
  [
    'BIMI record at the apex: wrong location',
    D,
    { ...reject, [D]: { ...mail, TXT: [`v=BIMI1; l=${L}`] } },
    'absent',
    ['bimi.wrong-location'],
  ],
  [
    'BIMI §3 DMARC p=none: not enforcing, fail',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=none; rua=mailto:d@${D}`] },
      ...bimi(`v=BIMI1; l=${L}`),
    },
    'fail',
    ['bimi.dmarc-not-enforcing', 'bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  ],
  [
    'BIMI §3 DMARC t=y: not enforcing',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; t=y; rua=mailto:d@${D}`] },
      ...bimi(`v=BIMI1; l=${L}`),
    },
    'fail',
    ['bimi.dmarc-not-enforcing', 'bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  ],
  [
    'BIMI §3 DMARC pct<100: not enforcing',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=quarantine; pct=50; rua=mailto:d@${D}`] },
      ...bimi(`v=BIMI1; l=${L}`),
    },
    'fail',
    ['bimi.dmarc-not-enforcing', 'bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  ],
  [
    'BIMI without any DMARC: fail',
    D,
    { [D]: mail, ...bimi(`v=BIMI1; l=${L}`) },
    'fail',
    ['bimi.dmarc-not-enforcing', 'bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  ],
  [
    'declination is info, no DMARC needed',
    D,
    { [D]: mail, ...bimi('v=BIMI1; l=; a=;') },
    'pass',
    ['bimi.declination'],
  ],
  [
    'BIMI §4.3 fallback to the organisational domain',
    `news.${D}`,
    { ...reject, [`news.${D}`]: mail, ...bimi(`v=BIMI1; l=${L}`) },
    'pass',
    ['bimi.inherited-from-org', 'bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  ],
  [
    'custom selector',
    D,
    { ...reject, ...bimi(`v=BIMI1; l=${L}`, 'brand') },
    'pass',
    ['bimi.no-mark-certificate', 'bimi.assets-not-checked'],
    'brand',
  ],
  [
    'two records: fail',
    D,
    { ...reject, [`default._bimi.${D}`]: { TXT: [`v=BIMI1; l=${L}`, `v=BIMI1; l=${L}2`] } },
    'fail',
    ['bimi.multiple-records'],
  ],
  [
    'SERVFAIL: error, not absent',
    D,
    { ...reject, [`default._bimi.${D}`]: 'SERVFAIL' },
    'error',
    ['bimi.undetermined'],
  ],
];
for (const [title, domain, zone, status, ids, sel] of runCases) {
  test(`run: ${title}`, async () => {
    const c = ctx(zone, sel);
    const dmarc = await dmarcCheck.run(domain, c, {});
    const r = await bimiCheck.run(domain, c, { dmarc });
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
    assert.deepEqual(r.evidence.svg, { valid: null, problems: [] });
  });
}

test('without a dmarc result the prerequisite is undetermined (warning)', async () => {
  const r = await bimiCheck.run(D, ctx({ ...reject, ...bimi(`v=BIMI1; l=${L}`) }), {});
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['bimi.dmarc-undetermined', 'bimi.no-mark-certificate', 'bimi.assets-not-checked'],
  );
  assert.equal(r.status, 'warn');
});
