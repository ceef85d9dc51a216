/**
 * `report` (JSON, HTML) and `scan export` (csv, jsonl, parquet, gmp-csv) on a large store, without
 * the hours a real 1,000,000-domain scan takes: the documents of a stored scan (e.g. a scan of a
 * generated TLD, testworld/scale) are copied under new names into a fresh store, N domains in
 * all, through the same sink `mailsec scan` writes with. Then every command runs as its own
 * process under /usr/bin/time: wall time, CPU seconds (user + sys) and peak RSS each, and the
 * output's size. On a shared machine the CPU seconds are the figure to compare; the load average
 * is printed before the write, before the commands and at the end.
 *
 *   node bench/scan/export.bench.ts --from scans.duckdb --scan after --domains 1000000 [--work DIR] [--keep]
 *
 * The statistics of the copy are those of the template scan multiplied (the names differ, the
 * documents do not): what is measured is the store, the SQL and the streaming, not the world.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openScanSink, toStored } from '../../src/scan/store.ts';
import type { StoredDomain } from '../../src/store/scan-store.ts';
import { skipBench } from '../machine.ts';
import { templateDocuments } from './templates.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    scan: { type: 'string' },
    domains: { type: 'string', default: '1000000' },
    work: { type: 'string' },
    keep: { type: 'boolean', default: false },
    batch: { type: 'string', default: '5000' },
  },
});
if (!values.from) skipBench('scan/export', '--from DB (a database with a stored scan)');
const N = Number(values.domains);
const BATCH = Number(values.batch);
const work = values.work ?? mkdtempSync(join(tmpdir(), 'mailsec-export-bench-'));
mkdirSync(work, { recursive: true });
const db = join(work, 'big.duckdb');
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

// the template documents
const templates = await templateDocuments(values.from, values.scan);
process.stdout.write(`# ${templates.length} template documents; writing ${N} domains to ${db}\n`);

// --work DIR with a store already written there: measure it again without writing it again
const reuse = values.work !== undefined && existsSync(db);
const load = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
process.stdout.write(`# ${new Date().toISOString()} load: ${load()}\n`);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
if (!reuse) {
  const sink = await openScanSink(db);
  try {
    await sink.begin('big', { bench: true }, `copies of ${values.from}`);
    await sink.setTotal('big', N);
    for (let start = 0; start < N; start += BATCH) {
      const rows: StoredDomain[] = [];
      for (let i = start; i < Math.min(N, start + BATCH); i++) {
        const doc = JSON.parse(templates[i % templates.length] as string) as Record<string, unknown>;
        doc.domain = `b${i.toString(36)}-${String(doc.domain)}`;
        rows.push(toStored(doc));
      }
      await sink.write('big', rows);
    }
    await sink.finish('big');
  } finally {
    await sink.close();
  }
  const writeS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `write: ${N} domains in ${writeS.toFixed(1)} s (${Math.round(N / writeS)}/s), ${cpuS.toFixed(1)} s CPU, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`,
  );
}
const du = spawnSync('du', ['-sb', work], { encoding: 'utf8' }).stdout.split('\t')[0];
process.stdout.write(`store (and outputs so far): ${du} bytes\n`);

function timed(label: string, args: string[], out: string | null): void {
  const before = loadavg()[0]?.toFixed(1);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, MAIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', out === '-' ? 'ignore' : 'pipe', 'pipe'],
  });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [wall, user, sys, rssKb] = last.split(' ');
  const cpu = (Number(user) + Number(sys)).toFixed(1);
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status}\n${r.stderr}`);
  const size = out && out !== '-' ? statSync(out).size : null;
  process.stdout.write(
    `${label.padEnd(22)} ${String(wall).padStart(8)} s  ${cpu.padStart(7)} s CPU  peak RSS ${(Number(rssKb) / 1024).toFixed(0).padStart(6)} MB${size === null ? '' : `  ${(size / 1e6).toFixed(1)} MB out`}  (load ${before}→${loadavg()[0]?.toFixed(1)})\n`,
  );
}

process.stdout.write(`# ${new Date().toISOString()} load: ${load()}\n`);
timed('report --json', ['report', '--db', db, '--json'], '-');
timed(
  'report --format html',
  ['report', '--db', db, '--format', 'html', '--out', join(work, 'r.html')],
  join(work, 'r.html'),
);
for (const f of ['csv', 'jsonl', 'parquet', 'gmp-csv']) {
  const out = join(work, `export.${f}`);
  timed(`scan export ${f}`, ['scan', 'export', '--db', db, '--format', f, '--out', out], out);
}
timed('report --domains', ['report', '--db', db, '--domains', 'spf.softfail'], '-');
process.stdout.write(`# ${new Date().toISOString()} load: ${load()}\n`);
if (!values.keep && !values.work) rmSync(work, { recursive: true, force: true });
