/**
 * What the dashboard reads of imported DMARC and TLS reports, behind one narrow interface
 * (`ReportData`); the shapes follow `mailsec reports summary|sources|list|show --json`.
 */

export interface Share {
  readonly count: number;
  readonly percent: number | null;
}

export interface TrendPoint {
  /** start of the day or ISO week, YYYY-MM-DD */
  readonly period: string;
  readonly messages: number;
  readonly dmarcPass: Share;
  readonly spfAligned: Share;
  readonly dkimAligned: Share;
}

export interface TlsSummary {
  readonly reports: number;
  readonly successfulSessions: number;
  readonly failedSessions: number;
  readonly failureTypes: Record<string, number>;
  readonly policies: readonly {
    policyType: string | null;
    policyDomain: string | null;
    successfulSessions: number;
    failedSessions: number;
  }[];
  readonly mx: readonly { mx: string | null; failedSessions: number; failureTypes: Record<string, number> }[];
}

/** `reports summary --json`, one per policy domain */
export interface DomainSummary {
  readonly domain: string;
  readonly period: { readonly begin: string | null; readonly end: string | null };
  readonly reports: number;
  readonly messages: number;
  readonly dmarcPass: Share;
  readonly spfAligned: Share;
  readonly dkimAligned: Share;
  readonly dispositions: { readonly none: number; readonly quarantine: number; readonly reject: number };
  readonly sources: number;
  readonly topFailingSources: readonly { ip: string; messages: number }[];
  readonly organisations: readonly {
    organisation: string | null;
    reports: number;
    messages: number;
    dmarcPass: Share;
  }[];
  readonly trend: readonly TrendPoint[];
  readonly failureReports: number;
  readonly tls: TlsSummary;
}

/** `reports sources --json`, one per source IP */
export interface SourceRow {
  readonly ip: string;
  readonly ptr: string | null;
  readonly ptrConfirmed: boolean;
  readonly organisation: string | null;
  readonly messages: number;
  readonly dmarcPass: Share;
  readonly spfAligned: Share;
  readonly dkimAligned: Share;
  readonly class: 'authorised' | 'forwarder' | 'unauthorised' | 'unknown';
  readonly reason?: string;
}

/** `reports list --json` */
export interface ListedReport {
  readonly id: string;
  readonly kind: 'dmarc-aggregate' | 'dmarc-failure' | 'tls-rpt';
  readonly organisation: string | null;
  readonly reportId: string | null;
  readonly domain: string | null;
  readonly begin: string | null;
  readonly end: string | null;
  readonly messages: number;
  readonly records: number;
  readonly problems: number;
  readonly source: string;
  readonly importedAt: string;
}

/** `reports show ID --json` */
export interface ShownReport {
  readonly id: string;
  readonly kind: ListedReport['kind'];
  readonly importedAt: string;
  readonly report: Record<string, unknown>;
  readonly moreRecords: number;
}

export interface ReportData {
  /** one summary per policy domain (all domains when none is given) */
  summary(filter?: { domain?: string; since?: string; until?: string }): Promise<DomainSummary[]>;
  sources(domain: string): Promise<SourceRow[]>;
  list(filter?: { domain?: string; kind?: ListedReport['kind'] }, limit?: number): Promise<ListedReport[]>;
  /** by id; undefined when unknown */
  show(id: string): Promise<ShownReport | undefined>;
}

/** No report store (a database without report tables). */
export const NO_REPORTS: ReportData = {
  summary: async () => [],
  sources: async () => [],
  list: async () => [],
  show: async () => undefined,
};
