import { failureReason, isFailure } from '../../dns/types.ts';
import type { HttpResponse } from '../../net/https.ts';
import type { MxEvidence } from '../mx/check.ts';
import type { SmtpEvidence, SmtpHost } from '../smtp/check.ts';
import type { GatherContext, PriorResults } from '../types.ts';
import { isMtaStsRecord, parseMtaStsTxt } from './parse.ts';
import { POLICY_MAX_BYTES } from './policy.ts';

export interface MtaStsGathered {
  readonly domain: string;
  readonly outcome: 'found' | 'absent' | 'error';
  /** every TXT record at `_mta-sts.<domain>` */
  readonly records: readonly string[];
  readonly reason?: string;
  /** the policy fetch (RFC 8461 §3.3): the response, or why it was not made */
  readonly policy?: { readonly response: HttpResponse } | { readonly skipped: 'no-http' | 'no-record' };
  /** the domain's MX host names (from the mx check), null when unknown */
  readonly mx?: readonly string[] | null;
  /** the smtp check's hosts (certificates per MX), null when not probed */
  readonly smtpHosts?: readonly SmtpHost[] | null;
  /** the smtp check's status ('skipped' with --no-smtp) */
  readonly smtpStatus?: string | null;
  /** the tlsRpt check's status (null: not run) */
  readonly tlsRptStatus?: string | null;
}

export const policyUrl = (domain: string) => `https://mta-sts.${domain}/.well-known/mta-sts.txt`;

/**
 * TXT `_mta-sts.<domain>` (RFC 8461 §3.1), then, when a record exists and HTTPS is allowed, the
 * policy (§3.3): no redirects, no cache, a body cap. MX and certificates come from prior results.
 */
export async function gatherMtaSts(
  domain: string,
  ctx: GatherContext,
  prior: PriorResults = {},
): Promise<MtaStsGathered> {
  const a = await ctx.resolver.query(`_mta-sts.${domain}`, 'TXT', { signal: ctx.signal });
  if (isFailure(a)) return { domain, outcome: 'error', records: [], reason: failureReason(a) };
  const records = a.records.map((r) => r.text);
  const outcome = records.length ? 'found' : 'absent';
  const mxEvidence = prior.mx?.evidence as MxEvidence | undefined;
  const mx =
    prior.mx && prior.mx.status !== 'error' && mxEvidence
      ? mxEvidence.records.filter((r) => r.kind !== 'null').map((r) => r.exchange)
      : null;
  const smtp = prior.smtp?.evidence as SmtpEvidence | undefined;
  const extra = {
    mx,
    smtpHosts: smtp?.hosts ?? null,
    smtpStatus: prior.smtp?.status ?? null,
    tlsRptStatus: prior.tlsRpt?.status ?? null,
  };
  // RFC 8461 §3.1: exactly one valid record, or the domain has no policy (nothing to fetch)
  const sts = records.filter(isMtaStsRecord);
  if (sts.length !== 1 || !parseMtaStsTxt(sts[0]!).ok)
    return { domain, outcome, records, policy: { skipped: 'no-record' }, ...extra };
  if (!ctx.http || ctx.options.noHttp)
    return { domain, outcome, records, policy: { skipped: 'no-http' }, ...extra };
  const response = await ctx.http.fetch(policyUrl(domain), {
    maxBytes: POLICY_MAX_BYTES,
    signal: ctx.signal,
    accept: 'text/plain',
  });
  return { domain, outcome, records, policy: { response }, ...extra };
}
