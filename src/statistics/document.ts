/** The document of `mailsec report --json`: a scan's statistics under its name (the renderers read it). */
import type { ScanStats } from './stats.ts';

export interface StatisticsDocument extends ScanStats {
  scan: string;
}

export function statisticsDocument(scan: string, s: ScanStats): StatisticsDocument {
  return {
    scan,
    domains: s.domains,
    domainsWithMx: s.domainsWithMx,
    stats: s.stats,
    providers: s.providers,
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
