/**
 * The document of `mailsec report --json`: a scan's statistics under its name (the renderers read
 * it), with what `--compare`, `--trend` and `--provider` add (interface.md "mailsec report (TLD
 * report) additions"). Every addition is optional: a plain statistics document is a valid report.
 */
import type { ScanStats, Stat } from './stats.ts';

/** a statistic key, with what `--compare OLD_SCAN` adds */
export interface ReportStat extends Stat {
  previous?: Stat;
  /** new minus previous (percentPoints null when either percent is) */
  change?: { count: number; percentPoints: number | null };
  /** the change in count over the domains present in both scans */
  changeCommon?: { count: number };
}

/** `--compare`: the population of both scans, so a change in adoption is not read as a change in population */
export interface ReportComparison {
  /** the previous scan's name */
  scan: string;
  /** domains in the previous scan */
  domains: number;
  /** in this scan, not in the previous one */
  added: number;
  /** in the previous scan, not in this one */
  removed: number;
  /** in both */
  common: number;
}

/** `--trend`: one point per scan, in scan order */
export interface TrendPoint {
  scan: string;
  started: string;
  stats: Record<string, Stat>;
}

/** `--provider`: whose domains the statistics are restricted to */
export interface ReportScope {
  provider: string;
  /** which share matched: the MX provider, the DNS provider or either */
  kind: 'mx' | 'ns' | 'any';
}

export interface StatisticsDocument extends ScanStats {
  scan: string;
  stats: Record<string, ReportStat>;
  methodology?: Methodology;
  scope?: ReportScope;
  compare?: ReportComparison;
  trend?: TrendPoint[];
}

export function statisticsDocument(scan: string, s: ScanStats): StatisticsDocument {
  return {
    scan,
    domains: s.domains,
    domainsWithMx: s.domainsWithMx,
    stats: s.stats,
    providers: s.providers,
    dnsProviders: s.dnsProviders,
    issuers: s.issuers,
    software: s.software,
  };
}

/** How the scan was made: what the stored scan records (scans row) and what its documents say. */
export interface Methodology {
  readonly scan: string;
  /** when the scan was begun (scans.started) */
  readonly started: string;
  /** the input as given to `mailsec scan` */
  readonly input: string | null;
  /** names in the input (valid ones) */
  readonly total: number | null;
  /** documents stored */
  readonly stored: number;
  /** earliest and latest per-domain checkedAt */
  readonly firstChecked: string | null;
  readonly lastChecked: string | null;
  /** the resolvers the documents name */
  readonly resolvers: readonly string[];
  /** domains checked through a validating resolver, and through one that did not validate */
  readonly resolverValidated: { readonly yes: number; readonly no: number };
  /** the scan's options as stored (`--no-smtp`, `--only`, …) */
  readonly options: Readonly<Record<string, unknown>>;
}
