/**
 * Issue 9 item 7, "verdicts in the corners", end to end: the CLI as a new user runs it, against
 * the testworld (DNS, SMTP hosts on IPv4, HTTPS hosts). A name that does not exist, a resolver
 * that does not answer, --fail-on with undetermined sections and for `spf --ip`, a name below a
 * zone apex, a web host that refuses port 443 or fails with 503, a closed port 25, TLS details
 * and notes in the human output, names typed as addresses or URLs, --only labels and
 * MAILSEC_ALLOW_PRIVATE. The CLI's entry function runs in this process (test/helpers.ts runMain):
 * the same code path as the binary, without a process start per run.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DomainDocument, Section } from '../src/audit/document.ts';
import { checkDomain } from '../src/index.ts';
import { type HttpsHosts, startHttpsHosts } from '../testworld/https/index.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { LOOPBACK_V4, ROOT, runMain as runCli } from './helpers.ts';
import { schemaValidator } from './schema.ts';

let tw: Testworld;
let smtp: SmtpHosts;
let https: HttpsHosts;
let caFile: string;

before(async () => {
  tw = await startTestworld();
  [smtp, https] = await Promise.all([
    startSmtpHosts(tw, { postfix: false, ipv6: false }),
    startHttpsHosts(tw),
  ]);
  caFile = join(tw.dir, 'corners-roots.pem');
  writeFileSync(caFile, readFileSync(smtp.caFile, 'utf8') + readFileSync(https.caFile, 'utf8'));
});
after(async () => {
  await https?.stop();
  await smtp?.stop();
  await tw?.stop();
});

/** the testworld's resolver and trust; IPv4 loopback only (::1 belongs to test/smtp.e2e.test.ts) */
const world = (extra: string[] = []) => [
  '--resolver',
  tw.resolver,
  '--ca-file',
  caFile,
  '--allow-private',
  LOOPBACK_V4,
  '--smtp-timeout',
  '5000',
  '--http-timeout',
  '5000',
  ...extra,
];
const section = (d: DomainDocument, id: string) => d[id] as Section;
const ajv = schemaValidator();
const validate = ajv.compile(JSON.parse(readFileSync(`${ROOT}/schema/check.schema.json`, 'utf8')));

describe('a name that does not exist (NXDOMAIN)', { concurrency: true }, () => {
  test('one verdict: exists false, domain.not-found, every section but DNSSEC skipped, nothing to publish', async () => {
    const run = await runCli(['check', 'nonexistent.test', 'nothere.insecure.test', '--json', ...world()]);
    assert.equal(run.code, 0, run.stderr);
    const [doc, unsigned] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DomainDocument) as [DomainDocument, DomainDocument];
    for (const d of [doc, unsigned]) {
      assert.ok(validate(d), JSON.stringify(validate.errors));
      assert.equal(d.exists, false);
      assert.deepEqual(
        d.findings.map((f) => f.id),
        ['domain.not-found'],
      );
      for (const f of d.findings) assert.doesNotMatch(f.fix ?? '', /Publish|TXT|CAA|MX /);
      for (const [id, s] of Object.entries(d)) {
        if (id === 'dnssec' || typeof s !== 'object' || s === null || !('status' in s)) continue;
        assert.equal((s as Section).status, 'skipped', id);
      }
    }
    assert.match(doc.findings[0]!.message, /nonexistent\.test does not exist \(NXDOMAIN, proven/);
    // the denial is validated under a signed parent; under an unsigned one it is not signed
    assert.equal(section(doc, 'dnssec').status, 'pass');
    assert.equal(section(doc, 'dnssec').validation, 'secure');
    assert.equal(section(unsigned, 'dnssec').status, 'absent');
  });
  test('human output: the verdict once, no DNSSEC line saying "absent … secure", no publish fixes; --fail-on error fails', async () => {
    const run = await runCli(['check', 'nonexistent.test', '--fail-on', 'error', ...world()]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout.match(/nonexistent\.test does not exist \(NXDOMAIN/g)?.length, 1, run.stdout);
    assert.doesNotMatch(run.stdout, /DNSSEC\s+absent/);
    assert.match(run.stdout, /DNSSEC\s+pass\s+the non-existence is proven by a validated denial \(secure\)/);
    assert.match(run.stdout, /SPF\s+skipped\s+not tested: the domain does not exist/);
    assert.equal(run.stdout.match(/fix:/g)?.length, 1, 'one fix: register or correct the name');
    assert.doesNotMatch(run.stdout, /Publish|Serve https/);
  });
});

describe('a resolver that does not answer', () => {
  let silent: Socket;
  let datagrams = 0;
  before(async () => {
    silent = createSocket('udp4');
    silent.on('message', () => {
      datagrams++;
    });
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  });
  after(() => silent.close());
  test('detected by the first probe: exit 3 after its attempts, nothing checked, nothing on stdout', async () => {
    const { port } = silent.address();
    const run = await runCli([
      'check',
      'secure.test',
      'full.test',
      '--json',
      '--resolver',
      `127.0.0.1:${port}`,
      '--timeout',
      '300',
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /does not answer.*nothing was checked/);
    assert.match(run.stderr, /try: --resolver/);
    // one query, three attempts: no check ran (each would have asked many more)
    assert.ok(datagrams <= 3, `${datagrams} queries reached the silent resolver`);
  });
  test('the library says so too: checkDomain rejects (resolver unreachable) after the probe', async () => {
    const { port } = silent.address();
    await assert.rejects(checkDomain('secure.test', { resolver: `127.0.0.1:${port}`, timeoutMs: 200 }), {
      code: 'MAILSEC_ERR_RESOLVER_UNREACHABLE',
    });
  });
});

describe('--fail-on and undetermined sections', { concurrency: true }, () => {
  test('sections that could not be determined (error) fail --fail-on error, even with no error finding', async () => {
    const run = await runCli([
      'check',
      'servfail.test',
      '--only',
      'caa,mx,spf',
      '--json',
      '--fail-on',
      'error',
      ...world(),
    ]);
    const doc = JSON.parse(run.stdout) as DomainDocument;
    for (const id of ['caa', 'mx', 'spf']) assert.equal(section(doc, id).status, 'error', id);
    assert.ok(!doc.findings.some((f) => f.severity === 'error'), 'only undetermined warnings');
    assert.equal(run.code, 1);
  });
  test('a clean domain still passes --fail-on error', async () => {
    const run = await runCli(['check', 'nullmx.test', '--only', 'mx', '--fail-on', 'error', ...world()]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  // the whole mapping is a unit table (src/cli/exit.test.ts); here the CLI end to end
  const Z = 'spf-lab.test';
  const spfCases: [title: string, args: string[], failOn: string | null, code: number][] = [
    ['fail, --fail-on error: 1', ['--ip', '192.0.2.1', '--sender', `u@ten.${Z}`], 'error', 1],
    ['softfail, --fail-on error: 0', ['--ip', '192.0.2.1', '--sender', `u@seven.${Z}`], 'error', 0],
    ['none, --fail-on warning: 1', ['--ip', '192.0.2.1', '--sender', `u@${Z}`], 'warning', 1],
  ];
  for (const [title, args, failOn, code] of spfCases) {
    test(`interface.md: spf --ip: ${title}`, async () => {
      const run = await runCli([
        'spf',
        ...args,
        '--json',
        '--resolver',
        tw.resolver,
        ...(failOn ? ['--fail-on', failOn] : []),
      ]);
      assert.equal(run.code, code, `${run.stdout}${run.stderr}`);
    });
  }
});

describe('NS of a name that is not a zone apex', { concurrency: true }, () => {
  test('alice.github.io: skipped (not applicable), with the zone github.io and its name servers; an apex keeps its verdict', async () => {
    const run = await runCli([
      'check',
      'alice.github.io',
      'secure.test',
      '--only',
      'ns',
      '--json',
      ...world(),
    ]);
    const [doc, apex] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DomainDocument) as [DomainDocument, DomainDocument];
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    const ns = section(doc, 'ns');
    assert.equal(ns.status, 'skipped');
    assert.equal(ns.zone, 'github.io');
    assert.deepEqual(
      (ns.hosts as { name: string }[]).map((h) => h.name),
      ['ns1.nic.test', 'ns2.nic.test'],
    );
    assert.deepEqual(
      doc.findings.map((f) => f.id),
      ['ns.not-zone-apex'],
    );
    assert.equal(section(apex, 'ns').status, 'pass');
    assert.equal(section(apex, 'ns').zone, 'secure.test');
  });
  test('human output names the zone', async () => {
    const human = await runCli(['check', 'alice.github.io', '--only', 'ns', ...world()]);
    assert.match(
      human.stdout,
      /NS\s+skipped\s+not a zone apex: part of the zone github\.io \(ns1\.nic\.test/,
    );
  });
});

describe('security.txt when the web server is missing or failing', { concurrency: true }, () => {
  test('refused on 443: absent (no web server) with that reason; 503: error with server advice; no DNS advice', async () => {
    const run = await runCli([
      'check',
      'sectxt-refused.test',
      'sectxt-503.test',
      '--only',
      'security.txt',
      '--json',
      ...world(),
    ]);
    const [refused, failing] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DomainDocument) as [DomainDocument, DomainDocument];
    assert.equal(section(refused, 'securityTxt').status, 'absent');
    const f = refused.findings.find((x) => x.id === 'securityTxt.not-found');
    assert.ok(f, JSON.stringify(refused.findings));
    assert.match(f.message, /no web server: the connection to port 443 at 127\.\d+\.8\.24 was refused/);
    assert.equal(section(failing, 'securityTxt').status, 'error');
    const u = failing.findings.find((x) => x.id === 'securityTxt.undetermined');
    assert.match(u?.fix ?? '', /answered HTTP 503/);
    for (const x of [...refused.findings, ...failing.findings])
      assert.doesNotMatch(x.fix ?? '', /SERVFAIL|name servers/, x.id);
  });
});

describe('SMTP and the human output', { concurrency: true }, () => {
  test('a closed port 25 says "refused the connection"; a TLS host shows version, cipher, issuer, expiry date', async () => {
    const run = await runCli(['check', 'smtp-closed.test', 'smtp-good.test', '--only', 'smtp', ...world()]);
    assert.match(run.stdout, /SMTP\s+error\s+STARTTLS on 0 of 1 MX address, 1 refused the connection/);
    assert.match(run.stdout, /mx\.smtp-closed\.test \(127\.\d+\.4\.19\): refused the connection on port 25/);
    assert.doesNotMatch(run.stdout, /not determined/);
    assert.match(
      run.stdout,
      /mx\.smtp-good\.test \(127\.\d+\.4\.10\): TLSv1\.[23] TLS_[A-Z0-9_]+, issuer [^\n]*mailsec testworld intermediate, expires \d{4}-\d{2}-\d{2}\n/,
    );
  });
  test('JSON: outcome refused, connectionRefused true', async () => {
    const json = JSON.parse(
      (await runCli(['check', 'smtp-closed.test', '--only', 'smtp', '--json', ...world()])).stdout,
    );
    assert.equal(json.smtp.hosts[0].outcome, 'refused');
    assert.equal(json.smtp.hosts[0].connectionRefused, true);
  });
  test('--verbose shows notes; without it no note is printed, as the summary line says', async () => {
    const [quiet, verbose] = await Promise.all([
      runCli(['check', 'nocaa.test', '--only', 'caa,ns', ...world()]),
      runCli(['check', 'nocaa.test', '--only', 'caa,ns', '--verbose', ...world()]),
    ]);
    assert.match(quiet.stdout, /\d+ notes? \(--verbose shows notes\)/);
    assert.doesNotMatch(quiet.stdout, /^\s+info\s/m);
    assert.doesNotMatch(quiet.stdout, /CAA 0 issue/, 'the fix of a note is a note too');
    assert.match(verbose.stdout, /^\s+info\s/m);
    assert.match(verbose.stdout, /CAA 0 issue "letsencrypt\.org"/);
  });
});

describe('names as users type them', { concurrency: true }, () => {
  test('a bad name among good ones (an address, a URL): the good ones checked with a note, the bad one reported, exit 2', async () => {
    const run = await runCli([
      'check',
      'alice@nullmx.test',
      'a..b',
      'https://secure.test/some/path?x=1',
      '--only',
      'mx',
      '--json',
      ...world(),
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /"a\.\.b" is not a domain name \(it has an empty label\); skipped/);
    assert.match(
      run.stderr,
      /note: "alice@nullmx\.test" is an e-mail address: checking its domain nullmx\.test/,
    );
    assert.match(
      run.stderr,
      /note: "https:\/\/secure\.test\/some\/path\?x=1" is a URL: checking its domain secure\.test/,
    );
    const docs = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DomainDocument);
    assert.deepEqual(
      docs.map((d) => d.domain),
      ['nullmx.test', 'secure.test'],
    );
    assert.equal(section(docs[0]!, 'mx').status, 'pass');
  });
  test('the highest exit status wins: a bad name (2) over --fail-on findings (1)', async () => {
    const run = await runCli([
      'check',
      'servfail.test',
      'a..b',
      '--only',
      'mx',
      '--fail-on',
      'error',
      ...world(),
    ]);
    assert.equal(run.code, 2);
  });
  test('--only takes the labels users see (mta-sts, MX, security.txt), any case', async () => {
    const run = await runCli([
      'check',
      'secure.test',
      '--only',
      'mta-sts,MX,Security.TXT,tls-rpt',
      '--no-http',
      '--no-smtp',
      '--json',
      ...world(),
    ]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as DomainDocument;
    for (const id of ['mtaSts', 'mx', 'securityTxt', 'tlsRpt']) assert.ok(doc[id], id);
    assert.equal(doc.spf, undefined);
  });
});

describe('MAILSEC_ALLOW_PRIVATE', { concurrency: true }, () => {
  const mxKinds = (stdout: string) =>
    ((JSON.parse(stdout) as DomainDocument).mx as { records: { kind: string }[] }).records.map((r) => r.kind);
  const base = () => ['check', 'secure.test', '--only', 'mx', '--json', '--resolver', tw.resolver];
  test('like --allow-private: the testworld MX on loopback is an ordinary host (without: localhost)', async () => {
    const run = await runCli(base(), { MAILSEC_ALLOW_PRIVATE: '127.0.0.0/8,::1/128' });
    assert.deepEqual(mxKinds(run.stdout), ['host']);
  });
  test('--allow-private wins over the variable', async () => {
    const run = await runCli([...base(), '--allow-private', '10.0.0.0/8'], {
      MAILSEC_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
    });
    assert.deepEqual(mxKinds(run.stdout), ['localhost']);
  });
  test('a bad range in the variable is a usage error naming it', async () => {
    const run = await runCli(base(), { MAILSEC_ALLOW_PRIVATE: '127.0.0.0/99' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /127\.0\.0\.0\/99/);
  });
});
