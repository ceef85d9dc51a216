import type { Finding } from './finding.ts';

/** The six statuses of a check section (interface.md). */
export type Status = 'pass' | 'warn' | 'fail' | 'absent' | 'error' | 'skipped';

export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'absent', 'error', 'skipped'];

/**
 * The one place a status is derived from what was seen: 'unknown' (timeout, SERVFAIL, …) is
 * never 'absent'; an error finding makes a deployed check fail, a warning makes it warn.
 */
export function statusFrom(deployed: boolean | 'unknown' | 'skipped', findings: readonly Finding[]): Status {
  if (deployed === 'skipped') return 'skipped';
  if (deployed === 'unknown') return 'error';
  if (!deployed) return 'absent';
  if (findings.some((f) => f.severity === 'error')) return 'fail';
  return findings.some((f) => f.severity === 'warning') ? 'warn' : 'pass';
}
