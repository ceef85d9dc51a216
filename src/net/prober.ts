import type { AddressPolicy } from './address-policy.ts';
import { trustStore } from './ca.ts';
import { probeSmtp, type SmtpProbeResult } from './smtp.ts';

export type { SmtpOutcome, SmtpProbeResult } from './smtp.ts';

/**
 * SMTP/STARTTLS probing for a whole run: each (address, SNI name) is probed once however many
 * domains share it (an in-memory promise cache), with at most `perAddress` connections in flight
 * per address. The address policy is asked before anything else: a refused address gets outcome
 * `refused-address` and no packet.
 */
export interface Prober {
  probeSmtp(address: string, sni: string, signal?: AbortSignal): Promise<SmtpProbeResult>;
  /** connections opened so far (for benchmarks and tests) */
  readonly connections: number;
}

export interface ProberOptions {
  readonly addressPolicy: AddressPolicy;
  /** connect and each SMTP command; the greeting gets twice this */
  readonly timeoutMs: number;
  /** the EHLO name */
  readonly ehlo: string;
  /** PEM file of extra trusted CAs (beside Node's store and NODE_EXTRA_CA_CERTS) */
  readonly caFile?: string;
  /** connections in flight per address (default 2) */
  readonly perAddress?: number;
  /** connections in flight in all (default 64) */
  readonly concurrency?: number;
  /** results kept (least recently used dropped first; default 50000: a scan's shared MX stay hot) */
  readonly cacheSize?: number;
  /** SMTP port (default 25; tests and benchmarks only) */
  readonly port?: number;
}

/** A counting semaphore per key. */
function keyedLimit(limit: number) {
  const state = new Map<string, { active: number; queue: (() => void)[] }>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let s = state.get(key);
    if (!s) {
      s = { active: 0, queue: [] };
      state.set(key, s);
    }
    if (s.active >= limit) await new Promise<void>((r) => s!.queue.push(r));
    s.active++;
    try {
      return await fn();
    } finally {
      s.active--;
      const next = s.queue.shift();
      if (next) next();
      else if (s.active === 0) state.delete(key);
    }
  };
}

export function createProber(o: ProberOptions): Prober {
  const ca = trustStore(o.caFile);
  const cache = new Map<string, Promise<SmtpProbeResult>>();
  const limit = keyedLimit(o.perAddress ?? 2);
  const total = keyedLimit(o.concurrency ?? 64);
  const maxCache = o.cacheSize ?? 50_000;
  let connections = 0;
  return {
    get connections() {
      return connections;
    },
    probeSmtp(address, sni, signal) {
      const key = `${address}|${sni.toLowerCase()}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const verdict = o.addressPolicy.verdict(address);
      const p: Promise<SmtpProbeResult> = verdict.allowed
        ? limit(address, () =>
            total('*', () => {
              connections++;
              return probeSmtp({
                address,
                sni,
                ehlo: o.ehlo,
                timeoutMs: o.timeoutMs,
                ...(o.port ? { port: o.port } : {}),
                ...(ca ? { ca } : {}),
                ...(signal ? { signal } : {}),
              });
            }),
          )
        : Promise.resolve({
            address,
            sni,
            outcome: 'refused-address',
            banner: null,
            ehlo: [],
            starttlsReply: null,
            tls: null,
            error: verdict.reason ?? 'address not allowed',
            elapsedMs: 0,
          });
      cache.set(key, p);
      if (cache.size > maxCache) cache.delete(cache.keys().next().value as string);
      return p;
    },
  };
}
