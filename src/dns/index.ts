/**
 * The DNS layer: createResolver(spec) builds the Resolver the CLI passes down:
 * client (UDP+TCP or DoH) → sharing of identical queries in flight → answer cache.
 */
import { type CacheOptions, type CacheStats, withCache } from './cache.ts';
import { type ClientOptions, type ClientStats, createClient } from './client.ts';
import { sharingInFlight } from './inflight.ts';
import { parseResolverSpec, type ResolverSpec } from './spec.ts';
import type { Resolver } from './types.ts';

export { type CacheOptions, type CacheStats, withCache } from './cache.ts';
export { type ClientOptions, type ClientStats, createClient, type ResolverClient } from './client.ts';
export { queryKey, sharingInFlight } from './inflight.ts';
export { createRateGate, type RateGate } from './rate.ts';
export {
  firstNameserver,
  formatResolverSpec,
  parseResolverSpec,
  type ResolverSpec,
  systemResolverSpec,
} from './spec.ts';
export { type StaticResolver, staticResolver, type ZoneLiteral, type ZoneNode } from './static.ts';
export * from './types.ts';
export { detectValidation } from './validation.ts';
export { queryName } from './wire.ts';

export interface CreateResolverOptions extends ClientOptions {
  /** answer cache (default true); an object sets its limits */
  readonly cache?: boolean | CacheOptions;
}

export interface ResolverStats extends ClientStats {
  /** queries answered by another identical query in flight */
  shared: number;
  cache: CacheStats | null;
}

export interface ManagedResolver extends Resolver {
  /** the resolver, as --resolver takes it */
  readonly label: string;
  stats(): ResolverStats;
  close(): Promise<void>;
}

export function createResolver(
  spec: ResolverSpec | string,
  options: CreateResolverOptions = {},
): ManagedResolver {
  const s = typeof spec === 'string' ? parseResolverSpec(spec) : spec;
  const client = createClient(s, options);
  const shared = sharingInFlight(client);
  const cached =
    options.cache === false
      ? null
      : withCache(shared, typeof options.cache === 'object' ? options.cache : {});
  const front: Resolver = cached ?? shared;
  return {
    label: client.label,
    query: (name, type, opts) => front.query(name, type, opts),
    stats: () => ({
      ...client.stats(),
      shared: shared.sharedCount(),
      cache: cached ? cached.cacheStats() : null,
    }),
    close: () => client.close(),
  };
}
