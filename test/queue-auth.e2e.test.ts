/**
 * The queue's credentials and TLS against a real Redis (Debian redis-server, testworld/redis.ts):
 * a Redis with a password refuses a client without one or with a wrong one, and the error says
 * so (not "Connection is closed"), names what to set and never prints the password; a `rediss://`
 * Redis with a certificate of the testworld CA is refused until that CA is trusted (`--ca-file`),
 * then used. `scan --queue … --status NAME` of a scan that does not exist is the probe: exit 2
 * ("no scan") means connected and authenticated, exit 3 means the queue could not be used.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestCa, type TestCa } from '../testworld/ca.ts';
import { type RunningRedis, startRedis } from '../testworld/redis.ts';
import { runCli } from './helpers.ts';

let dir: string;
let ca: TestCa;
const servers: RunningRedis[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-queue-auth-'));
  ca = await createTestCa(dir);
});
after(async () => {
  for (const r of servers) await r.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const status = (url: string, env: Record<string, string> = {}, extra: string[] = []) =>
  runCli(['scan', '--queue', url, '--status', 'nosuch', ...extra], env, 60_000);

test('a Redis with a password: none or a wrong one is refused with the reason; the right one connects; the password is never shown', async () => {
  const redis = await startRedis({ host: '127.0.0.1', password: 'q-s3cret-7' });
  servers.push(redis);
  const none = await status(redis.url);
  assert.equal(none.code, 3, none.stderr);
  assert.match(none.stderr, /NOAUTH/);
  assert.match(none.stderr, /MAILSEC_REDIS_PASSWORD/);
  const wrong = await status(redis.url, { MAILSEC_REDIS_PASSWORD: 'nope' });
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.match(wrong.stderr, /WRONGPASS/);
  const right = await status(redis.url, { MAILSEC_REDIS_PASSWORD: 'q-s3cret-7' });
  assert.equal(right.code, 2, right.stderr);
  assert.match(right.stderr, /no scan "nosuch" on the queue/);
  // in the URL: used, and not echoed back
  const inUrl = await status(`redis://:q-s3cret-7@127.0.0.1:${redis.port}/0`);
  assert.equal(inUrl.code, 2, inUrl.stderr);
  assert.doesNotMatch(inUrl.stderr + inUrl.stdout, /q-s3cret-7/);
});

test('rediss:// with the testworld CA: refused while the CA is unknown, used with --ca-file; redis:// to a TLS port fails', async () => {
  const leaf = await ca.issue('redis.queue.test', { sans: ['redis.queue.test'], ips: ['127.0.0.1'] });
  const redis = await startRedis({
    host: '127.0.0.1',
    password: 'tls-pw-3',
    tls: { chainFile: leaf.chainFile, keyFile: leaf.keyFile },
  });
  servers.push(redis);
  assert.match(redis.url, /^rediss:\/\//);
  const env = { MAILSEC_REDIS_PASSWORD: 'tls-pw-3' };
  const untrusted = await status(redis.url, env);
  assert.equal(untrusted.code, 3, untrusted.stderr);
  assert.match(untrusted.stderr, /certificate/i);
  const trusted = await status(redis.url, env, ['--ca-file', ca.rootFile]);
  assert.equal(trusted.code, 2, trusted.stderr);
  assert.match(trusted.stderr, /no scan "nosuch" on the queue/);
  // plain RESP to a TLS port: an error within the connect budget, not a hang
  const plain = await status(redis.url.replace('rediss://', 'redis://'), env);
  assert.equal(plain.code, 3, plain.stderr);
});
