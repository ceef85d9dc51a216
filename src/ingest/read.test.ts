import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { aggregateXml, mbox, reportMail, variedReportMail } from '../../testworld/reports.ts';
import { readReports } from './read.ts';

/**
 * The normalised reports of generated mails, pinned byte for byte: the JSON Lines of `reports
 * parse --json` must not change when the readers underneath do (the plain mail and XML readers
 * beside mailparser and fast-xml-parser). The digests were taken with the readers before them.
 */
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function lines(mails: string[]): Promise<{ text: string; reports: number; unreadable: string[] }> {
  const { reports, unreadable } = await readReports(Buffer.from(mbox(mails)), 'pin.mbox');
  return {
    text: reports.map((r) => JSON.stringify(r)).join('\n'),
    reports: reports.length,
    unreadable: unreadable.map((u) => `${u.source.entry}: ${u.reason}`),
  };
}

test('reports parse output pinned: 72 generated report mails (every kind and container)', async () => {
  const r = await lines(Array.from({ length: 72 }, (_, i) => variedReportMail(i, `d${i % 7}.example`)));
  assert.equal(r.reports, 72);
  assert.deepEqual(r.unreadable, []);
  assert.equal(sha(r.text), '5a1e28c6cd2b62ed5f736732147f819ea1bcc89d7bf355dc0c6f4a1448f0f510');
});

test('reports parse output pinned: mails and XML the plain readers leave to mailparser and fast-xml-parser', async () => {
  const xml = aggregateXml({
    org: 'r.example',
    reportId: 'p1',
    domain: 'p.example',
    begin: 1_764_547_200,
    records: 3,
  });
  const gz = gzipSync(xml);
  const mail = (type: string, content: Buffer, name: string) =>
    reportMail({ messageId: `${name}@x.example`, attachment: content, name, type });
  const mails = [
    mail('application/gzip', gz, 'a.xml.gz'),
    mail('application/gzip', gz, 'b.xml.gz').replace(
      'filename="b.xml.gz"',
      'filename="=?utf-8?q?b=C3=A9.xml.gz?="',
    ),
    mail('application/gzip', gz, 'c.xml.gz').replace('application/gzip;', 'application/gzip (comment);'),
    mail('text/xml', Buffer.from(xml), 'd.xml').replace(
      'Content-Transfer-Encoding: base64',
      'Content-Transfer-Encoding: 7bit',
    ),
    mail('application/gzip', gzipSync(xml.replace('r.example', 'R &amp; D')), 'e.xml.gz'),
    mail('application/gzip', gzipSync(xml.replace('<feedback>', '<!-- x --><feedback>')), 'f.xml.gz'),
    mail(
      'application/gzip',
      gzipSync(xml.replace('<email>noreply-dmarc@r.example</email>', '<email>R <a@r.example></email>')),
      'g.xml.gz',
    ),
    mail('application/gzip', gzipSync(xml.replace(/\n/g, '\r\n')), 'h.xml.gz'),
    mail('application/gzip', gz, 'i.xml.gz').replace('--rep--', ''),
    `From: a@x.example\r\nSubject: r\r\nContent-Type: text/xml\r\n\r\n${xml}`,
  ];
  const r = await lines(mails);
  assert.equal(r.reports, 9);
  // base64 text declared 7bit is not decoded (by either reader)
  assert.deepEqual(r.unreadable, [
    'message 4/d.xml: unrecognised content: not XML, JSON, gzip, zip, a mail message or an mbox',
  ]);
  assert.equal(sha(r.text), 'f1c840bad89b5dba2d15b1a910f500b0d91caded79e14fe9e9e686062cd1e591');
});
