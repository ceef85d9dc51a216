import { failureReason, isFailure } from '../../dns/types.ts';
import type { GatherContext } from '../types.ts';

export interface MtaStsGathered {
  readonly domain: string;
  readonly outcome: 'found' | 'absent' | 'error';
  /** every TXT record at `_mta-sts.<domain>` */
  readonly records: readonly string[];
  readonly reason?: string;
}

/** TXT `_mta-sts.<domain>` (RFC 8461 §3.1). The policy fetch (§3.3) is a separate step. */
export async function gatherMtaSts(domain: string, ctx: GatherContext): Promise<MtaStsGathered> {
  const a = await ctx.resolver.query(`_mta-sts.${domain}`, 'TXT', { signal: ctx.signal });
  if (isFailure(a)) return { domain, outcome: 'error', records: [], reason: failureReason(a) };
  const records = a.records.map((r) => r.text);
  return { domain, outcome: records.length ? 'found' : 'absent', records };
}
