/**
 * The TLD report as a whole, from a scan store: a scan's statistics, and what `--compare`,
 * `--trend`, `--provider` and `--domains` add (interface.md "mailsec report (TLD report)
 * additions"). Everything is counted in the database — joins over the scans' Parquet parts, one
 * aggregate query per figure set — so memory stays flat whatever the scans' size; the drill-down
 * is streamed. `mailsec report` and the dashboard (`serve`) both call these functions.
 *
 *   const doc = await buildReport(store, { scan, compare: 'ch-2026-08', trend: scans, scope });
 *   for await (const rows of domainsIn(store, scan.name, drillKey('spf.passAll')!)) …
 */
import type { Verdict } from '../core/statistics.ts';
import { VERDICT_CODE } from '../core/statistics.ts';
import type { ScanInfo } from '../store/scan-store.ts';
import type {
  ReportComparison,
  ReportScope,
  ReportStat,
  StatisticsDocument,
  TrendPoint,
} from './document.ts';
import { statisticsDocument } from './document.ts';
import { methodologyFrom } from './methodology.ts';
import { type KeyDef, keyColumn, STATISTIC_KEYS, shareColumn } from './row.ts';
import {
  quoteLiteral as lit,
  pct,
  quoteIdent as q,
  type Stat,
  type StatisticsSource,
  statisticsFrom,
} from './stats.ts';

/** What the report reads: the store's scans and SQL over views of their rows (`ScanReader`). */
export interface ReportSource {
  scans(): Promise<ScanInfo[]>;
  queryScans(views: Readonly<Record<string, string>>, sql: string): Promise<Record<string, unknown>[]>;
  streamScans(
    views: Readonly<Record<string, string>>,
    sql: string,
  ): AsyncGenerator<Record<string, unknown>[]>;
}

// ---------------------------------------------------------------------------------------------
// Scope: one provider's domains

/**
 * `NAME` (the MX or the DNS provider), `mx:NAME` or `ns:NAME`; names are registrable domains as
 * the share lists print them (`alpinehost.test`), compared in lower case.
 */
export function parseScope(text: string): ReportScope | null {
  const m = /^(?:(mx|ns):)?(.+)$/i.exec(text.trim());
  const provider = m?.[2]?.trim().toLowerCase().replace(/\.$/, '') ?? '';
  if (!m || provider === '') return null;
  return { provider, kind: (m[1]?.toLowerCase() as 'mx' | 'ns' | undefined) ?? 'any' };
}

function scopeCondition(scope: ReportScope): string {
  const mx = `list_contains(${q(shareColumn('providers'))}, ${lit(scope.provider)})`;
  const ns = `list_contains(${q(shareColumn('dnsProviders'))}, ${lit(scope.provider)})`;
  return scope.kind === 'mx' ? mx : scope.kind === 'ns' ? ns : `(${mx} OR ${ns})`;
}

/** The rows of `view` a scope keeps, as a relation for `FROM` (the view itself without a scope). */
export function scopeRelation(view: string, scope?: ReportScope | null): string {
  return scope ? `(SELECT * FROM ${view} WHERE coalesce(${scopeCondition(scope)}, false))` : view;
}

export interface ProviderName {
  readonly name: string;
  readonly kind: 'mx' | 'ns';
  readonly domains: number;
}

/** The providers of a scan, largest first (what a usage error lists when a `--provider` matches nothing). */
export async function providerNames(
  source: ReportSource,
  scan: string,
  kind: ReportScope['kind'],
  limit = 20,
): Promise<ProviderName[]> {
  const part = (k: 'mx' | 'ns') =>
    `SELECT name, '${k}' AS kind, count(*) AS n FROM (SELECT unnest(${q(shareColumn(k === 'mx' ? 'providers' : 'dnsProviders'))}) AS name FROM domains) GROUP BY name`;
  const parts = kind === 'any' ? [part('mx'), part('ns')] : [part(kind)];
  const rows = await source.queryScans(
    { domains: scan },
    `SELECT name, kind, n FROM (${parts.join(' UNION ALL ')}) ORDER BY n DESC, name LIMIT ${Math.max(1, limit)}`,
  );
  return rows.map((r) => ({
    name: String(r.name),
    kind: r.kind === 'ns' ? 'ns' : 'mx',
    domains: Number(r.n),
  }));
}

/** Domains of the scan the scope keeps. */
export async function scopeSize(source: ReportSource, scan: string, scope: ReportScope): Promise<number> {
  const [r] = await source.queryScans(
    { domains: scan },
    `SELECT count(*) AS n FROM ${scopeRelation('domains', scope)}`,
  );
  return Number(r?.n ?? 0);
}

const sourceOf = (source: ReportSource, views: Readonly<Record<string, string>>): StatisticsSource => ({
  query: (sql) => source.queryScans(views, sql),
});

// ---------------------------------------------------------------------------------------------
// Comparison

/** The verdicts a stats key counts: `<key>` yes, `<key>.error`, `<key>.skipped`. */
const COUNTED: readonly [suffix: string, v: Verdict][] = [
  ['', 'yes'],
  ['.error', 'error'],
  ['.skipped', 'skipped'],
];

export interface Comparison {
  readonly compare: ReportComparison;
  /** the previous scan's statistics (same scope) */
  readonly previous: Record<string, Stat>;
  /** per stats key: count over the common domains now minus then */
  readonly changeCommon: ReadonlyMap<string, number>;
}

/**
 * Compares scan `current` with `previous`: the population (added, removed, common) and, per key,
 * the change over the domains in both — one inner join of the two scans' rows on the domain, in
 * the database.
 */
export async function compareScans(
  source: ReportSource,
  current: string,
  previous: string,
  o: { readonly scope?: ReportScope | null } = {},
): Promise<Comparison> {
  const views = { domains: current, previous };
  const prev = await statisticsFrom(sourceOf(source, views), {
    from: scopeRelation('previous', o.scope),
    shares: false,
  });
  const cols = STATISTIC_KEYS.map((k) => q(keyColumn(k.key)));
  const aggregates = ['count(*) AS common'];
  for (const k of STATISTIC_KEYS) {
    const c = q(keyColumn(k.key));
    for (const [suffix, v] of COUNTED) {
      const code = VERDICT_CODE[v];
      aggregates.push(
        `count(*) FILTER (WHERE n.${c} = ${code}) - count(*) FILTER (WHERE p.${c} = ${code}) AS ${q(k.key + suffix)}`,
      );
    }
  }
  const side = (view: string) => `(SELECT domain, ${cols.join(', ')} FROM ${scopeRelation(view, o.scope)})`;
  const [row] = await source.queryScans(
    views,
    `SELECT ${aggregates.join(', ')} FROM ${side('domains')} n JOIN ${side('previous')} p ON n.domain = p.domain`,
  );
  const [sizes] = await source.queryScans(
    views,
    `SELECT (SELECT count(*) FROM ${scopeRelation('domains', o.scope)}) AS now, (SELECT count(*) FROM ${scopeRelation('previous', o.scope)}) AS before`,
  );
  const common = Number(row?.common ?? 0);
  const now = Number(sizes?.now ?? 0);
  const before = Number(sizes?.before ?? 0);
  const changeCommon = new Map<string, number>();
  for (const k of STATISTIC_KEYS)
    for (const [suffix] of COUNTED) changeCommon.set(k.key + suffix, Number(row?.[k.key + suffix] ?? 0));
  return {
    compare: { scan: previous, domains: before, added: now - common, removed: before - common, common },
    previous: prev.stats,
    changeCommon,
  };
}

const points = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : Math.round((a - b) * 100) / 100;

/** The base key of a stats key (`spf.present.error` → the KeyDef of `spf.present`). */
function baseOf(statsKey: string): KeyDef | undefined {
  const plain = statsKey.replace(/\.(error|skipped)$/, '');
  return STATISTIC_KEYS.find((k) => k.key === plain);
}

/**
 * The statistics with what the comparison adds per key: `previous`, `change` (count and
 * percentage points, new minus previous) and `changeCommon`. A `.skipped` key that counts
 * something in only one of the scans appears in both (0 in the other).
 */
export function withComparison(stats: Record<string, Stat>, c: Comparison): Record<string, ReportStat> {
  const keys = [...Object.keys(stats)];
  for (const k of Object.keys(c.previous)) if (!(k in stats)) keys.push(k);
  const denominatorOf = (all: Record<string, Stat>, k: string) =>
    all[k]?.denominator ?? all[baseOf(k)?.key ?? '']?.denominator ?? 0;
  const out: Record<string, ReportStat> = {};
  // the order of the statistics document: every key in registry order, its .error and .skipped after it
  for (const def of STATISTIC_KEYS) {
    for (const k of [def.key, `${def.key}.error`, `${def.key}.skipped`]) {
      if (!keys.includes(k)) continue;
      const d = denominatorOf(stats, k);
      const now = stats[k] ?? { count: 0, denominator: d, percent: pct(0, d) };
      const pd = denominatorOf(c.previous, k);
      const before = c.previous[k] ?? { count: 0, denominator: pd, percent: pct(0, pd) };
      out[k] = {
        ...now,
        previous: before,
        change: { count: now.count - before.count, percentPoints: points(now.percent, before.percent) },
        changeCommon: { count: c.changeCommon.get(k) ?? 0 },
      };
    }
  }
  for (const k of keys) if (!(k in out) && stats[k]) out[k] = stats[k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Trend

/** One point per scan (statistics without share lists), in the order given. */
export async function trendOf(
  source: ReportSource,
  scans: readonly ScanInfo[],
  o: { readonly scope?: ReportScope | null } = {},
): Promise<TrendPoint[]> {
  const out: TrendPoint[] = [];
  for (const s of scans) {
    const st = await statisticsFrom(sourceOf(source, { domains: s.name }), {
      from: scopeRelation('domains', o.scope),
      shares: false,
    });
    out.push({ scan: s.name, started: s.started, stats: st.stats });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The whole report

export interface ReportOptions {
  /** the scan reported on */
  readonly scan: ScanInfo;
  /** `--compare`: the previous scan's name */
  readonly compare?: string | null;
  /** `--trend` / `--scans`: the scans of the time series, in scan order */
  readonly trend?: readonly ScanInfo[] | null;
  /** `--provider`: one provider's domains */
  readonly scope?: ReportScope | null;
  /** entries per share list (default 50) */
  readonly limit?: number;
}

/** The `report --json` document of a scan, with methodology, and comparison / trend / scope when asked. */
export async function buildReport(source: ReportSource, o: ReportOptions): Promise<StatisticsDocument> {
  const views = { domains: o.scan.name };
  const src = sourceOf(source, views);
  const stats = await statisticsFrom(src, {
    from: scopeRelation('domains', o.scope),
    ...(o.limit ? { limit: o.limit } : {}),
  });
  const doc: StatisticsDocument = {
    ...statisticsDocument(o.scan.name, stats),
    methodology: await methodologyFrom(src, o.scan),
  };
  if (o.scope) doc.scope = o.scope;
  if (o.compare) {
    const c = await compareScans(source, o.scan.name, o.compare, { scope: o.scope ?? null });
    doc.stats = withComparison(stats.stats, c);
    doc.compare = c.compare;
  }
  if (o.trend?.length) doc.trend = await trendOf(source, o.trend, { scope: o.scope ?? null });
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Drill-down

export interface DrillKey {
  /** as asked: `spf.passAll`, `dane.present.error`, `dmarc.present.no` */
  readonly key: string;
  readonly def: KeyDef;
  readonly verdict: Verdict;
}

/**
 * A key of the drill-down: a statistic key (its yes-domains), or `<key>.error`, `<key>.skipped`,
 * `<key>.no` (the domains in its denominator counted no). Null when there is no such key.
 */
export function drillKey(key: string): DrillKey | null {
  const m = /^(.*?)(?:\.(error|skipped|no))?$/.exec(key.trim());
  const def = STATISTIC_KEYS.find((k) => k.key === m?.[1]);
  if (def && m) return { key: key.trim(), def, verdict: (m[2] as Verdict | undefined) ?? 'yes' };
  const exact = STATISTIC_KEYS.find((k) => k.key === key.trim());
  return exact ? { key: exact.key, def: exact, verdict: 'yes' } : null;
}

/** Every key `drillKey` accepts, base keys first. */
export function drillKeys(): string[] {
  return [
    ...STATISTIC_KEYS.map((k) => k.key),
    ...STATISTIC_KEYS.flatMap((k) => [`${k.key}.no`, `${k.key}.error`, `${k.key}.skipped`]),
  ];
}

export interface DrillRow {
  readonly domain: string;
  readonly key: string;
  /** the section of the `check --json` document that decided it (null: the name itself, `idn`) */
  readonly section: string | null;
}

/** The domains counted in a key, in name order, streamed in chunks. */
export async function* domainsIn(
  source: ReportSource,
  scan: string,
  k: DrillKey,
  o: { readonly scope?: ReportScope | null } = {},
): AsyncGenerator<DrillRow[]> {
  const sql = `SELECT domain FROM ${scopeRelation('domains', o.scope)} WHERE ${q(keyColumn(k.def.key))} = ${VERDICT_CODE[k.verdict]} ORDER BY domain`;
  for await (const rows of source.streamScans({ domains: scan }, sql))
    yield rows.map((r) => ({ domain: String(r.domain), key: k.key, section: k.def.check }));
}
