import { parentName } from '../../core/names.ts';
import type { Resolver } from '../../dns/types.ts';
import { isFailure } from '../../dns/types.ts';
import { lookupAddresses } from '../shared/addresses.ts';
import type { CheckDefinition } from '../types.ts';
import type { NsEvidence } from './check.ts';
import { checkNs } from './check.ts';
import { nsStatistics } from './statistics.ts';
import { nsSummary } from './summary.ts';

/** parents asked at most while looking for the zone a name belongs to */
const MAX_PARENTS = 16;

/** The closest parent with NS records: the zone `name` belongs to (undefined when a lookup fails). */
async function enclosingZone(
  resolver: Resolver,
  name: string,
  signal: AbortSignal,
): Promise<{ name: string; ns: readonly string[] } | undefined> {
  let p = parentName(name);
  for (let i = 0; p !== null && p !== '' && i < MAX_PARENTS; i++, p = parentName(p)) {
    const a = await resolver.query(p, 'NS', { signal });
    if (isFailure(a)) return undefined;
    if (a.records.length && a.cnames.length === 0) return { name: p, ns: a.records };
  }
  return undefined;
}

export const nsCheck: CheckDefinition<NsEvidence> = {
  id: 'ns',
  title: 'NS',
  summary: nsSummary,
  schema: {
    properties: {
      hosts: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, addresses: { type: 'array', items: { type: 'string' } } },
          required: ['name', 'addresses'],
        },
      },
      zone: {
        type: ['string', 'null'],
        description:
          'the zone the name belongs to: the name itself at a zone apex; for a name below an apex (skipped) the enclosing zone, whose name servers are in hosts; null when unknown',
      },
      apex: { type: ['boolean', 'null'], description: 'whether the name is a zone apex (null: unknown)' },
    },
    required: ['hosts', 'zone'],
  },
  statistics: nsStatistics,
  async run(domain, ctx) {
    const signal = ctx.signal;
    const ns = await ctx.resolver.query(domain, 'NS', { signal });
    const hostsOf = (names: readonly string[]) =>
      Promise.all([...new Set(names)].sort().map((n) => lookupAddresses(ctx.resolver, n, signal)));
    // no NS at the name (or the name is an alias): an apex without NS is broken, a name inside
    // a zone is not one to judge here (interface.md: skipped, with its zone's name servers)
    if (!isFailure(ns) && ns.rcode === 'NOERROR' && (ns.records.length === 0 || ns.cnames.length > 0)) {
      const soa = await ctx.resolver.query(domain, 'SOA', { signal });
      const apex = !isFailure(soa) && soa.records.length > 0 && soa.cnames.length === 0;
      if (!apex) {
        const zone = isFailure(soa) ? undefined : await enclosingZone(ctx.resolver, domain, signal);
        return checkNs({
          domain,
          ns,
          hosts: zone ? await hostsOf(zone.ns) : [],
          notApex: { zone: zone?.name ?? null, ...(isFailure(soa) ? { failure: soa } : {}) },
        });
      }
    }
    return checkNs({ domain, ns, hosts: ns.cnames.length ? [] : await hostsOf(ns.records) });
  },
};
