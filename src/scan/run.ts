/**
 * The scan loop: a bounded pool of domains in flight over one shared AuditEnvironment (one
 * resolver with its cache, one prober, one HTTPS fetcher), results written to the store in
 * batches (one transaction each), progress on a terminal.
 */
import type { AuditEnvironment } from '../audit/audit.ts';
import { auditDomain } from '../audit/audit.ts';
import { toDocument } from '../audit/document.ts';
import type { ResultRow, ScanStore } from '../store/scan-store.ts';

export interface ScanRunOptions {
  readonly scan: string;
  readonly domains: readonly string[];
  readonly env: AuditEnvironment;
  readonly store: ScanStore;
  readonly resolver: { address: string; validates: boolean };
  /** domains in flight at once */
  readonly concurrency: number;
  /** results per transaction */
  readonly batchSize: number;
  /** a batch is written at least this often (ms) */
  readonly flushMs?: number;
  readonly progress?: (p: Progress) => void;
  /** replace a stored result of the same domain (the --retry-errors pass) */
  readonly replace?: boolean;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly failed: number;
}

export interface ScanRunResult extends Progress {
  readonly aborted: boolean;
}

/** "12/100 3.2/s ETA 27s" */
export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  const left = p.total - p.done;
  const eta = rate > 0 ? Math.round(left / rate) : null;
  const etaText =
    eta === null
      ? '?'
      : eta >= 3600
        ? `${Math.floor(eta / 3600)}h${String(Math.floor((eta % 3600) / 60)).padStart(2, '0')}m`
        : eta >= 60
          ? `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`
          : `${eta}s`;
  const percent = p.total ? ((p.done / p.total) * 100).toFixed(1) : '100.0';
  return `${p.done}/${p.total} (${percent}%) ${rate.toFixed(1)} domains/s ETA ${etaText}${p.failed ? ` failed ${p.failed}` : ''}`;
}

export async function runScan(o: ScanRunOptions): Promise<ScanRunResult> {
  const started = Date.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  let batch: ResultRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown = null;
  const flush = () => {
    if (!batch.length) return writing;
    const rows = batch;
    batch = [];
    writing = writing.then(async () => {
      try {
        await o.store.writeBatch(o.scan, rows, { replace: o.replace === true });
        done += rows.length;
        o.progress?.({ done, total: o.domains.length, elapsedMs: Date.now() - started, failed });
      } catch (e) {
        writeError ??= e;
      }
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), o.flushMs ?? 1000);
  const worker = async () => {
    while (next < o.domains.length && !o.env.signal.aborted && writeError === null) {
      const domain = o.domains[next++] as string;
      try {
        const report = toDocument(await auditDomain(domain, o.env), o.resolver);
        if (o.env.signal.aborted) return; // an aborted audit is incomplete: not stored, redone on resume
        batch.push({ domain, checkedAt: report.checkedAt, doc: report });
      } catch {
        failed++; // not stored: a resumed run tries it again
      }
      if (batch.length >= o.batchSize) void flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  } finally {
    clearInterval(timer);
    await flush();
  }
  if (writeError) throw writeError;
  return {
    done,
    total: o.domains.length,
    elapsedMs: Date.now() - started,
    failed,
    aborted: o.env.signal.aborted,
  };
}
