/**
 * `mailsec reports parse` end to end: the CLI on the fixtures of test/fixtures/reports/ and on
 * archives, mails, an mbox and a Maildir built here. No network.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import type { AggregateReport, FailureReport, TlsReport } from '../src/ingest/index.ts';
import { ROOT, runCli } from './helpers.ts';

const FIX = join(ROOT, 'test/fixtures/reports');
const GOOGLE = join(FIX, 'google.com!example.com!1700006400!1700092799.xml');
const NS = join(FIX, 'rfc9990-namespaced.xml');
const TLS = join(FIX, 'microsoft-tlsrpt.json');
const ARF = join(FIX, 'arf-failure.eml');

let dir = '';
const XML = (id: string) =>
  `<?xml version="1.0"?><feedback><report_metadata><org_name>r.example</org_name><email>a@r.example</email><report_id>${id}</report_id><date_range><begin>1700006400</begin><end>1700092800</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published><record><row><source_ip>192.0.2.1</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers></record></feedback>`;
const TLS_JSON = (id: string) =>
  JSON.stringify({
    'organization-name': 'Google Inc.',
    'date-range': { 'start-datetime': '2024-01-01T00:00:00Z', 'end-datetime': '2024-01-01T23:59:59Z' },
    'contact-info': 'smtp-tls-reporting@google.com',
    'report-id': id,
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-domain': 'example.com', 'mx-host': ['mx.example.com'] },
        summary: { 'total-successful-session-count': 10, 'total-failure-session-count': 0 },
      },
    ],
  });
function mail(att: Uint8Array, name: string, oneLine = false): string {
  const b64 = Buffer.from(att).toString('base64');
  return [
    'From: noreply@r.example',
    'Subject: Report Domain: example.com Submitter: r.example Report-ID: x',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    `Content-Type: application/gzip; name="${name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    ...(oneLine ? [b64] : (b64.match(/.{1,76}/g) ?? [])),
    '--b--',
    '',
  ].join('\n');
}
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-reports-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('fixtures: one JSON line per report, the contract fields', async () => {
  // a non-UTC zone on purpose: every time must come out as UTC (parsedmarc #113, #245)
  const r = await runCli(['reports', 'parse', GOOGLE, NS, TLS, ARF, '--json'], { TZ: 'Pacific/Chatham' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [g, ns, tls, arf] = lines(r.stdout) as unknown as [
    AggregateReport,
    AggregateReport,
    TlsReport,
    FailureReport,
  ];
  assert.equal(g.kind, 'dmarc-aggregate');
  assert.equal(g.orgName, 'google.com');
  assert.equal(g.reportId, '5717107811868587391');
  assert.equal(g.begin, '2023-11-15T00:00:00Z');
  assert.equal(g.end, '2023-11-15T23:59:59Z');
  assert.equal(g.policy.domain, 'example.com');
  assert.deepEqual(
    g.records.map((x) => [x.sourceIp, x.count, x.disposition, x.dkim, x.spf, x.headerFrom]),
    [
      ['192.0.2.10', 40, 'none', 'pass', 'pass', 'example.com'],
      ['198.51.100.7', 3, 'reject', 'fail', 'fail', 'example.com'],
    ],
  );
  assert.deepEqual(g.source, { file: GOOGLE, entry: null });
  assert.equal(ns.reportId, 'abc.123@receiver.example');
  assert.equal(ns.namespace, 'urn:ietf:params:xml:ns:dmarc-2.0');
  assert.equal(tls.kind, 'tls-rpt');
  assert.equal(tls.organizationName, 'Microsoft Corporation');
  assert.equal(tls.policies[0]?.policyType, 'sts');
  assert.equal(tls.policies[0]?.successfulSessions, 120);
  assert.equal(tls.policies[0]?.failedSessions, 2);
  assert.equal(tls.policies[0]?.failures[0]?.resultType, 'certificate-expired');
  assert.equal(tls.policies[0]?.policyString.length, 4);
  assert.equal(arf.kind, 'dmarc-failure');
  assert.equal(arf.reportedDomain, 'example.net');
  assert.equal(arf.arrivalDate, '2023-11-16T10:00:01Z');
  assert.equal(tls.begin, '2024-09-03T00:00:00Z');
});

test('human output: org, id, domain, range, totals, pass rate, failing sources, TLS counts', async () => {
  const r = await runCli(['reports', 'parse', GOOGLE, TLS]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /DMARC aggregate {2}example\.com {2}from google\.com {2}report 5717107811868587391/);
  assert.match(r.stdout, /2023-11-15T00:00:00Z – 2023-11-15T23:59:59Z/);
  assert.match(r.stdout, /messages 43, DMARC pass 93\.0% \(40\); top failing sources: 198\.51\.100\.7 \(3\)/);
  assert.match(r.stdout, /example\.com \(sts\): 120 successful, 2 failed sessions \(certificate-expired\)/);
});

test('archives and mail: zip, gz, eml with one long base64 line, mbox, Maildir; source names the entry', async () => {
  const zip = file(
    'google.zip',
    zipSync({ 'google.com!example.com!1!2.xml': new TextEncoder().encode(XML('z1')) }),
  );
  const gz = file('tls.json.gz', gzipSync(TLS_JSON('t1')));
  const eml = file('ms.eml', mail(gzipSync(XML('m1')), 'r.xml.gz', true));
  const mbox = file(
    'reports.mbox',
    `From a@r.example Mon Jan  1 00:00:00 2024\n${mail(gzipSync(XML('b1')), 'b1.xml.gz')}\nFrom a@r.example Mon Jan  1 00:00:01 2024\n${mail(gzipSync(TLS_JSON('b2')), 'b2.json.gz')}`,
  );
  const md = join(dir, 'Maildir');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(md, d), { recursive: true });
  writeFileSync(join(md, 'new', '1700000000.1.host'), mail(gzipSync(XML('d1')), 'd1.xml.gz'));
  writeFileSync(join(md, 'tmp', '1700000000.2.host'), mail(gzipSync(XML('tmp')), 'tmp.xml.gz'));
  const r = await runCli(['reports', 'parse', zip, gz, eml, mbox, md, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const got = lines(r.stdout).map((x) => [x.kind, x.reportId, (x.source as { entry: string | null }).entry]);
  assert.deepEqual(got, [
    ['dmarc-aggregate', 'z1', 'google.com!example.com!1!2.xml'],
    ['tls-rpt', 't1', null],
    ['dmarc-aggregate', 'm1', 'r.xml.gz'],
    ['dmarc-aggregate', 'b1', 'message 1/b1.xml.gz'],
    ['tls-rpt', 'b2', 'message 2/b2.json.gz'],
    ['dmarc-aggregate', 'd1', 'd1.xml.gz'],
  ]);
});

test('unreadable files: one stderr line each naming file and reason; parsing goes on; exit 0', async () => {
  const garbage = file(
    'garbage.bin',
    Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256)),
  );
  const doctype = file(
    'xxe.xml',
    '<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]><feedback>&x;</feedback>',
  );
  const bomb = file('bomb.xml.gz', gzipSync(Buffer.alloc(80 * 1024 * 1024)));
  const r = await runCli([
    'reports',
    'parse',
    garbage,
    doctype,
    bomb,
    join(dir, 'missing.xml'),
    GOOGLE,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 1);
  const err = r.stderr.trim().split('\n');
  assert.equal(err.length, 4, r.stderr);
  assert.match(err[0] ?? '', /garbage\.bin: unrecognised content/);
  assert.match(
    err[1] ?? '',
    /xxe\.xml: the XML has a DOCTYPE or entity declarations; refused, never expanded/,
  );
  // 80 MiB of zeros is read in full (the caps bound work, not legitimate size) and is no report
  assert.match(err[2] ?? '', /bomb\.xml\.gz: unrecognised content/);
  assert.match(err[3] ?? '', /missing\.xml: no such file or directory/);
});

test('no report in any file: exit 2', async () => {
  const empty = file('empty.xml', '');
  const r = await runCli(['reports', 'parse', empty, '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /empty\.xml: the file is empty/);
  assert.match(r.stderr, /no report could be read/);
});

test('usage: no subcommand, no file, import of a missing file, unknown subcommand → exit 2', async () => {
  for (const args of [
    ['reports'],
    ['reports', 'parse'],
    ['reports', 'import', 'no-such-file', '--json'],
    ['reports', 'frobnicate'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^mailsec: /);
  }
  const help = await runCli(['reports', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /mailsec reports parse/);
});
