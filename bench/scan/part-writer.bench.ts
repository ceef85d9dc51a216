/**
 * The scan store's part writer alone: N documents (copies of a stored scan's, under new names)
 * written as parts of --batch rows through the sink `mailsec scan` writes with, fewer than the 8
 * parts a merge needs, so no merge runs. The rows are built before the clock starts; what is timed is
 * `sink.write` (documents → Parquet part). Prints CPU seconds of the process (user + sys, the
 * main thread and DuckDB's) and of the main thread alone, wall time, peak RSS and the load.
 *
 *   node bench/scan/part-writer.bench.ts --from scans.duckdb [--scan NAME] [--docs 20000] [--batch 5000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openScanSink, toStored } from '../../src/scan/store.ts';
import type { StoredDomain } from '../../src/store/scan-store.ts';
import { mainThreadCpu, skipBench } from '../machine.ts';
import { templateDocuments } from './templates.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    scan: { type: 'string' },
    docs: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '5000' },
  },
});
if (!values.from) skipBench('scan/part-writer', '--from DB (a database with a stored scan)');
const N = Number(values.docs);
const BATCH = Number(values.batch);

const templates = await templateDocuments(values.from, values.scan);

const batches: StoredDomain[][] = [];
let bytes = 0;
for (let start = 0; start < N; start += BATCH) {
  const rows: StoredDomain[] = [];
  for (let i = start; i < Math.min(N, start + BATCH); i++) {
    const t = templates[i % templates.length] as string;
    bytes += Buffer.byteLength(t);
    const doc = JSON.parse(t) as Record<string, unknown>;
    doc.domain = `b${i.toString(36)}-${String(doc.domain)}`;
    rows.push(toStored(doc));
  }
  batches.push(rows);
}

const load = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
process.stdout.write(
  `# ${templates.length} template documents, ${N} written in parts of ${BATCH} (${(bytes / 1e6).toFixed(1)} MB of JSON)\n# ${new Date().toISOString()} load: ${load()}\n`,
);

const work = mkdtempSync(join(tmpdir(), 'mailsec-part-writer-bench-'));
if (batches.length >= 8) throw new Error('at most 7 parts (--docs / --batch): the 8th would start a merge');
const sink = await openScanSink(join(work, 'w.duckdb'));
try {
  await sink.begin('w', {}, 'part writer bench');
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpu();
  const t0 = performance.now();
  for (const rows of batches) await sink.write('w', rows);
  const cpu = process.cpuUsage(cpu0);
  const main = mainThreadCpu() - main0;
  const wall = (performance.now() - t0) / 1000;
  process.stdout.write(
    `write: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (user ${(cpu.user / 1e6).toFixed(2)}, sys ${(cpu.system / 1e6).toFixed(2)}), main thread ${main.toFixed(2)} s, ${wall.toFixed(2)} s wall, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n# load: ${load()}\n`,
  );
} finally {
  await sink.close();
  rmSync(work, { recursive: true, force: true });
}
