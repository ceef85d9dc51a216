import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  renderStatisticsCsv as renderCsv,
  renderStatisticsMarkdown as renderMarkdown,
  renderStatisticsTable as renderTable,
} from '../render/statistics.ts';
import { statisticsDocument } from './document.ts';
import { domainRow } from './row.ts';
import type { Doc } from './stats.ts';
import { bannerSoftware, computeStats, issuerName, STATISTIC_KEYS } from './stats.ts';

/** A hand-made document: every section present and "nothing deployed", then overridden. */
function doc(domain: string, over: Record<string, Record<string, unknown>> = {}): Doc {
  const base: Record<string, Record<string, unknown>> = {
    dnssec: { status: 'absent', validation: 'insecure' },
    caa: { status: 'absent', records: [] },
    mx: { status: 'absent', records: [], nullMx: false },
    smtp: { status: 'skipped', hosts: [], starttlsSupport: 'skipped' },
    spf: { status: 'absent', record: null, records: [], all: null, redirect: null, lookups: 0 },
    dkim: { status: 'absent', selectors: [], domainkeyNode: false },
    dmarc: { status: 'absent', record: null, policy: null, rua: [] },
    mtaSts: { status: 'absent', record: null, policy: null, policyFetched: false },
    tlsRpt: { status: 'absent', record: null },
    bimi: { status: 'absent', record: null, authority: null },
    securityTxt: { status: 'absent' },
    microsoft365: { status: 'absent', tenantId: null },
  };
  const out: Doc = { domain, findings: [] };
  for (const [k, v] of Object.entries(base)) out[k] = { ...v, ...(over[k] ?? {}) };
  return out;
}

const mx = (exchange: string, kind = 'host') => ({
  status: 'pass',
  records: [{ preference: 10, exchange, kind, addresses: [] }],
  nullMx: kind === 'null',
});

const host = (o: Record<string, unknown>) => ({
  exchange: 'mx.a.ch',
  starttls: 'yes',
  banner: null,
  certificate: null,
  dane: { status: 'none', records: [] },
  ...o,
});

const DOCS: Doc[] = [
  // 1: everything deployed
  doc('full.ch', {
    dnssec: { status: 'pass', validation: 'secure' },
    caa: { status: 'pass', records: [{ flags: 0, tag: 'issue', value: 'x' }] },
    mx: mx('mx1.provider.net'),
    smtp: {
      status: 'pass',
      starttlsSupport: 'all',
      hosts: [
        host({
          banner: '220 mx ESMTP Postfix',
          certificate: { issuer: "C=US, O=Let's Encrypt, CN=R11" },
          dane: { status: 'valid', records: [{ usage: 3 }] },
        }),
      ],
    },
    spf: { status: 'pass', record: 'v=spf1 mx -all', records: ['v=spf1 mx -all'], all: '-all' },
    dkim: { status: 'pass', selectors: [{ selector: 's1' }], domainkeyNode: true },
    dmarc: {
      status: 'pass',
      record: 'v=DMARC1; p=reject',
      policy: 'reject',
      rua: [{ uri: 'mailto:x@full.ch' }],
    },
    mtaSts: { status: 'pass', record: 'v=STSv1; id=1', policy: { mode: 'enforce' }, policyFetched: true },
    tlsRpt: { status: 'pass', record: 'v=TLSRPTv1; rua=mailto:x@full.ch' },
    bimi: { status: 'pass', record: 'v=BIMI1; l=x; a=y', authority: 'https://full.ch/vmc.pem' },
    securityTxt: { status: 'pass' },
    microsoft365: { status: 'pass', tenantId: 'abc' },
  }),
  // 2: Null MX, deny-all SPF
  doc('null.ch', {
    mx: {
      status: 'pass',
      records: [{ preference: 0, exchange: '.', kind: 'null', addresses: [] }],
      nullMx: true,
    },
    spf: { status: 'pass', record: 'v=spf1 -all', records: ['v=spf1 -all'], all: '-all' },
    dmarc: { status: 'pass', record: 'v=DMARC1; p=reject', policy: 'reject', rua: [] },
  }),
  // 3: localhost MX, ~all, p=none, two SPF records, DKIM maybe only
  doc('xn--bcher-kva.ch', {
    mx: mx('localhost', 'localhost'),
    smtp: {
      status: 'fail',
      starttlsSupport: 'none',
      hosts: [host({ starttls: 'no', banner: '220 Microsoft ESMTP MAIL Service' })],
    },
    spf: { status: 'fail', record: null, records: ['v=spf1 ~all', 'v=spf1 -all'], all: null },
    dkim: { status: 'absent', selectors: [], domainkeyNode: true },
    dmarc: { status: 'warn', record: 'v=DMARC1; p=none', policy: 'none', rua: [] },
  }),
  // 4: undetermined everywhere (SERVFAIL): error, never absent; no MX known, so not in the MX denominator
  doc('servfail.ch', {
    dnssec: { status: 'error', validation: 'indeterminate' },
    caa: { status: 'error' },
    mx: { status: 'error', records: [] },
    securityTxt: { status: 'error' },
    microsoft365: { status: 'error' },
  }),
  // 5: MX known, SPF/DMARC/DKIM/SMTP undetermined
  doc('flaky.ch', {
    mx: mx('mx.other.org'),
    smtp: {
      status: 'error',
      starttlsSupport: 'error',
      hosts: [host({ starttls: 'error', dane: { status: 'error', dnssec: 'error', records: [] } })],
    },
    spf: { status: 'error' },
    dkim: { status: 'error' },
    dmarc: { status: 'error' },
    mtaSts: { status: 'error' },
    tlsRpt: { status: 'error' },
    bimi: { status: 'error' },
  }),
  // 6: no MX at all, +all (not counted: SPF keys are over domains with MX)
  doc('nomx.ch', { spf: { status: 'fail', record: 'v=spf1 +all', records: ['v=spf1 +all'], all: '+all' } }),
];

const S = computeStats(DOCS);
const get = (k: string, from = S) => {
  const s = from.stats[k];
  assert.ok(s, `missing key ${k}`);
  return [s.count, s.denominator];
};

test('stats: every key of interface.md is present, each with its .error key', () => {
  const required = [
    'dnssec.signed',
    'caa.present',
    'idn',
    'securityTxt.present',
    'securityTxt.valid',
    'm365.tenant',
    'mx.present',
    'mx.nullMx',
    'mx.localhost',
    'starttls.all',
    'starttls.some',
    'starttls.none',
    'spf.present',
    'spf.hardfail',
    'spf.softfail',
    'spf.neutral',
    'spf.passAll',
    'spf.redirect',
    'spf.denyAll',
    'spf.multiple',
    'spf.tooManyLookups',
    'dkim.found',
    'dkim.maybe',
    'dmarc.present',
    'dmarc.none',
    'dmarc.quarantine',
    'dmarc.reject',
    'dmarc.rua',
    'dane.present',
    'dane.valid',
    'mtaSts.present',
    'mtaSts.enforce',
    'tlsRpt.present',
    'bimi.present',
    'bimi.withCertificate',
  ];
  for (const k of required) {
    assert.ok(
      STATISTIC_KEYS.some((d) => d.key === k),
      k,
    );
    assert.ok(S.stats[k], k);
    assert.ok(S.stats[`${k}.error`], `${k}.error`);
  }
});

test('stats: denominators — all domains vs domains with MX (Null MX and localhost included)', () => {
  assert.equal(S.domains, 6);
  assert.equal(S.domainsWithMx, 4); // full, null, localhost, flaky
  assert.deepEqual(get('mx.present'), [4, 6]);
  assert.deepEqual(get('mx.nullMx'), [1, 4]);
  assert.deepEqual(get('mx.localhost'), [1, 4]);
  assert.deepEqual(get('spf.passAll'), [0, 4]); // nomx.ch has +all but no MX
});

const table: [key: string, count: number, denominator: number, errors: number][] = [
  ['dnssec.signed', 1, 6, 1],
  ['caa.present', 1, 6, 1],
  ['idn', 1, 6, 0],
  ['securityTxt.present', 1, 6, 1],
  ['securityTxt.valid', 1, 6, 1],
  ['m365.tenant', 1, 6, 1],
  ['mx.present', 4, 6, 1],
  ['starttls.all', 1, 4, 1],
  ['starttls.none', 1, 4, 1],
  ['starttls.some', 0, 4, 1],
  ['spf.present', 3, 4, 1],
  ['spf.hardfail', 2, 4, 1],
  ['spf.denyAll', 1, 4, 1],
  ['spf.multiple', 1, 4, 1],
  ['dkim.found', 1, 4, 1],
  ['dkim.maybe', 2, 4, 1],
  ['dmarc.present', 3, 4, 1],
  ['dmarc.reject', 2, 4, 1],
  ['dmarc.none', 1, 4, 1],
  ['dmarc.rua', 1, 4, 1],
  ['dane.present', 1, 4, 1],
  ['dane.valid', 1, 4, 1],
  ['mtaSts.present', 1, 4, 1],
  ['mtaSts.enforce', 1, 4, 1],
  ['tlsRpt.present', 1, 4, 1],
  ['bimi.present', 1, 4, 1],
  ['bimi.withCertificate', 1, 4, 1],
];
for (const [key, count, denominator, errors] of table) {
  test(`stats: ${key} = ${count}/${denominator}, ${errors} undetermined`, () => {
    assert.deepEqual(get(key), [count, denominator]);
    assert.deepEqual(get(`${key}.error`), [errors, denominator]);
  });
}

test('stats: an undetermined answer is never counted as absent (yes + error ≤ denominator, error separate)', () => {
  const onlyErrors = computeStats([DOCS[3] as Doc]);
  for (const k of ['dnssec.signed', 'caa.present', 'mx.present', 'securityTxt.present', 'm365.tenant']) {
    assert.equal(onlyErrors.stats[k]?.count, 0);
    assert.equal(onlyErrors.stats[`${k}.error`]?.count, 1, k);
  }
});

test('stats: skipped sections (e.g. --no-http) are <key>.skipped, not absent', () => {
  const s = computeStats([doc('a.ch', { securityTxt: { status: 'skipped' }, mx: mx('mx.a.ch') })]);
  assert.equal(s.stats['securityTxt.present.skipped']?.count, 1);
  assert.equal(s.stats['starttls.all.skipped']?.count, 1);
});

test('stats: a Null MX or localhost-only domain has no DANE (no), also with --no-smtp (not skipped)', () => {
  const nul = {
    status: 'pass',
    records: [{ preference: 0, exchange: '.', kind: 'null', addresses: [] }],
    nullMx: true,
  };
  const s = computeStats([
    doc('null.ch', { mx: nul }),
    doc('lo.ch', { mx: mx('localhost', 'localhost') }),
    // --no-smtp: the host is listed with its (empty) TLSA lookup
    doc('real.ch', {
      mx: mx('mx.real.ch'),
      smtp: {
        status: 'skipped',
        hosts: [host({ starttls: 'skipped', dane: { status: 'skipped', records: [] } })],
        starttlsSupport: 'skipped',
      },
    }),
  ]);
  assert.deepEqual(get('dane.present', s), [0, 3]);
  assert.equal(s.stats['dane.present.skipped'], undefined);
  assert.deepEqual(get('dane.valid', s), [0, 3]);
  // a domain whose smtp section did not run at all (--only) stays skipped
  const only = computeStats([{ domain: 'x.ch', findings: [], mx: mx('mx.x.ch') }]);
  assert.equal(only.stats['dane.present.skipped']?.count, 1);
});

test('stats: dane.present is a DNS fact — an MX host that refused the connection still has or lacks TLSA', () => {
  const refused = (records: { usage: number }[]) => ({
    status: 'error',
    starttlsSupport: 'error',
    hosts: [host({ starttls: 'error', dane: { status: 'error', dnssec: 'secure', records } })],
  });
  const s = computeStats([
    doc('notlsa.ch', { mx: mx('mx.notlsa.ch'), smtp: refused([]) }),
    doc('tlsa.ch', { mx: mx('mx.tlsa.ch'), smtp: refused([{ usage: 3 }]) }),
  ]);
  assert.deepEqual(get('dane.present', s), [1, 2]);
  assert.equal(s.stats['dane.present.error']?.count, 0);
  // whether the records match the certificate could not be tested
  assert.deepEqual(get('dane.valid', s), [0, 2]);
  assert.equal(s.stats['dane.valid.error']?.count, 1);
  assert.equal(s.stats['starttls.all.error']?.count, 2);
});

test('stats: percent with two decimals; null over an empty denominator', () => {
  assert.equal(S.stats['mx.present']?.percent, 66.67);
  assert.equal(computeStats([]).stats['spf.present']?.percent, null);
});

test('shares: providers from MX registrable domains, issuers, banner software', () => {
  assert.deepEqual(
    S.providers.map((p) => [p.name, p.count, p.denominator]),
    [
      ['other.org', 1, 4],
      ['provider.net', 1, 4],
    ],
  );
  assert.deepEqual(
    S.issuers.map((i) => i.name),
    ["Let's Encrypt"],
  );
  assert.deepEqual(S.software.map((i) => i.name).sort(), ['Microsoft Exchange', 'Postfix']);
  assert.equal(bannerSoftware('220 mx.example ESMTP Exim 4.96'), 'Exim');
  assert.equal(bannerSoftware('220 hello'), 'unknown');
  assert.equal(issuerName('CN=Some CA'), 'Some CA');
});

test('renderings: table, Markdown, CSV and JSON hold every key with its own count and denominator', () => {
  const d = statisticsDocument('t', S);
  const csv = renderCsv(d);
  const md = renderMarkdown(d);
  const table = renderTable(d);
  assert.match(csv, /^scan,group,key,count,denominator,percent\n/);
  for (const { key } of STATISTIC_KEYS) {
    const s = S.stats[key];
    assert.ok(s, `${key} in the JSON document`);
    assert.ok(csv.includes(`\nt,stats,${key},${s.count},${s.denominator},`), `${key} in CSV`);
    assert.ok(md.includes(`| ${key} | ${s.count} | ${s.denominator} |`), `${key} in Markdown`);
    assert.match(
      table,
      new RegExp(`${key.replace(/\./g, '\\.')}\\s+${s.count} /\\s+${s.denominator}\\b`),
      key,
    );
  }
  // the keys over a narrower denominator (docs/scan.md): the domains counted yes in their base key
  for (const { key, within } of STATISTIC_KEYS.filter((k) => k.within))
    assert.equal(S.stats[key]?.denominator, S.stats[within as string]?.count, key);
});

test('a name that does not exist is not counted as DNSSEC-signed (its denial validates, its zone is not signed)', () => {
  const gone: Doc = {
    domain: 'gone.ch',
    exists: false,
    findings: [{ id: 'domain.not-found', check: 'domain', severity: 'error', message: 'x' }],
    dnssec: { status: 'pass', validation: 'secure', exists: false },
    mx: { status: 'skipped', skippedBecause: 'domain-not-found' },
  };
  const row = domainRow(gone);
  assert.equal(row.verdicts['dnssec.signed'], 'skipped');
  assert.equal(row.verdicts['mx.present'], 'skipped');
});
