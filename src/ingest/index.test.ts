import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { readReports, summarise } from './index.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const XML = (id: string, rows: [ip: string, n: number, dkim: string, spf: string][]) =>
  `<feedback><report_metadata><org_name>r.example</org_name><report_id>${id}</report_id><date_range><begin>1700006400</begin><end>1700092800</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>reject</p></policy_published>${rows
    .map(
      ([ip, n, d, s]) =>
        `<record><row><source_ip>${ip}</source_ip><count>${n}</count><policy_evaluated><disposition>none</disposition><dkim>${d}</dkim><spf>${s}</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers></record>`,
    )
    .join('')}</feedback>`;

test('a zip with a report, a TLS report, a foreign XML and garbage: reports and reasons, each with its entry', async () => {
  const z = zipSync({
    'a.xml': enc(XML('a', [['192.0.2.1', 1, 'pass', 'fail']])),
    't.json.gz': gzipSync('{"organization-name":"o","report-id":"t","policies":[]}'),
    'x.xml': enc('<html/>'),
    'junk.bin': new Uint8Array([0, 1, 2, 3, 250]),
  });
  const r = await readReports(z, 'in.zip');
  assert.deepEqual(
    r.reports.map((x) => [x.kind, x.source.entry]),
    [
      ['dmarc-aggregate', 'a.xml'],
      ['tls-rpt', 't.json.gz'],
    ],
  );
  assert.deepEqual(
    r.unreadable.map((u) => [u.source.file, u.source.entry]),
    [
      ['in.zip', 'x.xml'],
      ['in.zip', 'junk.bin'],
    ],
  );
  assert.match(r.unreadable[0]?.reason ?? '', /not a DMARC aggregate report \(root element <html>\)/);
});

test('summary: totals, DMARC pass rate and the top failing sources', async () => {
  const r = await readReports(
    enc(
      XML('s', [
        ['192.0.2.1', 90, 'pass', 'fail'],
        ['192.0.2.2', 6, 'fail', 'fail'],
        ['192.0.2.3', 4, 'fail', 'fail'],
        ['192.0.2.4', 0, 'fail', 'fail'],
        ['192.0.2.5', 1, 'fail', 'pass'],
      ]),
    ),
    'a.xml',
  );
  const s = summarise(r.reports[0]!);
  assert.match(
    s,
    /messages 101, DMARC pass 90\.1% \(91\); top failing sources: 192\.0\.2\.2 \(6\), 192\.0\.2\.3 \(4\), 192\.0\.2\.4 \(0\)/,
  );
  assert.match(s, /source: a\.xml/);
});

test('summary of a failure report', async () => {
  const arf = [
    'From: a@r.example',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"',
    '',
    '--b',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: auth-failure',
    'Auth-Failure: dmarc',
    'Reported-Domain: example.com',
    'Source-IP: 192.0.2.9',
    '--b--',
    '',
  ].join('\r\n');
  const r = await readReports(enc(arf), 'f.eml');
  assert.match(summarise(r.reports[0]!), /DMARC failure {2}example\.com {2}from 192\.0\.2\.9/);
});
