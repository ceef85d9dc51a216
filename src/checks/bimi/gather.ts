import type { Answer, TxtRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import type { HttpResponse } from '../../net/https.ts';
import { pslOrgDomain } from '../../protocol/org-domain.ts';
import type { DmarcEvidence } from '../dmarc/check.ts';
import type { GatherContext, PriorResults } from '../types.ts';
import { isBimiRecord } from './parse.ts';
import { SVG_MAX_BYTES } from './svg.ts';

export const BIMI_DEFAULT_SELECTOR = 'default';

export interface BimiLookup {
  /** the domain the record was looked up for (`<selector>._bimi.<domain>`) */
  readonly domain: string;
  readonly outcome: 'found' | 'absent' | 'error';
  readonly records: readonly string[];
  readonly reason?: string;
}

export interface DmarcPrerequisite {
  /** the dmarc check's status ('error' / missing: unknown) */
  readonly status: string | null;
  readonly evidence: DmarcEvidence | null;
}

export interface BimiGathered {
  readonly domain: string;
  readonly selector: string;
  /** the author domain, then (when it has no BIMI record) the organisational domain */
  readonly lookups: readonly BimiLookup[];
  /** TXT at the domain itself when no BIMI record was found (a record there has no effect) */
  readonly apex: BimiLookup | null;
  readonly dmarc: DmarcPrerequisite;
}

/** TXT `<selector>._bimi.<domain>`, falling back to the organisational domain (BIMI draft §4.3). */
export async function gatherBimi(
  domain: string,
  ctx: GatherContext,
  prior: PriorResults,
): Promise<BimiGathered> {
  const selector = ctx.options.bimiSelector ?? BIMI_DEFAULT_SELECTOR;
  const dmarcResult = prior.dmarc;
  const dmarcEvidence = (dmarcResult?.evidence as DmarcEvidence | undefined) ?? null;
  const lookup = async (d: string): Promise<BimiLookup> => {
    const a = await ctx.resolver.query(`${selector}._bimi.${d}`, 'TXT', { signal: ctx.signal });
    return toLookup(d, a);
  };
  const lookups = [await lookup(domain)];
  const org = dmarcEvidence?.orgDomain ?? pslOrgDomain(domain);
  const first = lookups[0]!;
  if (first.outcome !== 'error' && !first.records.some(isBimiRecord) && org !== domain) {
    lookups.push(await lookup(org));
  }
  const none = lookups.every((l) => l.outcome !== 'error' && !l.records.some(isBimiRecord));
  const apex = none
    ? toLookup(domain, await ctx.resolver.query(domain, 'TXT', { signal: ctx.signal }))
    : null;
  return {
    domain,
    selector,
    lookups,
    apex,
    dmarc: { status: dmarcResult?.status ?? null, evidence: dmarcEvidence },
  };
}

function toLookup(domain: string, a: Answer<TxtRecord>): BimiLookup {
  if (isFailure(a)) return { domain, outcome: 'error', records: [], reason: failureReason(a) };
  const records = a.records.map((r) => r.text);
  return { domain, outcome: records.length ? 'found' : 'absent', records };
}

/** The logo (l=) and the mark certificate (a=), fetched over HTTPS; null when not fetched. */
export interface BimiAssets {
  readonly svg: HttpResponse | null;
  readonly pem: HttpResponse | null;
}

/** Fetches the BIMI assets (the SVG with the 32 KB cap); nothing with --no-http. */
export async function gatherBimiAssets(
  location: string | null,
  authority: string | null,
  ctx: GatherContext,
): Promise<BimiAssets | null> {
  if (!ctx.http || ctx.options.noHttp || (!location && !authority)) return null;
  const http = ctx.http;
  const [svg, pem] = await Promise.all([
    location
      ? http.fetch(location, { maxBytes: SVG_MAX_BYTES, signal: ctx.signal, accept: 'image/svg+xml' })
      : null,
    authority
      ? http.fetch(authority, {
          maxBytes: 64 * 1024,
          signal: ctx.signal,
          accept: 'application/pem-certificate-chain',
        })
      : null,
  ]);
  return { svg, pem };
}
