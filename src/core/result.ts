import type { Finding } from './finding.ts';
import type { Status } from './status.ts';

/** One DNS query as seen by a check: what was asked and how it ended. */
export interface QueryLogEntry {
  readonly name: string;
  readonly type: string;
  readonly rcode: string;
  readonly count: number;
  readonly cached?: boolean;
}

/**
 * A check's result: status + evidence + findings. In memory the evidence is kept apart; the JSON
 * contract serialises each section flat as `{ status, ...evidence }` (render/json.ts).
 */
export interface CheckResult<E extends object = Record<string, unknown>> {
  readonly check: string;
  readonly status: Status;
  readonly evidence: E;
  readonly findings: readonly Finding[];
  readonly queries?: readonly QueryLogEntry[];
}
