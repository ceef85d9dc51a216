import type { Answer, TxtRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import { mapLimit } from '../shared/limit.ts';
import type { GatherContext } from '../types.ts';
import { builtInSelectors, selectorsToTry } from './selectors.ts';

/** Selector queries in flight at once: spreads them so rate-limiting zones do not answer REFUSED. */
export const DKIM_QUERY_CONCURRENCY = 4;

export interface DkimSelectorAnswer {
  readonly selector: string;
  /** `<selector>._domainkey.<domain>` */
  readonly name: string;
  /** found: TXT records exist; absent: NXDOMAIN/NODATA; error: the lookup failed */
  readonly outcome: 'found' | 'absent' | 'error';
  readonly records: readonly string[];
  /** last CNAME target when the selector is an alias (e.g. to a provider's key), else null */
  readonly cname: string | null;
  readonly reason?: string;
}

export interface DkimGathered {
  readonly domain: string;
  /** RFC 8020: `_domainkey.<domain>` exists (NOERROR), does not (NXDOMAIN), or unknown (null) */
  readonly domainkeyNode: boolean | null;
  readonly domainkeyReason?: string;
  /** the built-in list the selectors came from */
  readonly selectorList: 'short' | 'full';
  readonly tried: readonly string[];
  readonly answers: readonly DkimSelectorAnswer[];
}

export async function gatherDkim(domain: string, ctx: GatherContext): Promise<DkimGathered> {
  const opts = { signal: ctx.signal };
  const node = await ctx.resolver.query(`_domainkey.${domain}`, 'TXT', opts);
  const nxdomain = node.rcode === 'NXDOMAIN' && node.cnames.length === 0;
  // RFC 8020 §2: nothing exists below an NXDOMAIN name, so the built-in list is not tried; the
  // selectors the user named still are, since some servers answer NXDOMAIN for an empty
  // non-terminal (RFC 8020 §4) and a key the user knows of must not be reported absent
  const tried = selectorsToTry(
    ctx.options.selectors,
    nxdomain ? [] : builtInSelectors(ctx.options.selectorList),
  );
  const selectorList = ctx.options.selectorList;
  if (nxdomain && tried.length === 0)
    return { domain, selectorList, domainkeyNode: false, tried: [], answers: [] };
  const domainkeyNode = isFailure(node) ? null : !nxdomain;
  const answers = await mapLimit(tried, DKIM_QUERY_CONCURRENCY, async (selector) =>
    toSelectorAnswer(selector, await ctx.resolver.query(`${selector}._domainkey.${domain}`, 'TXT', opts)),
  );
  return {
    domain,
    selectorList,
    domainkeyNode,
    ...(domainkeyNode === null ? { domainkeyReason: failureReason(node) } : {}),
    tried,
    answers,
  };
}

function toSelectorAnswer(selector: string, a: Answer<TxtRecord>): DkimSelectorAnswer {
  const cname = a.cnames.at(-1) ?? null;
  if (isFailure(a))
    return { selector, name: a.name, outcome: 'error', records: [], cname, reason: failureReason(a) };
  const records = a.records.map((r) => r.text);
  return { selector, name: a.name, outcome: records.length ? 'found' : 'absent', records, cname };
}
