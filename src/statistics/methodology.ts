/**
 * The methodology block of the TLD report: what the stored scan row says (name, begun, input,
 * total, options) and what its documents say (when they were checked, through which resolver,
 * whether it validated). One pass beside the statistics, constant memory.
 */
import type { Methodology } from './document.ts';

export interface ScanRecord {
  readonly name: string;
  readonly started: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly input: string | null;
  readonly total: number | null;
}

/** at most this many distinct resolver names are kept */
const MAX_RESOLVERS = 8;

export class MethodologyAccumulator {
  private stored = 0;
  private first: string | null = null;
  private last: string | null = null;
  private readonly resolvers = new Set<string>();
  private yes = 0;
  private no = 0;

  add(doc: Record<string, unknown>): void {
    this.stored++;
    const at = typeof doc.checkedAt === 'string' ? doc.checkedAt : null;
    if (at !== null) {
      if (this.first === null || at < this.first) this.first = at;
      if (this.last === null || at > this.last) this.last = at;
    }
    const r = doc.resolver as { address?: unknown; validates?: unknown } | undefined;
    if (typeof r?.address === 'string' && this.resolvers.size < MAX_RESOLVERS) this.resolvers.add(r.address);
    if (r?.validates === true) this.yes++;
    else if (r?.validates === false) this.no++;
  }

  result(scan: ScanRecord): Methodology {
    return {
      scan: scan.name,
      started: scan.started,
      input: scan.input,
      total: scan.total,
      stored: this.stored,
      firstChecked: this.first,
      lastChecked: this.last,
      resolvers: [...this.resolvers].sort(),
      resolverValidated: { yes: this.yes, no: this.no },
      options: scan.options,
    };
  }
}

/** What `methodologyFrom` asks: SQL over the scan's `domains` view (src/scan/store.ts). */
export interface MethodologySource {
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/** The methodology block counted in the database (the typed columns checked_at and resolver.*). */
export async function methodologyFrom(source: MethodologySource, scan: ScanRecord): Promise<Methodology> {
  const [r] = await source.query(
    `SELECT count(*) AS stored, min(checked_at) AS first, max(checked_at) AS last,
            count(*) FILTER (WHERE "resolver.validates") AS yes,
            count(*) FILTER (WHERE NOT "resolver.validates") AS no
     FROM domains`,
  );
  const names = await source.query(
    `SELECT DISTINCT "resolver.address" AS a FROM domains WHERE "resolver.address" IS NOT NULL ORDER BY a LIMIT ${MAX_RESOLVERS}`,
  );
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    scan: scan.name,
    started: scan.started,
    input: scan.input,
    total: scan.total,
    stored: Number(r?.stored ?? 0),
    firstChecked: text(r?.first),
    lastChecked: text(r?.last),
    resolvers: names.map((n) => String(n.a)),
    resolverValidated: { yes: Number(r?.yes ?? 0), no: Number(r?.no ?? 0) },
    options: scan.options,
  };
}
