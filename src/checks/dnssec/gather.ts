import type { GatherContext } from '../types.ts';
import type { DnssecGathered } from './check.ts';

/** SOA with DO (AD bit); on SERVFAIL the same with CD=1 to tell bogus from a failing server. */
export async function gatherDnssec(
  domain: string,
  ctx: GatherContext,
  resolverName: string,
): Promise<DnssecGathered> {
  const base = { domain, resolver: resolverName, resolverValidates: ctx.resolverValidates };
  const signal = ctx.signal;
  // a resolver that does not validate: DNSSEC is not tested, unless it does not answer at all
  if (!ctx.resolverValidates) return { ...base, soa: await ctx.resolver.query(domain, 'SOA', { signal }) };
  const [soa, dnskey, ds] = await Promise.all([
    ctx.resolver.query(domain, 'SOA', { signal }),
    ctx.resolver.query(domain, 'DNSKEY', { signal, checkingDisabled: true }),
    ctx.resolver.query(domain, 'DS', { signal, checkingDisabled: true }),
  ]);
  if (soa.rcode !== 'SERVFAIL') return { ...base, soa, dnskey, ds };
  const soaUnchecked = await ctx.resolver.query(domain, 'SOA', { signal, checkingDisabled: true });
  return { ...base, soa, soaUnchecked, dnskey, ds };
}
