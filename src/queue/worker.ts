/**
 * `mailsec worker`: takes chunk jobs from the queue and runs them with the same scan engine as
 * `mailsec scan` (src/scan/run.ts over an environment from `createAuditEnvironment`), with the
 * options the job carries narrowed by the worker's own (src/queue/trust.ts), and the politeness
 * limits held in Redis (src/queue/limits.ts). Each chunk's documents go back as one result job
 * on the scan's results queue; the collector stores them.
 *
 * One environment per scan (and effective configuration) is kept while the scan sends jobs: its
 * resolver cache, SMTP prober and HTTPS fetcher are shared by the chunks of that scan, as in a
 * local scan; it is closed after 10 minutes without a job.
 *
 * Delivery is at least once: BullMQ hands a job to one worker under a lock the worker renews;
 * a worker that dies (SIGKILL, power) stops renewing, and after `stallMs` another worker's stall
 * check puts the job back (`maxStalledCount` times, then it fails). A chunk that ran twice is
 * harmless: the collector stores a domain once (src/store/scan-ledger.ts).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createAuditEnvironment, type OpenAuditEnvironment, openResolver } from '../audit/environment.ts';
import type { ManagedResolver } from '../dns/index.ts';
import { type Exclusions, parseExclusions } from '../net/exclusions.ts';
import { createOperatorGate, type OperatorGate } from '../scan/politeness.ts';
import { runScan } from '../scan/run.ts';
import type { StoredDomain } from '../store/scan-store.ts';
import { type ConnectOptions, connectRedis, type QueueTarget } from './connection.ts';
import {
  CHUNK_QUEUE,
  type ChunkJob,
  type ChunkResult,
  encodeDocuments,
  InvalidJob,
  JOB_VERSION,
  PREFIX,
  parseChunkJob,
  resultsQueueName,
} from './jobs.ts';
import { redisOperatorBuckets, redisRateGate, redisSharedProbes, redisTargetLimits } from './limits.ts';
import { effectiveConfig, effectiveLimits, type WorkerPolicy } from './trust.ts';

export interface WorkerOptions {
  readonly target: QueueTarget;
  readonly connect: ConnectOptions;
  readonly policy: WorkerPolicy;
  /** domains in flight in this process, over all its chunks */
  readonly concurrency: number;
  /** chunks run at once */
  readonly jobs: number;
  /** the job lock and the stall check interval (ms): a dead worker's chunk is retried after about this */
  readonly stallMs: number;
  /** stop after this many chunks (tests, one-shot runs); default: run until stopped */
  readonly maxChunks?: number;
  /** the first stop: take no new chunk, finish those running */
  readonly stop: AbortSignal;
  /** the second stop: abort the running chunks (they are retried elsewhere) */
  readonly abort: AbortSignal;
  readonly log: (line: string) => void;
}

export interface WorkerSummary {
  readonly chunks: number;
  readonly domains: number;
  readonly rejected: number;
}

/** The registry of live workers (`scan --status`): field = worker id, value = JSON heartbeat. */
export const WORKERS_KEY = `${PREFIX}:workers`;
export const HEARTBEAT_MS = 5000;

interface Runtime {
  readonly resolver: ManagedResolver;
  readonly env: OpenAuditEnvironment;
  readonly gate: OperatorGate;
  readonly exclusions: Exclusions;
  readonly abort: AbortController;
  done: number;
  active: number;
  lastUsed: number;
  /** queries of the shared resolver already counted in a result */
  reported: number;
}

const IDLE_MS = 10 * 60_000;

export async function runWorker(o: WorkerOptions): Promise<WorkerSummary> {
  const id = `${hostname()}:${process.pid}`;
  const redis = await connectRedis(o.target, { ...o.connect, name: `mailsec-worker-${id}` });
  const blocking = redis.duplicate();
  const limitsClient = redis.duplicate();
  const clients: Redis[] = [redis, blocking, limitsClient];
  let lastError = 0;
  for (const c of clients)
    c.on('error', (e: Error) => {
      if (Date.now() - lastError > 10_000) {
        lastError = Date.now();
        o.log(`mailsec worker: queue ${o.target.display}: ${e.message} (reconnecting)`);
      }
    });
  const targetLimits = redisTargetLimits(limitsClient);
  const runtimes = new Map<string, Promise<Runtime>>();
  const resultQueues = new Map<string, Queue>();
  const active = new Map<string, { scan: string; domains: number; since: number }>();
  let chunks = 0;
  let domains = 0;
  let rejected = 0;
  const perChunk = Math.max(1, Math.ceil(o.concurrency / Math.max(1, o.jobs)));

  const runtimeFor = (job: ChunkJob): Promise<Runtime> => {
    const config = effectiveConfig(job.config, o.policy);
    const limits = effectiveLimits(job.limits, o.policy);
    const key = createHash('sha256')
      .update(JSON.stringify([job.scan, config, limits]))
      .digest('hex');
    let rt = runtimes.get(key);
    if (!rt) {
      rt = (async () => {
        const abort = new AbortController();
        const onAbort = () => abort.abort();
        o.abort.addEventListener('abort', onAbort, { once: true });
        const resolver = openResolver(config, {
          rate: redisRateGate(limitsClient, job.scan, limits.qps),
          cache: { maxEntries: 50_000, maxBytes: 32 * 2 ** 20 },
        });
        try {
          const env = await createAuditEnvironment(config, {
            resolver,
            signal: abort.signal,
            limits: targetLimits,
            sharedProbes: redisSharedProbes(limitsClient, job.scan, { ttlMs: limits.probeTtlMs }),
          });
          const r: Runtime = {
            resolver,
            env,
            abort,
            exclusions: parseExclusions((config.exclude ?? []).join('\n'), 'exclude'),
            done: 0,
            active: 0,
            lastUsed: Date.now(),
            reported: 0,
            gate: createOperatorGate({
              resolver: env.resolver,
              qps: limits.nsQps,
              buckets: redisOperatorBuckets(limitsClient, job.scan),
              queriesPerDomain: () => (r.done < 50 ? 20 : resolver.stats().sent / r.done),
            }),
          };
          return r;
        } catch (e) {
          await resolver.close();
          throw e;
        }
      })();
      runtimes.set(key, rt);
      rt.catch(() => runtimes.delete(key));
    }
    return rt;
  };

  const resultsFor = (scan: string): Queue => {
    let q = resultQueues.get(scan);
    if (!q) {
      q = new Queue(resultsQueueName(scan), { connection: redis, prefix: PREFIX });
      q.on('error', () => undefined);
      resultQueues.set(scan, q);
    }
    return q;
  };

  const processChunk = async (bullJob: Job): Promise<{ stored: number }> => {
    let job: ChunkJob;
    try {
      job = parseChunkJob(bullJob.data);
      // the options are checked here too, so a job this worker refuses fails at once
      effectiveConfig(job.config, o.policy);
    } catch (e) {
      if (e instanceof InvalidJob) {
        rejected++;
        o.log(`mailsec worker: job ${bullJob.id} refused: ${e.message}`);
        throw new UnrecoverableError(`refused by ${id}: ${e.message}`);
      }
      throw e;
    }
    const rt = await runtimeFor(job);
    if (!rt.env.probe.reachable) {
      runtimes.clear();
      throw new Error(`the resolver ${job.config.resolver} does not answer from ${id}`);
    }
    rt.active++;
    rt.lastUsed = Date.now();
    active.set(job.chunk, { scan: job.scan, domains: job.domains.length, since: Date.now() });
    const started = Date.now();
    try {
      const excluded = job.domains.filter((d) => rt.exclusions.excludesName(d));
      const wanted = excluded.length
        ? job.domains.filter((d) => !rt.exclusions.excludesName(d))
        : job.domains;
      const rows: StoredDomain[] = [];
      const result = await runScan({
        scan: job.scan,
        domains: [wanted],
        total: wanted.length,
        env: rt.env,
        sink: {
          write: async (_scan, batch) => {
            rows.push(...batch);
          },
        },
        resolver: { address: job.config.resolver as string, validates: rt.env.probe.validates },
        concurrency: perChunk,
        batchSize: Math.max(1, wanted.length),
        flushMs: 3_600_000,
        gate: rt.gate,
      });
      if (result.aborted) throw new Error(`chunk ${job.chunk} aborted on ${id} (retried elsewhere)`);
      const got = new Set(rows.map((r) => r.domain));
      // the chunks of a scan share one resolver: each result carries what was sent since the
      // last one, so the results add up to the queries sent (a chunk cannot be told apart)
      const sent = rt.resolver.stats().sent;
      const queries = sent - rt.reported;
      rt.reported = sent;
      const out: ChunkResult = {
        v: JOB_VERSION,
        scan: job.scan,
        chunk: job.chunk,
        worker: id,
        docs: encodeDocuments(rows.map((r) => r.doc)),
        count: rows.length,
        failed: wanted.filter((d) => !got.has(d)),
        excluded,
        queries,
        elapsedMs: Date.now() - started,
      };
      // job id = chunk id: a chunk run twice while its first result still waits adds nothing
      await resultsFor(job.scan).add('result', out, {
        jobId: job.chunk,
        removeOnComplete: true,
        removeOnFail: false,
        attempts: 1,
      });
      rt.done += rows.length;
      chunks++;
      domains += rows.length;
      return { stored: rows.length };
    } finally {
      rt.active--;
      rt.lastUsed = Date.now();
      active.delete(job.chunk);
    }
  };

  const worker = new Worker(CHUNK_QUEUE, processChunk, {
    connection: blocking,
    prefix: PREFIX,
    name: id,
    concurrency: Math.max(1, o.jobs),
    lockDuration: o.stallMs,
    stalledInterval: o.stallMs,
    maxStalledCount: 3,
    drainDelay: 2,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 10_000 },
  });
  worker.on('error', (e) => {
    if (Date.now() - lastError > 10_000) {
      lastError = Date.now();
      o.log(`mailsec worker: ${e.message}`);
    }
  });
  worker.on('failed', (job, e) => {
    if (job && !(e instanceof UnrecoverableError))
      o.log(`mailsec worker: chunk ${job.id} failed: ${e.message}`);
  });
  const started = Date.now();
  const heartbeat = async () => {
    const beat = {
      id,
      host: hostname(),
      pid: process.pid,
      started,
      seen: Date.now(),
      jobs: o.jobs,
      concurrency: o.concurrency,
      chunks,
      domains,
      active: [...active.entries()].map(([chunk, a]) => ({ chunk, ...a })),
    };
    await redis.hset(WORKERS_KEY, id, JSON.stringify(beat)).catch(() => undefined);
    // environments of scans that sent nothing for a while are closed
    for (const [key, rt] of runtimes) {
      const r = await rt.catch(() => null);
      if (r && r.active === 0 && Date.now() - r.lastUsed > IDLE_MS) {
        runtimes.delete(key);
        await r.env.close();
        await r.resolver.close();
      }
    }
  };
  await heartbeat();
  const beat = setInterval(() => void heartbeat(), HEARTBEAT_MS);
  o.log(
    `mailsec worker ${id}: taking chunks from ${o.target.display} (${o.jobs} at once, ${o.concurrency} domains in flight)`,
  );
  try {
    await new Promise<void>((resolve) => {
      if (o.stop.aborted) resolve();
      o.stop.addEventListener('abort', () => resolve(), { once: true });
      if (o.maxChunks !== undefined) {
        worker.on('completed', () => {
          if (chunks >= (o.maxChunks as number)) resolve();
        });
      }
    });
    o.log(`mailsec worker ${id}: stopping — finishing the chunks in hand`);
    // a hard stop meanwhile closes at once (the chunks in hand are retried by others)
    await Promise.race([
      worker.close(),
      new Promise<void>((resolve) => {
        if (o.abort.aborted) resolve();
        o.abort.addEventListener('abort', () => resolve(), { once: true });
      }).then(() => worker.close(true)),
    ]);
  } finally {
    clearInterval(beat);
    await redis.hdel(WORKERS_KEY, id).catch(() => 0);
    for (const rt of runtimes.values()) {
      const r = await rt.catch(() => null);
      if (r) {
        r.abort.abort();
        await r.env.close();
        await r.resolver.close();
      }
    }
    for (const q of resultQueues.values()) await q.close().catch(() => undefined);
    for (const c of clients) c.disconnect();
  }
  return { chunks, domains, rejected };
}
