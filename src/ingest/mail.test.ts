import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { failureMail, plainMail, reportMail, variedReportMail } from '../../testworld/reports.ts';
import { type MailParts, mailparserParts, plainMailParts } from './mail.ts';
import { repairHeaderFolding } from './unpack.ts';

/** what the report readers take from the parts: every attachment's type (the three that matter), name, bytes */
function shape(p: MailParts) {
  const matters = /^(message\/feedback-report|message\/rfc822|text\/rfc822-headers)$/;
  return p.attachments.map((a) => ({
    type: matters.test(a.contentType.toLowerCase()) ? a.contentType.toLowerCase() : 'other',
    filename: a.filename,
    content: a.content.toString('latin1'),
  }));
}

/** the plain reader agrees with mailparser, or leaves the mail to it */
async function same(mail: string | Buffer): Promise<'plain' | 'mailparser'> {
  const b = repairHeaderFolding(Buffer.isBuffer(mail) ? mail : Buffer.from(mail, 'latin1'));
  const plain = plainMailParts(b);
  if (plain === undefined) return 'mailparser';
  let full: MailParts;
  try {
    full = await mailparserParts(b);
  } catch (e) {
    assert.fail(`the plain reader read a mail mailparser refuses (${(e as Error).message})`);
  }
  assert.ok(full.attachments.length > 0, 'the plain reader found attachments mailparser does not');
  assert.deepEqual(shape(plain), shape(full), b.toString('latin1').slice(0, 2000));
  return 'plain';
}

const xml = Buffer.from('<feedback><report_metadata><org_name>x</org_name></report_metadata></feedback>\n');
const gz = gzipSync(xml);
const mail = (type: string, opts: { name?: string; lineLength?: number; content?: Buffer } = {}) =>
  reportMail({
    messageId: 'm@x.example',
    attachment: opts.content ?? gz,
    name: opts.name ?? 'r.xml.gz',
    type,
    ...(opts.lineLength !== undefined ? { lineLength: opts.lineLength } : {}),
  });

const CASES: [string, string, 'plain' | 'mailparser'][] = [
  ['gzip attachment', mail('application/gzip'), 'plain'],
  ["Microsoft's one-line base64", mail('application/gzip', { lineLength: 0 }), 'plain'],
  ['octet-stream with a report name', mail('application/octet-stream'), 'plain'],
  ['octet-stream named .eml', mail('application/octet-stream', { name: 'x.eml' }), 'mailparser'],
  ['text/xml attachment', mail('text/xml', { content: xml, name: 'r.xml' }), 'plain'],
  ['LF line ends', mail('application/gzip').replace(/\r\n/g, '\n'), 'plain'],
  [
    'ARF, message/rfc822 attached',
    failureMail({
      domain: 'x.example',
      ip: '192.0.2.1',
      messageId: 'a@b',
      arrival: 'Tue, 01 Dec 2026 10:00:00 +0000',
    }),
    'plain',
  ],
  [
    'ARF, message/rfc822 inline',
    failureMail({
      domain: 'x.example',
      ip: '192.0.2.1',
      messageId: 'a@b',
      arrival: 'Tue, 01 Dec 2026 10:00:00 +0000',
      inline: true,
    }),
    'plain',
  ],
  ['no attachment', plainMail('p@x.example'), 'mailparser'],
  [
    'single part gzip body',
    `From: a@x.example\r\nSubject: r\r\nContent-Type: application/gzip; name="r.xml.gz"\r\nContent-Transfer-Encoding: base64\r\n\r\n${gz.toString('base64')}\r\n`,
    'plain',
  ],
  [
    'quoted-printable part',
    mail('text/xml', { content: xml }).replace(
      'Content-Transfer-Encoding: base64',
      'Content-Transfer-Encoding: quoted-printable',
    ),
    'mailparser',
  ],
  [
    'encoded-word file name',
    mail('application/gzip').replace(/filename="r.xml.gz"/, 'filename="=?utf-8?q?r=C3=A9.xml.gz?="'),
    'mailparser',
  ],
  [
    'RFC 2231 file name',
    mail('application/gzip').replace(/filename="r.xml.gz"/, "filename*=utf-8''r%C3%A9.xml.gz"),
    'mailparser',
  ],
  ['file name with spaces', mail('application/gzip', { name: 'a report  2026.xml.gz' }), 'plain'],
  [
    'unquoted file name',
    mail('application/gzip').replace(/filename="r.xml.gz"/, 'filename=r.xml.gz'),
    'plain',
  ],
  ['name only in Content-Type', mail('application/gzip').replace(/; filename="r.xml.gz"/, ''), 'plain'],
  [
    'no file name',
    mail('application/gzip')
      .replace(/; filename="r.xml.gz"/, '')
      .replace(/; name="r.xml.gz"/, ''),
    'plain',
  ],
  [
    'folded Content-Type',
    mail('application/gzip').replace('; name="r.xml.gz"', ';\r\n\tname="r.xml.gz"'),
    'plain',
  ],
  ['upper-case type and encoding', mail('Application/GZIP').replace('base64', 'BASE64'), 'plain'],
  [
    'comment in a MIME field',
    mail('application/gzip').replace('application/gzip;', 'application/gzip (x);'),
    'mailparser',
  ],
  ['no closing delimiter', mail('application/gzip').replace('--rep--', ''), 'mailparser'],
  [
    'delimiter with trailing white space',
    mail('application/gzip').replace(/--rep\r\n/g, '--rep  \r\n'),
    'plain',
  ],
  [
    'base64 with stray characters',
    mail('application/gzip').replace(/(Content-Disposition[^\n]*\n\r\n)/, '$1!'),
    'mailparser',
  ],
  [
    'padding in the middle',
    mail('application/gzip', { lineLength: 4 }).replace(/\r\n([A-Za-z0-9+/]{4})\r\n/, '\r\n$1\r\nQQ==\r\n'),
    'mailparser',
  ],
  ['unknown disposition', mail('application/gzip').replace('attachment;', 'x-weird;'), 'plain'],
  ['inline disposition', mail('application/gzip').replace('attachment;', 'inline;'), 'plain'],
  ['text/plain as attachment', mail('text/plain', { content: xml }), 'plain'],
  [
    'duplicate Content-Type',
    mail('application/gzip').replace(
      'Content-Transfer-Encoding: base64',
      'Content-Type: text/plain\r\nContent-Transfer-Encoding: base64',
    ),
    'mailparser',
  ],
  [
    'nested multipart',
    mail('application/gzip').replace(
      'Content-Type: text/plain\r\n',
      'Content-Type: multipart/alternative; boundary="in"\r\n',
    ),
    'mailparser',
  ],
  ['8-bit in a MIME field', mail('application/gzip', { name: 'r\u00e9.xml.gz' }), 'mailparser'],
  [
    'header line without a colon',
    mail('application/gzip').replace('MIME-Version: 1.0', 'MIME-Version: 1.0\r\nbroken line'),
    'plain',
  ],
  [
    'missing part Content-Type',
    mail('application/gzip').replace(/Content-Type: text\/plain\r\n/, ''),
    'plain',
  ],
  ['epilogue with a delimiter', `${mail('application/gzip')}--rep\r\nx\r\n`, 'mailparser'],
  [
    'preamble',
    mail('application/gzip').replace('\r\n\r\n--rep', '\r\n\r\nThis is a MIME message.\r\n--rep'),
    'plain',
  ],
  [
    'binary attachment',
    mail('application/gzip').replace('Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: 7bit'),
    'plain',
  ],
];

for (const [name, m, reader] of CASES) {
  test(`mail parts: ${name} → ${reader}, one result`, async () => {
    assert.equal(await same(m), reader);
  });
}

test('mail parts: the generated report mails are read by the plain reader, as mailparser reads them', async () => {
  let plain = 0;
  for (let n = 0; n < 60; n++) {
    const m = variedReportMail(n, `d${n}.example`);
    if ((await same(m)) === 'plain') plain++;
    await same(m.replace(/\r\n/g, '\n'));
  }
  assert.equal(plain, 60);
});
