/**
 * `mailsec scan INPUT --queue redis://…`: the scan as chunk jobs for `mailsec worker`s, and the
 * collector that stores what they send back (DuckDB has one writer: this process).
 *
 *   stage      the input in the store's work database, minus the stored domains (resume), then in
 *              the ledger (src/store/scan-ledger.ts): every name to scan, in input order
 *   collect    a BullMQ worker (concurrency 1) on the scan's results queue: each result job is
 *              validated, its domains taken from the ledger (a domain already taken is dropped),
 *              and its documents written as one part named after the chunk (`q-<hash>`)
 *   adopt      chunk jobs of this scan left by an earlier run (waiting, active, delayed) are kept
 *              and their domains not handed out again; its failed ones are removed (re-scanned)
 *   enqueue    the rest, `chunkSize` names a job, at most WINDOW chunks out at a time
 *   reconcile  every RECONCILE_MS: a chunk that failed for good is counted (re-run to retry); a
 *              chunk whose job and result both vanished (a Redis restart without AOF) is enqueued
 *              again
 *   finish     when every chunk came back: the store's final merge, as a local scan
 *
 * The first ^C stops enqueueing and collecting; the jobs stay in Redis, the workers go on, and
 * the next run of the same command collects what they did meanwhile.
 */
import { hostname } from 'node:os';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { Progress } from '../scan/run.ts';
import { toStored } from '../scan/store.ts';
import { ScanLedger } from '../store/scan-ledger.ts';
import type { ScanStore, Staged, StoredDomain } from '../store/scan-store.ts';
import { type ConnectOptions, connectRedis, type QueueTarget } from './connection.ts';
import {
  CHUNK_QUEUE,
  type ChunkJob,
  chunkId,
  decodeDocuments,
  InvalidJob,
  JOB_VERSION,
  type JobConfig,
  PREFIX,
  parseChunkResult,
  partName,
  type RunLimits,
  resultsQueueName,
  scanKey,
} from './jobs.ts';
import { HEARTBEAT_MS, WORKERS_KEY } from './worker.ts';

/** chunks out at once (waiting or running): bounds Redis memory and what a lost Redis loses */
export const WINDOW = 256;
const RECONCILE_MS = 2000;

export interface QueuedScanOptions {
  readonly scan: string;
  readonly store: ScanStore;
  readonly staged: Staged;
  readonly target: QueueTarget;
  readonly connect: ConnectOptions;
  readonly chunkSize: number;
  readonly config: JobConfig;
  readonly limits: RunLimits;
  /** replace stored rows (`--retry-errors`) */
  readonly replace: boolean;
  /** the collector's job lock (ms) */
  readonly stallMs: number;
  readonly stop: AbortSignal;
  readonly progress?: (p: QueueProgress) => void;
  readonly progressMs?: number;
  readonly log: (line: string) => void;
  /** what the status shows besides the counters */
  readonly meta: Record<string, string | number>;
}

export interface QueueProgress extends Progress {
  /** chunks out (waiting or running on a worker) */
  readonly out: number;
  /** workers seen in the last heartbeats */
  readonly workers: number;
}

export interface QueuedScanResult extends QueueProgress {
  readonly aborted: boolean;
  /** result domains dropped: already stored, or never given out (a chunk run twice) */
  readonly dropped: number;
  readonly excluded: number;
  readonly queries: number;
  readonly chunks: number;
  /** the workers' time in the collected chunks (ms, summed): wall time minus this is the queue's */
  readonly workerMs: number;
  /** chunks that failed for good (their domains: re-run to retry) */
  readonly failedChunks: number;
  /** chunks enqueued again because their job vanished from Redis */
  readonly lost: number;
}

export const statusKey = (scan: string) => `${PREFIX}:scan:${scanKey(scan)}`;
const lockKey = (scan: string) => `${statusKey(scan)}:collector`;

const LIVE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Workers whose heartbeat is recent, from the registry. */
export async function liveWorkers(redis: Redis): Promise<Record<string, unknown>[]> {
  const all = await redis.hgetall(WORKERS_KEY);
  const out: Record<string, unknown>[] = [];
  for (const [id, text] of Object.entries(all)) {
    try {
      const w = JSON.parse(text) as Record<string, unknown>;
      if (Date.now() - Number(w.seen) < HEARTBEAT_MS * 4) out.push(w);
      else if (Date.now() - Number(w.seen) > 3_600_000) await redis.hdel(WORKERS_KEY, id);
    } catch {
      await redis.hdel(WORKERS_KEY, id);
    }
  }
  return out;
}

export async function runQueuedScan(o: QueuedScanOptions): Promise<QueuedScanResult> {
  const me = `${hostname()}:${process.pid}`;
  const redis = await connectRedis(o.target, { ...o.connect, name: `mailsec-collector-${me}` });
  const blocking = redis.duplicate();
  let lastError = 0;
  for (const c of [redis, blocking])
    c.on('error', (e: Error) => {
      if (Date.now() - lastError > 10_000) {
        lastError = Date.now();
        o.log(`mailsec scan: queue ${o.target.display}: ${e.message} (reconnecting)`);
      }
    });
  // one collector per scan: a second one would write the same scan beside it
  const holder = await redis.set(lockKey(o.scan), me, 'PX', 30_000, 'NX');
  if (holder !== 'OK') {
    const who = await redis.get(lockKey(o.scan));
    redis.disconnect();
    blocking.disconnect();
    throw new MailsecError(
      ErrorCode.QueueFailed,
      `scan "${o.scan}" is being collected by ${who ?? 'another process'} (one collector per scan)`,
      'stop that one first, or wait 30 s when it was killed',
    );
  }
  const lockRenew = setInterval(() => {
    void redis
      .eval(
        // (set again when a Redis restart without AOF lost it)
        "local v = redis.call('GET', KEYS[1]) if v == ARGV[1] or not v then return redis.call('SET', KEYS[1], ARGV[1], 'PX', 30000) end return 0",
        1,
        lockKey(o.scan),
        me,
      )
      .catch(() => undefined);
  }, 10_000);
  const ledger = await ScanLedger.open();
  const chunkQueue = new Queue(CHUNK_QUEUE, { connection: redis, prefix: PREFIX });
  const resultsQueue = new Queue(resultsQueueName(o.scan), { connection: redis, prefix: PREFIX });
  chunkQueue.on('error', () => undefined);
  resultsQueue.on('error', () => undefined);
  const started = Date.now();
  const outstanding = new Map<string, readonly string[]>();
  let collected = 0;
  let undetermined = 0;
  let failed = 0;
  let failedChunks = 0;
  let dropped = 0;
  let excluded = 0;
  let queries = 0;
  let workerMs = 0;
  let chunks = 0;
  let lost = 0;
  let workers = 0;
  let fatal: unknown = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const stopped = () => o.stop.aborted || fatal !== null;
  o.stop.addEventListener('abort', poke, { once: true });

  const collect = async (job: Job): Promise<void> => {
    let rows: StoredDomain[] = [];
    let accepted = new Set<string>();
    try {
      const r = parseChunkResult(job.data);
      if (r.scan !== o.scan) throw new InvalidJob(`a result of scan "${r.scan}"`);
      const docs = decodeDocuments(r.docs);
      const seen = new Set<string>();
      const unique = docs.filter((d) => {
        const domain = d.domain as string;
        if (seen.has(domain)) return false;
        seen.add(domain);
        return true;
      });
      accepted = await ledger.take(unique.map((d) => d.domain as string));
      const bad: string[] = [];
      for (const d of unique) {
        if (!accepted.has(d.domain as string)) continue;
        try {
          rows.push(toStored(d));
        } catch {
          bad.push(d.domain as string);
        }
      }
      if (bad.length) {
        // a document the store cannot take: not stored, scanned again by a re-run
        await ledger.untake(bad);
        failed += bad.length;
        o.log(
          `mailsec scan: ${bad.length} malformed document(s) in chunk ${r.chunk} from ${r.worker} dropped`,
        );
      }
      dropped += docs.length - rows.length - bad.length;
      if (rows.length) await o.store.write(o.scan, rows, { replace: o.replace, part: partName(r.chunk) });
      collected += rows.length;
      for (const row of rows) if (row.undetermined > 0) undetermined++;
      failed += r.failed.length;
      excluded += r.excluded.length;
      queries += r.queries;
      workerMs += r.elapsedMs;
      if (outstanding.delete(r.chunk)) chunks++;
      rows = [];
      poke();
    } catch (e) {
      if (e instanceof InvalidJob) {
        o.log(`mailsec scan: result ${job.id} refused: ${e.message}`);
        return; // completes: a malformed result is never retried
      }
      // the store failed: nothing of this result counts; the job fails and a re-run retries it
      await ledger.untake([...accepted]).catch(() => undefined);
      fatal ??= e;
      poke();
      throw e;
    }
  };

  const status = async (state: string) => {
    const counts = await ledger.counts().catch(() => ({ todo: 0, queued: 0, taken: 0 }));
    await redis
      .hset(statusKey(o.scan), {
        scan: o.scan,
        collector: me,
        state,
        started: new Date(started).toISOString(),
        updated: new Date().toISOString(),
        chunkSize: o.chunkSize,
        unique: o.staged.unique,
        alreadyStored: o.staged.stored,
        todo: o.staged.todo,
        collected,
        undetermined,
        failed,
        dropped,
        excluded,
        queries,
        chunksCollected: chunks,
        chunksOut: outstanding.size,
        failedChunks,
        lost,
        waiting: counts.todo,
        ...o.meta,
      })
      .catch(() => 0);
  };

  const snapshot = (): QueueProgress => ({
    done: collected,
    total: o.staged.todo,
    elapsedMs: Date.now() - started,
    failed,
    undetermined,
    counters: { queries, errors: {} },
    out: outstanding.size,
    workers,
  });

  let collector: Worker | null = null;
  let progressTimer: ReturnType<typeof setInterval> | null = null;
  try {
    await ledger.stage(o.store.pending());
    await status('starting');
    // results an earlier run left failed (its store write failed): once more
    for (const j of await resultsQueue.getFailed(0, 10_000)) await j.retry().catch(() => undefined);
    collector = new Worker(resultsQueueName(o.scan), collect, {
      connection: blocking,
      prefix: PREFIX,
      name: `collector-${me}`,
      concurrency: 1,
      lockDuration: Math.max(o.stallMs, 30_000),
      stalledInterval: Math.max(o.stallMs, 30_000),
      maxStalledCount: 10,
      drainDelay: 1,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 100_000 },
    });
    collector.on('error', () => undefined);
    // what earlier runs' workers sent meanwhile is stored before anything is handed out again
    for (;;) {
      const c = await resultsQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(c).reduce((a, b) => a + b, 0) === 0 || stopped()) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // chunks of this scan still in the queue: kept, their domains not handed out again
    for (const state of [...LIVE_STATES, 'failed'] as const) {
      for (let from = 0; ; from += 500) {
        const page = await chunkQueue.getJobs([state], from, from + 499, true);
        if (!page.length) break;
        for (const j of page) {
          const d = j?.data as Partial<ChunkJob> | undefined;
          if (!j?.id || d?.scan !== o.scan || !Array.isArray(d.domains)) continue;
          if (state === 'failed') {
            await j.remove().catch(() => undefined);
            continue;
          }
          const domains = d.domains.filter((x): x is string => typeof x === 'string');
          await ledger.markQueued(domains);
          outstanding.set(j.id, domains);
        }
        if (page.length < 500) break;
      }
    }
    if (outstanding.size)
      o.log(`mailsec scan ${o.scan}: ${outstanding.size} chunk(s) of an earlier run still queued: kept`);
    if (o.progress) progressTimer = setInterval(() => o.progress?.(snapshot()), o.progressMs ?? 1000);
    const enqueue = async (domains: readonly string[]) => {
      const id = chunkId(o.scan, domains);
      const data: ChunkJob = {
        v: JOB_VERSION,
        scan: o.scan,
        chunk: id,
        domains,
        config: o.config,
        limits: o.limits,
      };
      outstanding.set(id, domains);
      await chunkQueue.add('chunk', data, {
        jobId: id,
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: false,
      });
    };
    const reconcile = async () => {
      for (const [id, domains] of [...outstanding]) {
        if (stopped()) return;
        const state = await chunkQueue.getJobState(id);
        if (state === 'failed') {
          if (!outstanding.delete(id)) continue;
          const j = await chunkQueue.getJob(id);
          failed += domains.length;
          failedChunks++;
          o.log(
            `mailsec scan ${o.scan}: chunk ${id} failed: ${j?.failedReason ?? 'unknown reason'} (re-run to retry its ${domains.length} domains)`,
          );
        } else if (state === 'unknown') {
          const rs = await resultsQueue.getJobState(id);
          // neither the job nor its result exists any more, and it was not collected: lost
          if (rs === 'unknown' && outstanding.has(id)) {
            lost++;
            outstanding.delete(id);
            // a job hash a restart left in no list would make the same id a no-op to add
            await chunkQueue.remove(id).catch(() => 0);
            await enqueue(domains);
          }
        }
      }
    };
    const pending = ledger.pending(o.chunkSize);
    let exhausted = false;
    let lastReconcile = Date.now();
    let lastWorkers = 0;
    let lastStatus = 0;
    while (!stopped()) {
      while (!exhausted && outstanding.size < WINDOW && !stopped()) {
        const next = await pending.next();
        if (next.done) exhausted = true;
        else await enqueue(next.value);
      }
      if (exhausted && outstanding.size === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, RECONCILE_MS);
      });
      wake = null;
      if (Date.now() - lastWorkers > HEARTBEAT_MS) {
        lastWorkers = Date.now();
        workers = (await liveWorkers(redis).catch(() => [])).length;
      }
      if (Date.now() - lastStatus >= 1000) {
        lastStatus = Date.now();
        await status('running');
      }
      if (Date.now() - lastReconcile >= RECONCILE_MS) {
        lastReconcile = Date.now();
        await reconcile();
      }
    }
    await pending.return(undefined);
    if (fatal) throw fatal;
    const aborted = o.stop.aborted;
    await status(aborted ? 'interrupted' : 'collected');
    return {
      ...snapshot(),
      aborted,
      dropped,
      excluded,
      queries,
      chunks,
      workerMs,
      failedChunks,
      lost,
    };
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    clearInterval(lockRenew);
    await collector?.close().catch(() => undefined);
    await chunkQueue.close().catch(() => undefined);
    await resultsQueue.close().catch(() => undefined);
    await redis
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        lockKey(o.scan),
        me,
      )
      .catch(() => undefined);
    redis.disconnect();
    blocking.disconnect();
    await ledger.close();
  }
}

/** Marks the scan finished in its status (after the store's final merge). */
export async function markFinished(
  target: QueueTarget,
  connect: ConnectOptions,
  scan: string,
  stored: number,
): Promise<void> {
  const redis = await connectRedis(target, connect);
  try {
    await redis.hset(statusKey(scan), { state: 'finished', stored, updated: new Date().toISOString() });
  } finally {
    redis.disconnect();
  }
}

/** `scan --queue … --status NAME`: the scan's counters, its results queue, the live workers. */
export async function queueStatus(
  target: QueueTarget,
  connect: ConnectOptions,
  scan: string,
): Promise<Record<string, unknown> | null> {
  const redis = await connectRedis(target, connect);
  const results = new Queue(resultsQueueName(scan), { connection: redis, prefix: PREFIX });
  const chunksQ = new Queue(CHUNK_QUEUE, { connection: redis, prefix: PREFIX });
  try {
    const raw = await redis.hgetall(statusKey(scan));
    if (!Object.keys(raw).length) return null;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) fields[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    const workers = await liveWorkers(redis);
    return {
      ...fields,
      collectorAlive: (await redis.get(lockKey(scan))) !== null,
      results: await results.getJobCounts('waiting', 'active', 'failed'),
      queue: await chunksQ.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      workers: workers.map((w) => ({
        id: w.id,
        chunks: w.chunks,
        domains: w.domains,
        seenSecondsAgo: Math.round((Date.now() - Number(w.seen)) / 1000),
        active: ((w.active as { scan: string; chunk: string; domains: number }[] | undefined) ?? []).filter(
          (a) => a.scan === scan,
        ),
      })),
    };
  } finally {
    await results.close().catch(() => undefined);
    await chunksQ.close().catch(() => undefined);
    redis.disconnect();
  }
}
