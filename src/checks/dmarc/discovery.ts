import { isSubdomainOf } from '../../core/names.ts';
import { pslOrgDomain } from '../../protocol/org-domain.ts';
import type { DmarcPolicy, DmarcRecord } from './parse.ts';
import { isDmarcRecord, parseDmarc } from './parse.ts';

/** RFC 9989 §4.10.1: at most 8 queries; names longer than 8 labels jump to 7 labels after the first. */
export const TREE_WALK_MAX_QUERIES = 8;

/** One `_dmarc.<name>` lookup of the walk. */
export interface DmarcLookup {
  /** the domain (without `_dmarc.`) */
  readonly domain: string;
  readonly outcome: 'found' | 'absent' | 'error';
  /** all TXT texts at `_dmarc.<domain>` */
  readonly records: readonly string[];
  readonly reason?: string;
}

/** The names the RFC 9989 §4.10.1 DNS tree walk queries, in order, for `domain`. */
export function treeWalkNames(domain: string): string[] {
  const labels = domain.split('.');
  const names = [domain];
  const start = Math.min(labels.length - 1, TREE_WALK_MAX_QUERIES - 1);
  for (let k = start; k >= 1; k--) names.push(labels.slice(-k).join('.'));
  return names;
}

/** The DMARC records among the TXT records of one lookup. */
export function dmarcRecords(l: DmarcLookup): string[] {
  return l.records.filter(isDmarcRecord);
}

export interface Discovered {
  /** the lookup where discovery stopped with a record (one or several), or null */
  readonly at: DmarcLookup | null;
  /** exactly one record: the policy */
  readonly record: string | null;
  readonly parsed: DmarcRecord | null;
  /** a lookup before the record failed: the policy cannot be known */
  readonly undetermined: DmarcLookup | null;
}

/** Policy discovery over the walk: the first name with DMARC records wins (RFC 9989 §4.10). */
export function discoverPolicy(walk: readonly DmarcLookup[]): Discovered {
  for (const l of walk) {
    if (l.outcome === 'error') return { at: null, record: null, parsed: null, undetermined: l };
    const recs = dmarcRecords(l);
    if (recs.length === 0) continue;
    if (recs.length > 1) return { at: l, record: null, parsed: null, undetermined: null };
    const r = parseDmarc(recs[0]!);
    return { at: l, record: recs[0]!, parsed: r.ok ? r.value : null, undetermined: null };
  }
  return { at: null, record: null, parsed: null, undetermined: null };
}

/**
 * RFC 9989 §4.10.2: the Organizational Domain from the walk: the first record with psd=n is it;
 * the first psd=y record (other than at the start) makes the name one label below it the org
 * domain; otherwise the name with the fewest labels that has a record; otherwise the start.
 */
export function treeWalkOrgDomain(domain: string, walk: readonly DmarcLookup[]): string {
  let fewest: string | null = null;
  for (const [i, l] of walk.entries()) {
    const recs = dmarcRecords(l);
    if (recs.length !== 1) continue;
    const r = parseDmarc(recs[0]!);
    if (!r.ok) continue;
    if (r.value.psd === 'n') return l.domain;
    if (r.value.psd === 'y' && i > 0) {
      const n = l.domain.split('.').length + 1;
      return domain.split('.').slice(-n).join('.');
    }
    fewest = l.domain;
  }
  return fewest ?? domain;
}

export { pslOrgDomain };

/** Whether a report destination belongs to the policy domain's organisation (RFC 7489 §7.1). */
export function isInternalDestination(host: string, policyDomain: string, orgDomain: string): boolean {
  return pslOrgDomain(host) === pslOrgDomain(policyDomain) || isSubdomainOf(host, orgDomain);
}

/**
 * The policy that applies to `domain` (RFC 9989 §4.7): p at the domain itself; sp (default p) when
 * the record was found at an ancestor; np (default sp, then p) when the domain does not exist.
 * `exists` null (the lookup failed): null when np and sp would differ, since either may apply.
 */
export function effectivePolicy(
  domain: string,
  policyDomain: string,
  r: DmarcRecord,
  exists: boolean | null,
): DmarcPolicy | null {
  const p = r.p ?? (r.rua.length > 0 ? 'none' : null);
  if (p === null) return null;
  if (domain === policyDomain) return p;
  const np = r.np ?? r.sp ?? p;
  const sp = r.sp ?? p;
  if (exists === false) return np;
  if (exists === null && np !== sp) return null;
  return sp;
}
