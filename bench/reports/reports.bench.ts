/**
 * `mailsec reports parse` and `import` at size, beside parsedmarc on the same files in the same run:
 * - an mbox of N generated report mails (aggregate as .xml.gz / .zip / .xml, Microsoft's one-line
 *   base64, TLS-RPT .json.gz, ARF failure reports) for each N of --sizes (peak RSS must stay flat);
 * - one Google-style .zip holding a single aggregate report of --records records.
 * Each run is a child process measured by /usr/bin/time (wall, user+sys CPU, peak RSS). Import
 * runs twice: into a fresh database, then again (nothing new: the re-import figure).
 *
 *   node bench/reports/reports.bench.ts [--sizes 2500,10000,20000] [--records 1000000]
 *        [--parsedmarc /path/to/venv/bin/python [--parsedmarc-mem 14]] [--keep DIR] [--built]
 *
 * --built measures the compiled CLI (`dist/src/cli/main.js`, what `./mailsec` and the npm bin run;
 * `npm run build` first) instead of `src/cli/main.ts` (Node strips the types of every module at
 * start: ~0.1 s CPU per run, which counts on small inputs).
 *
 * parsedmarc (optional) is driven by bench/reports/parsedmarc_bench.py with offline=True and its
 * name servers set to 127.0.0.1 (nothing leaves the machine); see docs/benchmarks.md for how it
 * was installed. Prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Zip, ZipDeflate } from 'fflate';
import { aggregateXmlChunks, mbox, variedReportMail } from '../../testworld/reports.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2500,10000,20000' },
    records: { type: 'string', default: '1000000' },
    parsedmarc: { type: 'string' },
    /** address-space cap for parsedmarc (GiB): it holds every record in memory */
    'parsedmarc-mem': { type: 'string', default: '14' },
    keep: { type: 'string' },
    built: { type: 'boolean', default: false },
  },
});
const sizes = String(values.sizes)
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const records = Number(values.records);
const MAIN = fileURLToPath(
  new URL(values.built ? '../../dist/src/cli/main.js' : '../../src/cli/main.ts', import.meta.url),
);
if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
const DRIVER = fileURLToPath(new URL('./parsedmarc_bench.py', import.meta.url));
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'mailsec-bench-reports-'));

interface Run {
  wallS: number;
  cpuS: number;
  peakRssMB: number;
  stdout: string;
  code: number | null;
}

/** one child process under /usr/bin/time; stdout to a file when `out` is given */
function measure(cmd: string, args: readonly string[], out?: string): Run {
  const tf = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', tf, '-f', '%e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', out ? openSync(out, 'w') : 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const [wall, user, sys, rss] =
    readFileSync(tf, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
  if (r.status !== 0)
    process.stderr.write(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}\n`);
  return {
    wallS: wall ?? Number.NaN,
    cpuS: Math.round(((user ?? 0) + (sys ?? 0)) * 100) / 100,
    peakRssMB: Math.round((rss ?? 0) / 1024),
    stdout: String(r.stdout ?? ''),
    code: r.status,
  };
}

const node = (args: readonly string[], out?: string) => measure(process.execPath, [MAIN, ...args], out);
/** parsedmarc under an address-space cap, so that a report it cannot hold fails instead of the machine */
const parsedmarc = (kind: string, file: string) =>
  measure('prlimit', [
    `--as=${Number(values['parsedmarc-mem']) * 1024 ** 3}`,
    String(values.parsedmarc),
    DRIVER,
    kind,
    file,
  ]);
const slim = (r: Run) => ({ wallS: r.wallS, cpuS: r.cpuS, peakRssMB: r.peakRssMB });

function* mails(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield variedReportMail(i, `d${i % 20}.example`);
}

/** the big report, zipped while it is generated (it never exists as one string) */
function bigZip(path: string, n: number): void {
  const fd = openSync(path, 'w');
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    writeSync(fd, chunk);
  });
  const entry = new ZipDeflate('report.xml', { level: 6 });
  zip.add(entry);
  const enc = new TextEncoder();
  for (const s of aggregateXmlChunks({
    org: 'google.com',
    reportId: 'bench-1',
    domain: 'big.example',
    begin: 1_764_547_200,
    records: n,
  })) {
    entry.push(enc.encode(s));
  }
  entry.push(new Uint8Array(0), true);
  zip.end();
  closeSync(fd);
}

const result: Record<string, unknown> = {
  bench: 'reports',
  date: new Date().toISOString().slice(0, 10),
  node: process.version,
  sizes,
  records,
  cli: values.built ? 'dist (compiled)' : 'src (type stripping)',
  cpus: cpus().length,
  /** 1-minute load average when the run began (other work on the machine stretches wall times) */
  loadAtStart: Math.round((loadavg()[0] as number) * 10) / 10,
};
const load = () => Math.round((loadavg()[0] as number) * 10) / 10;
const mbRuns: Record<string, unknown>[] = [];
for (const n of sizes) {
  const file = join(dir, `reports-${n}.mbox`);
  if (!existsSync(file)) {
    const fd = openSync(file, 'w');
    let batch: string[] = [];
    for (const m of mails(n)) {
      batch.push(m);
      if (batch.length >= 1000) {
        writeSync(fd, mbox(batch));
        batch = [];
      }
    }
    if (batch.length) writeSync(fd, mbox(batch));
    closeSync(fd);
  }
  const db = join(dir, `reports-${n}.duckdb`);
  rmSync(db, { force: true });
  const parse = node(['reports', 'parse', file, '--json'], join(dir, 'parse.jsonl'));
  const parsedLines = readFileSync(join(dir, 'parse.jsonl'), 'utf8').split('\n').filter(Boolean).length;
  const imp = node(['reports', 'import', file, '--db', db, '--json']);
  const again = node(['reports', 'import', file, '--db', db, '--json']);
  const row: Record<string, unknown> = {
    reports: n,
    load: load(),
    mboxMB: Math.round(statSync(file).size / 1048576),
    found: parsedLines,
    imported: JSON.parse(imp.stdout || '{}'),
    parse: slim(parse),
    import: slim(imp),
    reimport: slim(again),
    importVsParseCpu: Math.round((imp.cpuS / parse.cpuS) * 100) / 100,
  };
  if (values.parsedmarc) {
    const pm = parsedmarc('mbox', file);
    row.parsedmarc = { ...slim(pm), found: pm.stdout.trim(), exit: pm.code };
    row.parseVsParsedmarcWall = Math.round((pm.wallS / parse.wallS) * 10) / 10;
  }
  mbRuns.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
}
result.mbox = mbRuns;

if (records > 0) {
  const zip = join(dir, `big-${records}.zip`);
  if (!existsSync(zip)) bigZip(zip, records);
  const db = join(dir, 'big.duckdb');
  rmSync(db, { force: true });
  const parse = node(['reports', 'parse', zip]);
  const imp = node(['reports', 'import', zip, '--db', db, '--json']);
  const again = node(['reports', 'import', zip, '--db', db, '--json']);
  const big: Record<string, unknown> = {
    records,
    load: load(),
    zipMB: Math.round((statSync(zip).size / 1048576) * 10) / 10,
    summary: parse.stdout.split('\n')[2]?.trim(),
    parse: slim(parse),
    import: slim(imp),
    reimport: slim(again),
    importVsParseCpu: Math.round((imp.cpuS / parse.cpuS) * 100) / 100,
  };
  if (values.parsedmarc) {
    const pm = parsedmarc('file', zip);
    big.parsedmarc = { ...slim(pm), found: pm.stdout.trim(), exit: pm.code };
    big.parseVsParsedmarcWall = Math.round((pm.wallS / parse.wallS) * 10) / 10;
  }
  result.bigReport = big;
}
result.loadAtEnd = load();
process.stdout.write(`${JSON.stringify(result)}\n`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
