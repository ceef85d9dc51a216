import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy } from './address-policy.ts';
import { excludingAddresses, parseExclusions } from './exclusions.ts';

const ex = parseExclusions(
  ['# opted out', 'Example.CH', '*.wild.ch', '192.0.2.0/24', '2001:db8::/32', '198.51.100.7', ''].join('\n'),
  'exclude.txt',
);

test('exclusions: a domain covers itself and every name below it, nothing beside it', () => {
  const cases: [string, boolean][] = [
    ['example.ch', true],
    ['mx1.example.ch', true],
    ['EXAMPLE.ch.', true],
    ['notexample.ch', false],
    ['example.com', false],
    ['a.wild.ch', true],
    ['ch', false],
  ];
  for (const [name, want] of cases) assert.equal(ex.excludesName(name), want, name);
  assert.equal(ex.domains, 2);
  assert.equal(ex.networks, 3);
});

test('exclusions: addresses and CIDRs of both families; the address policy refuses them', () => {
  assert.equal(ex.excludesAddress('192.0.2.99'), true);
  assert.equal(ex.excludesAddress('198.51.100.7'), true);
  assert.equal(ex.excludesAddress('198.51.100.8'), false);
  assert.equal(ex.excludesAddress('2001:db8:1::25'), true);
  const policy = excludingAddresses(createAddressPolicy(['0.0.0.0/0']), ex);
  assert.equal(policy.verdict('192.0.2.1').allowed, false);
  assert.match(policy.verdict('192.0.2.1').reason ?? '', /on the exclusion list/);
  assert.equal(policy.verdict('203.0.113.5').allowed, true);
});

test('exclusions: a line that is neither a domain nor a range names the file and line', () => {
  assert.throws(() => parseExclusions('ok.ch\nnot a domain!\n', 'x.txt'), /x\.txt:2: "not a domain!"/);
  assert.throws(() => parseExclusions('10.0.0.0/40\n', 'y.txt'), /y\.txt:1/);
});
