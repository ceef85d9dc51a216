import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandParts, ipMacro, parseMacroString, truncateDomain } from './macro.ts';

const values = {
  s: 'strong-bad@email.example.com',
  l: 'strong-bad',
  o: 'email.example.com',
  d: 'email.example.com',
  i: '192.0.2.3',
  h: 'mx.example.org',
  v: 'in-addr',
};
// RFC 7208 §7.4 examples
const cases: [string, string][] = [
  ['%{s}', 'strong-bad@email.example.com'],
  ['%{o}', 'email.example.com'],
  ['%{d}', 'email.example.com'],
  ['%{d4}', 'email.example.com'],
  ['%{d3}', 'email.example.com'],
  ['%{d2}', 'example.com'],
  ['%{d1}', 'com'],
  ['%{dr}', 'com.example.email'],
  ['%{d2r}', 'example.email'],
  ['%{l}', 'strong-bad'],
  ['%{l-}', 'strong.bad'],
  ['%{lr}', 'strong-bad'],
  ['%{lr-}', 'bad.strong'],
  ['%{l1r-}', 'strong'],
  ['%{ir}.%{v}._spf.%{d2}', '3.2.0.192.in-addr._spf.example.com'],
  ['%{lr-}.lp._spf.%{d2}', 'bad.strong.lp._spf.example.com'],
  ['%{lr-}.lp.%{ir}.%{v}._spf.%{d2}', 'bad.strong.lp.3.2.0.192.in-addr._spf.example.com'],
  ['%{d2}.trusted-domains.example.net', 'example.com.trusted-domains.example.net'],
  ['%%%_%-', '% %20'],
  ['%{S}', 'strong-bad%40email.example.com'],
];
for (const [spec, want] of cases) {
  test(`7208 §7.4 ${spec}`, () => {
    const m = parseMacroString(spec);
    assert.ok(m.ok);
    assert.equal(expandParts(m.parts, values).text, want);
  });
}

test('7208 §7.3 IPv6 %{i} is dot-separated nibbles, upper case as the RFC 7208 suite and pyspf write them', () => {
  // whatever case the address was written in (the suite's v-macro-ip6 gives CAFE:BABE::1)
  for (const ip of ['2001:db8::cb01', '2001:DB8::CB01'])
    assert.equal(ipMacro(ip, 6), '2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1');
});

test('7208 §7.3 unknown values stay unresolved', () => {
  const m = parseMacroString('%{ir}._ip.%{d}');
  assert.ok(m.ok);
  assert.deepEqual(expandParts(m.parts, { d: 'example.com' }), {
    text: '%{ir}._ip.example.com',
    unresolved: ['i'],
  });
});

test('7208 §7.3 names over 253 octets lose labels on the left', () => {
  const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`;
  assert.equal(truncateDomain(long), `${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`);
});

test('7208 §7.1 invalid macros are reported with their position', () => {
  assert.deepEqual(parseMacroString('ab%{x}'), {
    ok: false,
    problem: { code: 'macro-letter', at: 2, text: '%{x}' },
  });
  assert.deepEqual(parseMacroString('%{d0}'), {
    ok: false,
    problem: { code: 'macro-syntax', at: 0, text: '%{d0}' },
  });
});
