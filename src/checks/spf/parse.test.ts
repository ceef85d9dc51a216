import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpf } from './parse.ts';

const cases: [title: string, record: string, problems: string[]][] = [
  ['7208 §4.5 version only', 'v=spf1', []],
  ['7208 §4.6.1 several spaces and a trailing one', 'v=spf1 a  mx -all ', []],
  ['7208 §5.3 a with dual cidr', 'v=spf1 a/24//64 -all', []],
  ['7208 §5.3 a cidr4 over 32', 'v=spf1 a/33 -all', ['invalid-cidr']],
  ['7208 §5.6 ip4 leading zero prefix', 'v=spf1 ip4:192.0.2.0/024', ['invalid-cidr']],
  ['7208 §5.6 ip4 short address', 'v=spf1 ip4:192.0.2', ['invalid-ip4']],
  ['7208 §5.6 ip6 with embedded ip4', 'v=spf1 ip6:::ffff:192.0.2.1/96 -all', []],
  ['7208 §5.1 all takes no argument', 'v=spf1 -all:foo', ['unexpected-argument']],
  ['7208 §5.2 include needs a domain', 'v=spf1 include: -all', ['missing-domain']],
  ['7208 §7.1 domain must end in a toplabel', 'v=spf1 a:museum -all', ['invalid-domain']],
  ['7208 §7.1 numeric toplabel', 'v=spf1 a:abc.123', ['invalid-domain']],
  ['7208 §7.1 macro target', 'v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}', []],
  ['7208 §7.1 bad macro', 'v=spf1 exists:%(ir).example.com', ['macro-syntax']],
  ['7208 §7.1 c only in exp text', 'v=spf1 exists:%{c}.example.com', ['macro-letter']],
  ['7208 §4.6.1 unknown mechanism', 'v=spf1 moo -all', ['unknown-mechanism']],
  ['7208 §6 unknown modifier is kept', 'v=spf1 moo.cow-far_out=man:dog/cat -all', ['unknown-modifier']],
  ['7208 §6 redirect twice', 'v=spf1 redirect=a.example redirect=b.example', ['duplicate-modifier']],
  ['7208 §3.1 non-ASCII', 'v=spf1 a:\u00e9.example.com -all', ['non-ascii']],
  ['7208 §4.6.1 control character', 'v=spf1 a\tmx -all', ['control-char']],
];
for (const [title, record, codes] of cases) {
  test(title, () => {
    const p = parseSpf(record);
    assert.deepEqual(
      p.problems.map((x) => x.code),
      codes,
    );
    assert.equal(p.ok, !p.problems.some((x) => x.fatal));
  });
}

test('7208 §4.6 problems carry the position of the term', () => {
  const p = parseSpf('v=spf1 mx ip4:1.2.3 -all');
  assert.deepEqual(p.problems, [{ code: 'invalid-ip4', at: 10, text: 'ip4:1.2.3', fatal: true }]);
});

test('7208 §4.6.1 terms, qualifiers and modifiers', () => {
  const p = parseSpf('v=spf1 ~a:mail.example.com/28 -include:x.example exp=why.example redirect=r.example');
  assert.ok(p.ok);
  assert.deepEqual(
    p.record.mechanisms.map((m) => [m.qualifier, m.name, m.domainSpec, m.cidr4]),
    [
      ['~', 'a', 'mail.example.com', 28],
      ['-', 'include', 'x.example', undefined],
    ],
  );
  assert.equal(p.record.redirect?.value, 'r.example');
  assert.equal(p.record.exp?.value, 'why.example');
});
