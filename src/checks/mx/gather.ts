import { reverseName } from '../../protocol/ip.ts';
import type { HostAddresses } from '../shared/addresses.ts';
import { lookupAddresses } from '../shared/addresses.ts';
import { mapLimit } from '../shared/limit.ts';
import type { GatherContext } from '../types.ts';
import type { MxGathered, PtrGathered } from './check.ts';

/** Addresses whose PTR is looked up at most (in MX preference order). */
export const MAX_PTR_ADDRESSES = 32;

/** MX, each exchange's A/AAAA, and PTR with forward confirmation for each address. */
export async function gatherMx(domain: string, ctx: GatherContext): Promise<MxGathered> {
  const { resolver, signal } = ctx;
  const mx = await resolver.query(domain, 'MX', { signal });
  const byPreference = [...mx.records].sort((a, b) => a.preference - b.preference);
  const exchanges = [...new Set(byPreference.map((r) => r.exchange).filter((e) => e !== ''))];
  const hosts = new Map<string, HostAddresses>();
  await mapLimit(exchanges, 8, async (e) => {
    hosts.set(e, await lookupAddresses(resolver, e, signal));
  });
  // PTR (and its forward lookups, up to 11 queries) for the first addresses only: a hostile MX
  // set of thousands of addresses would otherwise cost tens of thousands of queries
  const addresses = [...new Set(exchanges.flatMap((e) => hosts.get(e)?.addresses ?? []))].slice(
    0,
    MAX_PTR_ADDRESSES,
  );
  const ptrs = new Map<string, PtrGathered>();
  await mapLimit(addresses, 8, async (address) => {
    const ptr = await resolver.query(reverseName(address), 'PTR', { signal });
    const forward = await Promise.all(
      ptr.records.slice(0, 5).map((n) => lookupAddresses(resolver, n, signal)),
    );
    ptrs.set(address, { address, ptr, forward });
  });
  const implicit =
    mx.rcode === 'NOERROR' && mx.records.length === 0
      ? await lookupAddresses(resolver, domain, signal)
      : undefined;
  return {
    domain,
    mx,
    hosts,
    ptrs,
    ...(implicit ? { implicit } : {}),
    isSpecial: (a) => ctx.addressPolicy.isSpecial(a),
  };
}
