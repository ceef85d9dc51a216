import { failureReason, isFailure } from '../../dns/types.ts';
import { acceptsMail, MAX_DESTINATION_HOSTS } from '../shared/accepts-mail.ts';
import type { GatherContext } from '../types.ts';
import { isTlsRptRecord, parseTlsRpt } from './parse.ts';

export interface TlsRptGathered {
  readonly domain: string;
  readonly outcome: 'found' | 'absent' | 'error';
  /** every TXT record at `_smtp._tls.<domain>` */
  readonly records: readonly string[];
  readonly reason?: string;
  /** for each mailto: domain of the (single) record: does it accept mail (null: unknown) */
  readonly mailtoAcceptsMail: Record<string, boolean | null>;
}

/** TXT `_smtp._tls.<domain>` (RFC 8460 §3), and whether mailto: destinations accept mail. */
export async function gatherTlsRpt(domain: string, ctx: GatherContext): Promise<TlsRptGathered> {
  const a = await ctx.resolver.query(`_smtp._tls.${domain}`, 'TXT', { signal: ctx.signal });
  if (isFailure(a))
    return { domain, outcome: 'error', records: [], reason: failureReason(a), mailtoAcceptsMail: {} };
  const records = a.records.map((r) => r.text);
  const rpt = records.filter(isTlsRptRecord);
  const mailtoAcceptsMail: Record<string, boolean | null> = {};
  if (rpt.length === 1) {
    const r = parseTlsRpt(rpt[0]!);
    // a hostile record may name thousands of domains: only the first few are asked
    for (const d of (r.ok ? r.value.mailtoDomains : []).slice(0, MAX_DESTINATION_HOSTS))
      mailtoAcceptsMail[d] = await acceptsMail(ctx, d);
  }
  return { domain, outcome: records.length ? 'found' : 'absent', records, mailtoAcceptsMail };
}
