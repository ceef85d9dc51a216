import type { Methodology } from '../statistics/document.ts';
/**
 * The TLD report as the renderers take it: the `mailsec report --json` document, typed, with the
 * parts a comparison or a trend adds (interface.md "mailsec report (TLD report) additions"). Every
 * extension is optional, so a plain statistics document is a valid input, and `--compare` /
 * `--trend` output slots in without a change to the renderers' signatures.
 */

/** one figure: count over denominator; percent is count/denominator × 100 (two decimals), null when the denominator is 0 */
export interface StatFigure {
  readonly count: number;
  readonly denominator: number;
  readonly percent: number | null;
}

/** a statistic key, with what `--compare OLD_SCAN` adds */
export interface ReportStat extends StatFigure {
  readonly previous?: StatFigure;
  /** new minus previous */
  readonly change?: { readonly count: number; readonly percentPoints: number | null };
  /** the change over the domains present in both scans */
  readonly changeCommon?: { readonly count: number };
}

/** one entry of a share list (providers, certificate issuers, MTA software) */
export interface ShareFigure extends StatFigure {
  readonly name: string;
}

/** `--compare`: the population of both scans, so a change in adoption is not read as a change in population */
export interface ReportComparison {
  readonly scan: string;
  readonly domains: number;
  readonly added: number;
  readonly removed: number;
  readonly common: number;
}

/** `--trend`: one point per scan, in scan order */
export interface TrendPoint {
  readonly scan: string;
  readonly started: string;
  readonly stats: Readonly<Record<string, StatFigure>>;
}

export type { Methodology };

export interface TldReport {
  readonly scan: string;
  readonly domains: number;
  readonly domainsWithMx: number;
  readonly stats: Readonly<Record<string, ReportStat>>;
  readonly providers: readonly ShareFigure[];
  readonly issuers: readonly ShareFigure[];
  readonly software: readonly ShareFigure[];
  readonly methodology?: Methodology;
  readonly compare?: ReportComparison;
  readonly trend?: readonly TrendPoint[];
  /** `--provider`: every figure is over the domains of one MX or DNS provider */
  readonly scope?: { readonly provider: string; readonly kind: 'mx' | 'ns' | 'any' };
}
