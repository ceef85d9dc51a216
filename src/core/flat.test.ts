import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flat } from './flat.ts';

describe('flat', () => {
  const long = 'selector1._domainkey.example.ch';
  const cases: [string, string][] = [
    ['empty', ''],
    ['shorter than a cons string can be', 'a.b'],
    ['a concatenation', `${long}\u0000TXT\u00000`],
    ['a finding text', `Could not determine dkim: ${long} answered SERVFAIL.`],
    // "é" as e + combining acute (NFD): normalize() would rewrite it to one code point
    ['text that is not NFC', `v=spf1 include:cafe\u0301.example -all ${long}`],
    ['lone surrogates and NUL', `\ud800x\u0000${long}\udfff`],
  ];
  for (const [what, s] of cases)
    it(`keeps every character: ${what}`, () => {
      const f = flat(s);
      assert.equal(f, s);
      assert.equal(f.length, s.length);
    });
});
