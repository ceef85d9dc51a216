/**
 * Serves a scale world: builds it (or takes it from the cache), then starts a testworld whose NSD
 * also serves the cached TLD and domain zones and whose root delegates the TLD, with the
 * operators' infrastructure (name servers, MX hosts, SPF, DKIM keys) as its only scenario.
 *
 *   const sw = await startScaleWorld({ seed: 'ch23', size: 20_000 });
 *   sw.world.domainsFile   // the scan input;  sw.world.truth: the expected report
 *   sw.tw.resolver         // the validating Unbound
 *   await sw.stop();
 */
import type { UnboundTuning } from '../dns/config.ts';
import { startTestworld, type Testworld } from '../dns/world.ts';
import { type BuildOptions, type BuiltWorld, buildWorld } from './build.ts';
import { type MutationSpec, worldSpec } from './model.ts';
import { infrastructure, nsAddresses } from './records.ts';

export interface ScaleWorldOptions extends BuildOptions {
  readonly seed: string;
  readonly size: number;
  readonly tld?: string;
  readonly mutations?: readonly MutationSpec[];
  /** latency per round trip to the authoritative servers (ms), through the user-space relay */
  readonly latencyMs?: number;
  /** Unbound sizing; default grows with the world */
  readonly unbound?: UnboundTuning;
  readonly slot?: number;
  readonly detached?: boolean;
  /** keep the testworld's dir (configs, logs) on stop */
  readonly keepDir?: boolean;
}

export interface ScaleWorld {
  readonly tw: Testworld;
  readonly world: BuiltWorld;
  /** seconds: build (0 when cached) and start (NSD loading the zones, Unbound ready) */
  readonly timings: { readonly buildSeconds: number; readonly startSeconds: number };
  stop(): Promise<void>;
}

/** Unbound sizing for a world of `size` domains. */
export function defaultTuning(size: number): UnboundTuning {
  if (size < 50_000)
    return {
      threads: 1,
      msgCacheMb: 64,
      rrsetCacheMb: 128,
      keyCacheMb: 32,
      outgoingRange: 8192,
      queriesPerThread: 4096,
      socketBufferMb: 8,
      aggressiveNsec: true,
    };
  return {
    threads: 2,
    msgCacheMb: 512,
    rrsetCacheMb: 1024,
    keyCacheMb: 256,
    outgoingRange: 8192,
    queriesPerThread: 4096,
    socketBufferMb: 8,
    aggressiveNsec: true,
  };
}

export async function startScaleWorld(o: ScaleWorldOptions): Promise<ScaleWorld> {
  const spec = worldSpec(o.seed, o.size, {
    ...(o.tld ? { tld: o.tld } : {}),
    ...(o.mutations ? { mutations: o.mutations } : {}),
  });
  const t0 = performance.now();
  const world = await buildWorld(spec, o);
  const t1 = performance.now();
  const tw = await startTestworld({
    scenarios: [infrastructure()],
    prebuilt: { nsdInclude: world.nsdInclude, delegations: [{ apex: world.tld, ds: world.tldDs }] },
    nsdAddresses: nsAddresses(),
    // one NSD server process answers ~2,000 queries/s of a 1M-domain world with bursts of up to
    // a second (its radix walks for the NSEC of a missing name): Unbound's request lists filled
    // and dropped queries, the scan saw timeouts. Two share the load on this 2-core machine.
    ...(o.size >= 50_000 ? { nsdServers: 2 } : {}),
    unbound: o.unbound ?? defaultTuning(o.size),
    timeoutMs: 30_000 + Math.ceil(o.size / 4),
    ...(o.latencyMs ? { latencyMs: o.latencyMs } : {}),
    ...(o.slot !== undefined ? { slot: o.slot } : {}),
    ...(o.detached ? { detached: true } : {}),
    ...(o.keepDir ? { keepDir: true } : {}),
  });
  const t2 = performance.now();
  return {
    tw,
    world,
    timings: {
      buildSeconds: world.built ? Math.round((t1 - t0) / 100) / 10 : 0,
      startSeconds: Math.round((t2 - t1) / 100) / 10,
    },
    stop: () => tw.stop(),
  };
}
