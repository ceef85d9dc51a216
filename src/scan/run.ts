/**
 * The scan loop: a bounded pool of domains in flight over one shared AuditEnvironment (one
 * resolver with its cache, one prober, one HTTPS fetcher), the input pulled chunk by chunk,
 * results written to the sink in batches (one part each), progress reported as it goes.
 */
import type { AuditEnvironment } from '../audit/audit.ts';
import { auditDomain } from '../audit/audit.ts';
import { toDocument } from '../audit/document.ts';
import type { ScanSink, StoredDomain } from '../store/scan-store.ts';
import { toStored } from './store.ts';

/**
 * Where the loop hands its batches: the scan store (`mailsec scan`), or a scale-out worker's
 * chunk, whose documents travel back to the collector (src/queue/).
 */
export type ResultSink = Pick<ScanSink, 'write'> & Partial<Pick<ScanSink, 'stream'>>;

export interface ScanRunOptions {
  readonly scan: string;
  /** the domains to scan, in chunks (the input is never held whole) */
  readonly domains: AsyncIterable<readonly string[]> | Iterable<readonly string[]>;
  /** how many `domains` holds (for progress) */
  readonly total: number;
  readonly env: AuditEnvironment;
  readonly sink: ResultSink;
  readonly resolver: { address: string; validates: boolean };
  /** domains in flight at once */
  readonly concurrency: number;
  /** results per part */
  readonly batchSize: number;
  /** a batch is written at least this often (ms; default 1000, 5000 when the sink streams) */
  readonly flushMs?: number;
  readonly progress?: (p: Progress) => void;
  /** how often `progress` is called besides after each batch (ms; default 1000) */
  readonly progressMs?: number;
  /** replace a stored result of the same domain (the --retry-errors pass) */
  readonly replace?: boolean;
  /**
   * A soft stop (the first ^C): no new domain is started; those in flight finish and are stored,
   * so the scan resumes where it stopped. `env.signal` is the hard stop (audits abort, not stored).
   */
  readonly stop?: AbortSignal;
  /** per name-server-operator pacing: a domain starts once its operator has budget */
  readonly gate?: { admit(domain: string, signal?: AbortSignal): Promise<void> };
  /** counters of the run's network layer, shown with the progress */
  readonly counters?: () => RunCounters;
}

export interface RunCounters {
  /** DNS queries sent so far */
  readonly queries: number;
  /** failures by kind (timeout, SERVFAIL, REFUSED, network, …), counted where they happen */
  readonly errors: Readonly<Record<string, number>>;
}

export interface Progress {
  /** domains stored */
  readonly done: number;
  /**
   * domains whose audit finished, stored or in the part being filled (the count a person watches:
   * `done` moves only when a part is written, every few seconds)
   */
  readonly audited?: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly failed: number;
  /** domains with at least one section that could not be determined */
  readonly undetermined: number;
  readonly counters?: RunCounters;
}

export interface ScanRunResult extends Progress {
  /** stopped early (^C, SIGTERM): re-run to resume */
  readonly aborted: boolean;
}

function duration(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * "12/100 (12.0%) 3.2 domains/s ETA 27s stored 10 140 q/s errors: timeout 3, SERVFAIL 1": the
 * count, rate and ETA of finished audits; "stored N" while the store is behind them.
 */
export function formatProgress(p: Progress): string {
  const finished = Math.max(p.done, p.audited ?? 0);
  const rate = p.elapsedMs > 0 ? (finished / p.elapsedMs) * 1000 : 0;
  const left = Math.max(0, p.total - finished);
  const eta = rate > 0 ? Math.round(left / rate) : null;
  const percent = p.total ? ((finished / p.total) * 100).toFixed(1) : '100.0';
  const parts = [
    `${finished}/${p.total} (${percent}%) ${rate.toFixed(1)} domains/s ETA ${eta === null ? '?' : duration(eta)}`,
  ];
  if (finished > p.done) parts.push(`stored ${p.done}`);
  if (p.counters && p.elapsedMs > 0)
    parts.push(`${Math.round((p.counters.queries / p.elapsedMs) * 1000)} q/s`);
  if (p.undetermined) parts.push(`undetermined ${p.undetermined}`);
  const errs = Object.entries(p.counters?.errors ?? {}).filter(([, n]) => n > 0);
  if (errs.length) parts.push(`errors: ${errs.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (p.failed) parts.push(`failed ${p.failed}`);
  return parts.join(' ');
}

export async function runScan(o: ScanRunOptions): Promise<ScanRunResult> {
  const started = Date.now();
  let done = 0;
  let audited = 0;
  let failed = 0;
  let undetermined = 0;
  let batch: StoredDomain[] = [];
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown = null;
  const stopped = () => o.env.signal.aborted || o.stop?.aborted === true;
  // the stored document keeps each section's queryCount, not the log of its queries
  const env: AuditEnvironment = { ...o.env, queryLog: false };
  const snapshot = (): Progress => ({
    done,
    audited,
    total: o.total,
    elapsedMs: Date.now() - started,
    failed,
    undetermined,
    ...(o.counters ? { counters: o.counters() } : {}),
  });
  // a sink that streams takes each domain as it finishes (nothing held here until its part is
  // written), so its parts can be cut less often: larger parts, fewer of them to write and merge
  const stream = o.sink.stream
    ? await o.sink.stream(o.scan, { replace: o.replace === true, rows: o.batchSize })
    : null;
  const flush = () => {
    if (stream) {
      if (!stream.rows) return writing;
      const cut = stream.cut();
      writing = writing.then(async () => {
        try {
          const r = await cut;
          done += r.rows;
          undetermined += r.undetermined;
          o.progress?.(snapshot());
        } catch (e) {
          writeError ??= e;
        }
      });
      return writing;
    }
    if (!batch.length) return writing;
    const rows = batch;
    batch = [];
    writing = writing.then(async () => {
      try {
        await o.sink.write(o.scan, rows, { replace: o.replace === true });
        done += rows.length;
        for (const r of rows) if (r.undetermined > 0) undetermined++;
        o.progress?.(snapshot());
      } catch (e) {
        writeError ??= e;
      }
    });
    return writing;
  };
  // the input, pulled one chunk at a time and shared by the workers
  const chunks: AsyncIterator<readonly string[]> | Iterator<readonly string[]> =
    Symbol.asyncIterator in o.domains ? o.domains[Symbol.asyncIterator]() : o.domains[Symbol.iterator]();
  let current: readonly string[] = [];
  let at = 0;
  let fetching: Promise<boolean> | null = null;
  let exhausted = false;
  const next = async (): Promise<string | undefined> => {
    for (;;) {
      if (at < current.length) return current[at++];
      if (exhausted) return undefined;
      fetching ??= Promise.resolve(chunks.next()).then((r) => {
        fetching = null;
        if (r.done) exhausted = true;
        else {
          current = r.value;
          at = 0;
        }
        return !r.done;
      });
      await fetching;
    }
  };
  const flushTimer = setInterval(() => void flush(), o.flushMs ?? (stream ? 5000 : 1000));
  const progressTimer = o.progress ? setInterval(() => o.progress?.(snapshot()), o.progressMs ?? 1000) : null;
  const worker = async () => {
    while (!stopped() && writeError === null) {
      // a part waits in the engine's memory until it is written: no third one behind two
      if (stream && stream.waiting >= 2) {
        await writing;
        continue;
      }
      const domain = await next();
      if (domain === undefined || stopped()) return;
      try {
        if (o.gate) await o.gate.admit(domain, o.env.signal);
        const doc = toDocument(await auditDomain(domain, env), o.resolver);
        if (o.env.signal.aborted) return; // an aborted audit is incomplete: not stored, redone on resume
        if (stream) stream.add(toStored(doc));
        else batch.push(toStored(doc));
        audited++;
      } catch {
        failed++; // not stored: a resumed run tries it again
      }
      if (stream ? stream.full : batch.length >= o.batchSize) void flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  } finally {
    clearInterval(flushTimer);
    if (progressTimer) clearInterval(progressTimer);
    await flush();
    await stream?.close();
    await chunks.return?.(undefined);
  }
  if (writeError) throw writeError;
  return { ...snapshot(), aborted: stopped() };
}
