/**
 * The report store: what `reports import` writes and `reports summary|sources|list|show` (and
 * later the web dashboard and the record generators) read. One interface, `ReportStore`; the
 * implementation is DuckDB (`duckdb-report-store.ts`, through `duckdb.ts`), in the same file as
 * the scan store (its own schema table, so the two never disturb each other's migrations).
 *
 * Writing: small reports go in batches (`importBatch`: one transaction; when it fails, each
 * report in its own, so one bad report loses only itself); a large aggregate report streams
 * (`beginAggregate` → `add` record batches → `finish`, one transaction). Dedupe by the stable
 * keys of `report-key.ts`: a report whose key is stored is a duplicate and left as it is (the
 * first import wins). Inputs already read whole (a file's content, an mbox message) are
 * remembered by digest so that a re-import skips them unparsed; IMAP folders remember their
 * UIDVALIDITY and the UIDs read.
 *
 * Reading: aggregates computed in the database (never all records in memory).
 */
import type { AggregateRecord, AggregateReport, FeedbackReport } from '../ingest/normalise.ts';
import type { OpenOptions } from './duckdb.ts';

export { aggregateKey, canonical, hasIdentity, reportKey } from './report-key.ts';

export interface ImportCounts {
  /** reports written now */
  added: number;
  /** reports whose key was already stored (or came twice in the batch) */
  duplicates: number;
  /** reports that could not be written, with the reason */
  failed: { report: FeedbackReport; reason: string }[];
}

export interface StoredCounts {
  aggregate: number;
  aggregateRecords: number;
  tls: number;
  tlsPolicies: number;
  tlsFailures: number;
  failure: number;
}

/** An input read whole (a file's bytes, a mail message), remembered for re-imports. */
export interface InputMark {
  /** SHA-256 of its bytes (hex) */
  readonly digest: string;
  readonly kind: 'file' | 'message';
  /** where it was first read (for a human) */
  readonly name: string;
  /** reports found in it (stored now or before) */
  readonly reports: number;
}

/** A large aggregate report being written; one transaction from `beginAggregate` to `finish`. */
export interface AggregateWriter {
  add(records: readonly AggregateRecord[]): Promise<void>;
  /** `report`: the head with the final `recordCount` and `problems` (its `records` are ignored) */
  finish(report: AggregateReport): Promise<void>;
  /** nothing of it is stored */
  abort(): Promise<void>;
}

export interface ImapFolderState {
  readonly uidValidity: number;
  /** the highest UID read */
  readonly lastUid: number;
}

export interface ImapMessageMark {
  readonly uid: number;
  readonly messageId: string | null;
  readonly size: number;
  readonly reports: number;
}

/** Which reports a reader looks at. Times are ISO 8601 UTC; `until` is exclusive. */
export interface ReportFilter {
  readonly domain?: string;
  readonly since?: string;
  readonly until?: string;
  /** reporting organisation (exact, case-insensitive) */
  readonly org?: string;
  readonly kind?: FeedbackReport['kind'];
}

export interface Share {
  readonly count: number;
  /** of the messages, one decimal; null when there are none */
  readonly percent: number | null;
}

export interface SourceCount {
  readonly ip: string;
  readonly messages: number;
}

export interface OrganisationSummary {
  readonly organisation: string | null;
  readonly reports: number;
  readonly messages: number;
  readonly dmarcPass: Share;
}

export interface TrendPoint {
  /** start of the day or ISO week (Monday), `YYYY-MM-DD` */
  readonly period: string;
  readonly messages: number;
  readonly dmarcPass: Share;
  readonly spfAligned: Share;
  readonly dkimAligned: Share;
}

export interface TlsPolicySummary {
  readonly policyType: string | null;
  readonly policyDomain: string | null;
  readonly successfulSessions: number;
  readonly failedSessions: number;
}

export interface TlsMxSummary {
  readonly mx: string | null;
  readonly failedSessions: number;
  readonly failureTypes: Record<string, number>;
}

export interface TlsSummary {
  readonly reports: number;
  readonly successfulSessions: number;
  readonly failedSessions: number;
  readonly failureTypes: Record<string, number>;
  readonly policies: TlsPolicySummary[];
  readonly mx: TlsMxSummary[];
}

/** `reports summary --json`, one per policy domain (interface.md "mailsec reports"). */
export interface DomainSummary {
  readonly domain: string;
  /** first begin and last end of the reports counted */
  readonly period: { readonly begin: string | null; readonly end: string | null };
  readonly reports: number;
  readonly messages: number;
  readonly dmarcPass: Share;
  readonly spfAligned: Share;
  readonly dkimAligned: Share;
  readonly dispositions: { readonly none: number; readonly quarantine: number; readonly reject: number };
  /** distinct source IPs */
  readonly sources: number;
  /** the sources with the most messages that failed DMARC (at most 10) */
  readonly topFailingSources: SourceCount[];
  readonly organisations: OrganisationSummary[];
  readonly trend: TrendPoint[];
  readonly failureReports: number;
  readonly tls: TlsSummary;
}

/** What the database knows of one source IP sending as a domain (before identification). */
export interface SourceStats {
  readonly ip: string;
  readonly messages: number;
  /** aligned DKIM or aligned SPF (the policy-evaluated results) */
  readonly dmarcPass: number;
  readonly spfAligned: number;
  readonly dkimAligned: number;
  /** messages whose first SPF auth result (the envelope domain's SPF) was pass */
  readonly spfAuthPass: number;
  /** messages with a passing DKIM signature of any domain */
  readonly dkimAuthPass: number;
  /** messages whose policy override reason says forwarded, mailing list, trusted forwarder or ARC */
  readonly forwardedReason: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** the envelope (SPF) domains seen, most messages first (at most 5) */
  readonly envelopeDomains: string[];
  /** the DKIM signing domains seen, most messages first (at most 5) */
  readonly dkimDomains: string[];
}

export interface ListedReport {
  /** the first 16 hex digits of the dedupe key; `reports show ID` takes it (or any unique prefix) */
  readonly id: string;
  readonly kind: FeedbackReport['kind'];
  readonly organisation: string | null;
  readonly reportId: string | null;
  /** policy domain (aggregate), policy domains (TLS), reported domain (failure) */
  readonly domain: string | null;
  readonly begin: string | null;
  readonly end: string | null;
  /** aggregate: messages; TLS: sessions; failure: 1 */
  readonly messages: number;
  /** aggregate: records; TLS: policies; failure: 0 */
  readonly records: number;
  readonly problems: number;
  readonly source: string;
  readonly importedAt: string;
}

export interface ShownReport {
  readonly id: string;
  readonly kind: FeedbackReport['kind'];
  readonly importedAt: string;
  /** the normalised report as stored, records or policies included (up to `recordLimit` records) */
  readonly report: FeedbackReport;
  /** records not listed because of `recordLimit` */
  readonly moreRecords: number;
}

export interface ReportReader {
  counts(): Promise<StoredCounts>;
  /** all report rows of the three kinds */
  reportCount(): Promise<number>;
  summary(filter?: ReportFilter, options?: { trend?: 'day' | 'week' }): Promise<DomainSummary[]>;
  /** per source IP of one domain's aggregate reports, most messages first */
  sourceStats(filter: ReportFilter & { domain: string }): Promise<SourceStats[]>;
  list(filter?: ReportFilter, options?: { limit?: number }): Promise<ListedReport[]>;
  /** by id or unique id prefix (≥ 6 hex digits); 'ambiguous' when the prefix matches several */
  show(id: string, options?: { recordLimit?: number }): Promise<ShownReport | 'ambiguous' | undefined>;
}

export interface ReportWriter {
  /** writes a batch of reports in one transaction (see the module comment); `inputs` with it */
  importBatch(reports: readonly FeedbackReport[], inputs?: readonly InputMark[]): Promise<ImportCounts>;
  /** null when the report is stored already (a duplicate) */
  beginAggregate(
    head: AggregateReport,
    firstRecords: readonly AggregateRecord[],
  ): Promise<AggregateWriter | null>;
  /** the digests among `digests` that were read whole before, with their report counts */
  knownInputs(digests: readonly string[]): Promise<Map<string, number>>;
  markInputs(inputs: readonly InputMark[]): Promise<void>;
  imapFolder(mailbox: string): Promise<ImapFolderState | undefined>;
  /** records messages read from a folder (and its state) in one transaction */
  markImap(mailbox: string, state: ImapFolderState, messages: readonly ImapMessageMark[]): Promise<void>;
  /** of the given Message-IDs (with sizes), those already read from this mailbox under any UIDVALIDITY */
  knownImapMessages(
    mailbox: string,
    ids: readonly { messageId: string; size: number }[],
  ): Promise<Set<string>>;
}

export interface ReportStore extends ReportReader, ReportWriter {
  readonly path: string;
  close(): void;
}

/** Opens (and, unless read-only, migrates) the report store of a database file. */
export async function openReportStore(path: string, options: OpenOptions = {}): Promise<ReportStore> {
  const { DuckDbReportStore } = await import('./duckdb-report-store.ts');
  return DuckDbReportStore.open(path, options);
}

/** `ReportStore.open(path)`: the same as `openReportStore`. */
export const ReportStore = { open: openReportStore };
