import type { Answer, Resolver } from '../../dns/types.ts';
import { isFailure } from '../../dns/types.ts';

/** The A and AAAA of a host name, with how the lookups ended. */
export interface HostAddresses {
  readonly name: string;
  readonly addresses: string[];
  /** CNAME chain seen while resolving (non-empty: the name is an alias) */
  readonly cnames: readonly string[];
  /** ok: at least one address; absent: both NXDOMAIN/NODATA; error: a lookup failed and none found */
  readonly outcome: 'ok' | 'absent' | 'error';
  readonly failures: readonly Answer<unknown>[];
}

export async function lookupAddresses(
  resolver: Resolver,
  name: string,
  signal?: AbortSignal,
): Promise<HostAddresses> {
  const opts = signal ? { signal } : undefined;
  const [a, aaaa] = await Promise.all([resolver.query(name, 'A', opts), resolver.query(name, 'AAAA', opts)]);
  const addresses = [...a.records, ...aaaa.records];
  const failures = [a, aaaa].filter(isFailure);
  const cnames = a.cnames.length ? a.cnames : aaaa.cnames;
  const outcome = addresses.length ? 'ok' : failures.length ? 'error' : 'absent';
  return { name, addresses, cnames, outcome, failures };
}
