/**
 * The domain page's view of a stored or live `check --json` document: what the terminal output
 * shows (a verdict line per section, the findings under it with why and fix), and its history
 * across scans with what changed from one scan to the next. Pure functions of the documents.
 */
import type { DomainDocument, Section } from '../audit/document.ts';
import { sectionsOf } from '../audit/document.ts';
import { checkById } from '../checks/index.ts';
import type { Finding } from '../core/finding.ts';
import type { Status } from '../core/status.ts';
import type { HistoryEntry } from './scans.ts';

/** a check's name as the terminal shows it (the check's own label or title) */
export function titleOf(id: string): string {
  const def = checkById(id);
  return def?.label ?? def?.title ?? id;
}

const STATUS_WORDS: Record<Status, string> = {
  pass: 'ok',
  warn: 'deployed, with weaknesses',
  fail: 'deployed, but invalid',
  absent: 'not deployed',
  error: 'could not be determined',
  skipped: 'not tested',
};

export interface FindingView {
  readonly id: string;
  readonly severity: string;
  readonly message: string;
  readonly why: string | null;
  readonly fix: string | null;
}

export interface SectionView {
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly verdict: string;
  /** the lines the terminal shows under the verdict (SMTP: each MX address's TLS and certificate) */
  readonly details: string[];
  readonly findings: FindingView[];
  /** the section's fields as JSON (shown folded) */
  readonly fields: string;
}

export interface DomainView {
  readonly domain: string;
  readonly checkedAt: string;
  readonly resolver: string;
  readonly validates: boolean;
  /** findings about the name itself (domain.not-found): the verdict, shown first */
  readonly domainFindings: FindingView[];
  readonly sections: SectionView[];
  readonly summary: { status: Status; count: number }[];
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

const findingView = (f: Finding): FindingView => ({
  id: f.id,
  severity: f.severity,
  message: f.message,
  why: f.why ?? null,
  fix: f.fix ?? null,
});

/** The terminal output's content of a document, as data for the template. */
export function domainView(doc: DomainDocument): DomainView {
  const sections = sectionsOf(doc).map(([id, s]): SectionView => {
    const findings = doc.findings.filter((f) => f.check === id);
    const lead =
      findings.find((f) => f.severity !== 'info') ??
      (s.status === 'pass' || s.status === 'warn' ? undefined : findings[0]);
    // the verdict line of the terminal (render/human.ts): the check's summary, else the lead finding, else the status
    let verdict: string;
    let details: string[] = [];
    try {
      verdict =
        s.skippedBecause === 'domain-not-found'
          ? 'not tested: the domain does not exist'
          : checkById(id)?.summary(s as Section) || lead?.message || STATUS_WORDS[s.status];
      details = checkById(id)?.details?.(s as Section) ?? [];
    } catch {
      verdict = lead?.message ?? STATUS_WORDS[s.status];
    }
    const { status: _s, queryCount: _q, ...fields } = s;
    return {
      id,
      title: titleOf(id),
      status: s.status,
      verdict,
      details,
      findings: findings.map(findingView),
      fields: JSON.stringify(fields, null, 2),
    };
  });
  const counts = (['pass', 'warn', 'fail', 'absent', 'error', 'skipped'] as const)
    .map((status) => ({ status, count: doc.summary?.[status] ?? 0 }))
    .filter((c) => c.count > 0);
  return {
    domain: doc.domain,
    checkedAt: doc.checkedAt,
    resolver: doc.resolver?.address ?? '?',
    validates: doc.resolver?.validates === true,
    domainFindings: doc.findings.filter((f) => f.check === 'domain').map(findingView),
    sections,
    summary: counts,
    errors: doc.summary?.errors ?? 0,
    warnings: doc.summary?.warnings ?? 0,
    infos: doc.summary?.infos ?? 0,
  };
}

export interface Change {
  readonly section: string;
  readonly title: string;
  readonly from: Status | null;
  readonly to: Status | null;
}

export interface HistoryView {
  readonly scan: string;
  readonly started: string;
  readonly checkedAt: string;
  readonly statuses: { id: string; title: string; status: Status }[];
  /** against the scan before (empty for the first) */
  readonly changes: Change[];
  readonly findingsAdded: FindingView[];
  readonly findingsRemoved: FindingView[];
  readonly first: boolean;
}

/** Each scan's statuses and what changed since the scan before. */
export function historyView(entries: readonly HistoryEntry[]): HistoryView[] {
  const out: HistoryView[] = [];
  let prev: DomainDocument | null = null;
  for (const e of entries) {
    const doc = e.doc as DomainDocument;
    const now = new Map(sectionsOf(doc).map(([id, s]) => [id, s.status]));
    const changes: Change[] = [];
    const findingsAdded: FindingView[] = [];
    const findingsRemoved: FindingView[] = [];
    if (prev) {
      const before = new Map(sectionsOf(prev).map(([id, s]) => [id, s.status]));
      for (const id of new Set([...before.keys(), ...now.keys()])) {
        const from = before.get(id) ?? null;
        const to = now.get(id) ?? null;
        if (from !== to) changes.push({ section: id, title: titleOf(id), from, to });
      }
      const ids = (d: DomainDocument) => new Set((d.findings ?? []).map((f) => f.id));
      const was = ids(prev);
      const is = ids(doc);
      for (const f of doc.findings ?? []) if (!was.has(f.id)) findingsAdded.push(findingView(f));
      for (const f of prev.findings ?? []) if (!is.has(f.id)) findingsRemoved.push(findingView(f));
    }
    out.push({
      scan: e.scan,
      started: e.started,
      checkedAt: doc.checkedAt,
      statuses: [...now].map(([id, status]) => ({ id, title: titleOf(id), status })),
      changes,
      findingsAdded,
      findingsRemoved,
      first: prev === null,
    });
    prev = doc;
  }
  return out;
}
