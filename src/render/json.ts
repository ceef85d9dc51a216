import type { DomainDocument } from '../audit/document.ts';

/** One JSON document per domain; several domains are JSON Lines (one document per line). */
export function renderJson(reports: readonly DomainDocument[]): string {
  if (reports.length === 1) return `${JSON.stringify(reports[0], null, 2)}\n`;
  return reports.map((r) => `${JSON.stringify(r)}\n`).join('');
}
