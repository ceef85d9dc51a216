import type { DomainReport } from '../audit/report.ts';

/** One JSON document per domain; several domains are JSON Lines (one document per line). */
export function renderJson(reports: readonly DomainReport[]): string {
  if (reports.length === 1) return `${JSON.stringify(reports[0], null, 2)}\n`;
  return reports.map((r) => `${JSON.stringify(r)}\n`).join('');
}
