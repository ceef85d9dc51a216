import type { DomainDocument } from '../audit/document.ts';

/**
 * One document as `check --json` prints it: pretty-printed when it is the only one, else on one
 * line (several domains are JSON Lines), so that each can be written as soon as it is done.
 */
export function renderJsonDocument(doc: DomainDocument, only: boolean): string {
  return only ? `${JSON.stringify(doc, null, 2)}\n` : `${JSON.stringify(doc)}\n`;
}

/** One JSON document per domain; several domains are JSON Lines (one document per line). */
export function renderJson(reports: readonly DomainDocument[]): string {
  return reports.map((r) => renderJsonDocument(r, reports.length === 1)).join('');
}
