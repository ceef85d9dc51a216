/**
 * The politeness limits of a scan held in Redis, so that they hold across every worker process
 * and machine (the interfaces are the network layer's: src/net/limits.ts, src/dns/rate.ts,
 * src/scan/politeness.ts). Every decision is one Lua script, atomic in Redis, on Redis's clock.
 *
 * - **connections in flight per target** (`TargetLimits`: SMTP per address, /24 or /48 and
 *   provider; HTTPS per web address): a sorted set of holders per key, each with a lease that
 *   its holder renews while it holds it — a worker killed while connected frees its slots when
 *   the lease runs out (LEASE_MS). Keys are global (two scans at once share a target's limit).
 * - **the scan's query rate** (`RateGate`): a token bucket per scan; a worker takes tokens in
 *   blocks (a few per cent of the rate) and spends them locally, so a query costs no round trip.
 *   The failure-storm backoff stays per process (each worker slows down on what it sees).
 * - **per name-server operator** (`OperatorBuckets`): a token bucket per scan and operator.
 * - **one probe per (MX address, SNI name) per scan** (`SharedProbes`): a claim (SET NX with a
 *   lease the prober renews) and the result stored with a time-to-live; the others wait for it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sleep } from '../core/abort.ts';
import { createRateGate, type RateGate } from '../dns/rate.ts';
import type { SharedProbes, TargetLimits } from '../net/limits.ts';
import type { SmtpProbeResult } from '../net/smtp.ts';
import type { OperatorBuckets } from '../scan/politeness.ts';
import { PREFIX, scanKey } from './jobs.ts';

/** a holder's lease on a target slot or a probe claim; renewed every third of it */
export const LEASE_MS = 30_000;

const NOW_MS =
  "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

// KEYS[1] holders (zset: token → lease end); ARGV: limit, lease ms, token → 1 held / 0 full
const ACQUIRE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`;

// KEYS[1] holders; ARGV: lease ms, token → renews the lease when still held
const RENEW = `${NOW_MS}
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
  return 1
end
return 0`;

// KEYS[1] bucket (hash tokens, last); ARGV: rate/s, burst, want, minimum → {granted, wait ms}
// grants up to `want` tokens when at least `minimum` are there; otherwise nothing and the wait
const TAKE = `${NOW_MS}
local rate = tonumber(ARGV[1]); local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3]); local minimum = tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(b[1]) or burst
local last = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) / 1000 * rate)
local granted = 0
local wait = 0
if tokens >= minimum then
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
else
  wait = math.ceil((minimum - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return {granted, wait}`;

type Scripted = Redis & {
  mailsecAcquire(key: string, limit: number, lease: number, token: string): Promise<number>;
  mailsecRenew(key: string, lease: number, token: string): Promise<number>;
  mailsecTake(
    key: string,
    rate: number,
    burst: number,
    want: number,
    minimum: number,
  ): Promise<[number, number]>;
};

/** Registers the scripts on a client (once per client). */
function scripted(redis: Redis): Scripted {
  const r = redis as Scripted;
  if (typeof r.mailsecAcquire !== 'function') {
    redis.defineCommand('mailsecAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('mailsecRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('mailsecTake', { numberOfKeys: 1, lua: TAKE });
  }
  return r;
}

const token = () => randomBytes(9).toString('base64url');

/** a poll interval with jitter (waiters of one key do not knock in step) */
const poll = (base: number) => base / 2 + Math.random() * base;

/** Connections in flight per target, across every process on this Redis. */
export function redisTargetLimits(redis: Redis, o: { leaseMs?: number; pollMs?: number } = {}): TargetLimits {
  const r = scripted(redis);
  const lease = o.leaseMs ?? LEASE_MS;
  const pollMs = o.pollMs ?? 40;
  return {
    async acquire(key, limit, signal) {
      const k = `${PREFIX}:limit:${key}`;
      const t = token();
      while ((await r.mailsecAcquire(k, limit, lease, t)) !== 1) await sleep(poll(pollMs), signal);
      const renew = setInterval(() => void r.mailsecRenew(k, lease, t).catch(() => undefined), lease / 3);
      renew.unref();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        void r.zrem(k, t).catch(() => undefined);
      };
    },
  };
}

/**
 * The scan's DNS query rate across its workers: tokens leased from Redis in blocks and spent
 * here, behind this process's own storm backoff (`createRateGate` with no fixed ceiling).
 */
export function redisRateGate(redis: Redis, scan: string, qps: number): RateGate {
  const local = createRateGate({ qps: 0 });
  if (qps <= 0) return local;
  const r = scripted(redis);
  const key = `${PREFIX}:rate:${scanKey(scan)}`;
  const block = Math.max(1, Math.min(500, Math.floor(qps / 50)));
  let tokens = 0;
  let leasing: Promise<void> | null = null;
  const lease = async () => {
    for (;;) {
      const [granted, wait] = await r.mailsecTake(key, qps, Math.max(qps, block), block, 1);
      if (granted > 0) {
        tokens += granted;
        return;
      }
      await sleep(Math.max(1, wait));
    }
  };
  return {
    async acquire(signal) {
      await local.acquire(signal);
      while (tokens <= 0) {
        // one lease in flight for every waiter (none's abort cancels it for the others)
        leasing ??= lease().finally(() => {
          leasing = null;
        });
        await leasing;
      }
      tokens--;
    },
    report: (outcome) => local.report(outcome),
    ceiling: () => Math.min(qps, local.ceiling()),
    get storms() {
      return local.storms;
    },
  };
}

/** Per name-server-operator budgets of a scan, across its workers. */
export function redisOperatorBuckets(redis: Redis, scan: string): OperatorBuckets {
  const r = scripted(redis);
  const base = `${PREFIX}:ns:${scanKey(scan)}:`;
  return {
    async take(key, cost, rate) {
      const c = Math.ceil(cost);
      const [, wait] = await r.mailsecTake(base + key, rate, Math.max(rate, c), c, c);
      return wait;
    },
  };
}

/**
 * One SMTP probe per (address, SNI name) per scan across its workers: the result is kept
 * `ttlMs`; while one worker probes (its claim renewed), the others poll for the result, and
 * take over the claim when its holder died (the lease ran out with no result).
 */
export function redisSharedProbes(
  redis: Redis,
  scan: string,
  o: { ttlMs: number; leaseMs?: number; pollMs?: number },
): SharedProbes {
  const base = `${PREFIX}:probe:${scanKey(scan)}:`;
  const lease = o.leaseMs ?? LEASE_MS;
  const pollMs = o.pollMs ?? 100;
  const parse = (text: string | null): SmtpProbeResult | null => {
    if (text === null) return null;
    try {
      const v = JSON.parse(text) as SmtpProbeResult;
      return typeof v === 'object' && v !== null && typeof v.outcome === 'string' ? v : null;
    } catch {
      return null;
    }
  };
  return {
    async run(key, probe, signal) {
      const resultKey = `${base}r:${key}`;
      const claimKey = `${base}c:${key}`;
      for (;;) {
        const stored = parse(await redis.get(resultKey));
        if (stored) return stored;
        const me = token();
        if ((await redis.set(claimKey, me, 'PX', lease, 'NX')) === 'OK') {
          const renew = setInterval(
            () => void redis.pexpire(claimKey, lease).catch(() => undefined),
            lease / 3,
          );
          renew.unref();
          try {
            const result = await probe();
            // an aborted probe is not a result anyone else should take
            if (!signal?.aborted) await redis.set(resultKey, JSON.stringify(result), 'PX', o.ttlMs);
            return result;
          } finally {
            clearInterval(renew);
            if ((await redis.get(claimKey).catch(() => null)) === me)
              await redis.del(claimKey).catch(() => 0);
          }
        }
        await sleep(poll(pollMs), signal);
      }
    },
  };
}
