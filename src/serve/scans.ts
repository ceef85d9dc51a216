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
import { getDomain } from 'tldts';
import type { ReportStat, TldReport } from '../render/tld-report.ts';
import { statisticsDocument } from '../statistics/document.ts';
import { MethodologyAccumulator } from '../statistics/methodology.ts';
import type { Doc } from '../statistics/stats.ts';
import {
  ALL_KEYS,
  bannerSoftware,
  hasMx,
  issuerName,
  MX_KEYS,
  StatsAccumulator,
  stat,
} from '../statistics/stats.ts';
import { ScanStore } from '../store/scan-store.ts';

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

type Verdict = 'yes' | 'no' | 'error' | 'skipped';

/** The verdict of each statistic key for one document (MX keys only for a domain with MX). */
export function verdictsOf(doc: Doc): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  for (const [k, f] of Object.entries(ALL_KEYS)) out.set(k, f(doc));
  if (hasMx(doc)) for (const [k, f] of Object.entries(MX_KEYS)) out.set(k, f(doc));
  return out;
}

/** `spf.present.error` → [`spf.present`, `error`]; `spf.present` → [`spf.present`, `yes`] */
export function splitKey(key: string): [string, Verdict] | null {
  const m = /^(.+?)(?:\.(error|skipped|no))?$/.exec(key);
  const base = m?.[1] ?? '';
  if (!(base in ALL_KEYS || base in MX_KEYS)) return null;
  return [base, (m?.[2] as Verdict | undefined) ?? 'yes'];
}

export type ShareList = 'providers' | 'issuers' | 'software';

/** The names a domain counts under in a share list (as the statistics count them; MX domains only). */
export function sharesOf(doc: Doc, list: ShareList): Set<string> {
  if (!hasMx(doc)) return new Set();
  if (list === 'providers') return providersOf(doc);
  const smtp = doc.smtp as {
    hosts?: { banner?: string | null; certificate?: { issuer?: string | null } | null }[];
  };
  const out = new Set<string>();
  for (const h of Array.isArray(smtp?.hosts) ? smtp.hosts : []) {
    if (list === 'issuers' && h.certificate?.issuer) out.add(issuerName(h.certificate.issuer));
    if (list === 'software' && typeof h.banner === 'string' && h.banner !== '')
      out.add(bannerSoftware(h.banner));
  }
  return out;
}

/** `providers:NAME`, `issuers:NAME`, `software:NAME`: the domains counted under a share list's entry. */
export function splitShare(key: string): [ShareList, string] | null {
  const m = /^(providers|issuers|software):(.+)$/s.exec(key);
  return m ? [m[1] as ShareList, m[2] as string] : null;
}

/** The providers of a domain as the statistics count them (registrable domain of each MX host). */
export function providersOf(doc: Doc): Set<string> {
  const provs = new Set<string>();
  const mx = doc.mx as { records?: { exchange?: string; kind?: string }[] } | undefined;
  for (const r of Array.isArray(mx?.records) ? mx.records : []) {
    if (!r.exchange || r.kind === 'null' || r.kind === 'ip-literal' || r.kind === 'localhost') continue;
    provs.add(getDomain(r.exchange, { allowPrivateDomains: false }) ?? r.exchange);
  }
  return provs;
}

export interface StoreScanDataOptions {
  /** how long a request waits for a writer's batch (ms) */
  readonly lockWaitMs?: number;
  /** how long a computed report is reused while the scan's stored count does not change (ms) */
  readonly cacheMs?: number;
}

interface CachedReport {
  readonly at: number;
  readonly stored: number;
  readonly report: TldReport;
}

/** ScanData over the DuckDB scan store, the file opened read-only for each call. */
export function storeScanData(path: string, o: StoreScanDataOptions = {}): ScanData {
  const lockWaitMs = o.lockWaitMs ?? 10_000;
  const cacheMs = o.cacheMs ?? 30_000;
  const cache = new Map<string, CachedReport>();

  const withStore = async <T>(body: (s: ScanStore) => Promise<T>, empty: () => T): Promise<T> => {
    if (!existsSync(path)) return empty();
    const store = await ScanStore.open(path, {
      readOnly: true,
      lockWaitMs,
      memoryLimit: '256MB',
      guardInProcess: true,
    });
    try {
      // a file that holds only reports has no scan tables yet
      if (!(await store.hasScans())) return empty();
      return await body(store);
    } finally {
      store.close();
    }
  };

  const listing = (s: ScanStore) =>
    s
      .scans()
      .then((rows) =>
        Promise.all(rows.map(async (r) => ({ ...r, stored: await s.count(r.name) }) satisfies ScanListing)),
      );

  const filtered = async function* (s: ScanStore, scan: string, provider?: string) {
    for await (const doc of s.documents(scan)) {
      if (provider !== undefined && !providersOf(doc).has(provider)) continue;
      yield doc;
    }
  };

  const compute = async (s: ScanStore, scan: string, provider?: string): Promise<TldReport> => {
    const row = await s.scan(scan);
    if (!row) throw new NoSuchScan(scan);
    const acc = new StatsAccumulator();
    const method = new MethodologyAccumulator();
    for await (const doc of filtered(s, scan, provider)) {
      acc.add(doc);
      method.add(doc);
    }
    return { ...statisticsDocument(scan, acc.result()), methodology: method.result(row) };
  };

  /** interface.md `--compare OLD`: previous figures, the change, and the change over the domains in both */
  const compare = async (
    s: ScanStore,
    now: TldReport,
    scan: string,
    old: string,
    provider?: string,
  ): Promise<TldReport> => {
    const before = await compute(s, old, provider);
    // per domain of the old scan, the keys it counted in (yes)
    const oldYes = new Map<string, Set<string>>();
    for await (const doc of filtered(s, old, provider)) {
      const yes = new Set<string>();
      for (const [k, v] of verdictsOf(doc)) if (v === 'yes') yes.add(k);
      oldYes.set(String(doc.domain), yes);
    }
    const commonChange = new Map<string, number>();
    let common = 0;
    let added = 0;
    for await (const doc of filtered(s, scan, provider)) {
      const prev = oldYes.get(String(doc.domain));
      if (!prev) {
        added++;
        continue;
      }
      common++;
      const yes = new Set<string>();
      for (const [k, v] of verdictsOf(doc)) if (v === 'yes') yes.add(k);
      for (const k of yes) if (!prev.has(k)) commonChange.set(k, (commonChange.get(k) ?? 0) + 1);
      for (const k of prev) if (!yes.has(k)) commonChange.set(k, (commonChange.get(k) ?? 0) - 1);
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
    scans: () => withStore(listing, () => []),

    report: (scan, ro = {}) =>
      withStore(
        async (s) => {
          const stored = await s.count(scan);
          const id = JSON.stringify([scan, ro.provider ?? null, ro.compare ?? null]);
          const hit = cache.get(id);
          if (hit && hit.stored === stored && Date.now() - hit.at < cacheMs) return hit.report;
          let report = await compute(s, scan, ro.provider);
          if (ro.compare !== undefined) {
            if (!(await s.scan(ro.compare))) throw new NoSuchScan(ro.compare);
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

    domainsOf: (scan, key, q = {}) =>
      withStore(
        async (s) => {
          const parsed = splitKey(key);
          const share = splitShare(key);
          if (!parsed && !share) return { domains: [], total: 0 };
          const limit = q.limit ?? 500;
          const offset = q.offset ?? 0;
          const domains: string[] = [];
          let total = 0;
          for await (const doc of filtered(s, scan, q.provider)) {
            if (share) {
              if (!sharesOf(doc, share[0]).has(share[1])) continue;
            } else {
              const [base, want] = parsed as [string, Verdict];
              const f = ALL_KEYS[base] ?? (hasMx(doc) ? MX_KEYS[base] : undefined);
              if (!f || f(doc) !== want) continue;
            }
            if (total >= offset && domains.length < limit) domains.push(String(doc.domain));
            total++;
          }
          return { domains, total };
        },
        () => ({ domains: [], total: 0 }),
      ),

    document: (scan, domain) =>
      withStore(
        (s) => s.document(scan, domain),
        () => undefined,
      ),

    history: (domain) =>
      withStore(
        async (s) => {
          const out: HistoryEntry[] = [];
          for (const row of await s.scans()) {
            const doc = await s.document(row.name, domain);
            if (doc) out.push({ scan: row.name, started: row.started, doc });
          }
          return out;
        },
        () => [],
      ),

    search: (scan, prefix, limit) =>
      withStore(
        (s) => s.search(scan, prefix, limit),
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
