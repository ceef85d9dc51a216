/**
 * Scale-out throughput (docs/scale-out.md): a generated TLD (testworld/scale/) scanned DNS-only by
 * `mailsec scan` in one process, then by `mailsec scan --queue` with 1, 2 and 4 `mailsec worker`
 * processes on a real Redis (testworld/redis.ts), all on this machine, side by side in one run.
 * Unbound's cache is flushed (SIGHUP) before every run, so each meets the same cold cache.
 *
 * Then the per-job overhead: the first `--overhead-chunks` names again (the cache now warm), one
 * domain a chunk, one worker running one chunk at a time: the collector's wall time minus the
 * time the worker spent in the chunks (`workerMs` of `scan --json`), per chunk, is the queue's
 * round trip (job out, lock, result job back, the ledger, a part stored).
 *
 *   node bench/queue/scaleout.bench.ts [--size 3000] [--seed ch23] [--workers 1,2,4]
 *        [--concurrency 128] [--chunk 250] [--overhead-chunks 100]
 *
 * Each worker gets `--concurrency` domains in flight (as a worker on a machine of its own would);
 * the single-process scan gets the same. Prints one JSON line: domains/s of each run, its ratio to
 * the single process, CPU seconds of every mailsec process and of Unbound, the load average
 * before and after, and the per-chunk overhead in ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRedis } from '../../testworld/redis.ts';
import { startScaleWorld } from '../../testworld/scale/serve.ts';
import { launcherEnv, machine } from '../machine.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SECTIONS = 'dnssec,ns,caa,mx,smtp,spf,dkim,dmarc,bimi,mtaSts,tlsRpt,securityTxt,microsoft365';
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '3000' },
    seed: { type: 'string', default: 'ch23' },
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '128' },
    chunk: { type: 'string', default: '250' },
    'overhead-chunks': { type: 'string', default: '100' },
  },
});
const concurrency = values.concurrency as string;

/** CPU seconds (user + system) of a process from /proc. */
function cpuOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

interface Proc {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string; cpuSeconds: number }>;
}

/** A mailsec process; its CPU time is read from /proc just before it exits (sampled). */
function mailsec(args: readonly string[]): Proc {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: launcherEnv({ NO_COLOR: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  let cpu = 0;
  const sample = setInterval(() => {
    cpu = Math.max(cpu, cpuOf(child.pid));
  }, 200);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string; cpuSeconds: number }>(
    (resolve) => {
      child.on('close', (code) => {
        clearInterval(sample);
        resolve({ code, stdout, stderr, cpuSeconds: cpu });
      });
    },
  );
  return { child, done };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const sw = await startScaleWorld({
  seed: values.seed as string,
  size: Number(values.size),
  log: (l) => process.stderr.write(`${l}\n`),
});
const redis = await startRedis({ appendonly: true });
const dir = mkdtempSync(join(tmpdir(), 'mailsec-bench-scaleout-'));
const unbound = Number(readFileSync(join(sw.tw.dir, 'unbound.pid'), 'utf8').trim()) || 0;
const flushUnbound = async () => {
  if (unbound) process.kill(unbound, 'SIGHUP');
  await new Promise((r) => setTimeout(r, 1500));
};
const check = [
  '--no-smtp',
  '--no-http',
  '--only',
  SECTIONS,
  '--allow-private',
  '127.0.0.0/8',
  '--resolver',
  sw.tw.resolver,
];
let n = 0;

interface Run {
  readonly wallSeconds: number;
  readonly domainsPerSecond: number;
  readonly cpuSeconds: number;
  readonly unboundCpuSeconds: number;
}

async function single(input: string, domains: number): Promise<Run> {
  await flushUnbound();
  const u0 = cpuOf(unbound);
  const t0 = performance.now();
  const p = mailsec([
    'scan',
    input,
    '--db',
    join(dir, `s${n++}.duckdb`),
    '--scan',
    'b',
    '--concurrency',
    concurrency,
    ...check,
  ]);
  const r = await p.done;
  if (r.code !== 0) throw new Error(`single scan: exit ${r.code}\n${r.stderr}`);
  const wall = (performance.now() - t0) / 1000;
  return {
    wallSeconds: r2(wall),
    domainsPerSecond: r2(domains / wall),
    cpuSeconds: r2(r.cpuSeconds),
    unboundCpuSeconds: r2(cpuOf(unbound) - u0),
  };
}

async function queued(
  input: string,
  domains: number,
  workers: number,
  chunk: string,
  o: { jobs?: number; warm?: boolean } = {},
): Promise<Run & { workerCpuSeconds: number; collectorCpuSeconds: number; summary: Record<string, number> }> {
  if (!o.warm) await flushUnbound();
  const u0 = cpuOf(unbound);
  // the workers are up and idle first: the run measures scanning, not Node's start-up
  const ws = Array.from({ length: workers }, () =>
    mailsec([
      'worker',
      '--queue',
      redis.url,
      '--allow-private',
      '127.0.0.0/8',
      '--concurrency',
      concurrency,
      '--jobs',
      String(o.jobs ?? 4),
      '--stall-ms',
      '10000',
    ]),
  );
  await new Promise((r) => setTimeout(r, 3000));
  const t0 = performance.now();
  const c = mailsec([
    'scan',
    input,
    '--db',
    join(dir, `q${n++}.duckdb`),
    '--scan',
    `b${n}`,
    '--queue',
    redis.url,
    '--chunk',
    chunk,
    '--json',
    ...check,
  ]);
  const r = await c.done;
  const wall = (performance.now() - t0) / 1000;
  for (const w of ws) w.child.kill('SIGTERM');
  const ends = await Promise.all(ws.map((w) => w.done));
  if (r.code !== 0) throw new Error(`queued scan: exit ${r.code}\n${r.stderr}`);
  const workerCpu = ends.reduce((a, e) => a + e.cpuSeconds, 0);
  return {
    wallSeconds: r2(wall),
    domainsPerSecond: r2(domains / wall),
    cpuSeconds: r2(workerCpu + r.cpuSeconds),
    workerCpuSeconds: r2(workerCpu),
    collectorCpuSeconds: r2(r.cpuSeconds),
    unboundCpuSeconds: r2(cpuOf(unbound) - u0),
    summary: JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}'),
  };
}

try {
  const load0 = loadavg().map(r2);
  const domains = sw.world.domains;
  const ref = await single(sw.world.domainsFile, domains);
  const runs: Record<string, unknown> = {};
  for (const w of (values.workers as string).split(',').map(Number)) {
    const { summary, ...q } = await queued(sw.world.domainsFile, domains, w, values.chunk as string);
    if (summary.stored !== domains) throw new Error(`${w} workers stored ${summary.stored} of ${domains}`);
    runs[`workers${w}`] = { ...q, ratioToSingle: r2(q.domainsPerSecond / ref.domainsPerSecond) };
  }
  // per-job overhead: one-domain chunks, one at a time, on a warm cache
  const m = Math.min(domains, Number(values['overhead-chunks']));
  const list = join(dir, 'overhead.txt');
  writeFileSync(
    list,
    `${readFileSync(sw.world.domainsFile, 'utf8').trim().split('\n').slice(0, m).join('\n')}\n`,
  );
  const serial = await queued(list, m, 1, '1', { jobs: 1, warm: true });
  const { elapsedMs = 0, workerMs = 0, chunks = 0 } = serial.summary;
  console.log(
    JSON.stringify({
      bench: 'queue.scaleout',
      ...machine(),
      world: sw.world.key,
      domains,
      concurrencyPerProcess: Number(concurrency),
      chunk: Number(values.chunk),
      loadavgBefore: load0,
      single: ref,
      ...runs,
      overhead: {
        chunks,
        collectMs: elapsedMs,
        workerMs,
        msPerChunk: r2((elapsedMs - workerMs) / Math.max(1, chunks)),
      },
      loadavgAfter: loadavg().map(r2),
    }),
  );
} finally {
  await redis.stop();
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
}
