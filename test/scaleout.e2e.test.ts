/**
 * Scale-out end to end (docs/scale-out.md): `mailsec scan --queue` and `mailsec worker` processes
 * against a real Redis (Debian redis-server, one per test on a loopback port, testworld/redis.ts)
 * and a generated TLD (testworld/scale/, cached in .cache/scaleworld):
 *
 * - 3 workers give the same per-domain documents and the same `report --json` as a
 *   single-process scan (after removing timestamps, durations and queryCount);
 * - a worker SIGKILLed while it holds chunks, another started later, and Redis SIGKILLed and
 *   restarted from its AOF mid-scan: the scan completes with every domain stored exactly once;
 * - a per-target limit holds across workers (the testworld SMTP host counts its sessions) and
 *   an (MX address, SNI) pair is probed once by all workers together;
 * - a worker never widens --allow-private or drops --exclude for a job, whoever wrote the job.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CHUNK_QUEUE, PREFIX, resultsQueueName } from '../src/queue/jobs.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { type RunningRedis, startRedis } from '../testworld/redis.ts';
import { type ScaleWorld, startScaleWorld } from '../testworld/scale/serve.ts';
import type { Scenario } from '../testworld/scenario.ts';
import { type RunningSmtpServer, startSmtpServer } from '../testworld/smtp/server.ts';
import { LOOPBACK_V4, runCli, storedDocuments, withoutKeys } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
// small enough for npm test's time box; the benchmark (bench/queue/scaleout.bench.ts) scans more
const SIZE = 300;
const KILL_SIZE = 300;
const SECTIONS = 'dnssec,caa,mx,smtp,spf,dkim,dmarc,bimi,mtaSts,tlsRpt,securityTxt,microsoft365';

let sw: ScaleWorld;
let dir: string;
let refDb: string;
const children = new Set<ChildProcess>();
const redises = new Set<RunningRedis>();

before(
  async () => {
    sw = await startScaleWorld({ seed: 'so16', size: SIZE });
    dir = mkdtempSync(join(tmpdir(), 'mailsec-scaleout-'));
    refDb = join(dir, 'ref.duckdb');
  },
  { timeout: 600_000 },
);
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const r of redises) await r.stop().catch(() => undefined);
  await sw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function redisServer(o: { appendonly?: boolean } = {}): Promise<RunningRedis> {
  const r = await startRedis(o);
  redises.add(r);
  return r;
}

interface Spawned {
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; stderr: string }>;
}

/** A mailsec process of its own (killed by the after hook if still running). */
function spawnCli(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, [MAIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve({ code, stderr });
    });
  });
  return { child, exit };
}

const checkArgs = (resolver: string) => [
  '--no-http',
  '--only',
  SECTIONS,
  '--allow-private',
  LOOPBACK_V4,
  '--resolver',
  resolver,
  '--timeout',
  '5000',
];

const scanArgs = (input: string, db: string, extra: readonly string[] = []) => [
  'scan',
  input,
  '--db',
  db,
  '--scan',
  'w',
  '--no-smtp',
  ...checkArgs(sw.tw.resolver),
  ...extra,
];

const workerArgs = (queue: string, extra: readonly string[] = []) => [
  'worker',
  '--queue',
  queue,
  '--allow-private',
  LOOPBACK_V4,
  '--stall-ms',
  '2000',
  '--jobs',
  '2',
  '--concurrency',
  '48',
  ...extra,
];

/** What "identical" leaves out: when it ran and how long it took, and how many queries it cost. */
const VOLATILE = new Set(['checkedAt', 'elapsedMs', 'queryCount', 'started', 'firstChecked', 'lastChecked']);

const normalise = (v: unknown): unknown => withoutKeys(v, VOLATILE);

const documents = storedDocuments;

/** Domains whose documents differ (after normalising), with the first few shown. */
function differences(
  got: Map<string, unknown>,
  want: Map<string, unknown>,
  domains: readonly string[],
): string[] {
  const out: string[] = [];
  for (const d of domains) {
    const a = JSON.stringify(normalise(got.get(d)));
    const b = JSON.stringify(normalise(want.get(d)));
    if (a !== b) out.push(`${d}: queued ${a?.slice(0, 400)}\n  single ${b?.slice(0, 400)}`);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The collector's counter of stored domains (its status in Redis). */
async function collected(redis: Redis): Promise<number> {
  const keys = await redis.keys(`${PREFIX}:scan:*`);
  let n = 0;
  for (const k of keys) if (!k.endsWith(':collector')) n += Number((await redis.hget(k, 'collected')) ?? 0);
  return n;
}

const LONG = { timeout: 600_000 };

let reference: Map<string, unknown>;
let domains: string[];

test('scale-out: 3 workers store the documents and the report of a single-process scan', LONG, async () => {
  domains = readFileSync(sw.world.domainsFile, 'utf8').trim().split('\n');
  const single = await runCli(
    [...scanArgs(sw.world.domainsFile, refDb), '--concurrency', '128'],
    {},
    600_000,
  );
  assert.equal(single.code, 0, single.stderr);
  reference = await documents(refDb, 'w');
  assert.equal(reference.size, SIZE);

  const redis = await redisServer();
  const db = join(dir, 'three.duckdb');
  const scan = spawnCli(scanArgs(sw.world.domainsFile, db, ['--queue', redis.url, '--chunk', '20']));
  const workers = [0, 1, 2].map(() => spawnCli(workerArgs(redis.url)));
  const { code, stderr } = await scan.exit;
  for (const w of workers) w.child.kill('SIGTERM');
  const ends = await Promise.all(workers.map((w) => w.exit));
  assert.equal(code, 0, stderr);
  for (const e of ends) assert.equal(e.code, 0, e.stderr);
  // every worker took part
  for (const e of ends) assert.match(e.stderr, /: [1-9]\d* chunks, [1-9]\d* domains/, e.stderr);

  const queued = await documents(db, 'w');
  assert.equal(queued.size, SIZE);
  assert.deepEqual(differences(queued, reference, domains).slice(0, 3), []);
  const a = await runCli(['report', '--db', refDb, '--scan', 'w', '--json'], {}, 120_000);
  const b = await runCli(['report', '--db', db, '--scan', 'w', '--json'], {}, 120_000);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(normalise(JSON.parse(b.stdout)), normalise(JSON.parse(a.stdout)));

  const status = await runCli(['scan', '--queue', redis.url, '--status', 'w', '--json'], {}, 30_000);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.state, 'finished');
  assert.equal(s.collected, SIZE);
  assert.equal(s.stored, SIZE);
});

test(
  'scale-out: a worker SIGKILLed mid-chunk, a worker started later, Redis SIGKILLed and restarted from its AOF: every domain stored once',
  LONG,
  async () => {
    assert.ok(reference, 'the reference scan ran');
    const redis = await redisServer({ appendonly: true });
    const client = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    const chunks = new Queue(CHUNK_QUEUE, { connection: client, prefix: PREFIX });
    chunks.on('error', () => undefined);
    try {
      const list = join(dir, 'kill.txt');
      const subset = domains.slice(0, KILL_SIZE);
      writeFileSync(list, `${subset.join('\n')}\n`);
      const db = join(dir, 'kill.duckdb');
      const scan = spawnCli(scanArgs(list, db, ['--queue', redis.url, '--chunk', '15']));
      const victim = spawnCli(workerArgs(redis.url, ['--concurrency', '16']));
      // the steady worker stops by itself after 3 chunks: the rest, the victim's chunk among
      // them, is left to the worker started later
      const steady = spawnCli(workerArgs(redis.url, ['--concurrency', '16', '--max-chunks', '3']));
      const victimId = `${hostname()}:${victim.child.pid}`;
      // the victim holds a chunk it has started and results have come back: kill it there
      await until('the victim to hold a chunk after the first results', async () => {
        if ((await collected(client)) < 15) return false;
        const active = await chunks.getJobs(['active']);
        return active.some((j) => j.processedBy === victimId);
      });
      victim.child.kill('SIGKILL');
      await victim.exit;
      const late = spawnCli(workerArgs(redis.url, ['--concurrency', '16']));
      const lateId = `${hostname()}:${late.child.pid}`;
      // the late worker takes part: it runs a chunk (before Redis is restarted under it)
      await until('the late worker to run a chunk', async () => {
        const active = await chunks.getJobs(['active']);
        return active.some((j) => j.processedBy === lateId);
      });
      await until('half of the domains', async () => (await collected(client)) >= KILL_SIZE / 2);
      assert.equal(scan.child.exitCode, null, 'the scan ended before Redis was restarted');
      await redis.restart({ hard: true, downMs: 500 });
      const { code, stderr } = await scan.exit;
      steady.child.kill('SIGTERM');
      late.child.kill('SIGTERM');
      const [s, l] = await Promise.all([steady.exit, late.exit]);
      assert.equal(code, 0, stderr);
      assert.equal(l.code, 0, l.stderr);
      assert.equal(s.code, 0, s.stderr);
      const got = await documents(db, 'w'); // asserts no domain is stored twice
      assert.equal(got.size, KILL_SIZE);
      assert.deepEqual(differences(got, reference, subset).slice(0, 3), []);
      const results = new Queue(resultsQueueName('w'), { connection: client, prefix: PREFIX });
      results.on('error', () => undefined);
      const left = await results.getJobCounts('waiting', 'active', 'failed');
      await results.close();
      assert.deepEqual(left, { waiting: 0, active: 0, failed: 0 });
      process.stderr.write(`# kill/restart run: ${stderr.trim().split('\n').at(-1)}\n`);
    } finally {
      await chunks.close().catch(() => undefined);
      client.disconnect();
      await redis.stop();
    }
  },
);

// ---- a small world of our own: many domains whose MX hosts share one SMTP server ----

const PROBED = 18; // domains with their own MX name on the shared address: one probe each
const SHARED = 12; // domains whose MX is one shared name: one probe for all of them
const limitScenario: Scenario = {
  name: 'scaleout-limits',
  description: 'MX hosts on one address, for per-target limits across workers',
  domains: [
    ...Array.from({ length: PROBED }, (_, i) => ({
      name: `own${i}.limit.test`,
      signed: false,
      records: [
        ['@', 'MX', `10 mx.own${i}.limit.test.`],
        ['mx', 'A', '{net}.7.10'],
      ] as const,
    })),
    ...Array.from({ length: SHARED }, (_, i) => ({
      name: `shared${i}.limit.test`,
      signed: false,
      records: [['@', 'MX', '10 mx.hoster.limit.test.']] as const,
    })),
    { name: 'hoster.limit.test', signed: false, records: [['mx', 'A', '{net}.7.10']] as const },
  ],
};

let tw: Testworld;
let smtp: RunningSmtpServer;

async function smallWorld(): Promise<void> {
  if (tw) return;
  tw = await startTestworld({ scenarios: [limitScenario] });
  smtp = await startSmtpServer({
    hostname: 'mx.limit.test',
    address: tw.ip('7.10'),
    starttls: 'no',
    // each session lasts a while, so sessions of several workers would overlap
    bannerDelayMs: 300,
  });
}
after(async () => {
  await smtp?.close();
  await tw?.stop();
});

const limitDomains = () => limitScenario.domains.map((d) => d.name).filter((n) => n !== 'hoster.limit.test');

test(
  'scale-out: the per-address SMTP limit holds across 3 workers, and each (address, SNI) is probed once',
  LONG,
  async () => {
    await smallWorld();
    const redis = await redisServer();
    const list = join(dir, 'limit.txt');
    writeFileSync(list, `${limitDomains().join('\n')}\n`);
    const db = join(dir, 'limit.duckdb');
    const before = smtp.connections;
    const scan = spawnCli([
      'scan',
      list,
      '--db',
      db,
      '--scan',
      'limit',
      '--only',
      'mx,smtp',
      '--no-http',
      '--allow-private',
      LOOPBACK_V4,
      '--resolver',
      tw.resolver,
      '--ehlo',
      'scanner.example',
      '--queue',
      redis.url,
      '--chunk',
      '2',
    ]);
    const workers = [0, 1, 2].map(() =>
      spawnCli(workerArgs(redis.url, ['--jobs', '4', '--concurrency', '8'])),
    );
    const { code, stderr } = await scan.exit;
    for (const w of workers) w.child.kill('SIGTERM');
    const ends = await Promise.all(workers.map((w) => w.exit));
    assert.equal(code, 0, stderr);
    const busy = ends.filter((e) => /: [1-9]\d* chunks/.test(e.stderr)).length;
    assert.ok(busy >= 2, `only ${busy} worker(s) ran chunks`);
    // 2 sessions at a time per address (docs/scan.md), whichever worker opened them
    assert.ok(smtp.peak <= 2, `the SMTP host saw ${smtp.peak} sessions at once`);
    assert.ok(smtp.peak >= 1);
    // one probe per (address, SNI name): each own MX name once, the shared name once
    assert.equal(smtp.connections - before, PROBED + 1);
    const docs = await documents(db, 'limit');
    assert.equal(docs.size, PROBED + SHARED);
    for (const [d, doc] of docs) {
      const hosts = (doc as { smtp: { hosts: { outcome: string }[] } }).smtp.hosts;
      assert.equal(hosts[0]?.outcome, 'no-starttls', `${d}: ${JSON.stringify(hosts)}`);
    }
  },
);

test(
  'scale-out: a worker never widens --allow-private or drops --exclude for a job, whoever wrote it',
  LONG,
  async () => {
    await smallWorld();
    const redis = await redisServer();
    const exclude = join(dir, 'exclude.txt');
    writeFileSync(exclude, 'own1.limit.test\n');
    // the worker may use only the testworld's resolver and no special-purpose address at all
    const worker = spawnCli([
      'worker',
      '--queue',
      redis.url,
      '--resolver',
      tw.resolver,
      '--exclude',
      exclude,
      '--stall-ms',
      '2000',
    ]);
    const client = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    const chunks = new Queue(CHUNK_QUEUE, { connection: client, prefix: PREFIX });
    chunks.on('error', () => undefined);
    try {
      const before = smtp.connections;
      // 1. a scan that asks for 127.0.0.0/8 (and 0.0.0.0/0): the worker connects nowhere special
      const list = join(dir, 'trust.txt');
      writeFileSync(list, 'own0.limit.test\nown1.limit.test\n');
      const db = join(dir, 'trust.duckdb');
      const r = await runCli(
        [
          'scan',
          list,
          '--db',
          db,
          '--scan',
          'trust',
          '--only',
          'mx,smtp',
          '--no-http',
          '--allow-private',
          `${LOOPBACK_V4},0.0.0.0/0`,
          '--resolver',
          tw.resolver,
          '--queue',
          redis.url,
          '--json',
        ],
        {},
        120_000,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).excluded, 1, r.stdout);
      const docs = await documents(db, 'trust');
      assert.deepEqual([...docs.keys()], ['own0.limit.test'], 'the excluded domain was scanned');
      // without --allow-private of its own the worker sees the MX address as loopback: not probed
      const doc = docs.get('own0.limit.test') as {
        findings: { id: string }[];
        smtp: { status: string; hosts: unknown[] };
      };
      assert.ok(
        doc.findings.some((f) => f.id === 'mx.localhost'),
        JSON.stringify(doc.findings.map((f) => f.id)),
      );
      assert.equal(doc.smtp.status, 'skipped');
      assert.deepEqual(doc.smtp.hosts, []);
      assert.equal(smtp.connections, before, 'the worker connected to a loopback SMTP host');

      // 2. a job written straight into Redis, aiming DNS at another loopback address: refused
      await chunks.add(
        'chunk',
        {
          v: 1,
          scan: 'forged',
          chunk: 'forged-1',
          domains: ['own2.limit.test'],
          config: { resolver: tw.silentResolver, allowPrivate: ['0.0.0.0/0', '::/0'], noHttp: true },
          limits: { qps: 0, nsQps: 0, probeTtlMs: 60_000 },
        },
        { jobId: 'forged-1', attempts: 3, removeOnFail: false },
      );
      await until(
        'the forged job to fail',
        async () => (await chunks.getJobState('forged-1')) === 'failed',
        30_000,
      );
      const job = await chunks.getJob('forged-1');
      assert.match(job?.failedReason ?? '', /resolver .* not one this worker may use/);
      assert.equal(job?.attemptsMade, 1, 'a refused job is not retried');
      assert.equal(smtp.connections, before);
      worker.child.kill('SIGTERM');
      const w = await worker.exit;
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stderr, /job forged-1 refused/);
    } finally {
      worker.child.kill('SIGKILL');
      await chunks.close().catch(() => undefined);
      client.disconnect();
    }
  },
);
