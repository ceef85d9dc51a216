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
