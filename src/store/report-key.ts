/**
 * The stable dedupe key of a report (sha256 of a JSON array, so missing values never collide with
 * strings):
 *   aggregate: (orgName, reportId, policy.domain, begin, end); when any of them is missing, the
 *              first 1,000 records too (two broken reports that share blank ids stay two reports)
 *   TLS-RPT:   (organizationName, reportId)
 *   failure:   the normalised object without `source` and `problems`, keys sorted
 */
import { createHash } from 'node:crypto';
import type { AggregateRecord, AggregateReport, FeedbackReport } from '../ingest/normalise.ts';

/** JSON with object keys sorted: the same value always gives the same text */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** records that make the key of an aggregate report without a full identity */
export const KEY_RECORDS = 1000;

/** Whether the identity fields of an aggregate report are all there. */
export function hasIdentity(r: AggregateReport): boolean {
  return (
    r.orgName !== null &&
    r.reportId !== null &&
    r.policy.domain !== null &&
    r.begin !== null &&
    r.end !== null
  );
}

/** The key of an aggregate report from its head and (when its identity is incomplete) its first records. */
export function aggregateKey(r: AggregateReport, firstRecords: readonly AggregateRecord[]): string {
  const id = ['dmarc-aggregate', r.orgName, r.reportId, r.policy.domain, r.begin, r.end];
  if (hasIdentity(r)) return sha256(canonical(id));
  return sha256(canonical([...id, firstRecords.slice(0, KEY_RECORDS)]));
}

export function reportKey(r: FeedbackReport): string {
  if (r.kind === 'dmarc-aggregate') return aggregateKey(r, r.records);
  if (r.kind === 'tls-rpt') return sha256(canonical(['tls-rpt', r.organizationName, r.reportId]));
  const { source: _s, problems: _p, ...rest } = r;
  return sha256(canonical(['dmarc-failure', rest]));
}
