import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { lines, MAX_LINE, readInput, readList, readZone, sniffFormat } from './input.ts';

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

const listCases: [title: string, text: string, domains: string[], invalid: number][] = [
  ['plain names, trailing dots, case', 'Example.CH\nfoo.ch.\n', ['example.ch', 'foo.ch'], 0],
  ['comments and blank lines', '# header\n\nexample.ch # trailing\n   \n#x.ch\n', ['example.ch'], 0],
  ['CRLF line ends', 'a.ch\r\nb.ch\r\n', ['a.ch', 'b.ch'], 0],
  ['duplicates once', 'a.ch\nA.CH\na.ch.\n', ['a.ch'], 0],
  ['IDN to A-label', 'bücher.ch\n', ['xn--bcher-kva.ch'], 0],
  ['bad names counted and skipped', 'a..ch\nfoo bar.ch\nx@y.ch\nok.ch\n', ['ok.ch'], 3],
  ['label too long', `${'a'.repeat(64)}.ch\n`, [], 1],
  ['binary garbage', '\x00\x01\x02\xff\nok.ch\n', ['ok.ch'], 1],
  ['no final newline', 'a.ch', ['a.ch'], 0],
];

for (const [title, text, domains, invalid] of listCases) {
  test(`list: ${title}`, async () => {
    const r = await readList(chunks(text));
    assert.deepEqual(r.domains, domains);
    assert.equal(r.invalid, invalid);
  });
}

test('list: a huge line is skipped without buffering it, the next line still read', async () => {
  const huge = 'a'.repeat(MAX_LINE + 10);
  const r = await readList(chunks(huge.slice(0, 40_000), huge.slice(40_000), '\nok.ch\n'));
  assert.deepEqual(r.domains, ['ok.ch']);
  assert.equal(r.invalid, 1);
});

test('lines: split across chunks', async () => {
  const out: unknown[] = [];
  for await (const l of lines(chunks('ab', 'c\nd', 'e\n', 'f'))) out.push(l);
  assert.deepEqual(out, ['abc', 'de', 'f']);
});

const ZONE = `$ORIGIN ch.
$TTL 3600
@   IN SOA a.nic.ch. hostmaster.nic.ch. (
        2026112301 ; serial
        900 600 1209600 3600 )
    IN NS a.nic.ch.
    IN NS b.nic.ch.
example  IN NS ns1.example.ch.
example  3600 IN NS ns2.example.ch.
example  IN DS 12345 13 2 ABCDEF ; a comment with NS in it
ns1.example IN A 192.0.2.1
Other.ch.  86400 IN NS ns.provider.net.
other.ch.  IN NS ns2.provider.net.
; commented.ch. IN NS x.
third    IN   3600  NS ( ns.third.ch. )
xn--bcher-kva IN NS ns.x.net.
txt IN TXT "a ; not a comment" "IN NS fake"
$ORIGIN sub.ch.
deep IN NS ns.deep.net.
bad..name IN NS ns.x.net.
esc\\032aped IN NS ns.x.net.
`;

test('zone: owners of NS records below the apex, deduplicated, with $ORIGIN, relative names, parentheses', async () => {
  const r = await readZone(chunks(ZONE));
  assert.deepEqual(r.domains, ['example.ch', 'other.ch', 'third.ch', 'xn--bcher-kva.ch', 'deep.sub.ch']);
  assert.equal(r.invalid, 2);
  assert.equal(r.format, 'zone');
});

test('zone: blank owner repeats the previous owner', async () => {
  const r = await readZone(
    chunks('$ORIGIN ch.\n@ IN SOA a. b. 1 2 3 4 5\na IN A 192.0.2.1\n  IN NS ns.x.\n'),
  );
  assert.deepEqual(r.domains, ['a.ch']);
});

test('zone: no $ORIGIN, absolute names, origin from --origin', async () => {
  const r = await readZone(chunks('foo IN NS ns.x.\nbar.ch. IN NS ns.y.\n'), 'ch');
  assert.deepEqual(r.domains, ['foo.ch', 'bar.ch']);
});

test('zone: hostile input — binary, unbalanced parentheses, huge line', async () => {
  const r = await readZone(
    chunks(
      '$ORIGIN ch.\n\x00\xff\xfe IN NS x.\nok IN NS ns.\n',
      `${'z'.repeat(MAX_LINE * 2)}\n`,
      'ok2 IN NS ( ns.\n',
    ),
  );
  assert.deepEqual(r.domains, ['ok.ch']);
  assert.ok(r.invalid >= 2);
});

test('sniffFormat', () => {
  assert.equal(sniffFormat('example.ch\nfoo.ch\n'), 'list');
  assert.equal(sniffFormat('# list\nexample.ch\n'), 'list');
  assert.equal(sniffFormat('$ORIGIN ch.\n'), 'zone');
  assert.equal(sniffFormat('example.ch. 3600 IN NS ns1.example.ch.\n'), 'zone');
});

const dir = mkdtempSync(join(tmpdir(), 'mailsec-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('readInput: .gz list, .gz zone, stdin, gzip on stdin', async () => {
  writeFileSync(join(dir, 'l.txt.gz'), gzipSync('a.ch\nb.ch\n'));
  writeFileSync(join(dir, 'z.zone.gz'), gzipSync(ZONE));
  assert.deepEqual((await readInput(join(dir, 'l.txt.gz'))).domains, ['a.ch', 'b.ch']);
  const z = await readInput(join(dir, 'z.zone.gz'));
  assert.equal(z.format, 'zone');
  assert.equal(z.domains.length, 5);
  const s = await readInput('-', { stdin: Readable.from([Buffer.from('x.ch\ny.ch\n')]) });
  assert.deepEqual(s.domains, ['x.ch', 'y.ch']);
  const gz = await readInput('-', { stdin: Readable.from([gzipSync('g.ch\n')]) });
  assert.deepEqual(gz.domains, ['g.ch']);
  assert.deepEqual((await readInput('-', { stdin: Readable.from([]) })).domains, []);
  const forced = await readInput('-', { stdin: Readable.from([Buffer.from('x.ch\n')]), format: 'zone' });
  assert.deepEqual(forced.domains, []);
});
