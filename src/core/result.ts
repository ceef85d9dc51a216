import type { Finding } from './finding.ts';
import type { DerivedStatus } from './status.ts';

/** One DNS query as seen by a check: what was asked and how it ended. */
export interface QueryLogEntry {
  readonly name: string;
  readonly type: string;
  readonly rcode: string;
  readonly count: number;
}

/**
 * A check's result: status + evidence + findings. In memory the evidence is kept apart; the JSON
 * contract serialises each section flat as `{ status, ...evidence }` (render/json.ts).
 */
export interface CheckResult<E extends object = Record<string, unknown>> {
  readonly check: string;
  /** made by `statusFrom` from the base state and the findings (core/status.ts) */
  readonly status: DerivedStatus;
  readonly evidence: E;
  readonly findings: readonly Finding[];
  /** the DNS queries the check asked (cache hits included); set by auditDomain */
  readonly queryCount?: number;
  /** those queries one by one (auditDomain, unless its environment says `queryLog: false`) */
  readonly queries?: readonly QueryLogEntry[];
}
