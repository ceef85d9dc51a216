/**
 * `mailsec scan export`: one row per domain of a stored scan, streamed — csv, jsonl and parquet
 * through DuckDB's COPY over the scan's parts (the typed columns, never the documents, so a
 * 2.5M-domain export runs in the engine's memory limit), and the document-based formats
 * (`gmp-csv`) one chunk of documents at a time through a line formatter the caller gives.
 *
 * Columns (docs/scan.md, "Exports"): domain, checked_at, has_mx, errors, undetermined,
 * resolver.address, resolver.validates, status.<check> per section, one column per statistic key
 * (`yes` / `no` / `error` / `skipped`, empty where the domain is not in the key's denominator),
 * share.<name> (the names the domain counts in each share list), findings (ids). CSV joins lists
 * with spaces and makes a cell a spreadsheet would run as a formula text (a leading `'`).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress } from 'node:zlib';
import type { Verdict } from '../core/statistics.ts';
import { VERDICT_CODE } from '../core/statistics.ts';
import { keyColumn, ROW_COLUMNS, SHARE_NAMES, STATISTIC_KEYS, shareColumn } from '../statistics/row.ts';
import { quoteIdent as q } from '../statistics/stats.ts';
import type { ScanReader } from '../store/scan-store.ts';

export const EXPORT_FORMATS = ['csv', 'jsonl', 'parquet', 'gmp-csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `status.<check>` for every section, in registry order */
const STATUS_COLUMNS = ROW_COLUMNS.map((c) => c.name).filter((n) => n.startsWith('status.'));

/** The exported columns, in order (what docs/scan.md lists). */
export function exportColumns(): string[] {
  return [
    'domain',
    'checked_at',
    'has_mx',
    'errors',
    'undetermined',
    'resolver.address',
    'resolver.validates',
    ...STATUS_COLUMNS,
    ...STATISTIC_KEYS.map((k) => keyColumn(k.key)),
    ...SHARE_NAMES.map((s) => shareColumn(s)),
    'findings',
  ];
}

const VERDICT_TEXT = (Object.entries(VERDICT_CODE) as [Verdict, number][])
  .map(([v, code]) => `WHEN ${code} THEN '${v}'`)
  .join(' ');

/** a text cell a spreadsheet would run as a formula, made text */
const formulaSafe = (expr: string) =>
  `CASE WHEN regexp_matches(${expr}, '^[=+\\-@\\t\\r]') THEN '''' || ${expr} ELSE ${expr} END`;

/** The SELECT of the typed formats: lists stay lists (jsonl, parquet) or are joined (csv). */
export function exportSelect(format: 'csv' | 'jsonl' | 'parquet'): string {
  const csv = format === 'csv';
  const cols = [
    'domain',
    'checked_at',
    'has_mx',
    'errors',
    'undetermined',
    q('resolver.address'),
    q('resolver.validates'),
    ...STATUS_COLUMNS.map(q),
    ...STATISTIC_KEYS.map((k) => `CASE ${q(keyColumn(k.key))} ${VERDICT_TEXT} END AS ${q(keyColumn(k.key))}`),
    ...SHARE_NAMES.map((s) =>
      csv
        ? `${formulaSafe(`array_to_string(coalesce(${q(shareColumn(s))}, []), ' ')`)} AS ${q(shareColumn(s))}`
        : `coalesce(${q(shareColumn(s))}, []) AS ${q(shareColumn(s))}`,
    ),
    csv
      ? `array_to_string(list_transform(coalesce(findings, []), f -> f.id), ' ') AS findings`
      : `list_transform(coalesce(findings, []), f -> f.id) AS findings`,
  ];
  // in the store's order, not sorted: a sort of every row's wide columns is what does not fit in a
  // bounded engine at TLD scale (a 100,000-domain jsonl export ran out of 256 MB sorted); unsorted,
  // COPY streams the parts through (sort the file afterwards if you need name order)
  return `SELECT ${cols.join(', ')} FROM domains`;
}

const COPY_OPTIONS: Record<'csv' | 'jsonl' | 'parquet', string> = {
  csv: 'FORMAT csv, HEADER true',
  jsonl: 'FORMAT json',
  // row groups bounded in bytes, not DuckDB's 122,880 rows: wide rows of that many did not fit in
  // the reader's engine (a 100,000-domain export ran out of 256 MB); see the store's rowGroupBytes
  parquet: `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE_BYTES ${8 * 2 ** 20}`,
};

export interface ExportTarget {
  /** a file (written whole or not at all: a temporary file beside it, renamed) */
  readonly path?: string;
  /** or a stream (stdout); the typed formats go through a temporary file first */
  readonly stream?: NodeJS.WritableStream;
  /** where temporary files go when writing to a stream */
  readonly tmpDir: string;
}

const tmpBeside = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

async function toTarget(target: ExportTarget, write: (file: string) => Promise<void>): Promise<void> {
  const file = target.path
    ? tmpBeside(target.path)
    : join(target.tmpDir, `mailsec-export-${process.pid}.tmp`);
  try {
    await write(file);
    if (target.path) await rename(file, target.path);
    else if (target.stream) await pipeline(createReadStream(file), target.stream, { end: false });
  } finally {
    await rm(file, { force: true });
  }
}

/** csv, jsonl or parquet of the scan's typed columns, written by the database. */
export async function exportTyped(
  reader: ScanReader,
  scan: string,
  format: 'csv' | 'jsonl' | 'parquet',
  target: ExportTarget,
): Promise<void> {
  await toTarget(target, (file) =>
    reader.copyScans({ domains: scan }, exportSelect(format), file, COPY_OPTIONS[format]),
  );
}

/** The lines of a zstd-compressed file, read in 1 MiB pieces (the 16 KiB default is ten times slower). */
async function* jsonLines(file: string): AsyncGenerator<string> {
  const MiB = 2 ** 20;
  const text = createReadStream(file, { highWaterMark: MiB })
    .pipe(createZstdDecompress({ chunkSize: MiB }))
    .setEncoding('utf8');
  let rest = '';
  for await (const piece of text as AsyncIterable<string>) {
    const lines = (rest + piece).split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  if (rest) yield rest;
}

/**
 * A document-based format (`gmp-csv`): the header, then one line per stored document, in the
 * store's order. The documents leave the database through COPY into a zstd-compressed file, one a line,
 * (beside the output, or in tmpDir) that is then read back a line at a time: handing them over as
 * result chunks kept a gigabyte of native chunk memory alive whatever the heap did (100,000
 * documents of 7.7 KB), the file keeps both sides flat. Returns the rows written.
 */
export async function exportDocuments(
  reader: ScanReader,
  scan: string,
  header: string,
  line: (doc: Record<string, unknown>) => string,
  target: ExportTarget,
): Promise<number> {
  let rows = 0;
  const docs = target.path
    ? `${tmpBeside(target.path)}.docs.zst`
    : join(target.tmpDir, `mailsec-export-${process.pid}.docs.zst`);
  const run = async (out: NodeJS.WritableStream) => {
    const write = (s: string) =>
      out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
    await reader.copyScans(
      { domains: scan },
      'SELECT CAST(doc AS VARCHAR) AS doc FROM domains',
      docs,
      // one document a line, as stored: JSON text has no raw line break or \x01 (JSON.stringify
      // escapes control characters), so a CSV of one column with that delimiter and no quoting
      // writes each document unchanged — one JSON.parse a line instead of two
      "FORMAT csv, HEADER false, DELIMITER '\x01', QUOTE '', ESCAPE '', COMPRESSION zstd",
    );
    await write(header);
    let batch: string[] = [];
    for await (const l of jsonLines(docs)) {
      if (!l) continue;
      batch.push(line(JSON.parse(l) as Record<string, unknown>));
      rows++;
      if (batch.length >= 512) {
        await write(batch.join(''));
        batch = [];
      }
    }
    if (batch.length) await write(batch.join(''));
  };
  try {
    if (target.path) {
      const tmp = tmpBeside(target.path);
      try {
        const out = createWriteStream(tmp);
        const closed = new Promise<void>((resolve, reject) => {
          out.once('close', resolve);
          out.once('error', reject);
        });
        await run(out);
        out.end();
        await closed;
        await rename(tmp, target.path);
      } finally {
        await rm(tmp, { force: true });
      }
    } else if (target.stream) await run(target.stream);
  } finally {
    await rm(docs, { force: true });
  }
  return rows;
}
