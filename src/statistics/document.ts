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
