/**
 * A TLD-sized scan, measured from outside: `mailsec scan` (the real CLI, DNS-only) over a domain
 * list against a running resolver, then `mailsec report` on the result, then a bare c-ares replay
 * (Node's dns.Resolver) of the very queries the scan sent, side by side. Unbound's cache is flushed
 * (SIGHUP) before the scan and before the replay, so both meet the same cold cache.
 *
 *   # a scale world (testworld/scale), served:
 *   node testworld/scale/cli.ts serve --seed ch23 --size 1000000 --state /tmp/sw.json
 *   node bench/scan/scale.bench.ts --state /tmp/sw.json --domains <domains.txt> \
 *     [--concurrency 1024] [--checkpoints 100000,500000,1000000] [--no-replay] [--keep DIR] \
 *     [--truth <world>/truth.json]
 *   # the replay alone, of a query log an earlier run kept (--keep DIR: DIR/queries.log):
 *   node bench/scan/scale.bench.ts --state /tmp/sw.json --replay-only DIR/queries.log [--concurrency 256]
 *
 * Prints one JSON line: domains/s, CPU ms per domain (mailsec, and Unbound apart), queries per
 * domain, peak RSS at each checkpoint, store bytes per domain, report time and peak RSS, replay
 * wall time and the ratio scan/replay.
 */
import { spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuOf, flushUnbound, launcherEnv, machine, skipBench, unboundPids } from '../machine.ts';

const { values } = parseArgs({
  options: {
    state: { type: 'string' },
    resolver: { type: 'string' },
    domains: { type: 'string' },
    concurrency: { type: 'string', default: '1024' },
    checkpoints: { type: 'string', default: '100000,500000,1000000' },
    'no-replay': { type: 'boolean', default: false },
    'replay-only': { type: 'string' },
    /** the world's truth.json: the report's statistics are compared with it (dns-only mode) */
    truth: { type: 'string' },
    keep: { type: 'string' },
    extra: { type: 'string', multiple: true },
  },
});
const state = values.state
  ? (JSON.parse(readFileSync(values.state, 'utf8')) as { resolver: string; pids: number[] })
  : null;
const resolver = values.resolver ?? state?.resolver;
if (!resolver || (!values.domains && !values['replay-only']))
  skipBench('scan.scale', '--state FILE (or --resolver ADDR) and --domains FILE (or --replay-only LOG)');
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'mailsec-bench-scale-'));
mkdirSync(dir, { recursive: true });
const checkpoints = values.checkpoints
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const concurrency = Number(values.concurrency);

function memOf(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}
const unbounds = unboundPids(state?.pids ?? []);
const flush = () => flushUnbound(unbounds);
const unboundCpu = () => unbounds.reduce((a, p) => a + cpuOf(p), 0);
const MiB = (b: number) => Math.round(b / 2 ** 20);

function du(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((a, f) => a + du(join(path, f)), 0);
}

/** the parts of `report --json` and of the generator's truth that are compared */
interface Truth {
  stats: Record<string, unknown>;
  domains: number;
  domainsWithMx: number;
  providers: unknown;
  issuers: unknown;
  software: unknown;
}

interface Run {
  code: number | null;
  wallS: number;
  cpuS: number;
  peakRss: number;
  stdout: string;
  /** RSS at the last sample before the exit */
  lastRss: number;
  /** `end`: a checkpoint the progress lines never reached (the scan's last domains), taken at the exit */
  marks: { done: number; atS: number; cpuS: number; rssMiB: number; peakRssMiB: number; end?: true }[];
}

/** Runs `mailsec ARGS`, sampling its CPU and memory, reading `N/T` progress lines from stderr. */
function run(args: string[], marksAt: number[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: launcherEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid as number;
    let stdout = '';
    let peak = 0;
    let cpu = 0;
    let lastRss = 0;
    const marks: Run['marks'] = [];
    const pending = [...marksAt];
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const sample = () => {
      const m = memOf(pid);
      peak = Math.max(peak, m.hwm, m.rss);
      cpu = Math.max(cpu, cpuOf(pid));
      if (m.rss) lastRss = m.rss;
      return m;
    };
    const timer = setInterval(sample, 250);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const m = /: (\d+)\/(\d+) \(/.exec(line);
      if (!m) {
        if (!line.includes('DNS queries sent')) process.stderr.write(`  ${line}\n`);
        else process.stderr.write(`  ${line}\n`);
        return;
      }
      const done = Number(m[1]);
      while (pending.length && done >= (pending[0] as number)) {
        const mem = sample();
        const mark = {
          done: pending.shift() as number,
          atS: (performance.now() - t0) / 1000,
          cpuS: cpuOf(pid),
          rssMiB: MiB(mem.rss),
          peakRssMiB: MiB(Math.max(peak, mem.hwm)),
        };
        marks.push(mark);
        process.stderr.write(`checkpoint ${JSON.stringify(mark)}\n`);
      }
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({
        code,
        wallS: (performance.now() - t0) / 1000,
        cpuS: cpu,
        peakRss: peak,
        lastRss,
        stdout,
        marks,
      });
    });
  });
}

/** Asks every logged query through c-ares (Node's dns.Resolver), `concurrency` at a time. */
async function replay(
  log: string,
): Promise<{ queries: number; skipped: number; wallS: number; cpuS: number }> {
  const r = new Resolver({ timeout: 2000, tries: 3 });
  r.setServers([resolver as string]);
  const supported = new Set([
    'A',
    'AAAA',
    'CAA',
    'CNAME',
    'MX',
    'NAPTR',
    'NS',
    'PTR',
    'SOA',
    'SRV',
    'TXT',
    'TLSA',
  ]);
  const lines = createInterface({ input: createReadStream(log) })[Symbol.asyncIterator]();
  let queries = 0;
  let skipped = 0;
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const n = await lines.next();
      if (n.done) return;
      const [name, type] = n.value.split(' ');
      if (!name || !type || !supported.has(type)) {
        skipped++;
        continue;
      }
      queries++;
      await r.resolve(name, type as 'A').catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const u = process.cpuUsage(u0);
  return { queries, skipped, wallS: (performance.now() - t0) / 1000, cpuS: (u.user + u.system) / 1e6 };
}

if (values['replay-only']) {
  await flush();
  const ub1 = unboundCpu();
  const rep = await replay(values['replay-only']);
  console.log(
    JSON.stringify({
      bench: 'scan.scale.replay',
      date: new Date().toISOString(),
      node: process.version,
      concurrency,
      ...rep,
      wallS: Math.round(rep.wallS * 10) / 10,
      unboundCpuS: Math.round((unboundCpu() - ub1) * 10) / 10,
    }),
  );
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

try {
  const db = join(dir, 'bench.duckdb');
  const qlog = join(dir, 'queries.log');
  await flush();
  const ub0 = unboundCpu();
  const scan = await run(
    [
      'scan',
      values.domains as string,
      '--db',
      db,
      '--scan',
      'bench',
      '--no-smtp',
      '--no-http',
      '--resolver',
      resolver,
      '--allow-private',
      '127.0.0.0/8',
      '--concurrency',
      String(concurrency),
      '--progress-every',
      '1',
      '--query-log',
      qlog,
      '--json',
      ...(values.extra ?? []),
    ],
    checkpoints,
  );
  const ubScan = unboundCpu() - ub0;
  const summary = JSON.parse(scan.stdout.trim().split('\n').at(-1) ?? '{}') as {
    scanned?: number;
    stored?: number;
    queries?: number;
  };
  const domains = summary.scanned ?? 0;
  // the last progress line comes before the scan's last domains: a checkpoint at the scan's size
  // (1,000,000 of a 1M list) is taken at the exit, final merges included
  for (const c of checkpoints)
    if (c <= (summary.stored ?? 0) && !scan.marks.some((m) => m.done === c))
      scan.marks.push({
        done: c,
        atS: scan.wallS,
        cpuS: scan.cpuS,
        rssMiB: MiB(scan.lastRss),
        peakRssMiB: MiB(scan.peakRss),
        end: true,
      });
  const storeBytes = du(db) + du(`${db}.wal`) + du(`${db}.parts`);
  const report = await run(['report', '--db', db, '--scan', 'bench', '--json']);
  let differing: string[] | null = null;
  if (values.truth) {
    const want = (JSON.parse(readFileSync(values.truth, 'utf8')) as { modes: Record<string, Truth> }).modes[
      'dns-only'
    ] as Truth;
    const got = JSON.parse(report.stdout) as Truth;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    differing = [...new Set([...Object.keys(want.stats), ...Object.keys(got.stats)])].filter(
      (k) => !same(got.stats[k], want.stats[k]),
    );
    for (const k of ['domains', 'domainsWithMx', 'providers', 'issuers', 'software'] as const)
      if (!same(got[k], want[k])) differing.push(k);
  }
  let rep: Awaited<ReturnType<typeof replay>> | null = null;
  let ubReplay = 0;
  if (!values['no-replay']) {
    await flush();
    const ub1 = unboundCpu();
    rep = await replay(qlog);
    ubReplay = unboundCpu() - ub1;
  }
  console.log(
    JSON.stringify({
      bench: 'scan.scale',
      ...machine(),
      concurrency,
      exit: scan.code,
      domains,
      stored: summary.stored,
      scanSeconds: Math.round(scan.wallS * 10) / 10,
      domainsPerSecond: Math.round((domains / scan.wallS) * 10) / 10,
      cpuMsPerDomain: Math.round((scan.cpuS / Math.max(1, domains)) * 1000 * 100) / 100,
      unboundCpuMsPerDomain: unbounds.length
        ? Math.round((ubScan / Math.max(1, domains)) * 1000 * 100) / 100
        : null,
      queriesPerDomain: Math.round(((summary.queries ?? 0) / Math.max(1, domains)) * 10) / 10,
      peakRssMiB: MiB(scan.peakRss),
      checkpoints: scan.marks,
      storeBytesPerDomain: Math.round(storeBytes / Math.max(1, domains)),
      report: {
        exit: report.code,
        seconds: Math.round(report.wallS * 10) / 10,
        peakRssMiB: MiB(report.peakRss),
        ...(differing ? { equalsTruth: differing.length === 0, differing: differing.slice(0, 20) } : {}),
      },
      replay: rep
        ? {
            ...rep,
            wallS: Math.round(rep.wallS * 10) / 10,
            unboundCpuS: Math.round(ubReplay * 10) / 10,
            scanOverReplay: Math.round((scan.wallS / rep.wallS) * 100) / 100,
          }
        : null,
    }),
  );
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
