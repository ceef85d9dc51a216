import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy, specialPurposeRange } from './address-policy.ts';

const cases: [address: string, special: boolean][] = [
  ['127.0.0.1', true],
  ['10.1.2.3', true],
  ['100.64.0.1', true],
  ['169.254.10.10', true],
  ['172.31.255.255', true],
  ['172.32.0.1', false],
  ['192.0.2.55', true],
  ['192.168.1.1', true],
  ['198.19.0.1', true],
  ['198.51.100.7', true],
  ['203.0.113.9', true],
  ['224.0.0.251', true],
  ['240.0.0.1', true],
  ['8.8.8.8', false],
  ['185.1.2.3', false],
  ['::1', true],
  ['::', true],
  ['::ffff:8.8.8.8', true],
  ['2001:db8::1', true],
  ['fd00::1', true],
  ['fe80::1', true],
  ['ff02::1', true],
  ['2a00:1450:4001::1', false],
  ['::7f00:1', true],
  ['::a00:1', true],
  ['64:ff9b::a00:1', true],
  ['64:ff9b::7f00:1', true],
  ['64:ff9b::808:808', false],
  ['64:ff9b::8.8.8.8', false],
  ['64:ff9b::192.168.1.1', true],
];
for (const [address, special] of cases) {
  test(`RFC 6890: ${address} is ${special ? '' : 'not '}special-purpose`, () => {
    assert.equal(specialPurposeRange(address) !== undefined, special);
  });
}

test('--allow-private makes loopback ordinary, nothing else', () => {
  const p = createAddressPolicy(['127.0.0.0/8', '::1/128']);
  assert.equal(p.verdict('127.53.0.1').allowed, true);
  assert.equal(p.verdict('::1').allowed, true);
  assert.equal(p.verdict('10.0.0.1').allowed, false);
  assert.match(p.verdict('10.0.0.1').reason ?? '', /private \(RFC 1918\)/);
  assert.equal(p.isSpecial('127.0.0.1'), false);
  assert.equal(createAddressPolicy().isSpecial('127.0.0.1'), true);
});

test('a bad --allow-private range is a usage error naming the input', () => {
  assert.throws(() => createAddressPolicy(['127.0.0.0/40']), /127\.0\.0\.0\/40/);
  assert.throws(() => createAddressPolicy(['localhost']), /"localhost" is not an address range/);
});
