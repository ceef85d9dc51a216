import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import type { Item } from './unpack.ts';
import { decodeText, repairHeaderFolding, sniff, splitMbox, unpack } from './unpack.ts';

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

test('hostile: gzip bomb stops at the cap with a clear reason', async () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
  const items = await unpack(bomb, { maxDecompressed: 1024 * 1024 });
  assert.equal(items.length, 1);
  assert.match(reasons(items)[0] ?? '', /exceeds the cap of 1 MiB/);
});
test('hostile: zip bomb entry stops at the cap', async () => {
  const z = zipSync({ 'big.xml': new Uint8Array(20 * 1024 * 1024) });
  const items = await unpack(z, { maxDecompressed: 1024 * 1024 });
  assert.match(reasons(items).join('\n'), /big.xml: decompressed data exceeds the cap/);
});
test('hostile: a zip with thousands of entries reads only the first maxEntries', async () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 5000; i++) files[`r${i}.xml`] = enc(XML);
  const items = await unpack(zipSync(files), { maxEntries: 100 });
  assert.equal(items.filter((i) => i.type === 'xml').length, 100);
  assert.match(reasons(items).join('\n'), /more than 100 entries; only the first 100 were read/);
});
test('hostile: nested gzip beyond maxDepth', async () => {
  let b: Uint8Array = enc(XML);
  for (let i = 0; i < 8; i++) b = gzipSync(b);
  assert.match(reasons(await unpack(b)).join(), /nested deeper/);
});
test('hostile: the total of one file is capped across entries', async () => {
  const z = zipSync({ a: new Uint8Array(600_000), b: new Uint8Array(600_000) });
  const items = await unpack(z, { maxDecompressed: 1_000_000, maxTotal: 1_000_000 });
  assert.match(reasons(items).join('\n'), /b: decompressed data exceeds/);
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
test('hostile: a gzip after the file total is spent says so', async () => {
  const z = zipSync({ a: new Uint8Array(1_000_000), 'b.gz': gzipSync(XML) }, { level: 1 });
  const items = await unpack(z, { maxDecompressed: 2_000_000, maxTotal: 1_000_000 });
  assert.match(
    reasons(items).join('\n'),
    /b\.gz: the decompressed total of this file already reached its cap/,
  );
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
