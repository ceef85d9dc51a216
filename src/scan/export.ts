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
  return `SELECT ${cols.join(', ')} FROM domains ORDER BY domain`;
}

const COPY_OPTIONS: Record<'csv' | 'jsonl' | 'parquet', string> = {
  csv: 'FORMAT csv, HEADER true',
  jsonl: 'FORMAT json',
  parquet: 'FORMAT parquet, COMPRESSION zstd',
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

/**
 * A document-based format (`gmp-csv`): the header, then one line per stored document, in domain
 * order, a chunk of documents at a time. Returns the rows written.
 */
export async function exportDocuments(
  reader: ScanReader,
  scan: string,
  header: string,
  line: (doc: Record<string, unknown>) => string,
  target: ExportTarget,
): Promise<number> {
  let rows = 0;
  const run = async (out: NodeJS.WritableStream) => {
    const write = (s: string) =>
      out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
    await write(header);
    for await (const chunk of reader.streamScans(
      { domains: scan },
      'SELECT CAST(doc AS VARCHAR) AS doc FROM domains ORDER BY domain',
    )) {
      await write(chunk.map((r) => line(JSON.parse(String(r.doc)) as Record<string, unknown>)).join(''));
      rows += chunk.length;
    }
  };
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
  return rows;
}
