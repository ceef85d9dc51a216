// The politeness limits held in Redis (src/queue/limits.ts), against a real redis-server on a
// loopback port (testworld/redis.ts), each "process" a client of its own: a limit holds across
// them, a holder that dies frees its slot when its lease runs out, one probe per key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { type RunningRedis, startRedis } from '../../testworld/redis.ts';
import type { SmtpProbeResult } from '../net/smtp.ts';
import { redisOperatorBuckets, redisRateGate, redisSharedProbes, redisTargetLimits } from './limits.ts';

let server: RunningRedis;
const clients: Redis[] = [];
const client = () => {
  const c = new Redis({ host: server.host, port: server.port, maxRetriesPerRequest: null });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('redisTargetLimits', () => {
  test('connections per target: the limit holds across processes; a release lets the next in', async () => {
    const a = redisTargetLimits(client(), { pollMs: 10 });
    const b = redisTargetLimits(client(), { pollMs: 10 });
    const r1 = await a.acquire('smtp:192.0.2.1', 2);
    const r2 = await b.acquire('smtp:192.0.2.1', 2);
    let third = false;
    const pending = a.acquire('smtp:192.0.2.1', 2).then((r) => {
      third = true;
      return r;
    });
    // another key is not held up
    (await b.acquire('smtp:192.0.2.2', 2))();
    await sleep(200);
    assert.equal(third, false, 'a third holder got in beside two');
    r2();
    const r3 = await pending;
    assert.equal(third, true);
    r1();
    r3();
    r2(); // a second release is a no-op
    (await b.acquire('smtp:192.0.2.1', 2))();
  });

  test('a holder that dies (no release, no renewal) frees its slot when its lease runs out', async () => {
    const dying = client();
    const dead = redisTargetLimits(dying, { leaseMs: 600, pollMs: 10 });
    await dead.acquire('smtp:198.51.100.7', 1);
    dying.disconnect(); // the process is gone: nothing renews the lease
    const alive = redisTargetLimits(client(), { pollMs: 20 });
    const t0 = Date.now();
    const release = await alive.acquire('smtp:198.51.100.7', 1);
    assert.ok(Date.now() - t0 >= 300, 'the slot was free before the lease ran out');
    release();
  });

  test('a waiter’s abort rejects its wait', async () => {
    const l = redisTargetLimits(client(), { pollMs: 10 });
    const held = await l.acquire('web-address:203.0.113.5', 1);
    const ac = new AbortController();
    const waiting = l.acquire('web-address:203.0.113.5', 1, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    held();
  });
});

describe('redisSharedProbes', () => {
  const result = (n: number): SmtpProbeResult =>
    ({ outcome: 'no-starttls', n }) as unknown as SmtpProbeResult;

  test('one probe per key across processes: the others wait for its result', async () => {
    let probes = 0;
    const probe = async () => {
      probes++;
      await sleep(300);
      return result(probes);
    };
    const shared = [client(), client(), client()].map((c) =>
      redisSharedProbes(c, 'scan-a', { ttlMs: 60_000, pollMs: 20 }),
    );
    const got = await Promise.all(shared.map((s) => s.run('192.0.2.25|mx.example', probe)));
    assert.equal(probes, 1);
    for (const g of got) assert.equal((g as unknown as { n: number }).n, 1);
    // later askers get the stored result; another scan probes for itself
    assert.equal(((await shared[0]!.run('192.0.2.25|mx.example', probe)) as unknown as { n: number }).n, 1);
    await redisSharedProbes(client(), 'scan-b', { ttlMs: 60_000 }).run('192.0.2.25|mx.example', probe);
    assert.equal(probes, 2);
  });

  test('a prober that dies mid-probe: another takes the claim over when its lease runs out', async () => {
    const dying = client();
    const first = redisSharedProbes(dying, 'scan-c', { ttlMs: 60_000, leaseMs: 600, pollMs: 20 });
    void first
      .run('192.0.2.26|mx.example', () => new Promise<SmtpProbeResult>(() => undefined))
      .catch(() => undefined);
    await sleep(100);
    dying.disconnect();
    let probes = 0;
    const second = redisSharedProbes(client(), 'scan-c', { ttlMs: 60_000, leaseMs: 600, pollMs: 20 });
    const r = await second.run('192.0.2.26|mx.example', async () => {
      probes++;
      return result(7);
    });
    assert.equal(probes, 1);
    assert.equal((r as unknown as { n: number }).n, 7);
  });
});

describe('rates across processes', () => {
  test('the scan’s query rate is one bucket for all its workers', async () => {
    // 40 queries/s with a burst of 40: 120 queries from two workers take at least 2 s
    const gates = [client(), client()].map((c) => redisRateGate(c, 'rate-scan', 40));
    const t0 = Date.now();
    await Promise.all(
      gates.map(async (g) => {
        for (let i = 0; i < 60; i++) await g.acquire();
      }),
    );
    const s = (Date.now() - t0) / 1000;
    assert.ok(s >= 1.7, `120 queries at 40/s took ${s.toFixed(2)} s`);
    assert.equal(gates[0]!.ceiling(), 40);
  });

  test('per name-server operator: a budget spent by one worker makes the other wait', async () => {
    const a = redisOperatorBuckets(client(), 'ns-scan');
    const b = redisOperatorBuckets(client(), 'ns-scan');
    assert.equal(await a.take('hoster.example', 20, 20), 0);
    const wait = await b.take('hoster.example', 20, 20);
    assert.ok(wait > 500, `waited ${wait} ms`);
    assert.equal(await b.take('other.example', 20, 20), 0);
  });
});
