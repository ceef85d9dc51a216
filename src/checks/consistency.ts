import type { Finding } from '../core/finding.ts';
import type { Status } from '../core/status.ts';
import { statusViolation } from '../core/status.ts';
import { checkById } from './index.ts';

/**
 * Sections whose status is better than their worst finding allows (an error finding → at best
 * fail, a warning → at best warn), besides the findings a check's base state weighs
 * (`CheckDefinition.weighedByBase`). Empty when every status is consistent. Used by the unit
 * tables of the checks and on every testworld document the end-to-end tests see.
 */
export function statusViolations(
  sections: readonly {
    readonly check: string;
    readonly status: Status;
    readonly findings: readonly Finding[];
  }[],
): string[] {
  const out: string[] = [];
  for (const s of sections) {
    const v = statusViolation(s.status, s.findings, checkById(s.check)?.weighedByBase ?? []);
    if (v) out.push(`${s.check}: ${v}`);
  }
  return out;
}

/** The same over a `check --json` document: each section with the findings of its check. */
export function documentStatusViolations(doc: {
  readonly findings: readonly Finding[];
  readonly [section: string]: unknown;
}): string[] {
  const sections: { check: string; status: Status; findings: Finding[] }[] = [];
  for (const [check, s] of Object.entries(doc)) {
    if (typeof s !== 'object' || s === null || !('status' in s) || !checkById(check)) continue;
    sections.push({
      check,
      status: (s as { status: Status }).status,
      findings: doc.findings.filter((f) => f.check === check),
    });
  }
  return statusViolations(sections);
}
