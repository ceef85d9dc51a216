/**
 * What the dashboard reads of imported DMARC and TLS reports, behind one narrow interface
 * (`ReportData`), made of the report store's own reader (`mailsec reports summary|list|show`) and
 * the source identification of `mailsec reports sources`: the pages show what the CLI's JSON says.
 * The file is opened read-only for each call and closed after it (readers beside a writer).
 */
import { existsSync } from 'node:fs';
import type { Resolver } from '../dns/types.ts';
import { reportSources, type SourceRow } from '../ingest/index.ts';
import type { DomainSummary, ListedReport, ReportFilter, ShownReport } from '../store/report-store.ts';
import { openReportStore, type ReportReader } from '../store/report-store.ts';

export type { DomainSummary, ListedReport, ShownReport, SourceRow };

export interface ReportData {
  /** `reports summary --json`: one summary per policy domain (all domains when none is given), trend per day */
  summary(filter?: { domain?: string; since?: string; until?: string }): Promise<DomainSummary[]>;
  /** `reports sources --json` of one domain: identified and classified, new unauthorised first */
  sources(domain: string): Promise<SourceRow[]>;
  /** `reports list --json` */
  list(filter?: { domain?: string; kind?: ListedReport['kind'] }, limit?: number): Promise<ListedReport[]>;
  /** `reports show ID --json`; undefined when unknown or ambiguous */
  show(id: string, o?: { recordLimit?: number }): Promise<ShownReport | undefined>;
}

export interface StoreReportDataOptions {
  /** identifies sources (PTR, forward confirmation, SPF of known senders); without it nothing is looked up */
  readonly resolver?: Resolver;
  /** how long a request waits for a writer (ms) */
  readonly lockWaitMs?: number;
  /** sources looked up per page at most (by messages) */
  readonly maxLookups?: number;
  /** a page's lookups stop after this long (ms); the rest stay unidentified */
  readonly lookupMs?: number;
}

/** ReportData over the report store of a database file. */
export function storeReportData(path: string, o: StoreReportDataOptions = {}): ReportData {
  const read = async <T>(body: (r: ReportReader) => Promise<T>, empty: () => T): Promise<T> => {
    if (!existsSync(path)) return empty();
    const store = await openReportStore(path, {
      readOnly: true,
      lockWaitMs: o.lockWaitMs ?? 10_000,
      memoryLimit: '256MB',
      guardInProcess: true,
    });
    try {
      return await body(store);
    } finally {
      store.close();
    }
  };
  return {
    summary: (filter = {}) => {
      const f: ReportFilter = {
        ...(filter.domain ? { domain: filter.domain } : {}),
        ...(filter.since ? { since: filter.since } : {}),
        ...(filter.until ? { until: filter.until } : {}),
      };
      return read(
        (r) => r.summary(f, { trend: 'day' }),
        () => [],
      );
    },
    sources: (domain) =>
      read(
        (r) =>
          reportSources(r, {
            domain,
            ...(o.resolver ? { resolver: o.resolver } : {}),
            maxLookups: o.maxLookups ?? 100,
            signal: AbortSignal.timeout(o.lookupMs ?? 5_000),
          }),
        () => [],
      ),
    list: (filter = {}, limit = 1000) =>
      read(
        (r) =>
          r.list(
            {
              ...(filter.domain ? { domain: filter.domain } : {}),
              ...(filter.kind ? { kind: filter.kind } : {}),
            },
            { limit },
          ),
        () => [],
      ),
    show: (id, so = {}) =>
      read(
        async (r) => {
          const shown = await r.show(id, { recordLimit: so.recordLimit ?? 10_000 });
          return shown === 'ambiguous' ? undefined : shown;
        },
        () => undefined,
      ),
  };
}

/** No report store (tests of the pages without reports). */
export const NO_REPORTS: ReportData = {
  summary: async () => [],
  sources: async () => [],
  list: async () => [],
  show: async () => undefined,
};
