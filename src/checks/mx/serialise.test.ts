import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NULL_MX, parseMxRdata, serialiseMx } from './serialise.ts';

test('mx serialise: records round-trip; the Null MX is "0 ." (RFC 7505 §3)', () => {
  for (const r of [
    NULL_MX,
    { preference: 10, exchange: 'mx1.example.ch' },
    { preference: 65535, exchange: 'a.b' },
  ]) {
    const parsed = parseMxRdata(serialiseMx(r));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, r);
  }
  assert.equal(serialiseMx(NULL_MX), '0 .');
  assert.equal(serialiseMx({ preference: 10, exchange: 'mx.example.ch' }), '10 mx.example.ch.');
  assert.equal(parseMxRdata('10 relative').ok, false);
});
