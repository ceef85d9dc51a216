import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCharacterStrings, quoteCharacterString, txtRdata, zoneLine } from './presentation.ts';

test('presentation: character-strings round-trip, escapes included (RFC 1035 §5.1)', () => {
  for (const s of ['', 'plain', 'a "quoted" \\ word', 'tab\tand\u0001', 'ümlaut']) {
    const parsed = parseCharacterStrings(quoteCharacterString(s));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, [s]);
  }
  assert.equal(quoteCharacterString('a"b'), '"a\\"b"');
  // the edges of printable ASCII: space and ~ as they are, DEL and the escapes not
  assert.equal(quoteCharacterString(' !#[]~'), '" !#[]~"');
  assert.equal(quoteCharacterString('a\\b'), '"a\\\\b"');
  assert.equal(quoteCharacterString('\u007f\u001f'), '"\\127\\031"');
  assert.equal(parseCharacterStrings('"open').ok, false);
});

test('presentation: long TXT text is split into strings of at most 255 octets, joined back unchanged', () => {
  const text = `v=spf1 ${'ip4:192.0.2.1 '.repeat(40)}-all`;
  const rdata = txtRdata(text);
  const parsed = parseCharacterStrings(rdata);
  assert.ok(parsed.ok);
  assert.ok(parsed.value.length > 1);
  assert.ok(parsed.value.every((s) => Buffer.byteLength(s) <= 255));
  assert.equal(parsed.value.join(''), text);
  // a multi-byte character is never cut
  const wide = 'é'.repeat(200);
  const back = parseCharacterStrings(txtRdata(wide));
  assert.ok(back.ok);
  assert.equal(back.value.join(''), wide);
});

test('presentation: a zone line', () => {
  assert.equal(
    zoneLine({ name: '_dmarc.example.ch', type: 'TXT', ttl: 3600, value: 'v=DMARC1; p=none' }),
    '_dmarc.example.ch.\t3600\tIN\tTXT\t"v=DMARC1; p=none"',
  );
  assert.equal(
    zoneLine({ name: 'example.ch', type: 'MX', ttl: 300, value: '0 .' }),
    'example.ch.\t300\tIN\tMX\t0 .',
  );
});
