/**
 * The generators on evidence from mailsec's own checks run over zone literals (the world is
 * faked, not the code): refusals, the DMARC plan judged by the dmarc check step by step, SPF
 * flattening, CAA issuers, TLSA keys, and that --fix and the findings' fix texts say the same.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestCa, fixedKeyFile, fixedSpkiSha256 } from '../../testworld/ca.ts';
import type { AuditEnvironment } from '../audit/audit.ts';
import { auditDomain } from '../audit/audit.ts';
import type { SmtpHost } from '../checks/smtp/check.ts';
import type { CheckId } from '../checks/types.ts';
import { allCatalogues } from '../core/finding.ts';
import { staticResolver, type ZoneLiteral } from '../dns/static.ts';
import { createAddressPolicy } from '../net/address-policy.ts';
import { recordText } from '../protocol/presentation.ts';
import { CAA_ISSUERS, caaIdentifierOf, organisationOf } from './caa-issuers.ts';
import { compliance, STAGES } from './dmarc.ts';
import { FIX_KINDS } from './fix.ts';
import { GENERATORS } from './index.ts';
import { overlayResolver } from './overlay.ts';
import { mergeRecords, overlayOf } from './records.ts';
import { generateFrom, resultsById } from './run.ts';
import { chainFromPem, nextKeyFromPem } from './tlsa.ts';
import type { GenerateKind, GenerateResult, LiveEvidence, ReportEvidence, ReportSource } from './types.ts';

const NOW = new Date('2026-11-23T12:00:00Z');

function env(zone: ZoneLiteral, secure: string[] = []): AuditEnvironment {
  return {
    resolver: staticResolver(zone, { authenticated: secure }),
    resolverName: 'zone literal',
    resolverValidates: true,
    addressPolicy: createAddressPolicy([]),
    options: {
      selectors: [],
      noSmtp: true,
      noHttp: true,
      ehlo: 'mailsec.invalid',
      smtpTimeoutMs: 1000,
      httpTimeoutMs: 1000,
      selectorList: 'full',
      obsoleteSpfType: true,
    },
    now: () => NOW,
    signal: new AbortController().signal,
  };
}

/** The live state as `generate --for` gathers it, from a zone literal (no SMTP, no HTTPS). */
async function live(
  e: AuditEnvironment,
  domain: string,
  only: readonly CheckId[],
  extra: Partial<LiveEvidence> = {},
): Promise<LiveEvidence> {
  const audit = await auditDomain(domain, { ...e, only });
  return { domain, now: NOW, results: resultsById(audit.results), ...extra };
}

async function gen(
  kind: GenerateKind,
  e: AuditEnvironment,
  domain: string,
  options: Record<string, unknown>,
  extra: Partial<LiveEvidence> = {},
): Promise<GenerateResult> {
  const def = GENERATORS[kind];
  const l = await live(e, domain, [...new Set([...def.live, ...def.sections])], extra);
  return generateFrom(
    def,
    { domain, options: { ttl: 3600, force: false, ...options }, live: l, now: NOW },
    e,
  );
}

const MX = [{ preference: 10, exchange: 'mx.example.test' }];
const base = (extra: ZoneLiteral = {}): ZoneLiteral => ({
  'example.test': { MX, A: ['192.0.2.1'] },
  'mx.example.test': { A: ['192.0.2.25'] },
  ...extra,
});
const DMARC_DEFAULTS = { rua: [], ruf: [], plan: false };

// ---- DMARC: the plan, step by step, as the dmarc check judges it ----
test('dmarc plan: each step published, the dmarc check shows exactly what the step implies', async () => {
  const e = env(base());
  const r = await gen('dmarc', e, 'example.test', { ...DMARC_DEFAULTS, plan: true });
  assert.equal(r.refused, null);
  const expected: string[][] = [
    ['dmarc.policy-none'],
    ['dmarc.policy-none', 'dmarc.testing'],
    [],
    ['dmarc.testing'],
    [],
  ];
  for (const [i, step] of r.plan!.entries()) {
    const edits = overlayOf(step.records);
    const audit = await auditDomain('example.test', {
      ...e,
      resolver: overlayResolver(e.resolver, edits),
      only: ['dmarc'],
    });
    const problems = audit.results[0]!.findings.filter((f) => f.severity !== 'info').map((f) => f.id);
    assert.deepEqual(problems.sort(), expected[i], `step ${i + 1}: ${step.records[0]!.value}`);
    assert.doesNotMatch(step.records[0]!.value, /pct=/);
  }
  assert.deepEqual(
    STAGES.map((s) => `${s.p}${s.testing ? '+t' : ''}`),
    ['none', 'quarantine+t', 'quarantine', 'reject+t', 'reject'],
  );
});

const reports = (dmarcPass: number, days = 20): ReportEvidence => ({ messages: 1000, dmarcPass, days });

test('dmarc: with reports, one step further when the figure allows it, never two', async () => {
  const e = env(base({ '_dmarc.example.test': { TXT: ['v=DMARC1; p=none; rua=mailto:d@example.test'] } }));
  const up = await gen('dmarc', e, 'example.test', DMARC_DEFAULTS, { reports: reports(99.8) });
  assert.equal(up.records[0]!.value, 'v=DMARC1; p=quarantine; t=y; rua=mailto:d@example.test');
  const stay = await gen('dmarc', e, 'example.test', DMARC_DEFAULTS, { reports: reports(90) });
  assert.equal(stay.records[0]!.value, 'v=DMARC1; p=none; rua=mailto:d@example.test');
  assert.equal(stay.records[0]!.change, 'unchanged');
  assert.ok(stay.notes.some((n) => /needs 95%/.test(n) && /90%/.test(n)));
});

test('dmarc: --policy reject needs reports at 99% over 14 days, or --force', async () => {
  const e = env(base());
  const opts = { ...DMARC_DEFAULTS, policy: 'reject' };
  assert.match((await gen('dmarc', e, 'example.test', opts)).refused!.reason, /no reports were given/);
  assert.match(
    (await gen('dmarc', e, 'example.test', opts, { reports: reports(97) })).refused!.reason,
    /97%/,
  );
  assert.match(
    (await gen('dmarc', e, 'example.test', opts, { reports: reports(99.5, 7) })).refused!.reason,
    /7 days/,
  );
  assert.equal((await gen('dmarc', e, 'example.test', opts, { reports: reports(99.5) })).refused, null);
  const forced = await gen('dmarc', e, 'example.test', { ...opts, force: true });
  assert.equal(forced.records[0]!.value, 'v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.test');
  assert.ok(forced.warnings.some((w) => /--force/.test(w)));
});

test('dmarc: removed tags are dropped, the rest of the published record kept', async () => {
  const e = env(
    base({
      '_dmarc.example.test': { TXT: ['v=DMARC1; p=quarantine; pct=50; adkim=s; rua=mailto:d@example.test'] },
    }),
  );
  const r = await gen('dmarc', e, 'example.test', DMARC_DEFAULTS);
  assert.equal(r.records[0]!.value, 'v=DMARC1; p=quarantine; adkim=s; rua=mailto:d@example.test');
  assert.equal(r.records[0]!.change, 'replace');
});

test('dmarc compliance: unauthorised sources do not count against the figure', () => {
  const src = (cls: 'authorised' | 'unauthorised', messages: number, pass: number) => ({
    ip: '192.0.2.1',
    ptr: null,
    organisation: null,
    messages,
    dmarcPass: pass,
    dkimAligned: pass,
    spfAligned: 0,
    class: cls,
    spfInclude: null,
  });
  const c = compliance({
    messages: 200,
    dmarcPass: 50,
    days: 20,
    sources: [src('authorised', 100, 99), src('unauthorised', 100, 1)],
  });
  assert.deepEqual(c, { dmarcPass: 99, messages: 100 });
});

// ---- MTA-STS ----
function smtpHost(exchange: string, trusted: boolean, nameMatch = true): SmtpHost {
  return {
    exchange,
    address: '192.0.2.25',
    sni: exchange,
    outcome: 'ok',
    starttls: 'yes',
    banner: null,
    ehlo: [],
    starttlsReply: null,
    tls: { version: 'TLSv1.3', cipher: null },
    certificate: {
      subject: `CN=${exchange}`,
      sans: [`DNS:${exchange}`],
      issuer: "O=Let's Encrypt, CN=R11",
      notBefore: '',
      notAfter: '',
      keyType: 'ec',
      keyBits: 256,
      sha256: '',
      spkiSha256: '',
      trusted,
      nameMatch,
      trustError: trusted ? null : 'self-signed certificate',
      nameError: null,
    },
    chain: [],
    dane: { status: 'none', base: exchange, dnssec: 'secure', records: [], usable: 0 },
    error: null,
    elapsedMs: 1,
    connectionRefused: false,
  };
}
const withSmtp = async (e: AuditEnvironment, hosts: SmtpHost[]) => {
  const l = await live(e, 'example.test', ['mx', 'mtaSts', 'tlsRpt']);
  const smtp = {
    check: 'smtp',
    status: 'pass' as const,
    evidence: { hosts, starttlsSupport: 'all' as const, undetermined: 0 },
    findings: [],
  };
  return { ...l, results: { ...l.results, smtp } } as unknown as LiveEvidence;
};
const STS = { mode: 'enforce', mx: [], rua: [], ttl: 3600, force: false };

test('mta-sts: enforce refused for an MX with an untrusted certificate, naming it; testing warns instead', async () => {
  const e = env(base());
  const l = await withSmtp(e, [smtpHost('mx.example.test', false)]);
  const p = GENERATORS['mta-sts'].propose({ domain: 'example.test', options: STS, live: l, now: NOW });
  assert.match(
    p.refused!.reason,
    /mx\.example\.test presents a certificate senders reject: 192\.0\.2\.25: untrusted \(self-signed certificate\)/,
  );
  const t = GENERATORS['mta-sts'].propose({
    domain: 'example.test',
    options: { ...STS, mode: 'testing' },
    live: l,
    now: NOW,
  });
  assert.equal(t.refused, null);
  assert.ok(t.warnings.some((w) => /Under mode: enforce this would fail/.test(w)));
  assert.match(t.files[0]!.body, /^version: STSv1\r\nmode: testing\r\nmx: mx\.example\.test\r\n/);
});

test('mta-sts: an MX the --mx patterns do not cover refuses enforce; a good MX passes', async () => {
  const e = env(base());
  const l = await withSmtp(e, [smtpHost('mx.example.test', true)]);
  const other = GENERATORS['mta-sts'].propose({
    domain: 'example.test',
    options: { ...STS, mx: ['mx.other.test'] },
    live: l,
    now: NOW,
  });
  assert.match(other.refused!.reason, /mx\.example\.test matches none of the mx patterns/);
  const ok = GENERATORS['mta-sts'].propose({ domain: 'example.test', options: STS, live: l, now: NOW });
  assert.equal(ok.refused, null);
  assert.deepEqual(
    ok.records.map((r) => r.name),
    ['_mta-sts.example.test', '_smtp._tls.example.test'],
  );
  assert.equal(ok.records[0]!.value, 'v=STSv1; id=20261123T120000');
});

test('mta-sts: a Null MX domain has nothing to protect', async () => {
  const e = env({ 'example.test': { MX: [{ preference: 0, exchange: '.' }] } });
  const r = await gen('mta-sts', e, 'example.test', STS);
  assert.match(r.refused!.reason, /no MX hosts \(Null MX\)/);
});

// ---- SPF ----
const SPF = { include: [], ip4: [], ip6: [], a: false, mx: false, drop: [], flatten: false, listed: [] };

test('spf: two records merged, ptr dropped, +all replaced; the dry run counts the lookups', async () => {
  const e = env(
    base({ 'example.test': { MX, TXT: ['v=spf1 mx ptr +all', 'v=spf1 ip4:192.0.2.0/24 -all'] } }),
  );
  const r = await gen('spf', e, 'example.test', SPF);
  assert.equal(r.refused, null);
  // the SPF check sorts the records of the RRset (they come in no order): ip4 before mx; the
  // most permissive all of the merged records, +all, becomes ~all
  assert.equal(r.records[0]!.value, 'v=spf1 ip4:192.0.2.0/24 mx ~all');
  const reversed = env(
    base({ 'example.test': { MX, TXT: ['v=spf1 ip4:192.0.2.0/24 -all', 'v=spf1 mx ptr +all'] } }),
  );
  assert.equal((await gen('spf', reversed, 'example.test', SPF)).records[0]!.value, r.records[0]!.value);
  assert.ok(r.notes.some((n) => /Merged the 2 SPF records/.test(n)));
  assert.ok(r.notes.some((n) => /Dropped "ptr"/.test(n)));
  assert.ok(r.notes.some((n) => /DNS lookups: 1 of 10/.test(n)));
  assert.equal(r.verified?.sections.spf?.status, 'pass');
});

test('spf: no sender known → refused, pointing at the options, --reports and parked', async () => {
  const r = await gen('spf', env(base()), 'example.test', SPF);
  assert.match(r.refused!.reason, /No sending host is known/);
  assert.match(r.refused!.next, /--reports/);
});

test('spf: an include to a domain without SPF is refused by the dry run (a new error)', async () => {
  const r = await gen('spf', env(base({ 'nospf.test': { A: ['192.0.2.9'] } })), 'example.test', {
    ...SPF,
    include: ['nospf.test'],
  });
  assert.match(r.refused!.reason, /spf\.include-no-spf/);
});

const many = (n: number, prefix: string): ZoneLiteral =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`h${i}.${prefix}`, { A: [`198.51.100.${i + 1}`] }]),
  );

test('spf --flatten: the costliest flattenable include becomes addresses; exists and "-" terms are not flattened', async () => {
  const zone = base({
    'example.test': {
      MX,
      TXT: ['v=spf1 include:big.test include:odd.test include:neg.test ~all'],
    },
    'big.test': { TXT: [`v=spf1 ${Array.from({ length: 8 }, (_, i) => `a:h${i}.big.test`).join(' ')} -all`] },
    ...many(8, 'big.test'),
    'odd.test': { TXT: ['v=spf1 exists:%{i}.odd.test -all'] },
    'neg.test': { TXT: ['v=spf1 -ip4:203.0.113.5 ip4:203.0.113.0/24 -all'] },
  });
  const refused = await gen('spf', env(zone), 'example.test', SPF);
  assert.match(refused.refused!.reason, /12 DNS lookups/);
  const r = await gen('spf', env(zone), 'example.test', { ...SPF, flatten: true });
  assert.equal(r.refused, null, r.refused?.reason);
  const v = r.records[0]!.value;
  assert.doesNotMatch(v, /include:big\.test/);
  assert.match(v, /include:odd\.test include:neg\.test/);
  for (let i = 1; i <= 8; i++) assert.ok(v.includes(`ip4:198.51.100.${i}`), v);
  assert.ok(r.warnings.some((w) => /^Maintenance:.*big\.test/.test(w)));
  assert.ok(r.notes.some((n) => /DNS lookups after flattening: 3 of 10/.test(n)));
  assert.equal(r.verified?.sections.spf?.status, 'pass');
});

test('spf --flatten: a record grown past 450 octets moves the addresses into _spfN helper records', async () => {
  const zone = base({
    'example.test': { MX, TXT: ['v=spf1 mx include:wide.test ~all'] },
    'wide.test': {
      TXT: [`v=spf1 ${Array.from({ length: 10 }, (_, i) => `a:h${i}.wide.test`).join(' ')} -all`],
    },
    ...Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `h${i}.wide.test`,
        { A: Array.from({ length: 6 }, (_, j) => `198.51.${100 + i}.${j + 1}`) },
      ]),
    ),
  });
  const r = await gen('spf', env(zone), 'example.test', { ...SPF, flatten: true });
  assert.equal(r.refused, null, r.refused?.reason);
  const [main, ...helpers] = r.records;
  assert.ok(helpers.length >= 1);
  assert.match(main!.value, /^v=spf1 mx include:_spf1\.example\.test/);
  for (const h of helpers) {
    assert.match(h.name, /^_spf\d\.example\.test$/);
    assert.ok(Buffer.byteLength(h.value) <= 450);
    assert.doesNotMatch(h.value, /all/);
  }
  assert.equal(
    helpers.reduce((n, h) => n + (h.value.match(/ip4:/g) ?? []).length, 0),
    60,
  );
  assert.equal(r.verified?.sections.spf?.status, 'pass');
});

// ---- CAA ----
test('caa issuer table: organisations to identifiers; an unknown one stays unknown', () => {
  assert.equal(organisationOf("O=Let's Encrypt, CN=R11"), "Let's Encrypt");
  assert.equal(organisationOf('C=US, O=GoDaddy.com, Inc., CN=Go Daddy Secure CA'), 'GoDaddy.com, Inc.');
  assert.equal(caaIdentifierOf("C=US, O=Let's Encrypt, CN=E5").caa, 'letsencrypt.org');
  assert.equal(caaIdentifierOf('C=US, O=Google Trust Services, CN=WR1').caa, 'pki.goog');
  assert.equal(caaIdentifierOf('O=Example Internal CA, CN=Issuing 1').caa, null);
  assert.equal(
    caaIdentifierOf('O=Example Internal CA, CN=Issuing 1', { 'example internal ca': 'ca.example' }).caa,
    'ca.example',
  );
  for (const i of CAA_ISSUERS) assert.match(i.caa, /^[a-z0-9.-]+\.[a-z]+$/);
});

const cert = (host: string, issuer: string | null, via: 'https' | 'smtp' = 'https') => ({
  host,
  via,
  issuer,
  problem: issuer ? null : 'no address (no A or AAAA record)',
  response: null,
});

test('caa: the CAs of the domain’s own names; a provider MX is ignored; existing records with parameters kept', async () => {
  const e = env(
    base({
      'example.test': {
        MX: [{ preference: 10, exchange: 'mx.provider.test' }],
        CAA: [{ flags: 0, tag: 'issue', value: 'letsencrypt.org; validationmethods=dns-01' }],
      },
      'mx.provider.test': { A: ['192.0.2.26'] },
    }),
  );
  const l = await live(e, 'example.test', ['caa', 'mx'], {
    web: [
      cert('example.test', "O=Let's Encrypt, CN=R11"),
      cert('www.example.test', 'O=Google Trust Services, CN=WR1'),
      cert('mta-sts.example.test', null),
    ],
  });
  const provider = {
    ...smtpHost('mx.provider.test', true),
    certificate: {
      ...smtpHost('mx.provider.test', true).certificate!,
      issuer: 'O=Unknown Provider CA, CN=X',
    },
  };
  const smtp = {
    check: 'smtp',
    status: 'pass' as const,
    evidence: { hosts: [provider], starttlsSupport: 'all' as const, undetermined: 0 },
    findings: [],
  };
  const p = GENERATORS.caa.propose({
    domain: 'example.test',
    options: { issuers: [], issuerMap: {}, iodef: 'mailto:security@example.test', ttl: 3600, force: false },
    live: { ...l, results: { ...l.results, smtp } } as unknown as LiveEvidence,
    now: NOW,
  });
  assert.equal(p.refused, null, p.refused?.reason);
  assert.deepEqual(
    p.records.map((r) => r.value),
    [
      '0 issue "letsencrypt.org; validationmethods=dns-01"',
      '0 issue "pki.goog"',
      '0 iodef "mailto:security@example.test"',
    ],
  );
});

test('caa: an unknown issuer of an own name refuses the set and is listed', async () => {
  const e = env(base());
  const l = await live(e, 'example.test', ['caa', 'mx'], {
    web: [cert('www.example.test', 'O=Example Internal CA, CN=Issuing 1')],
  });
  const p = GENERATORS.caa.propose({
    domain: 'example.test',
    options: { issuers: [], issuerMap: {}, ttl: 3600, force: false },
    live: l,
    now: NOW,
  });
  assert.match(
    p.refused!.reason,
    /Unknown certificate issuer: "O=Example Internal CA, CN=Issuing 1" \(www\.example\.test \(https\)\)/,
  );
  assert.deepEqual((p.details as { unknownIssuers: unknown[] }).unknownIssuers, [
    { issuer: 'O=Example Internal CA, CN=Issuing 1', hosts: ['www.example.test (https)'] },
  ]);
});

// ---- TLSA keys and chains ----
test('tlsa: from a chain file, 3 1 1 of the leaf key, 2 1 1 of the CA it presents; a lone leaf has no DANE-TA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-gen-tlsa-'));
  try {
    const ca = await createTestCa(dir);
    const leaf = await ca.issue('mx.example.test', { key: 'gen-mx' });
    const lone = await ca.issue('mx.example.test', { key: 'gen-mx', selfSigned: true });
    const o = {
      usage: 3,
      selector: 1,
      matchingType: 1,
      hosts: ['mx.example.test'],
      nextKey: null,
      port: 25,
      ttl: 3600,
      force: false,
    };
    const run = (chain: string, extra: Record<string, unknown> = {}) =>
      GENERATORS.tlsa.propose({
        domain: 'example.test',
        options: { ...o, chain: chainFromPem(chain), ...extra },
        live: null,
        now: NOW,
      });
    const ee = run(leaf.chainPem);
    assert.equal(ee.records[0]!.name, '_25._tcp.mx.example.test');
    assert.equal(ee.records[0]!.value, `3 1 1 ${fixedSpkiSha256('gen-mx')}`);
    assert.equal(
      run(leaf.chainPem, { usage: 2 }).records[0]!.value,
      `2 1 1 ${fixedSpkiSha256('intermediate')}`,
    );
    assert.match(run(lone.chainPem, { usage: 2 }).refused!.reason, /no CA certificate above its own/);
    // --next-key: a certificate, a public key or a private key (only its public half is used)
    const fromCert = nextKeyFromPem(leaf.chainPem)!;
    assert.ok(fromCert.cert);
    const fromKey = nextKeyFromPem(readFileSync(fixedKeyFile('gen-mx-next'), 'utf8'))!;
    assert.equal(fromKey.cert, null);
    assert.equal(nextKeyFromPem('no key here'), null);
    const next = run(leaf.chainPem, { nextKey: fromKey });
    assert.deepEqual(
      next.plan!.map((p) => p.records.map((r) => r.value.slice(0, 6))),
      [['3 1 1 ', '3 1 1 '], ['3 1 1 ', '3 1 1 '], ['3 1 1 ', '3 1 1 '], ['3 1 1 ']],
    );
    assert.equal(next.plan![3]!.records[0]!.value, `3 1 1 ${fixedSpkiSha256('gen-mx-next')}`);
    assert.match(run(leaf.chainPem, { nextKey: fromKey, selector: 0 }).refused!.reason, /selector 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- --fix and the catalogues say the same ----
test('fix: every finding id --fix answers exists in a catalogue', async () => {
  await import('../checks/index.ts');
  const ids = new Set(allCatalogues().flatMap((c) => Object.keys(c.defs).map((k) => `${c.check}.${k}`)));
  for (const id of Object.keys(FIX_KINDS)) assert.ok(ids.has(id), `${id} is not a finding`);
});

test('fix: the findings’ fix texts show the records the generators make by default', async () => {
  const e = env(base());
  const l = await live(e, 'example.test', ['mx', 'dmarc', 'tlsRpt', 'mtaSts']);
  const finding = (id: string) =>
    Object.values(l.results)
      .flatMap((r) => r?.findings ?? [])
      .find((f) => f.id === id);
  const dmarc = GENERATORS.dmarc.propose({
    domain: 'example.test',
    options: { ...DMARC_DEFAULTS, ttl: 3600, force: false },
    live: l,
    now: NOW,
  });
  const tls = GENERATORS['tls-rpt'].propose({
    domain: 'example.test',
    options: { rua: [], ttl: 3600, force: false },
    live: l,
    now: NOW,
  });
  const show = (r: { name: string; type: string; value: string }) => recordText(r.name, r.type, r.value);
  assert.ok(
    finding('dmarc.not-found')!.fix!.includes(show(dmarc.records[0]!)),
    finding('dmarc.not-found')!.fix,
  );
  assert.ok(
    finding('tlsRpt.not-found')!.fix!.includes(show(tls.records[0]!)),
    finding('tlsRpt.not-found')!.fix,
  );
  // parked: the MX and SPF of the no-mail advice are the generator's
  const parked = GENERATORS.parked.propose({
    domain: 'example.test',
    options: { rua: [], ttl: 3600, force: false },
    live: null,
    now: NOW,
  });
  const mxFinding = (await import('../checks/mx/findings.ts')).mxFindings.make('no-mx', {
    domain: 'example.test',
    implicit: false,
  });
  assert.ok(mxFinding.fix!.includes(recordText('example.test.', 'MX', parked.records[0]!.value)));
  const spfFinding = (await import('../checks/spf/findings.ts')).spfFindings.make('no-record', {
    domain: 'example.test',
  });
  assert.ok(spfFinding.fix!.includes(recordText('example.test.', 'TXT', parked.records[1]!.value)));
});

test('records: merging kinds keeps one TLS-RPT record; overlay edits keep unrelated TXT', async () => {
  const a = { name: '_smtp._tls.x.test', type: 'TXT', ttl: 3600, value: 'v=TLSRPTv1; rua=mailto:a@x.test' };
  const b = { ...a, value: 'v=TLSRPTv1; rua=mailto:b@x.test' };
  assert.deepEqual(mergeRecords([[a], [a, b]]), [a]);
  const r = staticResolver(
    { 'x.test': { TXT: ['google-site-verification=abc', 'v=spf1 -all'] } },
    { authenticated: ['x.test'] },
  );
  const o = overlayResolver(r, overlayOf([{ name: 'x.test', type: 'TXT', ttl: 1, value: 'v=spf1 mx -all' }]));
  const answer = await o.query('x.test', 'TXT');
  assert.deepEqual(
    answer.records.map((t) => t.text),
    ['google-site-verification=abc', 'v=spf1 mx -all'],
  );
  assert.equal(answer.authenticated, true);
  const failing = overlayResolver(
    staticResolver({ 'y.test': { TXT: 'SERVFAIL' } }),
    overlayOf([{ name: 'y.test', type: 'TXT', ttl: 1, value: 'v=spf1 -all' }]),
  );
  assert.equal((await failing.query('y.test', 'TXT')).rcode, 'SERVFAIL');
});

test('dmarc: a subdomain that inherits p=reject needs no record; an explicit weaker one is warned about', async () => {
  const e = env(
    base({
      '_dmarc.example.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:d@example.test'] },
      'sub.example.test': { A: ['192.0.2.2'] },
    }),
  );
  const r = await gen('dmarc', e, 'sub.example.test', DMARC_DEFAULTS);
  assert.deepEqual(r.records, []);
  assert.ok(r.notes.some((n) => /inherits p=reject from _dmarc\.example\.test/.test(n)));
  const weaker = await gen('dmarc', e, 'sub.example.test', { ...DMARC_DEFAULTS, policy: 'none' });
  assert.equal(weaker.records[0]!.name, '_dmarc.sub.example.test');
  assert.ok(weaker.warnings.some((w) => /weaker than the p=reject/.test(w)));
});

test('dmarc: reports over fewer than 14 days never move a step', async () => {
  const e = env(base({ '_dmarc.example.test': { TXT: ['v=DMARC1; p=none; rua=mailto:d@example.test'] } }));
  const r = await gen(
    'dmarc',
    e,
    'example.test',
    { ...DMARC_DEFAULTS, plan: true },
    { reports: reports(99.9, 5) },
  );
  assert.equal(r.refused, null);
  assert.equal(r.records[0]!.value, 'v=DMARC1; p=none; rua=mailto:d@example.test');
  assert.deepEqual(
    r.plan!.map((p) => p.ready),
    [true, false, false, false, false],
  );
  assert.equal(r.plan![0]!.current, true);
});

test('spf --reports: the services that pass DKIM aligned or are listed are included; the rest named', async () => {
  const zone = base({
    'example.test': { MX, TXT: ['v=spf1 mx ~all'] },
    '_spf.esp.test': { TXT: ['v=spf1 ip4:203.0.113.0/24 -all'] },
  });
  const src = (
    ip: string,
    cls: ReportSource['class'],
    dkim: number,
    extra: Partial<ReportSource> = {},
  ): ReportSource => ({
    ip,
    ptr: null,
    organisation: null,
    messages: 100,
    dmarcPass: dkim,
    dkimAligned: dkim,
    spfAligned: 0,
    class: cls,
    spfInclude: null,
    ...extra,
  });
  const sources = [
    src('203.0.113.7', 'authorised', 100, { organisation: 'Example ESP', spfInclude: '_spf.esp.test' }),
    src('203.0.113.8', 'authorised', 98, { organisation: 'Example ESP', spfInclude: '_spf.esp.test' }),
    src('198.51.100.20', 'unknown', 95),
    src('198.51.100.30', 'forwarder', 100, { organisation: 'Lists Inc' }),
    src('198.51.100.40', 'unauthorised', 0),
    src('198.51.100.50', 'unknown', 40),
    src('198.51.100.60', 'unauthorised', 0),
  ];
  const r = await gen(
    'spf',
    env(zone),
    'example.test',
    { ...SPF, listed: ['198.51.100.60'] },
    {
      reports: { messages: 700, dmarcPass: 60, days: 20, sources },
    },
  );
  assert.equal(r.refused, null, r.refused?.reason);
  assert.equal(
    r.records[0]!.value,
    'v=spf1 mx include:_spf.esp.test ip4:198.51.100.20 ip4:198.51.100.60 ~all',
  );
  const d = r.details as { reports: { included: { ip: string }[]; excluded: { ip: string; why: string }[] } };
  assert.deepEqual(
    d.reports.excluded.map((x) => x.ip),
    ['198.51.100.30', '198.51.100.40', '198.51.100.50'],
  );
  assert.ok(r.warnings.some((w) => /Left out of SPF: 198\.51\.100\.30 \(Lists Inc\).*forwarder/.test(w)));
  assert.ok(r.notes.some((n) => /DNS lookups: 2 of 10/.test(n)));
});

test('caa: a certificate that could not be read (timeout) refuses the set; no address or no TLS does not', async () => {
  const e = env(base());
  const l = await live(e, 'example.test', ['caa', 'mx'], {
    web: [
      cert('example.test', "O=Let's Encrypt, CN=R11"),
      cert('mta-sts.example.test', null),
      {
        host: 'www.example.test',
        via: 'https',
        issuer: null,
        problem: 'timeout (headers timeout)',
        response: null,
      },
    ],
  });
  const o = { issuers: [], issuerMap: {}, ttl: 3600, force: false };
  const p = GENERATORS.caa.propose({ domain: 'example.test', options: o, live: l, now: NOW });
  assert.match(p.refused!.reason, /Could not read the certificate of www\.example\.test \(https\): timeout/);
  const forced = GENERATORS.caa.propose({
    domain: 'example.test',
    options: { ...o, force: true },
    live: l,
    now: NOW,
  });
  assert.deepEqual(
    forced.records.map((r) => r.value),
    ['0 issue "letsencrypt.org"'],
  );
});
