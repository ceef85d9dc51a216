// A generated TLD (testworld/scale/) through the real NSD + validating Unbound, scanned by the
// `mailsec scan` CLI as a user runs it, then `mailsec report --json` checked against the ground
// truth. The world is built once per (generator version, seed, size) and cached in
// .cache/scaleworld; later runs only start NSD on it.
//   node bench/scan/world.bench.ts [--size 100000] [--seed ch23] [--latency MS] [--concurrency 256]
//                                  [--sizes 100000,500000,1000000] [--build-only] [-- EXTRA SCAN ARGS]
// Prints one JSON line per size: build and start seconds, scan wall time, domains/s, CPU ms per
// domain of the mailsec process and of Unbound, peak RSS of scan and report, store bytes per
// domain, report seconds, and whether the report equals the ground truth.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startScaleWorld } from '../../testworld/scale/serve.ts';
import { machine } from '../machine.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string', default: '100000' },
    sizes: { type: 'string' },
    seed: { type: 'string', default: 'ch23' },
    latency: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '256' },
    'build-only': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

/** CPU seconds (user + system) of a process from /proc. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

interface Usage {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; its own process.resourceUsage() at exit gives CPU and peak RSS. */
function cli(args: string[], dir: string): Promise<Usage> {
  const hook = join(dir, 'rusage-hook.mjs');
  const out = join(dir, `rusage-${Date.now()}.json`);
  writeFileSync(
    hook,
    `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.resourceUsage())));\n`,
  );
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      let u = { userCPUTime: 0, systemCPUTime: 0, maxRSS: 0 };
      try {
        u = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        // killed before exit
      }
      resolve({
        wallSeconds,
        cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6,
        maxRssMiB: Math.round(u.maxRSS / 1024),
        code,
        stdout,
        stderr,
      });
    });
  });
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const sizes = (values.sizes ?? values.size!).split(',').map(Number);

for (const size of sizes) {
  const sw = await startScaleWorld({
    seed: values.seed!,
    size,
    latencyMs: Number(values.latency),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-bench-world-'));
  try {
    const base = {
      bench: 'scan.world',
      ...machine(),
      world: sw.world.key,
      domains: sw.world.domains,
      servedZones: sw.world.manifest.servedZones,
      signedZones: sw.world.manifest.signedZones,
      buildSeconds: sw.timings.buildSeconds || sw.world.manifest.buildSeconds,
      builtNow: sw.world.built,
      startSeconds: sw.timings.startSeconds,
      latencyMs: Number(values.latency),
    };
    if (values['build-only']) {
      console.log(JSON.stringify(base));
      continue;
    }
    const db = join(dir, 'bench.duckdb');
    const unbound = Number(readFileSync(join(sw.tw.dir, 'unbound.pid'), 'utf8').trim()) || 0;
    const ub0 = cpuOf(unbound);
    const scan = await cli(
      [
        'scan',
        sw.world.domainsFile,
        '--db',
        db,
        '--scan',
        'bench',
        '--no-smtp',
        '--no-http',
        '--allow-private',
        '127.0.0.0/8',
        '--resolver',
        sw.tw.resolver,
        '--concurrency',
        values.concurrency!,
        ...positionals,
      ],
      dir,
    );
    const ubCpu = cpuOf(unbound) - ub0;
    const report = await cli(['report', '--db', db, '--scan', 'bench', '--json'], dir);
    let equal: boolean | null = null;
    let differing: string[] = [];
    try {
      const got = JSON.parse(report.stdout);
      const want = sw.world.truth;
      differing = [...new Set([...Object.keys(got.stats), ...Object.keys(want.stats)])].filter(
        (k) => JSON.stringify(got.stats[k]) !== JSON.stringify(want.stats[k]),
      );
      equal = differing.length === 0 && JSON.stringify(got.providers) === JSON.stringify(want.providers);
    } catch {
      equal = null;
    }
    let storeBytes = 0;
    for (const f of [db, `${db}.wal`]) {
      try {
        storeBytes += statSync(f).size;
      } catch {
        // no WAL
      }
    }
    console.log(
      JSON.stringify({
        ...base,
        scanExit: scan.code,
        scanSeconds: r2(scan.wallSeconds),
        domainsPerSecond: r2(size / scan.wallSeconds),
        scanCpuMsPerDomain: r2((scan.cpuSeconds * 1000) / size),
        unboundCpuMsPerDomain: r2((ubCpu * 1000) / size),
        scanPeakRssMiB: scan.maxRssMiB,
        storeBytesPerDomain: Math.round(storeBytes / size),
        reportSeconds: r2(report.wallSeconds),
        reportPeakRssMiB: report.maxRssMiB,
        reportEqualsTruth: equal,
        differingKeys: differing.slice(0, 20),
      }),
    );
    if (scan.code !== 0) process.stderr.write(scan.stderr.slice(-2000));
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    await sw.stop();
  }
}
