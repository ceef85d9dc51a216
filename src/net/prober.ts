import { sleep } from '../core/abort.ts';
import type { AddressPolicy } from './address-policy.ts';
import { trustStore } from './ca.ts';
import { localTargetLimits, type SharedProbes, type TargetLimits } from './limits.ts';
import { probeSmtp, type SmtpProbeResult } from './smtp.ts';

export type { SmtpOutcome, SmtpProbeResult } from './smtp.ts';

/**
 * SMTP/STARTTLS probing for a whole run: each (address, SNI name) is probed once however many
 * domains share it (a promise cache bounded by bytes, least recently used dropped first, so a
 * shared MX stays hot), with at most `perAddress` connections in flight per address, `perPrefix`
 * per /24 (IPv4) or /48 (IPv6) and `perProvider` per provider (the registrable domain of the MX
 * name), held in `limits` (this process, or Redis across the workers of a scale-out scan); see
 * politeness() for 421 backoff and addresses that keep failing. The address policy is asked
 * before anything else: a refused address gets outcome `refused-address` and no packet (and is
 * never shared: each process judges with its own policy).
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
  /** connections in flight per /24 (IPv4) or /48 (IPv6) (default 4) */
  readonly perPrefix?: number;
  /** connections in flight per provider: the registrable domain of the MX name (default 8) */
  readonly perProvider?: number;
  /** the provider of an MX name (default: the name's last two labels) */
  readonly providerOf?: (sni: string) => string;
  /** bytes of probe results kept (default 64 MiB) */
  readonly cacheBytes?: number;
  /** connections in flight in all (default 64) */
  readonly concurrency?: number;
  /** results kept at most (least recently used dropped first; default 50000) */
  readonly cacheSize?: number;
  /** SMTP port (default 25; tests and benchmarks only) */
  readonly port?: number;
  /**
   * where the per-address, per-prefix and per-provider limits are held (default: this process;
   * the workers of a scale-out scan pass Redis-backed ones, src/queue/limits.ts)
   */
  readonly limits?: TargetLimits;
  /** a probe result shared with other processes of the same scan (scale-out workers) */
  readonly shared?: SharedProbes;
}

/** A counting semaphore per key of this process (the run-wide total). */
function keyedLimit(limit: number) {
  const limits = localTargetLimits();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const release = await limits.acquire(key, limit);
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** Runs `fn` holding one of `limit` slots of `key` in `limits`. */
async function held<T>(
  limits: TargetLimits,
  key: string,
  limit: number,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const release = await limits.acquire(key, limit, signal);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** The /24 of an IPv4 address, the /48 of an IPv6 one. */
export function prefixOf(address: string): string {
  if (!address.includes(':')) return address.split('.').slice(0, 3).join('.');
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const full = address.includes('::')
    ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
    : h;
  return full.slice(0, 3).join(':');
}

const lastTwoLabels = (name: string) => name.toLowerCase().replace(/\.$/, '').split('.').slice(-2).join('.');

/** Rough bytes of a probe result (the certificate chain dominates). */
function sizeOf(r: SmtpProbeResult): number {
  let n = 512 + (r.banner?.length ?? 0) + r.ehlo.reduce((a, e) => a + e.length, 0);
  for (const c of r.tls?.chain ?? []) n += c.der.length * 2 + 512;
  return n;
}

/**
 * Per-address politeness: after a 4xx greeting (421: busy) the address's next connection waits
 * (5 s, doubling to 60 s; reset by a probe that completes); after 3 timeouts or refused
 * connections in a row the address is not connected to again for 10 minutes — its later probes
 * end at once with the same outcome (could not test, never "absent") and say why.
 */
function politeness() {
  const state = new Map<
    string,
    { until: number; step: number; fails: number; open: number; last?: SmtpProbeResult }
  >();
  const get = (a: string) => {
    let s = state.get(a);
    if (!s) {
      s = { until: 0, step: 2_500, fails: 0, open: 0 };
      state.set(a, s);
      if (state.size > 100_000) state.delete(state.keys().next().value as string);
    }
    return s;
  };
  return {
    /** a result that stands in for a connection to an address that keeps failing, or null */
    shortCircuit(address: string, sni: string): SmtpProbeResult | null {
      const s = state.get(address);
      if (!s?.last || s.open <= Date.now()) return null;
      return {
        ...s.last,
        sni,
        elapsedMs: 0,
        error: `not connected: ${address} failed ${s.fails} times in a row in this run (${s.last.error ?? s.last.outcome})`,
      };
    },
    async wait(address: string, signal?: AbortSignal): Promise<void> {
      const ms = (state.get(address)?.until ?? 0) - Date.now();
      if (ms <= 0) return;
      await sleep(ms, signal);
    },
    record(address: string, r: SmtpProbeResult): void {
      if (/^4\d\d/.test(r.banner ?? '')) {
        const s = get(address);
        s.step = Math.min(s.step * 2, 60_000);
        s.until = Date.now() + s.step;
        return;
      }
      if (r.outcome === 'timeout' || (r.outcome === 'refused' && r.banner === null)) {
        const s = get(address);
        s.fails++;
        s.last = r;
        if (s.fails >= 3) s.open = Date.now() + 600_000;
        return;
      }
      state.delete(address);
    },
  };
}

export function createProber(o: ProberOptions): Prober {
  const ca = trustStore(o.caFile);
  const cache = new Map<string, { p: Promise<SmtpProbeResult>; bytes: number }>();
  let cacheBytes = 0;
  const limits = o.limits ?? localTargetLimits();
  const perAddress = o.perAddress ?? 2;
  const perPrefix = o.perPrefix ?? 4;
  const perProvider = o.perProvider ?? 8;
  const providerOf = o.providerOf ?? lastTwoLabels;
  const total = keyedLimit(o.concurrency ?? 64);
  const maxCache = o.cacheSize ?? 50_000;
  const maxBytes = o.cacheBytes ?? 64 * 2 ** 20;
  const polite = politeness();
  const evict = () => {
    while (cache.size > maxCache || (cacheBytes > maxBytes && cache.size > 1)) {
      const k = cache.keys().next().value as string;
      cacheBytes -= cache.get(k)?.bytes ?? 0;
      cache.delete(k);
    }
  };
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
        return hit.p;
      }
      const verdict = o.addressPolicy.verdict(address);
      const connect = () =>
        held(
          limits,
          `smtp-provider:${providerOf(sni)}`,
          perProvider,
          () =>
            held(
              limits,
              `smtp-prefix:${prefixOf(address)}`,
              perPrefix,
              () =>
                held(
                  limits,
                  `smtp-address:${address}`,
                  perAddress,
                  async () => {
                    const skip = polite.shortCircuit(address, sni);
                    if (skip) return skip;
                    await polite.wait(address, signal);
                    return total('*', async () => {
                      connections++;
                      const r = await probeSmtp({
                        address,
                        sni,
                        ehlo: o.ehlo,
                        timeoutMs: o.timeoutMs,
                        ...(o.port ? { port: o.port } : {}),
                        ...(ca ? { ca } : {}),
                        ...(signal ? { signal } : {}),
                      });
                      polite.record(address, r);
                      return r;
                    });
                  },
                  signal,
                ),
              signal,
            ),
          signal,
        );
      const p: Promise<SmtpProbeResult> = verdict.allowed
        ? o.shared
          ? o.shared.run(key, connect, signal)
          : connect()
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
      const entry = { p, bytes: 1024 };
      cache.set(key, entry);
      cacheBytes += entry.bytes;
      void p.then(
        (r) => {
          if (cache.get(key) !== entry) return;
          const bytes = sizeOf(r);
          cacheBytes += bytes - entry.bytes;
          entry.bytes = bytes;
          evict();
        },
        () => cache.delete(key),
      );
      evict();
      return p;
    },
  };
}
