/**
 * Two checkouts of mailsec scanning at the same time, side by side, against one running world:
 * each side's CPU per domain (user + sys of its process, DuckDB included) and the ratio B / A.
 *
 * Why at the same time: the 2-core VM this is developed on drifts ±15 % in speed within minutes
 * (the same code measured 2.4 and 3.2 ms per domain ten minutes apart), so scans run one after
 * another compare the machine's moods, not the code. Two scans at once meet the same machine
 * state: an A/A pair of one checkout differed by 1.6 % — but two rounds of one A/B pair gave 1.108
 * and 1.012, so a round is good to about ±5 %: run four or more and read the median ratio (printed).
 * The price is that both share the two cores
 * and the resolver (whichever side is ahead meets Unbound's cold cache, which costs Unbound, not
 * mailsec), so the absolute figures are higher than a scan alone: only the ratio means something.
 * Each round swaps which side is started first; Unbound's cache is flushed (SIGHUP) before each.
 *
 *   node testworld/scale/cli.ts serve --seed ch23 --size 200000 --state /tmp/sw.json
 *   git worktree add /tmp/before <rev>   # (and link node_modules into it)
 *   node bench/scan/pair.bench.ts --state /tmp/sw.json --domains <20,000 names> \
 *     --a /tmp/before --b . [--rounds 4] [--concurrency 64] [--a-node "--v8-flag"] [--b-node …] [--a-args "--batch 5000"] [--b-args …]
 *
 * Prints a line per side and round on stderr and one JSON line on stdout. Without --state it says
 * what it needs and exits 0 (so `npm run bench` passes over it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuOf, flushUnbound, launcherEnv, machine, skipBench, unboundPids } from '../machine.ts';

const { values } = parseArgs({
  options: {
    state: { type: 'string' },
    domains: { type: 'string' },
    a: { type: 'string' },
    b: { type: 'string' },
    'a-node': { type: 'string', default: '' },
    'b-node': { type: 'string', default: '' },
    'a-args': { type: 'string', default: '' },
    'b-args': { type: 'string', default: '' },
    rounds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '64' },
  },
});
if (!values.state || !values.domains || !values.a || !values.b)
  skipBench('scan/pair', '--state FILE --domains FILE --a CHECKOUT --b CHECKOUT');
const state = JSON.parse(readFileSync(values.state, 'utf8')) as { resolver: string; pids: number[] };
const domains = values.domains;
const count = readFileSync(domains, 'utf8').split('\n').filter(Boolean).length;
const unbounds = unboundPids(state.pids);

interface Side {
  readonly name: 'a' | 'b';
  readonly root: string;
  readonly node: string[];
  readonly args: string[];
}
const sides: Side[] = [
  {
    name: 'a',
    root: resolve(values.a),
    node: values['a-node'].split(' ').filter(Boolean),
    args: values['a-args'].split(' ').filter(Boolean),
  },
  {
    name: 'b',
    root: resolve(values.b),
    node: values['b-node'].split(' ').filter(Boolean),
    args: values['b-args'].split(' ').filter(Boolean),
  },
];

/** One scan of the list from a checkout: CPU seconds (sampled every 100 ms until it exits) and wall. */
function scan(side: Side, dir: string): Promise<{ cpuS: number; wallS: number; code: number | null }> {
  return new Promise((done) => {
    const t0 = performance.now();
    const args = [
      ...side.node,
      join(side.root, 'src/cli/main.ts'),
      'scan',
      domains,
      '--db',
      join(dir, `${side.name}.duckdb`),
      '--scan',
      'pair',
      '--resolver',
      state.resolver,
      '--allow-private',
      '127.0.0.0/8',
      '--no-smtp',
      '--no-http',
      '--concurrency',
      values.concurrency,
      '--json',
      ...side.args,
    ];
    const child = spawn(process.execPath, args, { env: launcherEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-2000);
    });
    let cpu = 0;
    const timer = setInterval(() => {
      cpu = Math.max(cpu, cpuOf(child.pid as number));
    }, 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) process.stderr.write(`side ${side.name} exited ${code}: ${err}\n`);
      done({ cpuS: cpu, wallS: (performance.now() - t0) / 1000, code });
    });
  });
}

const rounds: { round: number; a: number; b: number; ratio: number; aWallS: number; bWallS: number }[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  await flushUnbound(unbounds);
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-bench-pair-'));
  try {
    const order = round % 2 ? [sides[1], sides[0]] : [sides[0], sides[1]];
    const [first, second] = order as [Side, Side];
    const p1 = scan(first, dir);
    const p2 = scan(second, dir);
    const r: Record<string, { cpuS: number; wallS: number }> = {};
    r[first.name] = await p1;
    r[second.name] = await p2;
    const ms = (s: Side) => (1000 * (r[s.name]?.cpuS ?? 0)) / count;
    for (const s of sides)
      process.stderr.write(
        `round ${round + 1} ${s.name} ${s.root}: ${ms(s).toFixed(3)} ms CPU per domain, ${(r[s.name]?.wallS ?? 0).toFixed(1)} s wall\n`,
      );
    rounds.push({
      round: round + 1,
      a: Number(ms(sides[0] as Side).toFixed(3)),
      b: Number(ms(sides[1] as Side).toFixed(3)),
      ratio: Number((ms(sides[1] as Side) / ms(sides[0] as Side)).toFixed(3)),
      aWallS: Number((r.a?.wallS ?? 0).toFixed(1)),
      bWallS: Number((r.b?.wallS ?? 0).toFixed(1)),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const ratios = rounds.map((r) => r.ratio).sort((x, y) => x - y);
const mid = ratios.length >> 1;
const medianRatio = ratios.length % 2 ? ratios[mid] : ((ratios[mid - 1] ?? 0) + (ratios[mid] ?? 0)) / 2;
process.stdout.write(
  `${JSON.stringify({ bench: 'scan/pair', ...machine(), domains: count, concurrency: Number(values.concurrency), a: sides[0]?.root, b: sides[1]?.root, rounds, medianRatio })}\n`,
);
