import type { Finding, Severity } from './finding.ts';

/** The six statuses of a check section (interface.md). */
export type Status = 'pass' | 'warn' | 'fail' | 'absent' | 'error' | 'skipped';

export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'absent', 'error', 'skipped'];

declare const derived: unique symbol;
/**
 * A status made by `statusFrom` — the only function that returns one. `CheckResult.status` has
 * this type, so a check cannot write `status: 'pass'` by hand past its findings.
 */
export type DerivedStatus = Status & { readonly [derived]: true };

/**
 * What a check saw before its findings are weighed:
 * - `true` (deployed) = `'pass'`, `false` (not deployed) = `'absent'`, `'unknown'` (timeout,
 *   SERVFAIL, … — never absent) = `'error'`, `'skipped'` (not tested);
 * - or a status the check's contract maps directly from what it saw (interface.md: SMTP support
 *   `some` → `'warn'`, DNSSEC bogus → `'fail'`).
 */
export type BaseState = Status | boolean | 'unknown';

const BASE: Record<string, Status> = { true: 'pass', false: 'absent', unknown: 'error' };

/** The best deployed status a finding of this severity allows. */
const CAP: Record<Severity, 'pass' | 'warn' | 'fail'> = { info: 'pass', warning: 'warn', error: 'fail' };
const RANK = { pass: 0, warn: 1, fail: 2 } as const;

/**
 * The best status the findings allow a deployed check: an error finding → `fail`, a warning →
 * `warn`, notes (info) → `pass`. Findings whose id is in `weighed` are left out: the check's base
 * state already counts them (see `CheckDefinition.weighedByBase`).
 */
export function statusCap(
  findings: readonly Finding[],
  weighed: readonly string[] = [],
): 'pass' | 'warn' | 'fail' {
  let cap: 'pass' | 'warn' | 'fail' = 'pass';
  for (const f of findings) {
    if (weighed.includes(f.id)) continue;
    const c = CAP[f.severity];
    if (RANK[c] > RANK[cap]) cap = c;
  }
  return cap;
}

/**
 * The one place a check's status is made: from its base state and its findings. A deployed base
 * (`pass`, `warn`) is lowered to what its worst finding allows; a finding never raises a status;
 * `fail`, `absent`, `error` and `skipped` stay as they are ('could not test' is never 'absent').
 */
export function statusFrom(
  base: BaseState,
  findings: readonly Finding[],
  weighed: readonly string[] = [],
): DerivedStatus {
  const s: Status = typeof base === 'boolean' || base === 'unknown' ? (BASE[String(base)] as Status) : base;
  if (s !== 'pass' && s !== 'warn') return s as DerivedStatus;
  const cap = statusCap(findings, weighed);
  return (RANK[cap] > RANK[s] ? cap : s) as DerivedStatus;
}

/**
 * Why a status is better than its findings allow (null: it is not). The test of every check's
 * results (unit tables, testworld documents) uses it.
 */
export function statusViolation(
  status: Status,
  findings: readonly Finding[],
  weighed: readonly string[] = [],
): string | null {
  if (status !== 'pass' && status !== 'warn') return null;
  const cap = statusCap(findings, weighed);
  if (RANK[cap] <= RANK[status]) return null;
  const worst = findings.filter((f) => !weighed.includes(f.id) && CAP[f.severity] === cap).map((f) => f.id);
  return `status ${status} but ${worst.join(', ')} allow${worst.length === 1 ? 's' : ''} at best ${cap}`;
}
