import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allowedHosts,
  bearerToken,
  isLoopback,
  newToken,
  SESSION_MS,
  Sessions,
  sameOrigin,
  tokenBits,
  tokenMatches,
} from './security.ts';

test('allowedHosts: the listen address, localhost on loopback, --server-name; the bare name only on the default port', () => {
  assert.deepEqual([...allowedHosts({ host: '127.0.0.1', port: 8025 }, { tls: false })].sort(), [
    '127.0.0.1:8025',
    'localhost:8025',
  ]);
  assert.deepEqual([...allowedHosts({ host: '::1', port: 8025 }, { tls: false })].sort(), [
    '[::1]:8025',
    'localhost:8025',
  ]);
  const named = allowedHosts(
    { host: '192.0.2.7', port: 443 },
    { tls: true, serverNames: ['Dash.Example.CH'] },
  );
  assert.deepEqual([...named].sort(), [
    '192.0.2.7',
    '192.0.2.7:443',
    'dash.example.ch',
    'dash.example.ch:443',
  ]);
  assert.ok(!named.has('localhost:443'), 'no localhost off loopback');
  const any = allowedHosts({ host: '0.0.0.0', port: 8443 }, { tls: true });
  assert.ok(any.has('127.0.0.1:8443'), 'an interface address');
  assert.ok(!any.has('evil.test:8443'));
});

test('isLoopback: 127/8, ::1, localhost, mapped', () => {
  for (const h of ['127.0.0.1', '127.9.9.9', '::1', 'localhost', '::ffff:127.0.0.1'])
    assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', '128.0.0.1']) assert.ok(!isLoopback(h), h);
});

test('tokenBits: length × alphabet; short, repetitive or spaced tokens are weak', () => {
  assert.equal(tokenBits('0123456789abcdef0123456789abcdef'), 128);
  assert.equal(tokenBits('0123456789abcdef'), 64);
  assert.ok(tokenBits(newToken()) >= 256);
  assert.equal(tokenBits('a'.repeat(64)), 0, 'one character repeated');
  assert.equal(tokenBits('abc def ghi jkl mno pqr stu vwx'), 0, 'white space inside');
  assert.equal(tokenBits(''), 0);
  assert.ok(tokenBits('Tr0ub4dor&3-horse!battery') > 128);
});

test('tokenMatches: exact match only, any length; bearerToken parses the header', () => {
  const t = newToken();
  assert.ok(tokenMatches(t, t));
  assert.ok(!tokenMatches(`${t}x`, t));
  assert.ok(!tokenMatches(t.slice(1), t));
  assert.ok(!tokenMatches('', t));
  assert.ok(!tokenMatches(undefined, t));
  assert.equal(bearerToken(`Bearer ${t}`), t);
  assert.equal(bearerToken(`bearer  ${t} `), t);
  assert.equal(bearerToken(`Basic ${t}`), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

test('sameOrigin: another Origin, Origin null and cross-site fetches are refused; none given passes', () => {
  const own = 'https://dash.test:8443';
  assert.ok(sameOrigin({}, own));
  assert.ok(sameOrigin({ origin: own, 'sec-fetch-site': 'same-origin' }, own));
  assert.ok(sameOrigin({ 'sec-fetch-site': 'none' }, own));
  assert.ok(!sameOrigin({ origin: 'https://evil.test' }, own));
  assert.ok(!sameOrigin({ origin: 'null' }, own));
  assert.ok(!sameOrigin({ origin: 'http://dash.test:8443' }, own), 'another scheme');
  assert.ok(!sameOrigin({ 'sec-fetch-site': 'same-site' }, own));
  assert.ok(!sameOrigin({ 'sec-fetch-site': 'cross-site' }, own));
});

test('Sessions: random ids that expire and end', () => {
  let now = 1_000_000;
  const s = new Sessions(() => now);
  const a = s.create();
  const b = s.create();
  assert.notEqual(a, b);
  assert.ok(a.length >= 43);
  assert.ok(s.valid(a) && s.valid(b));
  assert.ok(!s.valid('forged') && !s.valid(undefined));
  s.end(a);
  assert.ok(!s.valid(a));
  now += SESSION_MS + 1;
  assert.ok(!s.valid(b), 'expired');
});
