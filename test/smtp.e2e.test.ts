/**
 * End-to-end: `mailsec check --only smtp` against the testworld's SMTP hosts (one small server per
 * behaviour, a real Postfix, DANE zones signed for real), with DANE verdicts compared against
 * ldns-dane run beside mailsec on the chain mailsec captured.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toPem } from '../src/net/tls-info.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { findTool, toolPath } from '../testworld/tools.ts';
import { LOOPBACK, ROOT, runCli } from './helpers.ts';
import { schemaValidator } from './schema.ts';

interface Host {
  exchange: string;
  address: string;
  sni: string;
  outcome: string;
  starttls: string;
  banner: string | null;
  ehlo: string[];
  tls: { version: string; cipher: string } | null;
  certificate: {
    subject: string;
    sans: string[];
    issuer: string;
    notAfter: string;
    keyType: string;
    keyBits: number;
    sha256: string;
    spkiSha256: string;
    trusted: boolean;
    nameMatch: boolean;
    trustError: string | null;
  } | null;
  chain: { der: string; presented: boolean }[];
  dane: { status: string; dnssec: string; usable: number; records: { matched: boolean | null }[] };
}
interface Smtp {
  status: string;
  hosts: Host[];
  starttlsSupport: string;
  undetermined: number;
}

const DOMAINS = [
  'smtp-good.test',
  'smtp-none.test',
  'smtp-refused.test',
  'smtp-handshake.test',
  'smtp-expired.test',
  'smtp-selfsigned.test',
  'smtp-wrongname.test',
  'smtp-slow.test',
  'smtp-multiline.test',
  'smtp-closed.test',
  'smtp-v6.test',
  'dane-ee.test',
  'dane-ta.test',
  'dane-ta-wrongname.test',
  'dane-ee-bad.test',
  'dane-ta-bad.test',
  'dane-insecure.test',
  'dane-bogus.test',
  'smtp-postfix.test',
];

let tw: Testworld;
let smtp: SmtpHosts;
const results = new Map<string, Smtp>();
const findingIds = new Map<string, string[]>();

before(async () => {
  tw = await startTestworld();
  smtp = await startSmtpHosts(tw);
});
after(async () => {
  await smtp?.stop();
  await tw?.stop();
});

const cli = (args: string[]) =>
  runCli(['check', ...args, '--only', 'smtp', '--json', '--resolver', tw.resolver], {
    NODE_EXTRA_CA_CERTS: smtp.caFile,
  });

function parseLines(stdout: string): { domain: string; smtp: Smtp; findings: { id: string }[] }[] {
  const text = stdout.trim();
  // one domain: one pretty-printed document; several: JSON Lines
  if (text.startsWith('{\n')) return [JSON.parse(text)];
  return text.split('\n').map((l) => JSON.parse(l));
}

test('without --allow-private no testworld SMTP host receives a connection', async () => {
  const r = await cli([...DOMAINS, 'shared-a.test']);
  assert.equal(r.code, 0, r.stderr);
  for (const doc of parseLines(r.stdout)) {
    for (const h of doc.smtp.hosts) {
      assert.equal(h.outcome, 'refused-address', `${doc.domain} ${h.address}`);
      assert.equal(h.starttls, 'skipped');
      assert.equal(h.dane.status, 'skipped');
    }
    assert.equal(doc.smtp.status, 'skipped', doc.domain);
  }
  assert.deepEqual(
    Object.values(smtp.counts()).filter((n) => n > 0),
    [],
  );
});

test('check every SMTP host (one run, --allow-private, --ehlo)', async () => {
  const r = await cli([...DOMAINS, '--allow-private', LOOPBACK, '--ehlo', 'probe.mailsec.test']);
  assert.equal(r.code, 0, r.stderr);
  const ajv = schemaValidator();
  const validate = ajv.compile(JSON.parse(readFileSync(`${ROOT}/schema/check.schema.json`, 'utf8')));
  for (const doc of parseLines(r.stdout)) {
    assert.ok(validate(doc), `${doc.domain}: ${ajv.errorsText(validate.errors)}`);
    results.set(doc.domain, doc.smtp);
    findingIds.set(
      doc.domain,
      doc.findings.map((f) => f.id),
    );
  }
  assert.equal(results.size, DOMAINS.length);
  const cmds = smtp.commands();
  assert.ok(cmds.includes('EHLO probe.mailsec.test'));
  assert.ok(!cmds.some((c) => /^MAIL\b/i.test(c)), 'never MAIL FROM');
});

const v4 = (domain: string) => {
  const s = results.get(domain);
  assert.ok(s, `no result for ${domain}`);
  const h = s.hosts.find((x) => !x.address.includes(':'));
  assert.ok(h, `no IPv4 host for ${domain}`);
  return h;
};

// domain, outcome, starttls, trusted, nameMatch, dane, section status
const expected: [string, string, string, boolean | null, boolean | null, string, string][] = [
  ['smtp-good.test', 'ok', 'yes', true, true, 'none', 'pass'],
  ['smtp-none.test', 'no-starttls', 'no', null, null, 'none', 'fail'],
  ['smtp-refused.test', 'starttls-refused', 'no', null, null, 'none', 'fail'],
  ['smtp-handshake.test', 'handshake-failed', 'error', null, null, 'none', 'error'],
  ['smtp-expired.test', 'ok', 'yes', false, true, 'none', 'warn'],
  ['smtp-selfsigned.test', 'ok', 'yes', false, true, 'none', 'warn'],
  ['smtp-wrongname.test', 'ok', 'yes', true, false, 'none', 'warn'],
  ['smtp-slow.test', 'ok', 'yes', true, true, 'none', 'pass'],
  ['smtp-multiline.test', 'ok', 'yes', true, true, 'none', 'pass'],
  ['smtp-closed.test', 'refused', 'error', null, null, 'none', 'error'],
  ['dane-ee.test', 'ok', 'yes', true, true, 'valid', 'pass'],
  ['dane-ta.test', 'ok', 'yes', true, true, 'valid', 'pass'],
  ['dane-ta-wrongname.test', 'ok', 'yes', true, false, 'invalid', 'fail'],
  ['dane-ee-bad.test', 'ok', 'yes', true, true, 'invalid', 'fail'],
  ['dane-ta-bad.test', 'ok', 'yes', true, true, 'invalid', 'fail'],
  ['dane-insecure.test', 'ok', 'yes', true, true, 'none', 'pass'],
  ['dane-bogus.test', 'ok', 'yes', true, true, 'error', 'fail'],
];
for (const [domain, outcome, starttls, trusted, nameMatch, dane, status] of expected) {
  test(`${domain}: outcome ${outcome}, starttls ${starttls}, DANE ${dane}`, () => {
    const h = v4(domain);
    assert.equal(h.outcome, outcome);
    assert.equal(h.starttls, starttls);
    assert.equal(h.certificate?.trusted ?? null, trusted);
    assert.equal(h.certificate?.nameMatch ?? null, nameMatch);
    assert.equal(h.dane.status, dane);
    assert.equal(results.get(domain)?.status, status);
    if (h.certificate) {
      assert.equal(h.certificate.keyType, 'ec');
      assert.equal(h.certificate.keyBits, 256);
      assert.match(h.certificate.sha256, /^[0-9a-f]{64}$/);
      assert.match(h.tls?.version ?? '', /^TLSv1\.[23]$/);
      assert.ok(h.tls?.cipher);
    }
  });
}

test('the 6-second greeting is yes (the banner gets twice --smtp-timeout), never a timeout', () => {
  assert.equal(v4('smtp-slow.test').starttls, 'yes');
});
test('--smtp-timeout 2000: the 6-second greeting exceeds its 4 s and is a timeout (error, never no)', async () => {
  const r = await cli(['smtp-slow.test', '--allow-private', LOOPBACK, '--smtp-timeout', '2000']);
  const h = parseLines(r.stdout)[0]!.smtp.hosts[0]!;
  assert.equal(h.outcome, 'timeout');
  assert.equal(h.starttls, 'error');
});
test('a closed port is error, never no', () => {
  const s = results.get('smtp-closed.test')!;
  assert.equal(s.starttlsSupport, 'error');
  assert.equal(s.undetermined, 1);
});
test('RFC 5321 §4.2: the whole multi-line greeting', () => {
  assert.equal(
    v4('smtp-multiline.test').banner,
    'mx.smtp-multiline.test ESMTP\nNo UCE. This server is part of the mailsec testworld.\nHello.',
  );
});
test('certificate details: subject, SANs, issuer, expiry; PKIX trust and name match apart', () => {
  const good = v4('smtp-good.test').certificate!;
  assert.equal(good.subject, 'CN=mx.smtp-good.test');
  assert.deepEqual(good.sans, ['DNS:mx.smtp-good.test']);
  assert.match(good.issuer, /CN=mailsec testworld intermediate/);
  const expired = v4('smtp-expired.test').certificate!;
  assert.ok(new Date(expired.notAfter) < new Date());
  assert.match(expired.trustError ?? '', /EXPIRED/);
  assert.ok(findingIds.get('smtp-expired.test')?.includes('smtp.certificate-expired'));
  assert.ok(findingIds.get('smtp-selfsigned.test')?.includes('smtp.certificate-untrusted'));
  assert.ok(findingIds.get('smtp-wrongname.test')?.includes('smtp.certificate-name-mismatch'));
  assert.deepEqual(
    v4('smtp-good.test').chain.map((c) => c.presented),
    [true, true, false],
  );
});
test('DANE: rollover readiness, SNI is the TLSA base domain, and findings', () => {
  const ee = v4('dane-ee.test');
  assert.equal(ee.dane.usable, 2);
  // the served key and the next one (published ahead for the rollover)
  assert.deepEqual(ee.dane.records.map((r) => r.matched).sort(), [false, true]);
  assert.equal(ee.sni, 'mx.dane-ee.test');
  assert.ok(findingIds.get('dane-ta.test')?.includes('smtp.dane-no-rollover'));
  assert.ok(findingIds.get('dane-ee-bad.test')?.includes('smtp.dane-invalid'));
  assert.ok(findingIds.get('dane-insecure.test')?.includes('smtp.dane-insecure'));
  assert.ok(findingIds.get('dane-ta-wrongname.test')?.includes('smtp.dane-ta-name-mismatch'));
  assert.equal(v4('dane-insecure.test').dane.dnssec, 'insecure');
  assert.ok(findingIds.get('dane-bogus.test')?.includes('smtp.dane-lookup-failed'));
});
test('IPv6: the MX’s AAAA ::1 is probed as its own host', (t) => {
  if (!smtp.ipv6) {
    t.skip('::1:25 is held by another test file');
    return;
  }
  const s = results.get('smtp-v6.test')!;
  assert.deepEqual(s.hosts.map((h) => h.address).sort(), ['::1', tw.ip('4.21')].sort());
  assert.ok(s.hosts.every((h) => h.outcome === 'ok'));
  // the ::1 server may also see other files' probes (foundation's secure.test has AAAA ::1):
  // identify it by its greeting rather than by its count
  assert.ok(s.hosts.every((h) => h.banner === 'mx.smtp-v6.test ESMTP mailsec-testworld'));
});
test('a real MTA: Postfix with STARTTLS', (t) => {
  if (!smtp.postfix) {
    t.skip(`Postfix not running: ${smtp.postfixError}`);
    return;
  }
  const h = v4('smtp-postfix.test');
  assert.equal(h.outcome, 'ok');
  assert.equal(h.starttls, 'yes');
  assert.match(h.banner ?? '', /ESMTP Postfix/);
  assert.ok(h.ehlo.includes('STARTTLS'));
  assert.equal(h.certificate?.trusted, true);
});

test('three domains, one MX → exactly one connection', async () => {
  const before = smtp.count('smtp-shared.test');
  assert.equal(before, 0);
  const r = await cli(['shared-a.test', 'shared-b.test', 'shared-c.test', '--allow-private', LOOPBACK]);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseLines(r.stdout);
  assert.deepEqual(
    docs.map((d) => d.smtp.hosts.map((h) => h.outcome).join()),
    ['ok', 'ok', 'ok'],
  );
  assert.equal(smtp.count('smtp-shared.test'), 1);
});

test('--no-smtp: SMTP, STARTTLS and DANE matching skipped, no connection', async () => {
  const before = { ...smtp.counts() };
  const r = await cli(['smtp-good.test', 'dane-ee.test', '--allow-private', LOOPBACK, '--no-smtp']);
  for (const doc of parseLines(r.stdout)) {
    assert.equal(doc.smtp.status, 'skipped');
    assert.equal(doc.smtp.starttlsSupport, 'skipped');
    for (const h of doc.smtp.hosts) {
      assert.equal(h.outcome, 'skipped');
      assert.equal(h.starttls, 'skipped');
      assert.equal(h.dane.status, 'skipped');
    }
  }
  assert.deepEqual(smtp.counts(), before);
});

/** ldns-dane's verdict on a chain: valid / invalid / none (insecure or no TLSA) / error (bogus). */
function ldnsDane(name: string, chainFile: string): Promise<{ verdict: string; out: string }> {
  return new Promise((resolve) => {
    execFile(
      toolPath('ldns-dane'),
      ['-n', '-r', tw.resolver, '-c', chainFile, 'verify', name, '25'],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        const out = `${stdout}${stderr}`.trim();
        const ok = !err && /dane-validated successfully/.test(out);
        const verdict = ok
          ? 'valid'
          : /were bogus/.test(out)
            ? 'error'
            : /No usable TLSA records were found/.test(out)
              ? 'none'
              : /did not dane-validate, because: (no matching DANE TLSA records|hostname mismatch)/.test(out)
                ? 'invalid'
                : `unrecognised (exit ${err ? ((err as { code?: number }).code ?? '?') : 0})`;
        resolve({ verdict, out });
      },
    );
  });
}

const DANE_DOMAINS = [
  'dane-ee.test',
  'dane-ta.test',
  'dane-ta-wrongname.test',
  'dane-ee-bad.test',
  'dane-ta-bad.test',
  'dane-insecure.test',
  'dane-bogus.test',
  'smtp-good.test',
];
for (const domain of DANE_DOMAINS) {
  test(`${domain}: mailsec's DANE verdict agrees with ldns-dane`, async (t) => {
    if (!findTool('ldns-dane')) {
      t.skip('ldns-dane not installed');
      return;
    }
    const h = v4(domain);
    const file = join(tw.dir, `${domain}.chain.pem`);
    writeFileSync(
      file,
      h.chain
        .filter((c) => c.presented)
        .map((c) => toPem(c.der))
        .join(''),
    );
    const { verdict, out } = await ldnsDane(h.exchange, file);
    t.diagnostic(`ldns-dane: ${out.replace(/\s+/g, ' ')}`);
    assert.equal(h.dane.status, verdict, `ldns-dane said: ${out}`);
  });
}

/**
 * posttls-finger's verdict (Postfix's own DANE client, with STARTTLS). It reads only the
 * system's resolv.conf: run it in a private mount namespace with a resolv.conf naming the
 * testworld resolver (`trust-ad`: glibc passes the AD bit on only then).
 */
function posttlsFinger(exchange: string): Promise<{ verdict: string; out: string }> {
  const conf = join(tw.dir, 'posttls-finger');
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, 'main.cf'), 'compatibility_level = 3.6\nsmtp_dns_support_level = dnssec\n');
  writeFileSync(join(conf, 'resolv.conf'), `nameserver ${tw.resolver}\noptions trust-ad\n`);
  const script = `mount --bind ${join(conf, 'resolv.conf')} /etc/resolv.conf && exec ${toolPath('posttls-finger')} -c -t 5 -l dane '[${exchange}]'`;
  return new Promise((resolve) => {
    execFile(
      toolPath('unshare'),
      ['-m', 'bash', '-c', script],
      { timeout: 20_000, env: { ...process.env, MAIL_CONFIG: conf } },
      (_err, stdout, stderr) => {
        const out = `${stdout}${stderr}`.trim();
        const verdict =
          /Matched DANE (EE|TA) certificate/.test(out) && /Verified TLS connection/.test(out)
            ? 'valid'
            : /no matching DANE TLSA records|num=62:hostname mismatch/.test(out)
              ? 'invalid'
              : /TLSA lookup error/.test(out)
                ? 'error'
                : /TLS connection established/.test(out)
                  ? 'none'
                  : 'unrecognised';
        resolve({ verdict, out });
      },
    );
  });
}

test("mailsec's DANE verdicts agree with posttls-finger", async (t) => {
  if (!findTool('posttls-finger')) {
    t.skip('posttls-finger (postfix) not installed');
    return;
  }
  // each run takes about 2 s: run them side by side, then compare one by one
  const verdicts = await Promise.all(DANE_DOMAINS.map((d) => posttlsFinger(v4(d).exchange)));
  if (verdicts.every((v) => v.verdict === 'unrecognised' && /unshare|mount/.test(v.out))) {
    t.skip(`no private mount namespace here: ${verdicts[0]?.out}`);
    return;
  }
  for (const [i, domain] of DANE_DOMAINS.entries()) {
    const { verdict, out } = verdicts[i]!;
    await t.test(domain, () => {
      assert.equal(v4(domain).dane.status, verdict, `posttls-finger said: ${out}`);
    });
  }
});
