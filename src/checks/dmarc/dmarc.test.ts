import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { treeWalkNames } from './discovery.ts';
import { dmarcCheck } from './index.ts';
import { parseDmarc } from './parse.ts';

const parseCases: [title: string, record: string, codes: string[], expect?: Record<string, unknown>][] = [
  ['9989 §4.7 minimal record', 'v=DMARC1; p=reject', [], { p: 'reject', sp: null, adkim: 'r' }],
  ['9989 §4.7 whitespace around =', 'v = DMARC1 ; p = quarantine ;', [], { p: 'quarantine' }],
  ['9989 §4.7 tag name V is case-insensitive (ABNF)', 'V=DMARC1; p=reject', [], { p: 'reject' }],
  ['9989 §4.7 v=dmarc1 is not DMARC', 'v=dmarc1; p=reject', ['version-invalid']],
  ['9989 §4.7 v must be first', 'p=reject; v=DMARC1', ['version-invalid']],
  ['9989 §4.7 DMARC1x is not DMARC', 'v=DMARC1x; p=reject', ['version-invalid']],
  ['9989 §4.7 values case-insensitive', 'v=DMARC1; p=REJECT; SP=None', [], { p: 'reject', sp: 'none' }],
  ['9989 §4.7 invalid p', 'v=DMARC1; p=block', ['invalid-value', 'p-missing']],
  ['9989 §4.7 missing p', 'v=DMARC1; rua=mailto:d@example.ch', ['p-missing']],
  [
    '9989 §4.7 np, t, psd',
    'v=DMARC1; p=reject; np=reject; t=y; psd=n',
    [],
    { np: 'reject', testing: true, psd: 'n' },
  ],
  ['9989 §4.7 invalid psd', 'v=DMARC1; p=reject; psd=x', ['invalid-value']],
  ['9989 §4.7 adkim/aspf s', 'v=DMARC1; p=none; adkim=s; aspf=s', [], { adkim: 's', aspf: 's' }],
  ['9989 §4.7 invalid adkim', 'v=DMARC1; p=none; adkim=x', ['invalid-value']],
  ['9989 §4.7 fo 0:1 redundant', 'v=DMARC1; p=none; fo=0:1', ['fo-redundant']],
  ['9989 §4.7 fo invalid', 'v=DMARC1; p=none; fo=2', ['invalid-value']],
  ['9989 A.6 pct removed', 'v=DMARC1; p=reject; pct=100', ['removed-tag'], { pct: 100 }],
  ['9989 A.6 pct<100 partial', 'v=DMARC1; p=reject; pct=20', ['removed-tag', 'pct-partial'], { pct: 20 }],
  ['9989 A.6 rf and ri removed', 'v=DMARC1; p=reject; rf=afrf; ri=86400', ['removed-tag', 'removed-tag']],
  ['9989 §4.7 unknown tag', 'v=DMARC1; p=reject; foo=bar', ['unknown-tag'], { unknownTags: ['foo'] }],
  ['checkdmarc: duplicate tag', 'v=DMARC1; p=reject; p=none', ['duplicate-tag'], { p: 'reject' }],
  ['9989 §4.7 tag without =', 'v=DMARC1; p=reject; rua', ['tag-syntax']],
  ['9989 §4.7 empty tag', 'v=DMARC1;; p=reject', ['empty-tag']],
  ['9990 rua !size obsolete', 'v=DMARC1; p=reject; rua=mailto:d@example.ch!10m', ['uri-size-suffix']],
  ['9990 rua non-mailto', 'v=DMARC1; p=reject; rua=https://r.example.ch/x', ['uri-scheme']],
  ['9990 rua invalid', 'v=DMARC1; p=reject; rua=mailto:nobody', ['uri-invalid']],
  [
    '9989 §4.7 more than 2 URIs',
    'v=DMARC1; p=reject; rua=mailto:a@x.ch,mailto:b@x.ch,mailto:c@x.ch',
    ['too-many-uris'],
  ],
];
for (const [title, record, codes, expect] of parseCases) {
  test(`parse: ${title}`, () => {
    const r = parseDmarc(record);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      codes,
    );
    if (expect && r.ok) {
      for (const [k, v] of Object.entries(expect)) {
        assert.deepEqual((r.value as unknown as Record<string, unknown>)[k], v, k);
      }
    } else if (expect) assert.fail('not ok');
  });
}

test('9989 §4.10.1 tree walk names: short name', () => {
  assert.deepEqual(treeWalkNames('mail.example.ch'), ['mail.example.ch', 'example.ch', 'ch']);
});
test('9989 §4.10.1 tree walk names: more than 8 labels jumps to 7', () => {
  const names = treeWalkNames('a.b.c.d.e.f.g.h.i.j.k.example.com');
  assert.equal(names.length, 8);
  assert.deepEqual(names.slice(0, 3), [
    'a.b.c.d.e.f.g.h.i.j.k.example.com',
    'g.h.i.j.k.example.com',
    'h.i.j.k.example.com',
  ]);
  assert.equal(names.at(-1), 'com');
});

const ctx = (zone: ZoneLiteral) => testContext(staticResolver(zone), { validates: false });

const D = 'example.ch';
const rua = 'rua=mailto:dmarc@example.ch';
const mail = { MX: [{ preference: 10, exchange: 'mx.example.ch' }] };

const runCases: [
  title: string,
  domain: string,
  zone: ZoneLiteral,
  status: string,
  ids: string[],
  fields?: Record<string, unknown>,
][] = [
  ['9989 §4.10 no record anywhere: absent', D, { [D]: { A: ['192.0.2.1'] } }, 'absent', ['dmarc.not-found']],
  [
    '9989 §4.7 p=reject with rua: pass',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; ${rua}`] } },
    'pass',
    [],
    { policy: 'reject', effectivePolicy: 'reject', orgDomain: D, discovery: 'treewalk', pslOrgDomain: D },
  ],
  [
    '9989 §4.7 p=none warns',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=none; ${rua}`] } },
    'warn',
    ['dmarc.policy-none'],
    { policy: 'none', effectivePolicy: 'none' },
  ],
  [
    '9989 §4.10 record only at the org domain applies sp to a subdomain',
    `shop.${D}`,
    {
      [D]: mail,
      [`shop.${D}`]: { A: ['192.0.2.1'] },
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; sp=quarantine; ${rua}`] },
    },
    'pass',
    ['dmarc.inherited-policy'],
    {
      policyDomain: D,
      policy: 'reject',
      subdomainPolicy: 'quarantine',
      effectivePolicy: 'quarantine',
      orgDomain: D,
    },
  ],
  [
    '9989 §4.7 np applies to a non-existent subdomain',
    `ghost.${D}`,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=quarantine; np=reject; ${rua}`] } },
    'pass',
    ['dmarc.inherited-policy'],
    { effectivePolicy: 'reject' },
  ],
  [
    '9989 §4.7 existence unknown (SERVFAIL) and np ≠ sp: effective policy unknown, not sp',
    `sub.${D}`,
    {
      [D]: mail,
      [`sub.${D}`]: 'SERVFAIL',
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; sp=reject; np=none; ${rua}`] },
    },
    'warn',
    ['dmarc.existence-undetermined', 'dmarc.np-none'],
    { effectivePolicy: null },
  ],
  [
    '9989 §4.7 existence unknown but np = sp: that policy applies',
    `sub.${D}`,
    {
      [D]: mail,
      [`sub.${D}`]: 'SERVFAIL',
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; sp=quarantine; ${rua}`] },
    },
    'pass',
    ['dmarc.inherited-policy'],
    { effectivePolicy: 'quarantine' },
  ],
  [
    '9989 §4.7 t=y: quarantine is applied as none',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=quarantine; t=y; ${rua}`] } },
    'warn',
    ['dmarc.policy-none', 'dmarc.testing'],
    { policy: 'quarantine', effectivePolicy: 'none', testing: true },
  ],
  [
    '9989 §4.7 t=y: reject is applied as quarantine',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; t=y; ${rua}`] } },
    'warn',
    ['dmarc.testing'],
    { policy: 'reject', effectivePolicy: 'quarantine' },
  ],
  [
    '7489 §6.6.3 / 9989 §4.10 two records: fail',
    D,
    { [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=reject', 'v=DMARC1; p=none'] } },
    'fail',
    ['dmarc.multiple-records'],
    { record: null, policy: null },
  ],
  [
    '9989 A.6 removed tags reported',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; pct=50; rf=afrf; ri=3600; ${rua}`] } },
    'warn',
    ['dmarc.removed-tag', 'dmarc.removed-tag', 'dmarc.removed-tag', 'dmarc.pct-partial'],
    { pct: 50 },
  ],
  [
    '7489 §7.1 external rua without authorisation warns',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=reject; rua=mailto:r@reports.example.net'] },
      'reports.example.net': mail,
    },
    'warn',
    ['dmarc.rua-not-authorised'],
    {
      rua: [
        {
          uri: 'mailto:r@reports.example.net',
          host: 'reports.example.net',
          external: true,
          authorised: false,
          acceptsMail: true,
        },
      ],
    },
  ],
  [
    '7489 §7.1 external rua authorised by a record',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=reject; rua=mailto:r@reports.example.net'] },
      'reports.example.net': mail,
      [`${D}._report._dmarc.reports.example.net`]: { TXT: ['v=DMARC1'] },
    },
    'pass',
    [],
  ],
  [
    '7489 §7.1 external rua authorised by the wildcard',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=reject; rua=mailto:r@reports.example.net'] },
      'reports.example.net': mail,
      '*._report._dmarc.reports.example.net': { TXT: ['v=DMARC1;'] },
    },
    'pass',
    [],
  ],
  [
    '7505 report destination with a Null MX accepts no mail',
    D,
    {
      [D]: { MX: [{ preference: 0, exchange: '.' }] },
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; ${rua}`] },
    },
    'warn',
    ['dmarc.destination-no-mail'],
  ],
  [
    'authorisation lookup SERVFAIL is undetermined, not unauthorised',
    D,
    {
      [D]: mail,
      [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=reject; rua=mailto:r@reports.example.net'] },
      'reports.example.net': mail,
      [`${D}._report._dmarc.reports.example.net`]: 'SERVFAIL',
    },
    'warn',
    ['dmarc.authorisation-undetermined'],
  ],
  [
    'SERVFAIL at _dmarc is error, not absent',
    D,
    { [`_dmarc.${D}`]: 'SERVFAIL' },
    'error',
    ['dmarc.undetermined'],
  ],
  [
    'TIMEOUT at the parent is error too',
    `a.${D}`,
    { [`_dmarc.${D}`]: 'TIMEOUT' },
    'error',
    ['dmarc.undetermined'],
  ],
  [
    'record at the apex: wrong location',
    D,
    { [D]: { TXT: ['v=DMARC1; p=reject'] } },
    'absent',
    ['dmarc.wrong-location', 'dmarc.not-found'],
  ],
  [
    '9989 §4.10.2 psd=n marks the organisational domain',
    `a.b.${D}`,
    {
      [`a.b.${D}`]: { A: ['192.0.2.1'] },
      [`_dmarc.b.${D}`]: { TXT: [`v=DMARC1; p=reject; psd=n; rua=mailto:x@b.${D}`] },
      [`b.${D}`]: mail,
      [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=none; ${rua}`] },
    },
    'pass',
    ['dmarc.inherited-policy', 'dmarc.discovery-disagreement'],
    { orgDomain: `b.${D}`, pslOrgDomain: D, policyDomain: `b.${D}` },
  ],
  [
    '9989 §4.10.2 tree walk and PSL disagree on a private suffix',
    'alice.github.io',
    {
      'alice.github.io': { A: ['192.0.2.1'] },
      '_dmarc.github.io': { TXT: ['v=DMARC1; p=reject; rua=mailto:d@github.io'] },
      'github.io': mail,
    },
    'pass',
    ['dmarc.inherited-policy', 'dmarc.discovery-disagreement'],
    {
      orgDomain: 'github.io',
      pslOrgDomain: 'alice.github.io',
      pslPolicyDomain: null,
      effectivePolicy: 'reject',
    },
  ],
  [
    'neither discovery finds a policy: no disagreement note (nothing applies either way)',
    'deep.alice.github.io',
    {
      'deep.alice.github.io': { A: ['192.0.2.1'] },
      'alice.github.io': { A: ['192.0.2.1'] },
      'github.io': mail,
    },
    'absent',
    ['dmarc.not-found'],
  ],
  [
    '9989 §4.10.2 psd=y: the org domain is one label below',
    'alice.github.io',
    {
      'alice.github.io': { A: ['192.0.2.1'] },
      '_dmarc.github.io': { TXT: ['v=DMARC1; p=reject; psd=y; rua=mailto:d@github.io'] },
      'github.io': mail,
    },
    'pass',
    ['dmarc.inherited-policy'],
    { orgDomain: 'alice.github.io', pslOrgDomain: 'alice.github.io' },
  ],
  [
    '9989 §4.7 psd=y on a registrable domain warns',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; psd=y; ${rua}`] } },
    'warn',
    ['dmarc.psd-on-registrable'],
  ],
  [
    '9989 §4.7 t=y and sp=none warn',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; sp=none; t=y; ${rua}`] } },
    'warn',
    ['dmarc.subdomain-policy-none', 'dmarc.testing'],
    { testing: true },
  ],
  [
    '9989 §4.7 no p and no rua: fail',
    D,
    { [`_dmarc.${D}`]: { TXT: ['v=DMARC1; adkim=s'] } },
    'fail',
    ['dmarc.p-missing-no-rua', 'dmarc.no-rua'],
  ],
  [
    'SPF record at _dmarc',
    D,
    { [D]: mail, [`_dmarc.${D}`]: { TXT: ['v=spf1 -all', `v=DMARC1; p=reject; ${rua}`] } },
    'fail',
    ['dmarc.spf-at-dmarc'],
  ],
];
for (const [title, domain, zone, status, ids, fields] of runCases) {
  test(`run: ${title}`, async () => {
    const r = await dmarcCheck.run(domain, ctx(zone), {});
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
    for (const [k, v] of Object.entries(fields ?? {})) {
      assert.deepEqual((r.evidence as unknown as Record<string, unknown>)[k], v, k);
    }
  });
}

test('hostile: a record naming hundreds of report hosts costs a bounded number of lookups', async () => {
  const uris = Array.from({ length: 300 }, (_, i) => `mailto:r@h${i}.example.net`).join(',');
  const resolver = staticResolver({ [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=reject; rua=${uris}`] } });
  const r = await dmarcCheck.run(D, testContext(resolver, { validates: false }), {});
  assert.equal(r.status, 'warn');
  assert.equal(r.evidence.rua.length, 300);
  assert.ok(resolver.calls.length < 80, `${resolver.calls.length} lookups`);
});
