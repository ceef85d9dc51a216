/**
 * The typed row of one domain in the scan store: what every statistic and the dashboard read,
 * derived once when the domain is stored (from the check definitions' statistics contributions),
 * so `mailsec report` counts columns in the database instead of reading documents.
 *
 *   domain, checked_at, has_mx, errors (error findings), undetermined (sections in status error)
 *   "status.<check>"   the section's status (null: not run)
 *   "<key>"            the key's verdict, VERDICT_CODE (0 no, 1 yes, 2 error, 3 skipped)
 *   "share.<name>"     the names the domain counts once in that share (providers, dnsProviders, issuers, software)
 *   findings           [{ id, severity }]
 */
import { CHECKS } from '../checks/index.ts';
import type { CheckId } from '../checks/types.ts';
import type {
  Denominator,
  DocumentView,
  ShareContribution,
  ShareName,
  StatisticKey,
  StoredSection,
  Verdict,
} from '../core/statistics.ts';
import { VERDICT_CODE } from '../core/statistics.ts';

export type Doc = Record<string, unknown>;

/** One statistic key with the check it belongs to (null: the domain name itself). */
export interface KeyDef {
  readonly key: string;
  readonly over: Denominator;
  /** the key whose yes-domains are this key's denominator (`dane.invalid` within `dane.present`) */
  readonly within: string | null;
  readonly check: CheckId | null;
  readonly def: StatisticKey<object>;
}

export interface ShareDef {
  readonly share: ShareName;
  readonly over: 'all' | 'mx' | 'seen';
  readonly check: CheckId;
  readonly def: ShareContribution<object>;
}

/** The name's own key: an `xn--` label. */
const idnKey: StatisticKey<object> = {
  key: 'idn',
  over: 'all',
  verdict: (_s, doc) => (doc.domain.split('.').some((l) => l.startsWith('xn--')) ? 'yes' : 'no'),
};

function collectKeys(): KeyDef[] {
  const out: KeyDef[] = [{ key: idnKey.key, over: 'all', within: null, check: null, def: idnKey }];
  for (const c of CHECKS)
    for (const k of c.statistics.keys)
      out.push({ key: k.key, over: k.over, within: k.within ?? null, check: c.id, def: k });
  const seen = new Map<string, KeyDef>();
  for (const k of out) {
    if (seen.has(k.key)) throw new Error(`statistic key ${k.key} is defined twice`);
    if (k.within !== null) {
      const base = seen.get(k.within);
      if (!base || base.over !== k.over || base.within !== null)
        throw new Error(
          `statistic key ${k.key}: ${k.within} must be defined before it, over the same domains`,
        );
    }
    seen.set(k.key, k);
  }
  return out;
}

/** Every key: over all domains first, then over domains with MX, each in registry order (a `within` key after its base). */
export const STATISTIC_KEYS: readonly KeyDef[] = (() => {
  const all = collectKeys();
  return [...all.filter((k) => k.over === 'all'), ...all.filter((k) => k.over === 'mx')];
})();

export const SHARES: readonly ShareDef[] = CHECKS.flatMap((c) =>
  (c.statistics.shares ?? []).map((s) => ({ share: s.share, over: s.over, check: c.id, def: s })),
);

export const SHARE_NAMES: readonly ShareName[] = ['providers', 'dnsProviders', 'issuers', 'software'];

export interface DomainRow {
  readonly domain: string;
  readonly checkedAt: string;
  readonly hasMx: boolean;
  readonly errors: number;
  readonly undetermined: number;
  readonly status: Partial<Record<CheckId, string>>;
  readonly verdicts: Record<string, Verdict>;
  readonly shares: Record<ShareName, string[]>;
  readonly findings: { id: string; severity: string }[];
  /** the resolver the domain was checked through */
  readonly resolver: { address: string | null; validates: boolean | null };
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function sectionOf(doc: Doc, id: CheckId): StoredSection<object> | undefined {
  const s = doc[id];
  return typeof s === 'object' && s !== null && typeof (s as { status?: unknown }).status === 'string'
    ? (s as StoredSection<object>)
    : undefined;
}

/** A domain "has MX" when its MX RRset is non-empty (Null MX and localhost targets count). */
export function hasMx(doc: Doc): boolean {
  const mx = doc.mx as { records?: unknown } | undefined;
  return arr(mx?.records).length > 0;
}

/** The typed row of one stored document. */
export function domainRow(doc: Doc): DomainRow {
  const findings = arr(doc.findings) as { id?: unknown; severity?: unknown }[];
  const view: DocumentView = {
    ...doc,
    domain: String(doc.domain ?? ''),
    findings: findings.map((f) => ({ id: String(f.id ?? '') })),
  };
  const withMx = hasMx(doc);
  const status: Partial<Record<CheckId, string>> = {};
  for (const c of CHECKS) {
    const s = sectionOf(doc, c.id);
    if (s) status[c.id] = s.status;
  }
  const verdicts: Record<string, Verdict> = {};
  for (const k of STATISTIC_KEYS) {
    if (k.over === 'mx' && !withMx) continue;
    // a narrower denominator: only the domains counted yes in the base key
    if (k.within !== null && verdicts[k.within] !== 'yes') continue;
    verdicts[k.key] = k.def.verdict(k.check ? sectionOf(doc, k.check) : undefined, view);
  }
  const shares: Record<ShareName, string[]> = { providers: [], dnsProviders: [], issuers: [], software: [] };
  for (const s of SHARES) {
    if (s.over !== 'all' && !withMx) continue;
    for (const n of s.def.names(sectionOf(doc, s.check), view))
      if (!shares[s.share].includes(n)) shares[s.share].push(n);
  }
  const summary = doc.summary as { errors?: number; error?: number } | undefined;
  const res = doc.resolver as { address?: unknown; validates?: unknown } | undefined;
  return {
    domain: view.domain,
    checkedAt: String(doc.checkedAt ?? ''),
    hasMx: withMx,
    errors: summary?.errors ?? 0,
    undetermined: summary?.error ?? 0,
    status,
    verdicts,
    shares,
    findings: findings.map((f) => ({ id: String(f.id ?? ''), severity: String(f.severity ?? '') })),
    resolver: {
      address: typeof res?.address === 'string' ? res.address : null,
      validates: typeof res?.validates === 'boolean' ? res.validates : null,
    },
  };
}

/** The store's column of a key. */
export const keyColumn = (key: string): string => key;
export const statusColumn = (id: CheckId): string => `status.${id}`;
export const shareColumn = (s: ShareName): string => `share.${s}`;

export interface ColumnSpec {
  readonly name: string;
  /** a DuckDB type */
  readonly type: string;
}

/** The typed columns of the store, besides domain, checked_at, has_mx, errors, undetermined, findings and doc. */
export const ROW_COLUMNS: readonly ColumnSpec[] = [
  { name: 'resolver.address', type: 'VARCHAR' },
  { name: 'resolver.validates', type: 'BOOLEAN' },
  ...CHECKS.map((c) => ({ name: statusColumn(c.id), type: 'VARCHAR' })),
  ...STATISTIC_KEYS.map((k) => ({ name: keyColumn(k.key), type: 'UTINYINT' })),
  ...SHARE_NAMES.map((s) => ({ name: shareColumn(s), type: 'VARCHAR[]' })),
];

/** The row's values by column name (ROW_COLUMNS), verdicts as VERDICT_CODE; null where not applicable. */
export function rowValues(r: DomainRow): Record<string, string | number | boolean | string[] | null> {
  const out: Record<string, string | number | boolean | string[] | null> = {
    'resolver.address': r.resolver.address,
    'resolver.validates': r.resolver.validates,
  };
  for (const c of CHECKS) out[statusColumn(c.id)] = r.status[c.id] ?? null;
  for (const k of STATISTIC_KEYS) {
    const v = r.verdicts[k.key];
    out[keyColumn(k.key)] = v === undefined ? null : VERDICT_CODE[v];
  }
  for (const s of SHARE_NAMES) out[shareColumn(s)] = r.shares[s];
  return out;
}
