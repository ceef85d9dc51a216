import type { Finding } from '../core/finding.ts';
import { SEVERITY_RANK } from '../core/finding.ts';
import type { Status } from '../core/status.ts';
import { STATUSES } from '../core/status.ts';
import type { DomainAudit } from './audit.ts';

/** Bumped on every breaking change of the JSON document (schema/check.schema.json). */
export const SCHEMA_VERSION = '1';

export type Section = { status: Status; queryCount: number } & Record<string, unknown>;

/**
 * The document `mailsec check --json` prints and `checkDomain()` returns: one flat section per
 * check (`{ status, ...fields }`), every finding in the top-level `findings[]`.
 */
export interface DomainDocument {
  schemaVersion: string;
  domain: string;
  checkedAt: string;
  resolver: { address: string; validates: boolean };
  /** false: the name does not exist (NXDOMAIN); null: its existence could not be determined */
  exists: boolean | null;
  findings: Finding[];
  summary: Record<Status, number> & { errors: number; warnings: number; infos: number };
  [section: string]: unknown;
}

export function toDocument(
  audit: DomainAudit,
  resolver: { address: string; validates: boolean },
): DomainDocument {
  const report: DomainDocument = {
    schemaVersion: SCHEMA_VERSION,
    domain: audit.domain,
    checkedAt: audit.checkedAt.toISOString(),
    resolver,
    exists: audit.exists,
    findings: [...audit.findings],
    summary: { pass: 0, warn: 0, fail: 0, absent: 0, error: 0, skipped: 0, errors: 0, warnings: 0, infos: 0 },
  };
  for (const r of audit.results) {
    const section: Section = {
      status: r.status,
      ...r.evidence,
      queryCount: r.queryCount ?? r.queries?.length ?? 0,
    };
    report[r.check] = section;
    report.summary[r.status as Status]++;
    report.findings.push(...r.findings);
  }
  for (const f of report.findings) {
    if (f.severity === 'error') report.summary.errors++;
    else if (f.severity === 'warning') report.summary.warnings++;
    else report.summary.infos++;
  }
  return report;
}

/** The sections of a report, in output order. */
export function sectionsOf(report: DomainDocument): [string, Section][] {
  return Object.entries(report).filter(
    (e): e is [string, Section] =>
      typeof e[1] === 'object' && e[1] !== null && STATUSES.includes((e[1] as Section).status as Status),
  );
}

export function worstSeverity(reports: readonly DomainDocument[]): number {
  let worst = -1;
  for (const r of reports) for (const f of r.findings) worst = Math.max(worst, SEVERITY_RANK[f.severity]);
  return worst;
}
