import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlsaProblem } from './dane.ts';
import { parseTlsaRdata, serialiseTlsa, tlsaName } from './serialise.ts';

const hex = (n: number) => 'ab'.repeat(n);
const records = [
  { usage: 3, selector: 1, matchingType: 1, data: hex(32) },
  { usage: 2, selector: 0, matchingType: 2, data: hex(64) },
  { usage: 3, selector: 1, matchingType: 0, data: hex(91) },
];
for (const r of records) {
  test(`tlsa serialise: ${r.usage} ${r.selector} ${r.matchingType} round-trips (RFC 6698 §2.2)`, () => {
    const parsed = parseTlsaRdata(serialiseTlsa(r));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, r);
    assert.equal(tlsaProblem(parsed.value), null);
  });
}

test('tlsa serialise: hex split by white space and upper case is read back', () => {
  const parsed = parseTlsaRdata(`3 1 1 ${'AB'.repeat(16)} ${'ab'.repeat(16)}`);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.data, hex(32));
  assert.equal(parseTlsaRdata('3 1 1 abc').ok, false);
  assert.equal(tlsaName('mx.example.ch'), '_25._tcp.mx.example.ch');
});
