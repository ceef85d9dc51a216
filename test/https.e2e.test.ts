/**
 * End to end over HTTPS (issue 6): the testworld (DNS, SMTP hosts, HTTPS hosts on {net}.8.*:443)
 * and the CLI. MTA-STS policies, security.txt, Microsoft 365 tenants and BIMI assets, each host
 * with its expected status and fields; no redirect followed where RFC 8461 forbids it; nothing
 * sent to an address outside --allow-private; a full check of full.test.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openScanSource } from '../src/scan/store.ts';
import { domainsIn, drillKey } from '../src/statistics/report.ts';
import { type HttpsHosts, startHttpsHosts } from '../testworld/https/index.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { LOOPBACK, ROOT, runCli } from './helpers.ts';
import { schemaValidator } from './schema.ts';

type Doc = Record<string, unknown> & {
  domain: string;
  findings: { id: string; check: string; severity: string; message: string }[];
};
type Section = Record<string, unknown> & { status: string };

const DOMAINS = [
  'sts-good.test',
  'sts-redirect.test',
  'sts-404.test',
  'sts-mediatype.test',
  'sts-big.test',
  'sts-badcert.test',
  'sts-mxout.test',
  'sts-private.test',
  'sectxt-good.test',
  'sectxt-expired.test',
  'sectxt-html.test',
  'sectxt-legacy.test',
  'm365-tenant.test',
  'm365-fed.test',
  'bimi-good.test',
  'bimi-badsvg.test',
];

let tw: Testworld;
let smtp: SmtpHosts;
let https: HttpsHosts;
let caFile: string;
const docs = new Map<string, Doc>();
let full: Doc;
/** did-good.test, did-forged.test and sectxt-good.test (no DID, no MCP), with --only did,mcp */
const didDocs = new Map<string, Doc>();

const args = (extra: string[] = []) => [
  '--json',
  '--resolver',
  tw.resolver,
  '--ca-file',
  caFile,
  // generous: the testworld hosts answer at once, but a loaded machine (tests run 3 at a time,
  // beside Chromium) can stall a process for seconds
  '--http-timeout',
  '15000',
  '--smtp-timeout',
  '15000',
  ...extra,
];
const parseLines = (stdout: string): Doc[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Doc);

before(async () => {
  tw = await startTestworld();
  [smtp, https] = await Promise.all([
    startSmtpHosts(tw, { postfix: false, ipv6: false }),
    startHttpsHosts(tw),
  ]);
  caFile = join(tw.dir, 'https-e2e-roots.pem');
  writeFileSync(caFile, readFileSync(smtp.caFile, 'utf8') + readFileSync(https.caFile, 'utf8'));
  const only = ['mtaSts', 'securityTxt', 'microsoft365', 'bimi'].join(',');
  const [many, one] = await Promise.all([
    runCli([
      'check',
      ...DOMAINS,
      ...args(['--allow-private', LOOPBACK, '--only', only, '--vmc-roots', https.markRootFile]),
    ]),
    runCli(['check', 'full.test', ...args(['--allow-private', LOOPBACK, '--vmc-roots', https.markRootFile])]),
  ]);
  // after the others, not beside them: on a loaded machine three checks at once time out
  const dids = await runCli([
    'check',
    'did-good.test',
    'did-forged.test',
    'sectxt-good.test',
    ...args(['--allow-private', LOOPBACK, '--only', 'did,mcp']),
  ]);
  for (const d of parseLines(dids.stdout)) didDocs.set(d.domain, d);
  assert.ok(many.stdout, many.stderr);
  for (const d of parseLines(many.stdout)) docs.set(d.domain, d);
  full = JSON.parse(one.stdout) as Doc;
});
after(async () => {
  await https?.stop();
  await smtp?.stop();
  await tw?.stop();
});

const section = (domain: string, check: string): Section => {
  const d = domain === 'full.test' ? full : docs.get(domain);
  assert.ok(d, `no document for ${domain}`);
  return d[check] as Section;
};
const ids = (domain: string, check: string) =>
  (domain === 'full.test' ? full : docs.get(domain)!).findings
    .filter((f) => f.check === check)
    .map((f) => f.id);
const has = (domain: string, check: string, id: string) =>
  assert.ok(ids(domain, check).includes(id), `${id} in ${ids(domain, check).join(', ')}`);

// ---- MTA-STS (RFC 8461) ----
test('mtaSts: sts-good.test enforce policy, MX covered with a valid certificate → pass, enforce ready', () => {
  const s = section('sts-good.test', 'mtaSts');
  assert.equal(s.status, 'pass');
  assert.deepEqual(s.policy, { mode: 'enforce', mx: ['mx.smtp-good.test'], maxAge: 604800 });
  assert.deepEqual(s.mxMatch, [{ exchange: 'mx.smtp-good.test', matched: true, certificateOk: true }]);
  assert.equal(s.enforceReady, true);
  has('sts-good.test', 'mtaSts', 'mtaSts.enforce-ready');
  assert.equal(https.requests('mta-sts.sts-good.test'), 1);
});
test('mtaSts: redirect is not followed (Location reported, target count 0) → fail', () => {
  const s = section('sts-redirect.test', 'mtaSts');
  assert.equal(s.status, 'fail');
  assert.equal(s.httpStatus, 301);
  assert.equal(s.location, 'https://sts-target.test/.well-known/mta-sts.txt');
  has('sts-redirect.test', 'mtaSts', 'mtaSts.policy-redirect');
  assert.equal(https.requests('sts-target.test'), 0);
});
test('mtaSts: 404 → fail', () => {
  assert.equal(section('sts-404.test', 'mtaSts').status, 'fail');
  assert.equal(section('sts-404.test', 'mtaSts').httpStatus, 404);
  has('sts-404.test', 'mtaSts', 'mtaSts.policy-status');
});
test('mtaSts: policy served as text/html → warn (media type)', () => {
  const s = section('sts-mediatype.test', 'mtaSts');
  assert.equal(s.status, 'warn');
  assert.equal((s.policy as { mode: string }).mode, 'testing');
  has('sts-mediatype.test', 'mtaSts', 'mtaSts.policy-media-type');
});
test('mtaSts: oversized policy → fail (cap)', () => {
  assert.equal(section('sts-big.test', 'mtaSts').status, 'fail');
  assert.equal(section('sts-big.test', 'mtaSts').policy, null);
  has('sts-big.test', 'mtaSts', 'mtaSts.policy-too-large');
});
test('mtaSts: certificate for another name → fail, no request sent', () => {
  assert.equal(section('sts-badcert.test', 'mtaSts').status, 'fail');
  has('sts-badcert.test', 'mtaSts', 'mtaSts.policy-certificate');
  assert.equal(https.requests('mta-sts.sts-badcert.test'), 0);
});
test('mtaSts: MX outside the enforce policy → fail, mxMatch matched false', () => {
  const s = section('sts-mxout.test', 'mtaSts');
  assert.equal(s.status, 'fail');
  assert.deepEqual(s.mxMatch, [{ exchange: 'mx.smtp-good.test', matched: false, certificateOk: true }]);
  assert.equal(s.enforceReady, false);
  has('sts-mxout.test', 'mtaSts', 'mtaSts.mx-not-covered');
  has('sts-mxout.test', 'mtaSts', 'mtaSts.pattern-unused');
});
test('mtaSts: policy host at 10.0.0.1 (outside --allow-private) is never contacted → fail', () => {
  const s = section('sts-private.test', 'mtaSts');
  assert.equal(s.status, 'fail');
  has('sts-private.test', 'mtaSts', 'mtaSts.policy-unreachable');
  const d = docs.get('sts-private.test')!;
  assert.match(d.findings.find((f) => f.id === 'mtaSts.policy-unreachable')!.message, /refused-address/);
});

// ---- security.txt (RFC 9116) ----
test('securityTxt: valid file → pass with url, contact, expires, signed', () => {
  const s = section('sectxt-good.test', 'securityTxt');
  assert.equal(s.status, 'pass');
  assert.equal(s.url, 'https://sectxt-good.test/.well-known/security.txt');
  assert.deepEqual(s.contact, ['mailto:security@sectxt-good.test', 'https://sectxt-good.test/security']);
  assert.match(String(s.expires), /^\d{4}-\d{2}-\d{2}T/);
  assert.equal(s.signed, false);
});
test('securityTxt: expired → fail', () => {
  assert.equal(section('sectxt-expired.test', 'securityTxt').status, 'fail');
  has('sectxt-expired.test', 'securityTxt', 'securityTxt.expired');
});
test('securityTxt: HTML soft 404 is not a security.txt → absent', () => {
  const s = section('sectxt-html.test', 'securityTxt');
  assert.equal(s.status, 'absent');
  assert.equal(s.url, null);
  has('sectxt-html.test', 'securityTxt', 'securityTxt.soft-404');
});
test('securityTxt: legacy /security.txt only → fail (location)', () => {
  const s = section('sectxt-legacy.test', 'securityTxt');
  assert.equal(s.status, 'fail');
  assert.equal(s.url, 'https://sectxt-legacy.test/security.txt');
  has('sectxt-legacy.test', 'securityTxt', 'securityTxt.location');
});

// ---- Microsoft 365 ----
test('microsoft365: managed tenant with Exchange Online MX, autodiscover and DKIM CNAMEs → pass', () => {
  const s = section('m365-tenant.test', 'microsoft365');
  assert.equal(s.status, 'pass', ids('m365-tenant.test', 'microsoft365').join(', '));
  assert.equal(s.tenantId, '3f1c6a52-8d7e-4b1a-9c2f-5e6d7a8b9c01');
  assert.equal(s.namespaceType, 'Managed');
  assert.equal(s.federationUrl, null);
  assert.equal(s.exchangeOnlineMx, true);
  assert.equal(s.autodiscover, true);
  assert.equal(s.dkimCnames, true);
});
test('microsoft365: federated tenant, MX elsewhere → federation URL', () => {
  const s = section('m365-fed.test', 'microsoft365');
  assert.equal(s.tenantId, '7b2d9e14-0a3c-4f5b-8e6d-1c2b3a4f5e6d');
  assert.equal(s.namespaceType, 'Federated');
  assert.match(String(s.federationUrl), /^https:\/\/sts\.m365-fed\.test\/adfs\/ls\//);
  has('m365-fed.test', 'microsoft365', 'microsoft365.federated');
  has('m365-fed.test', 'microsoft365', 'microsoft365.mx-elsewhere');
});
test('microsoft365: no tenant → absent', () => {
  assert.equal(section('full.test', 'microsoft365').status, 'absent');
  assert.equal(section('full.test', 'microsoft365').tenantId, null);
});

// ---- BIMI assets ----
test('bimi: valid SVG Tiny PS and a mark certificate from the testworld mark root → pass', () => {
  const s = section('bimi-good.test', 'bimi');
  assert.equal(s.status, 'pass', ids('bimi-good.test', 'bimi').join(', '));
  assert.deepEqual(s.svg, { valid: true, problems: [] });
  assert.deepEqual(s.certificate, { valid: true, problems: [], logoMatches: true });
  assert.equal(s.assetsChecked, true);
});
test('bimi: SVG breaking SVG Tiny PS → fail with the problems', () => {
  const s = section('bimi-badsvg.test', 'bimi');
  assert.equal(s.status, 'fail');
  const svg = s.svg as { valid: boolean; problems: string[] };
  assert.equal(svg.valid, false);
  assert.ok(svg.problems.length >= 5, svg.problems.join('; '));
  has('bimi-badsvg.test', 'bimi', 'bimi.svg-invalid');
});

// ---- full check, schema ----
test('full.test: a full check (SMTP and HTTPS) completes; every document matches the schema', () => {
  assert.equal(section('full.test', 'mtaSts').status, 'pass');
  assert.equal(section('full.test', 'mtaSts').enforceReady, true);
  assert.equal(section('full.test', 'securityTxt').status, 'pass');
  assert.equal((section('full.test', 'bimi').svg as { valid: boolean }).valid, true);
  assert.equal(section('full.test', 'smtp').status, 'pass');
  const ajv = schemaValidator();
  const validate = ajv.compile(JSON.parse(readFileSync(`${ROOT}/schema/check.schema.json`, 'utf8')));
  for (const doc of [full, ...docs.values()])
    assert.ok(validate(doc), `${doc.domain}: ${ajv.errorsText(validate.errors)}`);
});

// ---- DID configuration (DIF Well-Known DID Configuration) and MCP ----
test('did: did-good.test linkage JWT verified against did:web:did-good.test → pass; forged signature → fail; none served → absent', () => {
  const good = didDocs.get('did-good.test')!.did as Section;
  assert.equal(good.status, 'pass', JSON.stringify(good));
  assert.equal(good.verified, true);
  assert.deepEqual(good.dids, ['did:web:did-good.test']);
  assert.equal(good.url, 'https://did-good.test/.well-known/did-configuration.json');
  const forged = didDocs.get('did-forged.test')!;
  assert.equal((forged.did as Section).status, 'fail');
  assert.equal((forged.did as Section).verified, false);
  assert.deepEqual(
    forged.findings.filter((f) => f.check === 'did').map((f) => f.id),
    ['did.signature-invalid', 'did.unverified'],
  );
  const none = didDocs.get('sectxt-good.test')!;
  assert.equal((none.did as Section).status, 'absent');
  assert.equal((none.mcp as Section).status, 'absent');
  // each host asked for its configuration and, for a JWT linkage, its DID document
  assert.ok(https.requests('did-good.test') >= 3, String(https.requests('did-good.test')));
});
test('mcp: a JSON object → pass with its name; not JSON → fail', () => {
  const good = didDocs.get('did-good.test')!.mcp as Section;
  assert.deepEqual([good.status, good.valid, good.name], ['pass', true, 'Testworld MCP']);
  const bad = didDocs.get('did-forged.test')!;
  assert.deepEqual([(bad.mcp as Section).status, (bad.mcp as Section).valid], ['fail', false]);
  assert.ok(bad.findings.some((f) => f.id === 'mcp.invalid-json'));
  const ajv = schemaValidator();
  const validate = ajv.compile(JSON.parse(readFileSync(`${ROOT}/schema/check.schema.json`, 'utf8')));
  for (const doc of didDocs.values())
    assert.ok(validate(doc), `${doc.domain}: ${ajv.errorsText(validate.errors)}`);
});

// ---- address policy and --no-http ----
test('without --allow-private no HTTPS request reaches any testworld host', async () => {
  const before = https.counts();
  const r = await runCli([
    'check',
    'sts-good.test',
    'sectxt-good.test',
    'bimi-good.test',
    'm365-tenant.test',
    'full.test',
    ...args(['--only', 'mtaSts,securityTxt,microsoft365,bimi']),
  ]);
  assert.ok(r.stdout, r.stderr);
  assert.deepEqual(https.counts(), before);
  const d = parseLines(r.stdout);
  const by = new Map(d.map((x) => [x.domain, x]));
  for (const web of ['sectxt-good.test', 'bimi-good.test', 'full.test'])
    assert.equal((by.get(web)!.securityTxt as Section).status, 'skipped', web);
  assert.equal((by.get('sts-good.test')!.mtaSts as Section).status, 'fail');
  assert.equal((by.get('m365-tenant.test')!.microsoft365 as Section).status, 'skipped');
});
test('--no-http: HTTP parts skipped, no request sent', async () => {
  const before = https.counts();
  const r = await runCli([
    'check',
    'sts-good.test',
    'sectxt-good.test',
    ...args([
      '--allow-private',
      LOOPBACK,
      '--no-http',
      '--no-smtp',
      '--only',
      'mtaSts,securityTxt,microsoft365',
    ]),
  ]);
  const d = parseLines(r.stdout);
  assert.deepEqual(https.counts(), before);
  assert.equal((d[0]!.mtaSts as Section).policyFetched, false);
  assert.ok(d[0]!.findings.some((f) => f.id === 'mtaSts.policy-not-fetched'));
  assert.equal((d[1]!.securityTxt as Section).status, 'skipped');
  assert.equal((d[1]!.microsoft365 as Section).status, 'skipped');
});

// ---- statistics of a DNS fact when the web host is down (issue 11) ----
test('scan + report: a BIMI / MTA-STS / security.txt / M365 domain whose web host is down still counts for the record key; only the HTTPS-dependent key is error; gmp-csv cells', async () => {
  const domains = [
    'bimi-good.test',
    'bimi-down.test',
    'bimi-nohost.test',
    'sts-good.test',
    'sts-down.test',
    'sts-nohost.test',
    'sectxt-good.test',
    'sectxt-half.test',
    'sectxt-503.test',
    'm365-tenant.test',
    'm365-realmdown.test',
    'did-good.test',
    'did-forged.test',
  ];
  const list = join(tw.dir, 'webdown-domains.txt');
  const db = join(tw.dir, 'webdown.duckdb');
  writeFileSync(list, `${domains.join('\n')}\n`);
  const scan = await runCli(
    [
      'scan',
      list,
      '--db',
      db,
      '--scan',
      'webdown',
      '--no-smtp',
      '--only',
      'mx,dmarc,bimi,mtaSts,securityTxt,microsoft365,did,mcp',
      '--vmc-roots',
      https.markRootFile,
      ...args(['--allow-private', LOOPBACK]).filter((a) => a !== '--json'),
    ],
    {},
    180_000,
  );
  assert.equal(scan.code, 0, scan.stderr);
  const doc = async (d: string) => {
    const r = await runCli(['report', '--db', db, '--domain', d, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Doc;
  };
  // the sections themselves could not test the web part: error, never "absent"
  for (const [d, check] of [
    ['bimi-down.test', 'bimi'],
    ['sts-down.test', 'mtaSts'],
    ['sectxt-503.test', 'securityTxt'],
    ['m365-realmdown.test', 'microsoft365'],
  ] as const)
    assert.equal(((await doc(d))[check] as Section).status, 'error', `${d} ${check}`);
  const want: [string, string[]][] = [
    ['bimi.present', ['bimi-down.test', 'bimi-good.test', 'bimi-nohost.test']],
    ['bimi.present.error', []],
    ['bimi.withCertificate', ['bimi-down.test', 'bimi-good.test']],
    ['bimi.withCertificate.error', []],
    ['mtaSts.present', ['sts-down.test', 'sts-good.test', 'sts-nohost.test']],
    ['mtaSts.present.error', []],
    // the HTTPS-dependent key: the policy of sts-down.test could not be fetched (503); a policy
    // host where nothing listens serves no policy (RFC 8461 §3.3)
    ['mtaSts.enforce', ['sts-good.test']],
    ['mtaSts.enforce.error', ['sts-down.test']],
    ['securityTxt.present', ['sectxt-good.test', 'sectxt-half.test']],
    // bimi-down.test's web host (its apex) is down too: its security.txt could not be tested
    ['securityTxt.present.error', ['bimi-down.test', 'sectxt-503.test']],
    ['m365.tenant', ['m365-realmdown.test', 'm365-tenant.test']],
    ['m365.tenant.error', []],
  ];
  // the drill-down the CLI prints (report --domains), through the library in one process
  const store = await openScanSource(db);
  const got: [string, string[]][] = [];
  try {
    for (const [arg] of want) {
      const key = drillKey(arg);
      assert.ok(key, arg);
      const ds: string[] = [];
      for await (const rows of domainsIn(store, 'webdown', key)) ds.push(...rows.map((x) => x.domain));
      got.push([arg, ds]);
    }
  } finally {
    await store.close();
  }
  assert.deepEqual(got, want);
  const cli = await runCli(['report', '--db', db, '--domains', 'bimi.present']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(cli.stdout.split('\n').filter(Boolean), want[0]![1]);
  // the same figures in the report
  const r = await runCli(['report', '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const stats = (JSON.parse(r.stdout) as { stats: Record<string, { count: number }> }).stats;
  for (const [key, ds] of want) assert.equal(stats[key]?.count ?? 0, ds.length, key);

  // Get-Mailprotection's columns (scan export --format gmp-csv): the record columns filled from the
  // record, an undetermined fact empty (never False), DID only when its linkage verified
  const gmp = await runCli(['scan', 'export', '--db', db, '--format', 'gmp-csv']);
  assert.equal(gmp.code, 0, gmp.stderr);
  const [head, ...lines] = gmp.stdout.split('\r\n').filter(Boolean);
  const cells = (line: string) =>
    [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
  const cols = cells(head!);
  assert.equal(cols.length, 40);
  const rows = new Map(
    lines.map((l) => {
      const c = cells(l);
      return [c[0]!, Object.fromEntries(cols.map((h, i) => [h, c[i]]))] as const;
    }),
  );
  assert.equal(rows.size, domains.length);
  const cell = (d: string, c: string) => rows.get(d)?.[c];
  assert.equal(cell('bimi-down.test', 'BIMIAvailable'), 'True');
  assert.equal(
    cell('bimi-down.test', 'BIMIRecord'),
    'v=BIMI1; l=https://bimi-down.test/logo.svg; a=https://bimi-down.test/vmc.pem',
  );
  assert.equal(cell('bimi-down.test', 'SecurityTXT'), ''); // the web host failed: not known
  assert.equal(cell('sectxt-half.test', 'SecurityTXT'), 'True');
  assert.equal(cell('sectxt-503.test', 'SecurityTXT'), '');
  assert.equal(cell('sts-down.test', 'MTASTSAvailable'), 'True');
  assert.equal(cell('sts-down.test', 'MTASTSWeb'), '');
  assert.equal(
    cell('sts-good.test', 'MTASTSWeb'),
    'version: STSv1 mode: enforce mx: mx.smtp-good.test max_age: 604800',
  );
  assert.equal(cell('m365-realmdown.test', 'M365'), 'True');
  assert.equal(cell('m365-realmdown.test', 'TenantID'), '0c4e8a16-2b5d-4e7f-9a1b-3c5d7e9f1a2b');
  assert.equal(cell('m365-tenant.test', 'M365NameSpaceType'), 'Managed');
  // --no-smtp: STARTTLS was not tested (Get-Mailprotection would say None)
  assert.equal(cell('sts-good.test', 'StartTLSSupport'), '');
  assert.equal(cell('sts-good.test', 'MXRecord'), 'mx.smtp-good.test');
  assert.equal(cell('did-good.test', 'DID'), 'did:web:did-good.test');
  assert.equal(cell('did-forged.test', 'DID'), '');
  assert.equal(
    cell('did-good.test', 'MCP'),
    JSON.stringify({ name: 'Testworld MCP', endpoint: 'https://did-good.test/mcp' }),
  );
  assert.equal(cell('did-forged.test', 'MCP'), '');
});
