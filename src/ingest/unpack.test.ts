import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import type { WholeItem as Item } from './unpack.ts';
import {
  decodeText,
  mboxMessages,
  repairHeaderFolding,
  sniff,
  splitMbox,
  unpack,
  unpackStream,
} from './unpack.ts';

const XML =
  '<?xml version="1.0"?><feedback><report_metadata><org_name>r</org_name></report_metadata></feedback>';
const JSON_REPORT = '{"organization-name":"x","policies":[]}';
const enc = (s: string) => new TextEncoder().encode(s);
const kinds = (items: Item[]) => items.map((i) => `${i.type}:${i.entry ?? '-'}`);
const reasons = (items: Item[]) => items.flatMap((i) => (i.type === 'unreadable' ? [i.reason] : []));

/** a mail with one base64 attachment; lineLength 0 = the whole base64 on one line (Microsoft) */
function mail(
  attachment: Uint8Array,
  name: string,
  type: string,
  lineLength = 76,
  extraHeaders = '',
): string {
  const b64 = Buffer.from(attachment).toString('base64');
  const lines = lineLength ? (b64.match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? []) : [b64];
  return [
    'From: dmarc@receiver.example',
    'To: rua@example.com',
    'Subject: Report Domain: example.com Submitter: receiver.example Report-ID: 1',
    'MIME-Version: 1.0',
    ...(extraHeaders ? [extraHeaders] : []),
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'This is a DMARC aggregate report.',
    '--b1',
    `Content-Type: ${type}; name="${name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${name}"`,
    '',
    ...lines,
    '--b1--',
    '',
  ].join('\r\n');
}

const cases: [title: string, input: () => Uint8Array, expected: string[]][] = [
  ['plain XML', () => enc(XML), ['xml:-']],
  ['plain JSON', () => enc(JSON_REPORT), ['json:-']],
  ['gzip', () => gzipSync(XML), ['xml:-']],
  [
    'gzip with trailing CRLF (Mimecast, parsedmarc #429)',
    () => Buffer.concat([gzipSync(XML), enc('\r\n')]),
    ['xml:-'],
  ],
  ['zip with one xml', () => zipSync({ 'r!example.com!1!2.xml': enc(XML) }), ['xml:r!example.com!1!2.xml']],
  [
    '.zip with nested directories',
    () => zipSync({ 'a/': {}, 'a/b/report.xml': enc(XML), 'a/b/c/tls.json': enc(JSON_REPORT) }),
    ['xml:a/b/report.xml', 'json:a/b/c/tls.json'],
  ],
  [
    'zip holding a gzip (Yahoo .xml.gz in .zip)',
    () => zipSync({ 'r.xml.gz': gzipSync(XML) }),
    ['xml:r.xml.gz'],
  ],
  [
    'eml with a gzip attachment',
    () => enc(mail(gzipSync(XML), 'r.xml.gz', 'application/gzip')),
    ['xml:r.xml.gz'],
  ],
  [
    "eml with Microsoft's over-long base64 line",
    () =>
      enc(
        mail(
          gzipSync(XML.replace('<org_name>r', `<org_name>${'x'.repeat(20000)}`)),
          'r.xml.gz',
          'application/gzip',
          0,
        ),
      ),
    ['xml:r.xml.gz'],
  ],
  [
    'eml with a zip attachment (Google)',
    () => enc(mail(zipSync({ 'g.xml': enc(XML) }), 'g.zip', 'application/zip')),
    ['xml:g.zip/g.xml'],
  ],
  [
    'eml with application/octet-stream and a misleading name',
    () => enc(mail(gzipSync(JSON_REPORT), 'report.bin', 'application/octet-stream')),
    ['json:report.bin'],
  ],
  [
    'eml with a TLS-RPT attachment and a header continuation line that is not indented (parsedmarc #561)',
    () =>
      enc(
        mail(gzipSync(JSON_REPORT), 'tls.json.gz', 'application/tlsrpt+gzip').replace(
          'Content-Type: multipart/mixed; boundary="b1"',
          'Content-Type: multipart/mixed;\r\nboundary="b1"',
        ),
      ),
    ['json:tls.json.gz'],
  ],
  [
    'mbox with two messages',
    () =>
      enc(
        `From dmarc@a.example Mon Jan  1 00:00:00 2024\n${mail(gzipSync(XML), 'a.xml.gz', 'application/gzip').replaceAll('\r\n', '\n')}\nFrom dmarc@b.example Mon Jan  1 00:00:00 2024\n${mail(enc(JSON_REPORT), 'b.json', 'application/tlsrpt+json').replaceAll('\r\n', '\n')}`,
      ),
    ['xml:message 1/a.xml.gz', 'json:message 2/b.json'],
  ],
  [
    'UTF-16 XML with BOM',
    () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(XML, 'utf16le')]),
    ['xml:-'],
  ],
];
for (const [title, input, expected] of cases) {
  test(title, async () => assert.deepEqual(kinds(await unpack(input())), expected));
}

test('ARF failure report mail: feedback part and original headers', async () => {
  const m = [
    'From: dmarc@receiver.example',
    'Subject: FW: hi',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'An authentication failure report.',
    '--b',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: auth-failure',
    'Version: 1',
    'Auth-Failure: dmarc',
    'Reported-Domain: example.net',
    '--b',
    'Content-Type: text/rfc822-headers',
    '',
    'From: ceo@example.net',
    'Subject: urgent',
    '--b--',
    '',
  ].join('\r\n');
  const items = await unpack(enc(m));
  assert.equal(items.length, 1);
  const a = items[0];
  assert.ok(a?.type === 'arf');
  assert.match(a.feedback, /Feedback-Type: auth-failure/);
  assert.match(a.originalHeaders ?? '', /From: ceo@example.net/);
});

test('hostile: gzip bomb stops at the cap with one clear line', async () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
  const items = await unpack(bomb, { maxTotal: 1024 * 1024 });
  assert.deepEqual(reasons(items), [
    'decompressed data exceeds the cap of 1 MiB for one input (a compression bomb?); stopped reading it',
  ]);
});
test('hostile: a zip bomb entry stops at the cap without inflating the rest (defect 4)', async () => {
  // 1 GiB of zeros in one entry: inflating it all would take seconds; stopping at the cap takes ms
  const zero = new Uint8Array(64 * 1024 * 1024);
  const parts: Record<string, Uint8Array> = { 'big.xml': zero };
  const z = zipSync(parts, { level: 1 });
  const t = process.hrtime.bigint();
  const items = await unpack(z, { maxTotal: 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  assert.deepEqual(reasons(items), [
    'decompressed data exceeds the cap of 1 MiB for one input (a compression bomb?); stopped reading it',
  ]);
  // not a timing assertion on speed, a bound on work: well under the time a full inflate needs
  assert.ok(ms < 5000, `${ms} ms`);
});
test('hostile: nested zips share one budget and give one line per input (defect 4)', async () => {
  // each level holds 8 copies of the level below: 8^5 leaves of 256 KiB if all were read
  let level: Uint8Array = zipSync({ 'r.xml': enc(`<feedback>${' '.repeat(256 * 1024)}</feedback>`) });
  for (let d = 0; d < 4; d++) {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 8; i++) files[`z${i}.zip`] = level;
    level = zipSync(files, { level: 0 });
  }
  const items = await unpack(level, { maxTotal: 4 * 1024 * 1024 });
  const lines = reasons(items);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0] ?? '', /exceeds the cap of 4 MiB for one input/);
});
test('hostile: a zip with thousands of entries reads only the first maxEntries', async () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 5000; i++) files[`r${i}.xml`] = enc(XML);
  const items = await unpack(zipSync(files), { maxEntries: 100 });
  assert.equal(items.filter((i) => i.type === 'xml').length, 100);
  assert.deepEqual(reasons(items), ['the input holds more than 100 archive entries; the rest were not read']);
});
test('hostile: nested gzip beyond maxDepth', async () => {
  let b: Uint8Array = enc(XML);
  for (let i = 0; i < 8; i++) b = gzipSync(b);
  assert.match(reasons(await unpack(b)).join(), /nested deeper/);
});
test('hostile: the total of one input is capped across entries', async () => {
  const z = zipSync({ a: new Uint8Array(600_000), b: new Uint8Array(600_000) });
  const items = await unpack(z, { maxTotal: 1_000_000 });
  assert.equal(items.length, 2);
  assert.equal(items[0]?.type, 'unreadable'); // a: not a report
  assert.match(reasons(items)[1] ?? '', /exceeds the cap of 1 MiB for one input/);
});
test('hostile: binary garbage', async () => {
  const g = new Uint8Array(4096);
  for (let i = 0; i < g.length; i++) g[i] = (i * 7919 + 13) % 256;
  assert.match(reasons(await unpack(g)).join(), /unrecognised content/);
});
test('hostile: a corrupt gzip and a corrupt zip', async () => {
  assert.match(
    reasons(await unpack(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]))).join(),
    /gzip|cap/,
  );
  const z = zipSync({ 'a.xml': enc(XML.repeat(50)) }, { level: 9 });
  const broken = Buffer.from(z);
  broken.fill(0x41, 40, 80);
  const items = await unpack(broken);
  assert.ok(items.every((i) => i.type === 'unreadable'));
});
test('empty input and an Outlook .msg', async () => {
  assert.deepEqual(reasons(await unpack(new Uint8Array(0))), ['the file is empty']);
  assert.match(
    reasons(await unpack(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).join(),
    /\.msg/,
  );
});
test('a mail without an attachment', async () => {
  const items = await unpack(enc('From: a@b.example\r\nSubject: x\r\n\r\nhello\r\n'));
  assert.match(reasons(items).join(), /no attachment/);
});

test('sniff: by content, not by name', () => {
  assert.equal(sniff(enc('\uFEFF  <feedback/>')), 'xml');
  assert.equal(sniff(enc('\n{')), 'json');
  assert.equal(sniff(enc('Return-Path: <a@b>\r\n')), 'mail');
  assert.equal(sniff(enc('From a@b Mon Jan  1 00:00:00 2024\n')), 'mbox');
  assert.equal(sniff(enc('hello world')), 'unknown');
});
test('decodeText: ISO-8859-1 declaration', () => {
  const b = Buffer.concat([
    Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'),
    Buffer.from([0xe9]),
    Buffer.from('</a>'),
  ]);
  assert.match(decodeText(b), /<a>é<\/a>/);
});
test('repairHeaderFolding indents a bare continuation line only in the header', () => {
  const fixed = repairHeaderFolding(Buffer.from('A: 1\r\nb="x"\r\nC: 2\r\n\r\nbody line\r\n')).toString();
  assert.equal(fixed, 'A: 1\r\n b="x"\r\nC: 2\r\n\r\nbody line\r\n');
});
test('splitMbox: separators only at the start or after an empty line', () => {
  const { messages } = splitMbox(
    Buffer.from('From a\nX: 1\n\nbody\nFrom here on\n\nFrom b\nY: 2\n\nz\n'),
    10,
  );
  assert.equal(messages.length, 2);
  assert.match(messages[0]?.toString() ?? '', /From here on/);
});
test('a truncated gzip is read as far as it goes, with a note', async () => {
  const full = gzipSync(XML.repeat(200));
  const items = await unpack(full.subarray(0, Math.floor(full.length * 0.6)));
  const x = items[0];
  assert.ok(x?.type === 'xml');
  assert.ok(x.text.length > 0);
  assert.deepEqual(x.notes, ['the gzip data ends early (truncated file); read as far as it goes']);
});
test('trailing bytes after a gzip carry no note', async () => {
  const items = await unpack(Buffer.concat([gzipSync(XML), enc('\r\n\r\n')]));
  assert.ok(items[0]?.type === 'xml');
  assert.deepEqual(items[0].notes, []);
});

test('a large report is not refused: 100 MiB of XML in a 64 KiB-chunked gzip streams (defect 2)', async () => {
  const row = '<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record>\n';
  const xml = Buffer.from(`<feedback>${row.repeat(Math.ceil((100 * 1024 * 1024) / row.length))}</feedback>`);
  const gz = gzipSync(xml, { level: 1 });
  let chars = 0;
  for await (const item of unpackStream(gz)) {
    assert.equal(item.type, 'xml');
    if (item.type === 'xml') for (const t of item.text) chars += t.length;
  }
  assert.equal(chars, xml.length);
});
test('mboxMessages: a separator split across chunks is still found', () => {
  const text = 'From a\nX: 1\n\nbody\n\nFrom b\nY: 2\n\nz\n';
  for (let cut = 1; cut < text.length; cut++) {
    const b = Buffer.from(text);
    const got = [...mboxMessages([b.subarray(0, cut), b.subarray(cut)], 1 << 20)].map((m) =>
      m.bytes?.toString(),
    );
    assert.deepEqual(got, ['X: 1\n\nbody\n\n', 'Y: 2\n\nz\n'], `cut at ${cut}`);
  }
});
test('an ARF report whose message/rfc822 part is inline keeps the original headers (defect 5)', async () => {
  const m = [
    'From: dmarc@receiver.example',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'A failure report.',
    '--b',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: auth-failure',
    'Auth-Failure: dmarc',
    'Reported-Domain: example.net',
    '--b',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    'From: ceo@example.net',
    'Subject: invoice',
    'Message-ID: <1@example.net>',
    '',
    'pay now',
    '--b--',
    '',
  ].join('\r\n');
  const items = await unpack(enc(m));
  const a = items[0];
  assert.ok(a?.type === 'arf', JSON.stringify(items));
  assert.match(a.originalHeaders ?? '', /From: ceo@example.net/);
  assert.match(a.originalHeaders ?? '', /Subject: invoice/);
});
