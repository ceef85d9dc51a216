/**
 * What the dashboard reads of stored scans, behind one narrow interface (`ScanData`), so the
 * routes do not know how the scan store keeps its rows.
 *
 * Readers beside a writer: DuckDB lets one process hold a file read-write and no reader beside
 * it, so the file is opened read-only for one request and closed after it (`withDatabase`'s
 * lock wait lets a reader wait for a writer's batch); it is never held for the server's life.
 *
 * The figures are the `mailsec report --json` document's, made by the same statistics code
 * (`StatsAccumulator`, `MethodologyAccumulator`, `statisticsDocument`); the comparison with an
 * earlier scan adds what interface.md's `--compare` names (`previous`, `change`, `changeCommon`).
 */
import { existsSync } from 'node:fs';
import { VERDICT_CODE, type Verdict } from '../core/statistics.ts';
import type { ReportStat, TldReport } from '../render/tld-report.ts';
import { openScanSource } from '../scan/store.ts';
import { statisticsDocument } from '../statistics/document.ts';
import { methodologyFrom } from '../statistics/methodology.ts';
import { domainRow, keyColumn, shareColumn } from '../statistics/row.ts';
import type { Doc } from '../statistics/stats.ts';
import { STATISTIC_KEYS, stat, statisticsFrom } from '../statistics/stats.ts';
import type { ScanReader } from '../store/scan-store.ts';

export interface ScanListing {
  readonly name: string;
  readonly started: string;
  readonly input: string | null;
  readonly total: number | null;
  readonly stored: number;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface DomainRef {
  readonly domain: string;
  /** the document's verdicts summary: how many sections could not be determined */
  readonly errors: number;
}

export interface HistoryEntry {
  readonly scan: string;
  readonly started: string;
  readonly doc: Doc;
}

/** What a page may ask about stored scans. */
export interface ScanData {
  scans(): Promise<ScanListing[]>;
  /** the `report --json` document of a scan (methodology included), over the domains of one provider when given */
  report(scan: string, o?: { provider?: string; compare?: string }): Promise<TldReport>;
  /** the domains counted in a key (`spf.present`, `spf.present.error`, `spf.present.no`, …) */
  domainsOf(
    scan: string,
    key: string,
    o?: { provider?: string; limit?: number; offset?: number },
  ): Promise<{ domains: string[]; total: number }>;
  /** the stored `check --json` document of a domain in a scan */
  document(scan: string, domain: string): Promise<Doc | undefined>;
  /** the domain in every scan that holds it, oldest first */
  history(domain: string): Promise<HistoryEntry[]>;
  /** every domain name of a scan that starts with `prefix` (at most `limit`) */
  search(scan: string, prefix: string, limit: number): Promise<string[]>;
}

const KEYS = new Set(STATISTIC_KEYS.map((k) => k.key));

/** The verdict of each statistic key for one document (the store's typed row). */
export function verdictsOf(doc: Doc): Map<string, Verdict> {
  return new Map(Object.entries(domainRow(doc).verdicts));
}

/** `spf.present.error` → [`spf.present`, `error`]; `spf.present` → [`spf.present`, `yes`] */
export function splitKey(key: string): [string, Verdict] | null {
  if (KEYS.has(key)) return [key, 'yes'];
  const m = /^(.+)\.(error|skipped|no)$/.exec(key);
  if (!m || !KEYS.has(m[1] as string)) return null;
  return [m[1] as string, m[2] as Verdict];
}

export type ShareList = 'providers' | 'issuers' | 'software';

/** The names a domain counts under in a share list (as the statistics count them; MX domains only). */
export function sharesOf(doc: Doc, list: ShareList): Set<string> {
  return new Set(domainRow(doc).shares[list]);
}

/** `providers:NAME`, `issuers:NAME`, `software:NAME`: the domains counted under a share list's entry. */
export function splitShare(key: string): [ShareList, string] | null {
  const m = /^(providers|issuers|software):(.+)$/s.exec(key);
  return m ? [m[1] as ShareList, m[2] as string] : null;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface StoreScanDataOptions {
  /** how long a request waits for a writer's batch (ms) */
  readonly lockWaitMs?: number;
  /** how long a computed report is reused while the scan's stored count does not change (ms) */
  readonly cacheMs?: number;
  /** how long one store reader serves the requests that come (ms); then a new one reads the catalogue */
  readonly reuseMs?: number;
}

interface CachedReport {
  readonly at: number;
  readonly stored: number;
  readonly report: TldReport;
}

/**
 * ScanData over the scan store (`src/scan/store.ts`: a catalogue read briefly, immutable Parquet
 * parts), opened for each call and closed after it. Figures are counted in the database by the
 * same functions as `mailsec report` (`statisticsFrom`, `methodologyFrom`); a provider filter
 * narrows their `domains` view to the rows whose provider share holds the name.
 */
export function storeScanData(path: string, o: StoreScanDataOptions = {}): ScanData {
  const lockWaitMs = o.lockWaitMs ?? 10_000;
  const cacheMs = o.cacheMs ?? 30_000;
  const cache = new Map<string, CachedReport>();

  // A reader is kept for a short period (reuseMs) and shared by the requests in it, then closed:
  // it holds the file only while it reads the catalogue, and a new one sees new scans and parts.
  const reuseMs = o.reuseMs ?? 2_000;
  interface Held {
    readonly reader: Promise<ScanReader>;
    readonly born: number;
    users: number;
    retired: boolean;
    closed: boolean;
  }
  let current: Held | null = null;
  const maybeClose = (h: Held) => {
    if (h.closed || !h.retired || h.users > 0) return;
    h.closed = true;
    void h.reader.then((r) => r.close()).catch(() => undefined);
  };
  const retire = (h: Held) => {
    h.retired = true;
    maybeClose(h);
  };
  const withSource = async <T>(body: (s: ScanReader) => Promise<T>, empty: () => T): Promise<T> => {
    if (!existsSync(path)) return empty();
    if (!current || Date.now() - current.born > reuseMs) {
      if (current) retire(current);
      const h: Held = {
        reader: openScanSource(path, { lockWaitMs, memoryLimit: '256MB', guardInProcess: true }),
        born: Date.now(),
        users: 0,
        retired: false,
        closed: false,
      };
      h.reader.catch(() => {
        if (current === h) current = null;
      });
      current = h;
      setTimeout(() => {
        if (current === h) current = null;
        retire(h);
      }, reuseMs).unref();
    }
    const h = current;
    h.users++;
    try {
      return await body(await h.reader);
    } finally {
      h.users--;
      maybeClose(h);
    }
  };

  /** a file without the scan tables (only `reports import` wrote it) holds no scan */
  const scansOf = (s: ScanReader) => s.scans().catch(() => []);

  const listing = async (s: ScanReader): Promise<ScanListing[]> =>
    Promise.all(
      (await scansOf(s)).map(async (r) => ({
        name: r.name,
        started: r.started,
        input: r.input,
        total: r.total,
        options: r.options,
        stored: await s.count(r.name),
      })),
    );

  /** the scan's `domains` view as statistics read it, narrowed to one provider's domains when given */
  const viewOf = (s: ScanReader, scan: string, provider?: string) => ({
    query: (sql: string) =>
      provider === undefined
        ? s.query(scan, sql)
        : s.query(
            scan,
            sql.replace(
              /\bFROM domains\b/g,
              `FROM (SELECT * FROM domains WHERE list_contains(${q(shareColumn('providers'))}, $1)) AS domains`,
            ),
            [provider],
          ),
  });

  const compute = async (s: ScanReader, scan: string, provider?: string): Promise<TldReport> => {
    const row = (await scansOf(s)).find((x) => x.name === scan);
    if (!row) throw new NoSuchScan(scan);
    const view = viewOf(s, scan, provider);
    return {
      ...statisticsDocument(scan, await statisticsFrom(view)),
      methodology: await methodologyFrom(view, row),
    };
  };

  /** per domain, the keys it counts in (yes), as a set of key indexes */
  const yesKeys = async (s: ScanReader, scan: string, provider?: string) => {
    const keys = STATISTIC_KEYS.map((k) => k.key);
    const rows = await viewOf(s, scan, provider).query(
      `SELECT domain, array_to_string(list_filter([${keys.map((k, i) => `CASE WHEN ${q(keyColumn(k))} = ${VERDICT_CODE.yes} THEN ${i} END`).join(', ')}], x -> x IS NOT NULL), ',') AS yes FROM domains`,
    );
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const text = r.yes === null || r.yes === undefined ? '' : String(r.yes);
      out.set(String(r.domain), text === '' ? [] : text.split(',').map(Number));
    }
    return { keys, out };
  };

  /** interface.md `--compare OLD`: previous figures, the change, and the change over the domains in both */
  const compare = async (
    s: ScanReader,
    now: TldReport,
    scan: string,
    old: string,
    provider?: string,
  ): Promise<TldReport> => {
    const before = await compute(s, old, provider);
    const { keys, out: oldYes } = await yesKeys(s, old, provider);
    const { out: newYes } = await yesKeys(s, scan, provider);
    const commonChange = new Map<string, number>();
    let common = 0;
    let added = 0;
    for (const [domain, yes] of newYes) {
      const prev = oldYes.get(domain);
      if (!prev) {
        added++;
        continue;
      }
      common++;
      const was = new Set(prev);
      const is = new Set(yes);
      for (const i of is)
        if (!was.has(i)) commonChange.set(keys[i] as string, (commonChange.get(keys[i] as string) ?? 0) + 1);
      for (const i of was)
        if (!is.has(i)) commonChange.set(keys[i] as string, (commonChange.get(keys[i] as string) ?? 0) - 1);
    }
    const stats: Record<string, ReportStat> = {};
    for (const [k, v] of Object.entries(now.stats)) {
      const p = before.stats[k] ?? stat(0, before.domains);
      const base = splitKey(k);
      stats[k] = {
        ...v,
        previous: p,
        change: {
          count: v.count - p.count,
          percentPoints:
            v.percent === null || p.percent === null ? null : Math.round((v.percent - p.percent) * 100) / 100,
        },
        ...(base && base[1] === 'yes' ? { changeCommon: { count: commonChange.get(k) ?? 0 } } : {}),
      };
    }
    return {
      ...now,
      stats,
      compare: { scan: old, domains: before.domains, added, removed: before.domains - common, common },
    };
  };

  return {
    scans: () => withSource(listing, () => []),

    report: (scan, ro = {}) =>
      withSource(
        async (s) => {
          const stored = await s.count(scan).catch(() => -1);
          const id = JSON.stringify([scan, ro.provider ?? null, ro.compare ?? null]);
          const hit = cache.get(id);
          if (hit && hit.stored === stored && Date.now() - hit.at < cacheMs) return hit.report;
          let report = await compute(s, scan, ro.provider);
          if (ro.compare !== undefined) {
            if (!(await scansOf(s)).some((x) => x.name === ro.compare)) throw new NoSuchScan(ro.compare);
            report = await compare(s, report, scan, ro.compare, ro.provider);
          }
          if (cache.size > 32) cache.delete(cache.keys().next().value as string);
          cache.set(id, { at: Date.now(), stored, report });
          return report;
        },
        () => {
          throw new NoSuchScan(scan);
        },
      ),

    domainsOf: (scan, key, qo = {}) =>
      withSource(
        async (s) => {
          const parsed = splitKey(key);
          const share = splitShare(key);
          if (!parsed && !share) return { domains: [], total: 0 };
          const params: string[] = [];
          const where: string[] = [];
          if (qo.provider !== undefined) {
            params.push(qo.provider);
            where.push(`list_contains(${q(shareColumn('providers'))}, $${params.length})`);
          }
          if (share) {
            params.push(share[1]);
            where.push(`list_contains(${q(shareColumn(share[0]))}, $${params.length})`);
          } else {
            const [base, verdict] = parsed as [string, Verdict];
            where.push(`${q(keyColumn(base))} = ${VERDICT_CODE[verdict]}`);
          }
          const limit = Math.max(0, Math.trunc(qo.limit ?? 500));
          const offset = Math.max(0, Math.trunc(qo.offset ?? 0));
          const cond = where.join(' AND ');
          const [n] = await s.query(scan, `SELECT count(*) AS n FROM domains WHERE ${cond}`, params);
          const rows = await s.query(
            scan,
            `SELECT domain FROM domains WHERE ${cond} ORDER BY domain LIMIT ${limit} OFFSET ${offset}`,
            params,
          );
          return { domains: rows.map((r) => String(r.domain)), total: Number(n?.n ?? 0) };
        },
        () => ({ domains: [], total: 0 }),
      ),

    document: (scan, domain) =>
      withSource(
        async (s) => ((await scansOf(s)).some((x) => x.name === scan) ? s.document(scan, domain) : undefined),
        () => undefined,
      ),

    history: (domain) =>
      withSource(
        async (s) => {
          const out: HistoryEntry[] = [];
          for (const row of await scansOf(s)) {
            const doc = await s.document(row.name, domain);
            if (doc) out.push({ scan: row.name, started: row.started, doc });
          }
          return out;
        },
        () => [],
      ),

    search: (scan, prefix, limit) =>
      withSource(
        async (s) =>
          (
            await s.query(
              scan,
              'SELECT domain FROM domains WHERE starts_with(domain, $1) ORDER BY domain LIMIT $2',
              [prefix, limit],
            )
          ).map((r) => String(r.domain)),
        () => [],
      ),
  };
}

export class NoSuchScan extends Error {
  readonly statusCode = 404;
  readonly scan: string;
  constructor(scan: string) {
    super(`no scan "${scan}" in the database`);
    this.scan = scan;
  }
}
