/**
 * Per name-server-operator pacing of a scan: a domain is admitted once its operator — the set of
 * registrable domains of its NS hosts (`ns1.hoster.ch, ns2.hoster.ch` → `hoster.ch`) — has budget
 * for it, at `qps` queries per second per operator, a domain costing the run's average number of
 * queries. The NS query is the one the ns check makes anyway (the shared cache answers it again).
 */

import { sleep } from '../core/abort.ts';
import type { Resolver } from '../dns/types.ts';
import { BoundedCache, registrableDomain } from '../protocol/psl.ts';

export interface OperatorGateOptions {
  readonly resolver: Resolver;
  /** queries per second per operator (0: no limit) */
  readonly qps: number;
  /** the run's average queries per domain so far (default 20 until known) */
  readonly queriesPerDomain: () => number;
  /**
   * the operators' budgets held elsewhere (scale-out workers: in Redis, so the limit holds across
   * processes); default: in this process
   */
  readonly buckets?: OperatorBuckets;
}

/** Token buckets by key, `rate` tokens a second up to `rate`: take `cost` now, or say how long to wait. */
export interface OperatorBuckets {
  /** 0 when `cost` tokens were taken; else the ms to wait before asking again (nothing taken) */
  take(key: string, cost: number, rate: number, signal?: AbortSignal): Promise<number>;
}

export interface OperatorGate {
  admit(domain: string, signal?: AbortSignal): Promise<void>;
  /** domains that waited for their operator's budget */
  readonly delayed: number;
}

interface Bucket {
  tokens: number;
  last: number;
  /** domains queued behind this bucket */
  queue: Promise<void>;
}

export function operatorOf(nsHosts: readonly string[]): string {
  const set = new Set(nsHosts.map((h) => registrableDomain(h.toLowerCase().replace(/\.$/, '')) ?? h));
  return [...set].sort().join(',');
}

export function createOperatorGate(o: OperatorGateOptions): OperatorGate {
  const buckets = new BoundedCache<string, Bucket>(100_000);
  let delayed = 0;
  return {
    get delayed() {
      return delayed;
    },
    async admit(domain, signal) {
      if (o.qps <= 0) return;
      const ns = await o.resolver.query(domain, 'NS', signal ? { signal } : {});
      if (!ns.records.length) return; // no delegation seen: the TLD's servers answer, not an operator's
      const key = operatorOf(ns.records as readonly string[]);
      if (o.buckets) {
        const cost = Math.max(1, o.queriesPerDomain());
        for (;;) {
          const wait = await o.buckets.take(key, cost, o.qps, signal);
          if (wait <= 0) return;
          delayed++;
          await sleep(wait, signal);
        }
      }
      let b = buckets.get(key);
      if (!b) {
        b = { tokens: o.qps, last: performance.now(), queue: Promise.resolve() };
        buckets.set(key, b);
      }
      const bucket = b;
      const cost = Math.max(1, o.queriesPerDomain());
      const turn = bucket.queue.then(async () => {
        for (;;) {
          const t = performance.now();
          bucket.tokens = Math.min(o.qps, bucket.tokens + ((t - bucket.last) / 1000) * o.qps);
          bucket.last = t;
          if (bucket.tokens >= cost) {
            bucket.tokens -= cost;
            return;
          }
          delayed++;
          await sleep(Math.ceil(((cost - bucket.tokens) / o.qps) * 1000), signal);
        }
      });
      bucket.queue = turn.catch(() => undefined);
      await turn;
    },
  };
}
