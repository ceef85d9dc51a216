import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIssueValue, validateCaa } from './parse.ts';
import { type IssueValue, parseCaaRdata, serialiseCaa, serialiseIssueValue } from './serialise.ts';

// RFC 8659 §4 examples and values that need escaping
const records = [
  { flags: 0, tag: 'issue', value: 'ca.example.net' },
  { flags: 0, tag: 'issue', value: 'ca.example.net; account=230123' },
  { flags: 0, tag: 'issuewild', value: ';' },
  { flags: 0, tag: 'iodef', value: 'mailto:security@example.com' },
  { flags: 128, tag: 'tbs', value: 'Unknown' },
  { flags: 0, tag: 'contactemail', value: 'say "hi" \\ there' },
  { flags: 0, tag: 'iodef', value: 'mailto:sécurité@example.com' },
];
for (const r of records) {
  test(`caa serialise: ${r.flags} ${r.tag} ${r.value} round-trips`, () => {
    const parsed = parseCaaRdata(serialiseCaa(r));
    assert.ok(parsed.ok, serialiseCaa(r));
    assert.deepEqual(parsed.value, r);
  });
}

test('caa serialise: the presentation form', () => {
  assert.equal(
    serialiseCaa({ flags: 0, tag: 'issue', value: 'letsencrypt.org' }),
    '0 issue "letsencrypt.org"',
  );
  assert.equal(serialiseCaa({ flags: 0, tag: 'x', value: 'a"b' }), '0 x "a\\"b"');
  assert.equal(parseCaaRdata('0 issue').ok, false);
  assert.equal(parseCaaRdata('256 issue "x"').ok, false);
});

const issues: IssueValue[] = [
  { issuer: 'letsencrypt.org', params: {} },
  {
    issuer: 'letsencrypt.org',
    params: { validationmethods: 'dns-01', accounturi: 'https://acme.example/1' },
  },
  { issuer: null, params: {} },
];
for (const v of issues) {
  test(`caa serialise: issuer value ${serialiseIssueValue(v)} round-trips (RFC 8659 §4.2, RFC 8657)`, () => {
    const text = serialiseIssueValue(v);
    const parsed = parseIssueValue(text);
    assert.equal(parsed.ok, true);
    assert.deepEqual({ issuer: parsed.issuer, params: parsed.params }, v);
    assert.deepEqual(validateCaa([{ flags: 0, tag: 'issue', value: text }]), []);
  });
}
