/**
 * TLD statistics (`mailsec report`): every key with count, denominator and percent; `<key>.error`
 * and `<key>.skipped` apart from "no" — an undetermined answer is never counted as absent. See
 * docs/scan.md for every definition; the definitions themselves are the checks' statistics
 * contributions (src/core/statistics.ts, `src/checks/<id>/statistics.ts`), turned into one typed
 * row per domain by row.ts.
 *
 * Two ways to the same figures: `statisticsFrom(source)` counts the stored columns in the
 * database (what `mailsec report` does, constant memory for millions of domains);
 * `computeStats(docs)` counts documents in memory (tests, a handful of documents).
 */
import type { ShareName, Verdict } from '../core/statistics.ts';
import { VERDICT_CODE } from '../core/statistics.ts';
import {
  type Doc,
  type DomainRow,
  domainRow,
  keyColumn,
  SHARE_NAMES,
  SHARES,
  STATISTIC_KEYS,
  shareColumn,
} from './row.ts';

export { bannerSoftware, issuerName } from '../checks/smtp/software.ts';
export { type Doc, hasMx, STATISTIC_KEYS } from './row.ts';

export interface Stat {
  count: number;
  denominator: number;
  /** count / denominator × 100, two decimals; null when the denominator is 0 */
  percent: number | null;
}

export interface ShareItem extends Stat {
  name: string;
}

export interface ScanStats {
  domains: number;
  domainsWithMx: number;
  stats: Record<string, Stat>;
  /** MX providers (registrable domain of the MX hosts), over domains with MX */
  providers: ShareItem[];
  /** DNS operators (registrable domain of the NS hosts), over all domains */
  dnsProviders: ShareItem[];
  issuers: ShareItem[];
  software: ShareItem[];
}

export const pct = (count: number, denominator: number): number | null =>
  denominator === 0 ? null : Math.round((count / denominator) * 10000) / 100;

export function stat(count: number, denominator: number): Stat {
  return { count, denominator, percent: pct(count, denominator) };
}

type Tally = Record<Verdict, number>;

const shareOver = (s: ShareName): 'all' | 'mx' | 'seen' => SHARES.find((d) => d.share === s)?.over ?? 'mx';

/** The denominator of a key: all domains, domains with MX, or the domains counted yes in its base key. */
function denominatorOf(
  k: (typeof STATISTIC_KEYS)[number],
  domains: number,
  withMx: number,
  tallies: ReadonlyMap<string, Tally>,
): number {
  if (k.within !== null) return tallies.get(k.within)?.yes ?? 0;
  return k.over === 'all' ? domains : withMx;
}

/** The statistics document from the counts: per key yes/no/error/skipped, shares as name → count. */
function assemble(
  domains: number,
  withMx: number,
  tallies: ReadonlyMap<string, Tally>,
  shares: Record<ShareName, { counts: ReadonlyMap<string, number>; seen: number }>,
  limit: number,
): ScanStats {
  const stats: Record<string, Stat> = {};
  for (const k of STATISTIC_KEYS) {
    const c = tallies.get(k.key) ?? { yes: 0, no: 0, error: 0, skipped: 0 };
    const denominator = denominatorOf(k, domains, withMx, tallies);
    stats[k.key] = stat(c.yes, denominator);
    stats[`${k.key}.error`] = stat(c.error, denominator);
    if (c.skipped) stats[`${k.key}.skipped`] = stat(c.skipped, denominator);
  }
  const share = (s: ShareName): ShareItem[] => {
    const over = shareOver(s);
    const denominator = over === 'all' ? domains : over === 'mx' ? withMx : shares[s].seen;
    return [...shares[s].counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([name, count]) => ({ name, ...stat(count, denominator) }));
  };
  return {
    domains,
    domainsWithMx: withMx,
    stats,
    // providers over domains with MX; DNS providers over all domains; issuers over domains with a
    // certificate seen; software over domains with a banner seen
    providers: share('providers'),
    dnsProviders: share('dnsProviders'),
    issuers: share('issuers'),
    software: share('software'),
  };
}

/** Accumulates rows in memory (tests and small sets); `result()` gives the statistics. */
export class StatsAccumulator {
  private domains = 0;
  private withMx = 0;
  private readonly tallies = new Map<string, Tally>();
  private readonly shares = Object.fromEntries(
    SHARE_NAMES.map((s) => [s, { counts: new Map<string, number>(), seen: 0 }]),
  ) as Record<ShareName, { counts: Map<string, number>; seen: number }>;

  add(doc: Doc): void {
    this.addRow(domainRow(doc));
  }

  addRow(r: DomainRow): void {
    this.domains++;
    if (r.hasMx) this.withMx++;
    for (const [key, v] of Object.entries(r.verdicts)) {
      let t = this.tallies.get(key);
      if (!t) {
        t = { yes: 0, no: 0, error: 0, skipped: 0 };
        this.tallies.set(key, t);
      }
      t[v]++;
    }
    for (const s of SHARE_NAMES) {
      const names = r.shares[s];
      if (names.length) this.shares[s].seen++;
      for (const n of names) this.shares[s].counts.set(n, (this.shares[s].counts.get(n) ?? 0) + 1);
    }
  }

  result(limit = 50): ScanStats {
    return assemble(this.domains, this.withMx, this.tallies, this.shares, limit);
  }
}

export function computeStats(docs: Iterable<Doc>): ScanStats {
  const acc = new StatsAccumulator();
  for (const d of docs) acc.add(d);
  return acc.result();
}

/** What `statisticsFrom` needs: SQL over the view `domains` of one scan (the store's typed columns). */
export interface StatisticsSource {
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const q = quoteIdent;
export const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const VERDICTS: readonly Verdict[] = ['yes', 'no', 'error', 'skipped'];

export interface StatisticsOptions {
  /** how many entries of each share list (default 50) */
  readonly limit?: number;
  /**
   * the rows counted: a relation over the source's views (default `domains`; a provider's own
   * report passes `(SELECT * FROM domains WHERE …)`, see `scopeRelation`)
   */
  readonly from?: string;
  /** count the share lists (default true; a trend point has none) */
  readonly shares?: boolean;
}

/** The statistics of the rows behind `source` (its `domains` view), counted in the database. */
export async function statisticsFrom(
  source: StatisticsSource,
  o: StatisticsOptions | number = {},
): Promise<ScanStats> {
  const {
    limit = 50,
    from = 'domains',
    shares: withShares = true,
  } = typeof o === 'number' ? { limit: o } : o;
  const aggregates = ['count(*) AS domains', 'count(*) FILTER (WHERE has_mx) AS with_mx'];
  for (const k of STATISTIC_KEYS) {
    for (const v of VERDICTS) {
      aggregates.push(
        `count(*) FILTER (WHERE ${q(keyColumn(k.key))} = ${VERDICT_CODE[v]}) AS ${q(`${k.key}:${v}`)}`,
      );
    }
  }
  for (const s of SHARE_NAMES) {
    const cond = shareOver(s) === 'all' ? '' : 'has_mx AND ';
    aggregates.push(`count(*) FILTER (WHERE ${cond}len(${q(shareColumn(s))}) > 0) AS ${q(`seen:${s}`)}`);
  }
  const [row] = await source.query(`SELECT ${aggregates.join(', ')} FROM ${from}`);
  const n = (k: string) => Number(row?.[k] ?? 0);
  const tallies = new Map<string, Tally>();
  for (const k of STATISTIC_KEYS) {
    tallies.set(k.key, {
      yes: n(`${k.key}:yes`),
      no: n(`${k.key}:no`),
      error: n(`${k.key}:error`),
      skipped: n(`${k.key}:skipped`),
    });
  }
  const shares = {} as Record<ShareName, { counts: Map<string, number>; seen: number }>;
  for (const s of withShares ? SHARE_NAMES : []) {
    // every name whose count reaches the limit-th largest: the exact order (ties by name, as
    // localeCompare sorts them) is made in assemble()
    const cond = shareOver(s) === 'all' ? '' : ' WHERE has_mx';
    const rows = await source.query(
      `WITH c AS (SELECT name, count(*) AS n FROM (SELECT unnest(${q(shareColumn(s))}) AS name FROM ${from}${cond}) GROUP BY name),
            t AS (SELECT n FROM c ORDER BY n DESC LIMIT 1 OFFSET ${Math.max(0, limit - 1)})
       SELECT name, n FROM c WHERE n >= coalesce((SELECT n FROM t), 0)`,
    );
    shares[s] = { counts: new Map(rows.map((r) => [String(r.name), Number(r.n)])), seen: n(`seen:${s}`) };
  }
  for (const s of SHARE_NAMES) shares[s] ??= { counts: new Map(), seen: n(`seen:${s}`) };
  return assemble(n('domains'), n('with_mx'), tallies, shares, limit);
}
