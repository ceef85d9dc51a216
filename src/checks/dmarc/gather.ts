import type { Answer, TxtRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import { acceptsMail, MAX_DESTINATION_HOSTS } from '../shared/accepts-mail.ts';
import type { GatherContext } from '../types.ts';
import type { DmarcLookup } from './discovery.ts';
import {
  discoverPolicy,
  isInternalDestination,
  pslOrgDomain,
  treeWalkNames,
  treeWalkOrgDomain,
} from './discovery.ts';
import { isDmarcRecord } from './parse.ts';

export interface DestinationCheck {
  readonly host: string;
  /** the domain whose policy names this destination */
  readonly policyDomain: string;
  readonly external: boolean;
  /** external only: authorised by `<policy-domain>._report._dmarc.<host>` or the `*` wildcard */
  readonly authorised: boolean | null;
  readonly authorisedBy: 'record' | 'wildcard' | null;
  readonly authorisationReason?: string;
  /** MX (or, without MX, A/AAAA) exists and is not a Null MX; null when the lookup failed */
  readonly acceptsMail: boolean | null;
}

export interface DmarcGathered {
  readonly domain: string;
  /** the RFC 9989 DNS tree walk, in order */
  readonly walk: readonly DmarcLookup[];
  /** TXT at the domain itself, only when `_dmarc.<domain>` has no record (wrong-location check) */
  readonly apex: DmarcLookup | null;
  /** the domain exists (for np), only asked when the policy comes from an ancestor */
  readonly exists: boolean | null;
  /** why `exists` is null although it was asked (the lookup failed) */
  readonly existsReason?: string;
  readonly pslOrgDomain: string;
  /** RFC 7489 discovery: `_dmarc.<pslOrgDomain>` when it is not the domain itself */
  readonly pslLookup: DmarcLookup | null;
  readonly destinations: readonly DestinationCheck[];
}

const toLookup = (domain: string, a: Answer<TxtRecord>): DmarcLookup => {
  if (isFailure(a)) return { domain, outcome: 'error', records: [], reason: failureReason(a) };
  const records = a.records.map((r) => r.text);
  return { domain, outcome: records.length ? 'found' : 'absent', records };
};

export async function gatherDmarc(domain: string, ctx: GatherContext): Promise<DmarcGathered> {
  const opts = { signal: ctx.signal };
  const txt = async (d: string, prefix = '_dmarc.') =>
    toLookup(d, await ctx.resolver.query(`${prefix}${d}`, 'TXT', opts));
  // The whole walk (≤ 8 queries) is needed anyway for the organisational domain (§4.10.2).
  const walk = await Promise.all(treeWalkNames(domain).map((d) => txt(d)));
  const discovered = discoverPolicy(walk);
  const first = walk[0]!;
  const apex = first.records.some(isDmarcRecord) || first.outcome === 'error' ? null : await txt(domain, '');

  let exists: boolean | null = null;
  let existsReason: string | undefined;
  const policyDomain = discovered.at?.domain ?? null;
  if (policyDomain !== null && policyDomain !== domain) {
    const a = await ctx.resolver.query(domain, 'A', opts);
    exists = isFailure(a) ? null : a.rcode !== 'NXDOMAIN';
    if (isFailure(a)) existsReason = failureReason(a);
  }

  const psl = pslOrgDomain(domain);
  let pslLookup: DmarcLookup | null = null;
  if (psl !== domain) pslLookup = walk.find((l) => l.domain === psl) ?? (await txt(psl));

  const destinations: DestinationCheck[] = [];
  if (discovered.parsed && policyDomain !== null) {
    const org = treeWalkOrgDomain(domain, walk);
    const hosts = new Set<string>();
    for (const u of [...discovered.parsed.rua, ...discovered.parsed.ruf]) if (u.host) hosts.add(u.host);
    for (const [i, host] of [...hosts].entries()) {
      const external = !isInternalDestination(host, policyDomain, org);
      if (i >= MAX_DESTINATION_HOSTS) {
        // a hostile or careless record may name thousands of hosts: 5 lookups each would hang
        // the check; receivers honour only the first URIs anyway (RFC 9989 §4.7)
        const reason = `not checked: the record names more than ${MAX_DESTINATION_HOSTS} report hosts`;
        destinations.push({
          host,
          policyDomain,
          external,
          authorised: null,
          authorisedBy: null,
          ...(external ? { authorisationReason: reason } : {}),
          acceptsMail: null,
        });
        continue;
      }
      const auth = external
        ? await authorisation(ctx, policyDomain, host)
        : { authorised: null, authorisedBy: null };
      destinations.push({ host, policyDomain, external, ...auth, acceptsMail: await acceptsMail(ctx, host) });
    }
  }
  return {
    domain,
    walk,
    apex,
    exists,
    ...(existsReason !== undefined ? { existsReason } : {}),
    pslOrgDomain: psl,
    pslLookup,
    destinations,
  };
}

/** RFC 7489 §7.1 / RFC 9990 §3.2.3: `<policy-domain>._report._dmarc.<host>`, then the `*` wildcard. */
async function authorisation(
  ctx: GatherContext,
  policyDomain: string,
  host: string,
): Promise<Pick<DestinationCheck, 'authorised' | 'authorisedBy' | 'authorisationReason'>> {
  const opts = { signal: ctx.signal };
  let reason: string | undefined;
  for (const [label, by] of [
    [policyDomain, 'record'],
    ['*', 'wildcard'],
  ] as const) {
    const a = await ctx.resolver.query(`${label}._report._dmarc.${host}`, 'TXT', opts);
    if (isFailure(a)) {
      reason ??= failureReason(a);
      continue;
    }
    if (a.records.some((r) => isDmarcRecord(r.text))) return { authorised: true, authorisedBy: by };
  }
  if (reason !== undefined) return { authorised: null, authorisedBy: null, authorisationReason: reason };
  return { authorised: false, authorisedBy: null };
}
