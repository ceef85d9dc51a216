/**
 * The scan store: a DuckDB catalogue file plus immutable Parquet part files beside it.
 *
 *   <db>                       catalogue: mailsec_schema, scans, scan_parts (and the report tables
 *                              of report-store.ts, which share the file under their own schema table)
 *   <db>.parts/<scan>/<part>.parquet        one row per domain: typed columns + the document
 *   <db>.parts/<scan>/<part>.certs.parquet  the certificates (DER) of those documents, once each
 *
 * DuckDB lets one process hold a file read-write and no reader beside it, so nobody holds the
 * catalogue for long: a writer opens it per part (`withDatabase`), a reader opens it read-only
 * (waiting while a writer has it) just to list the parts, then queries the Parquet files through
 * its own in-memory DuckDB. A part is written to a temporary name, renamed, and then registered in
 * the catalogue in one short transaction: registration is the commit point (a file that was never
 * registered is ignored). Small parts are merged in tiers while the scan runs and into one part
 * (certificates deduplicated) when it ends; readers that lose a merged file re-list and retry.
 *
 * The typed columns (status per section, one verdict per statistic key, the share names, the
 * findings) come from the caller (src/statistics/row.ts), so this module knows no check.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { CatalogueWorker } from './catalogue-worker.ts';
import { type Database, type OpenOptions, withDatabase } from './duckdb.ts';

export { DEFAULT_DB } from './duckdb.ts';

/** The catalogue's schema table and migrations; the index + 1 is the version. */
export const SCAN_SCHEMA_TABLE = 'mailsec_schema';
export const SCAN_SCHEMA_VERSION = 2;
const MIGRATIONS: readonly string[] = [
  // 1: documents in the catalogue itself (mailsec before the part store)
  `CREATE TABLE scans (
     name VARCHAR PRIMARY KEY,
     started TIMESTAMPTZ NOT NULL,
     options JSON NOT NULL,
     input VARCHAR,
     total BIGINT
   );
   CREATE TABLE results (
     scan VARCHAR NOT NULL,
     domain VARCHAR NOT NULL,
     checked_at TIMESTAMPTZ NOT NULL,
     has_mx BOOLEAN,
     errors INTEGER,
     doc JSON NOT NULL,
     PRIMARY KEY (scan, domain)
   );`,
  // 2: the part store; version-1 results are converted into parts by ScanStore.open
  `CREATE TABLE scan_state (
     scan VARCHAR PRIMARY KEY,
     replacements BOOLEAN NOT NULL DEFAULT false,
     finished TIMESTAMPTZ
   );
   CREATE TABLE scan_parts (
     scan VARCHAR NOT NULL,
     part VARCHAR NOT NULL,
     file VARCHAR NOT NULL,
     certs VARCHAR,
     level INTEGER NOT NULL,
     rows BIGINT NOT NULL,
     bytes BIGINT NOT NULL,
     created TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (scan, part)
   );`,
];

/** A column of the part files besides the fixed ones (see src/statistics/row.ts). */
export interface ColumnSpec {
  readonly name: string;
  /** a DuckDB type: VARCHAR, UTINYINT, VARCHAR[], … */
  readonly type: string;
}

export interface ScanInfo {
  readonly name: string;
  readonly started: string;
  readonly options: Record<string, unknown>;
  readonly input: string | null;
  readonly total: number | null;
  readonly finished: string | null;
}

/** One domain to store: the document and its typed row. */
export interface StoredDomain {
  readonly domain: string;
  readonly checkedAt: string;
  readonly hasMx: boolean;
  /** error findings */
  readonly errors: number;
  /** sections whose status is error (what --retry-errors scans again) */
  readonly undetermined: number;
  /** values of the extra columns by name */
  readonly columns: Record<string, string | number | boolean | string[] | null>;
  readonly findings: readonly { id: string; severity: string }[];
  /** the `check --json` document; the store takes it over (certificate DER is moved out) */
  readonly doc: Record<string, unknown>;
}

/** Where scan results go (`mailsec scan`, later a collector of workers' chunks). */
export interface ScanSink {
  /** Creates the scan or returns the stored one (resume). */
  begin(name: string, options: Record<string, unknown>, input: string): Promise<ScanInfo>;
  setTotal(name: string, total: number): Promise<void>;
  /** Stages the input: unique names minus the stored ones (`retryErrors`: undetermined ones again). */
  stage(
    scan: string,
    chunks: AsyncIterable<readonly string[]>,
    o?: { retryErrors?: boolean },
  ): Promise<Staged>;
  /** The staged names still to scan, in input order, in chunks. */
  pending(size?: number): AsyncGenerator<string[]>;
  /** Stores one part (a batch); `replace`: these domains replace their stored rows. */
  write(scan: string, rows: readonly StoredDomain[], o?: { replace?: boolean; part?: string }): Promise<void>;
  /**
   * Stores the scan's domains as they finish, each appended to the part being filled at once
   * (none held in JavaScript until its part is written); `cut` seals and stores that part.
   */
  stream?(scan: string, o?: { replace?: boolean; rows?: number }): Promise<RowStream>;
  /** Merges the scan's parts into one, certificates deduplicated. */
  finish(scan: string): Promise<void>;
  close(): Promise<void>;
}

/** A scan's parts filled row by row (`ScanSink.stream`). */
export interface RowStream {
  /** Appends a finished domain to the part being filled. */
  add(row: StoredDomain): void;
  /** rows in the part being filled */
  readonly rows: number;
  /** the part being filled has its rows (the `rows` it was opened with) or its bytes of documents */
  readonly full: boolean;
  /** parts cut and not yet stored (their rows wait in the engine) */
  readonly waiting: number;
  /**
   * Seals the part being filled (the next rows go to a new one) and stores it: resolves once it is
   * registered, with its rows and those of them with an undetermined section. Parts are stored in
   * the order they were cut.
   */
  cut(): Promise<{ rows: number; undetermined: number }>;
  /** Stores nothing more: releases the part being filled (cut it first) and the connection. */
  close(): Promise<void>;
}

export interface Staged {
  /** unique names in the input */
  readonly unique: number;
  /** names seen again */
  readonly duplicates: number;
  /** of the unique names, those already stored (skipped) */
  readonly stored: number;
  /** names to scan */
  readonly todo: number;
}

/** What readers ask (`report`, later `serve`). */
export interface ScanSource {
  scans(): Promise<ScanInfo[]>;
  count(scan: string): Promise<number>;
  /** SQL over the view `domains` (one row per stored domain of the scan) */
  query(scan: string, sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]>;
  /** SQL over several scans: each key of `views` names a view of that scan's rows (`domains` as in query) */
  queryScans(
    views: Readonly<Record<string, string>>,
    sql: string,
    params?: DuckDBValue[],
  ): Promise<Record<string, unknown>[]>;
  /** the same, streamed in chunks of rows */
  streamScans(
    views: Readonly<Record<string, string>>,
    sql: string,
    params?: DuckDBValue[],
  ): AsyncGenerator<Record<string, unknown>[]>;
  /** The stored document of one domain, certificates restored; undefined when not stored. */
  document(scan: string, domain: string): Promise<Record<string, unknown> | undefined>;
  /** Every stored document of the scan, streamed. */
  documents(scan: string): AsyncGenerator<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The catalogue holds a few rows per part: a small engine is plenty. */
const CATALOGUE_MEMORY = '128MB';
/** The in-memory engine that stages the input and writes or reads the parts (spills beyond it). */
const WORK_MEMORY = '256MB';

/** Half a DuckDB size, as one (whole MiB). */
export function halfOf(size: string): string {
  return `${Math.max(1, Math.floor(parseSize(size) / 2 / 2 ** 20))}MiB`;
}

/** Bytes of a DuckDB size ('256MB', '1GiB', '512 KB', a plain number of bytes). */
export function parseSize(size: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = (m[2] ?? '').toLowerCase();
  const base = m[3] ? 1024 : 1000;
  return Math.round(Number(m[1]) * base ** ' kmgt'.indexOf(unit || ' '));
}

/**
 * The Parquet row group a COPY buffers per thread before it compresses and writes it. DuckDB's
 * default is 122,880 rows, whatever their size: with documents of 5–20 KB a merge of a few
 * thousand rows held hundreds of megabytes and failed at the engine's limit. Sized in bytes
 * instead (ROW_GROUP_SIZE_BYTES, honoured because insertion order is not preserved). DuckDB
 * closes a row group once it has passed that size, checked after each incoming chunk (≤ 2,048
 * rows: a part's rows, `--batch`), so a row group is at most this plus one chunk, and a merge
 * reads back chunks no larger than the parts it merges. Two connections (writes, merges) ×
 * threads × (the chunk read, the row group, its pages compressed) stay below the limit.
 */
export function rowGroupBytes(memoryLimit: string, threads: number): number {
  const share = Math.floor(parseSize(memoryLimit) / (32 * Math.max(1, threads)));
  return Math.min(64 * 2 ** 20, Math.max(2 ** 20, share));
}

/**
 * The row groups of a merge, in a one-thread engine: a sixteenth of its memory (8 MiB of 128),
 * twice a write's. A merge reads back chunks no larger than its parts' row groups and holds one
 * row group at a time, so its groups can be larger: ~800 documents of 7.7 KB instead of ~400 (in
 * groups of ~400, the report's scans of the typed columns of a 100,000-row part ran 3.4 times
 * slower than in groups of 2,048; an eighth, 16 MiB, failed the replacing final merge in 64 MB).
 */
/**
 * The most rows one merge writes (2^19: a level-3 part of 512,000 rows at the default fan-in of 8
 * and batches of 1,000 still fits). Merging 14 parts of a 1,000,000-domain scan into one ran out of
 * the merge engine's 122 MiB ("failed to allocate data of size 17.1 MiB") at the end of the scan.
 */
export const MERGE_MAX_ROWS = 524_288;

export function mergeRowGroupBytes(memoryLimit: string): number {
  return Math.min(64 * 2 ** 20, Math.max(2 ** 20, Math.floor(parseSize(memoryLimit) / 16)));
}

/** The files of a store beside its catalogue. */
export function partsDir(dbPath: string): string {
  return `${dbPath}.parts`;
}

function scanDir(scan: string): string {
  const safe = scan.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48);
  return `${safe}-${createHash('sha256').update(scan).digest('hex').slice(0, 10)}`;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

interface PartRow {
  readonly part: string;
  readonly file: string;
  readonly certs: string | null;
  readonly level: number;
  readonly rows: number;
}

interface CatalogueScan extends ScanInfo {
  readonly replacements: boolean;
  readonly parts: PartRow[];
}

const FIXED_COLUMNS: readonly ColumnSpec[] = [
  { name: 'domain', type: 'VARCHAR' },
  { name: 'checked_at', type: 'VARCHAR' },
  { name: 'part_seq', type: 'BIGINT' },
  { name: 'has_mx', type: 'BOOLEAN' },
  { name: 'errors', type: 'INTEGER' },
  { name: 'undetermined', type: 'INTEGER' },
  { name: 'findings', type: 'STRUCT(id VARCHAR, severity VARCHAR)[]' },
];

async function readCatalogue(db: Database): Promise<CatalogueScan[]> {
  if (!(await db.hasTable('scans'))) return [];
  const hasParts = await db.hasTable('scan_parts');
  const scans = await db.all(
    hasParts
      ? `SELECT name, CAST(started AS VARCHAR) AS started, CAST(options AS VARCHAR) AS options, input, total,
           coalesce(st.replacements, false) AS replacements, CAST(st.finished AS VARCHAR) AS finished
         FROM scans LEFT JOIN scan_state st ON st.scan = scans.name ORDER BY started, name`
      : 'SELECT name, CAST(started AS VARCHAR) AS started, CAST(options AS VARCHAR) AS options, input, total FROM scans ORDER BY started, name',
  );
  const parts = hasParts
    ? await db.all('SELECT scan, part, file, certs, level, rows FROM scan_parts ORDER BY created, part')
    : [];
  return scans.map((o) => ({
    name: String(o.name),
    started: String(o.started),
    options: JSON.parse(String(o.options)) as Record<string, unknown>,
    input: o.input === null ? null : String(o.input),
    total: o.total === null || o.total === undefined ? null : Number(o.total),
    finished: o.finished === null || o.finished === undefined ? null : String(o.finished),
    replacements: o.replacements === true,
    parts: parts
      .filter((p) => p.scan === o.name)
      .map((p) => ({
        part: String(p.part),
        file: String(p.file),
        certs: p.certs === null ? null : String(p.certs),
        level: Number(p.level),
        rows: Number(p.rows),
      })),
  }));
}

function publicInfo(s: CatalogueScan): ScanInfo {
  return {
    name: s.name,
    started: s.started,
    options: s.options,
    input: s.input,
    total: s.total,
    finished: s.finished,
  };
}

/** The in-memory DuckDB a writer or reader uses for Parquet (never the catalogue file). */
async function workDatabase(
  memoryLimit: string,
  threads: number,
  tempDirectory?: string,
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: memoryLimit,
    threads: String(threads),
    preserve_insertion_order: 'false',
    // DuckDB's cache of file contents (on by default since 1.3) keeps a block handle and its
    // bookkeeping for every range it ever read, of files long merged away and deleted: a scan's
    // native memory grew with the bytes its merges read (~0.8 MiB per 1,000 domains; heaptrack:
    // BlockHandle, RegisterMemory, CachingFileHandle). Every part is read once per merge.
    enable_external_file_cache: 'false',
    temp_directory: tempDirectory ?? join(tmpdir(), `mailsec-duckdb-${process.pid}`),
  });
  return { instance, conn: await instance.connect() };
}

/**
 * The view over a scan's parts: one row per domain (the newest when a domain was replaced). The
 * newest row is found on the keys alone (domain, part_seq: a spilling aggregate) and the rows are
 * then streamed through a semi-join against them — a window over whole rows would sort every
 * document in memory.
 */
function domainsView(
  files: readonly string[],
  replacements: boolean,
  columns: readonly ColumnSpec[] = [],
  missing: readonly ColumnSpec[] = [],
): string {
  if (!files.length) {
    return `SELECT ${[...FIXED_COLUMNS, ...columns].map((c) => `CAST(NULL AS ${c.type}) AS ${q(c.name)}`).join(', ')}, CAST(NULL AS VARCHAR) AS doc WHERE false`;
  }
  const src = `read_parquet([${files.map(lit).join(', ')}], union_by_name = true)`;
  // columns the parts lack (written by a mailsec that had fewer statistic keys) read as NULL
  const extra = missing.map((c) => `, CAST(NULL AS ${c.type}) AS ${q(c.name)}`).join('');
  return replacements
    ? `SELECT *${extra} FROM ${src} SEMI JOIN (SELECT domain, max(part_seq) AS part_seq FROM ${src} GROUP BY domain) newest USING (domain, part_seq)`
    : `SELECT *${extra} FROM ${src}`;
}

/** Runs a statement of the work engine; a failure names what it was doing. */
async function work(conn: DuckDBConnection, what: string, sql: string): Promise<void> {
  try {
    await conn.run(sql);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    throw Object.assign(new Error(`scan store, ${what}: ${m.split('\n')[0]}`, { cause: e }), {
      name: e instanceof Error ? e.name : 'Error',
    });
  }
}

const isMissingFile = (e: unknown) =>
  e instanceof Error && /No files found|No such file|Cannot open file|could not open/i.test(e.message);

/** Puts the certificates' DER back into a stored document (smtp.hosts[].chain[]). */
function restoreCertificates(doc: Record<string, unknown>, der: ReadonlyMap<string, string>): void {
  const hosts = (doc.smtp as { hosts?: { chain?: { sha256?: string; der?: string }[] }[] } | undefined)
    ?.hosts;
  for (const h of hosts ?? [])
    for (const c of h.chain ?? [])
      if (c.der === undefined && c.sha256 && der.has(c.sha256)) c.der = der.get(c.sha256);
}

/** The certificates of a document, moved out of it (sha256 → DER). */
function takeCertificates(doc: Record<string, unknown>, into: Map<string, string>): void {
  const hosts = (doc.smtp as { hosts?: { chain?: { sha256?: string; der?: string }[] }[] } | undefined)
    ?.hosts;
  for (const h of hosts ?? [])
    for (const c of h.chain ?? []) {
      if (typeof c.sha256 === 'string' && typeof c.der === 'string') {
        into.set(c.sha256, c.der);
        delete c.der;
      }
    }
}

export interface StoreOptions extends OpenOptions {
  /** the typed columns of the rows (src/statistics/row.ts ROW_COLUMNS) */
  readonly columns: readonly ColumnSpec[];
  /** turns a stored document of a version-1 database into its row (the migration) */
  readonly toRow?: (doc: Record<string, unknown>) => StoredDomain;
  /** parts of one level merged into one of the next (default 8) */
  readonly mergeFanIn?: number;
  /** the most rows a merge writes into one part (default MERGE_MAX_ROWS) */
  readonly mergeMaxRows?: number;
  /** DuckDB memory limit of the in-memory engines that write and read the parts (default 256MB; a writer splits it between its part writes and its merges) */
  readonly workMemoryLimit?: string;
}

/**
 * Opens the catalogue once to migrate it (a version-1 file is converted: its documents become
 * parts), refusing a newer version. Returns after closing it.
 */
async function prepareCatalogue(path: string, o: StoreOptions): Promise<void> {
  const version = existsSync(path)
    ? await withDatabase(path, { memoryLimit: CATALOGUE_MEMORY, ...o, readOnly: true }, (db) =>
        db.schemaVersion(SCAN_SCHEMA_TABLE),
      )
    : 0;
  if (version > SCAN_SCHEMA_VERSION) {
    throw new MailsecError(
      ErrorCode.StoreVersion,
      `${path}: the scan store is at schema version ${version}; this mailsec knows up to ${SCAN_SCHEMA_VERSION}`,
      'use the mailsec version that wrote it, or another database file',
    );
  }
  if (version === SCAN_SCHEMA_VERSION) return;
  if (o.readOnly && version === 0) return; // nothing to read; readers never create the file
  await withDatabase(path, { ...o, readOnly: false }, async (db) => {
    await db.migrate(SCAN_SCHEMA_TABLE, MIGRATIONS);
    if (await db.hasTable('results')) await convertVersion1(path, db, o);
  });
}

/** Version 1 kept documents in `results`: each scan's rows become parts, then the table goes. */
async function convertVersion1(path: string, db: Database, o: StoreOptions): Promise<void> {
  const [count] = await db.all('SELECT count(*) AS n FROM results');
  if (Number(count?.n ?? 0) === 0) {
    await db.run('DROP TABLE results');
    return;
  }
  if (!o.toRow) {
    throw new MailsecError(
      ErrorCode.StoreVersion,
      `${path}: the scan results are at schema version 1 and need converting`,
      'run mailsec scan or mailsec report on it once to convert it',
    );
  }
  const work = await workDatabase(o.workMemoryLimit ?? WORK_MEMORY, o.threads ?? 2);
  const writer = new PartWriter(
    path,
    work.conn,
    o.columns,
    rowGroupBytes(o.workMemoryLimit ?? WORK_MEMORY, o.threads ?? 2),
  );
  try {
    const scans = (await db.all('SELECT DISTINCT scan FROM results ORDER BY scan')).map((r) =>
      String(r.scan),
    );
    const registered: { scan: string; p: WrittenPart }[] = [];
    for (const scan of scans) {
      let after = '';
      for (;;) {
        const page = await db.all(
          'SELECT domain, CAST(doc AS VARCHAR) AS doc FROM results WHERE scan = $1 AND domain > $2 ORDER BY domain LIMIT 5000',
          [scan, after],
        );
        if (!page.length) break;
        after = String(page[page.length - 1]?.domain);
        const rows = page.map(
          (r) => o.toRow?.(JSON.parse(String(r.doc)) as Record<string, unknown>) as StoredDomain,
        );
        registered.push({ scan, p: await writer.write(scan, rows, 0) });
      }
    }
    await db.transaction(async () => {
      for (const { scan, p } of registered) await registerPart(db, scan, p);
      await db.run('DROP TABLE results');
    });
  } finally {
    work.conn.closeSync();
    work.instance.closeSync();
  }
}

interface WrittenPart {
  readonly part: string;
  readonly file: string;
  readonly certs: string | null;
  readonly level: number;
  readonly rows: number;
  readonly bytes: number;
}

function registration(scan: string, p: WrittenPart): [string, DuckDBValue[]] {
  return [
    'INSERT OR REPLACE INTO scan_parts VALUES ($1, $2, $3, $4, $5, $6, $7, now())',
    [scan, p.part, p.file, p.certs, p.level, p.rows, p.bytes],
  ];
}

async function registerPart(db: Database, scan: string, p: WrittenPart): Promise<void> {
  const [sql, params] = registration(scan, p);
  await db.run(sql, params);
}

let seqBase = BigInt(Date.now()) * 1000n;

/** The documents' bytes (UTF-16 units) a part's table holds before they are staged to a Parquet file. */
const STAGE_BYTES = 4 * 2 ** 20;

/**
 * The documents' bytes (UTF-16 units) a streamed part holds at most (a part is cut at `--batch`
 * rows before that, unless its documents are far larger than a DNS-only scan's 8.7 KB). Its rows
 * pass through tables of STAGE_BYTES each, copied to stage files as they fill: a first version
 * held the whole part in one table and failed at 16 MiB ("Out of Memory Error … 109.5 MiB/122.0
 * MiB used": the table, the copy's row group and the next part's table at once).
 */
const STREAM_BYTES = 64 * 2 ** 20;

type Append = (a: DuckDBAppender, v: unknown) => void;

const INT_APPEND = {
  TINYINT: 'appendTinyInt',
  SMALLINT: 'appendSmallInt',
  INTEGER: 'appendInteger',
  UTINYINT: 'appendUTinyInt',
  USMALLINT: 'appendUSmallInt',
  UINTEGER: 'appendUInteger',
} as const;

/**
 * A column of a part's table: scalars appended typed; lists and structs as their JSON text
 * (VARCHAR), cast to their type when the table is copied to Parquet — the appender's nested
 * values cost far more (a value and a logical type built per row).
 */
interface TableColumn {
  readonly append: Append;
  readonly tableType: string;
  readonly select: string;
}

function tableColumn(name: string, type: string): TableColumn {
  const t = type.trim().toUpperCase();
  let f: Append | undefined;
  if (t === 'VARCHAR') f = (a, v) => a.appendVarchar(typeof v === 'string' ? v : String(v));
  else if (t === 'BOOLEAN') f = (a, v) => a.appendBoolean(Boolean(v));
  else if (t === 'BIGINT') f = (a, v) => a.appendBigInt(BigInt(v as number));
  else if (t === 'DOUBLE') f = (a, v) => a.appendDouble(Number(v));
  else if (t in INT_APPEND) {
    const m = INT_APPEND[t as keyof typeof INT_APPEND];
    f = (a, v) => a[m](Number(v));
  }
  const g: Append = f ?? ((a, v) => a.appendVarchar(JSON.stringify(v)));
  return {
    append: (a, v) => (v === null || v === undefined ? a.appendNull() : g(a, v)),
    tableType: f ? type : 'VARCHAR',
    select: f ? q(name) : `CAST(json(${q(name)}) AS ${type}) AS ${q(name)}`,
  };
}

/** A table a streamed part's rows are appended to (`PartWriter.spool`). */
interface Fill {
  readonly table: string;
  /** its own connection (an appender must not share one with a statement under way) */
  conn: DuckDBConnection | null;
  /** open once the table is made */
  appender: DuckDBAppender | null;
  /** rows that finished before the table was there */
  pending: StoredDomain[];
  rows: number;
  /** the documents' JSON text in it (UTF-16 units) */
  bytes: number;
  /** the table made and the appender open */
  opened: Promise<void>;
}

/** A part being filled row by row as its domains finish (`PartWriter.spool`). */
interface Spool {
  readonly part: string;
  readonly seq: bigint;
  /** the table being appended to */
  fill: Fill;
  /** fills so far (for their table names) */
  fills: number;
  rows: number;
  /** the documents' JSON text so far (UTF-16 units) */
  bytes: number;
  /** rows with a section that could not be determined */
  undetermined: number;
  readonly certs: Map<string, string>;
  /** earlier fills, copied to uncompressed stage files (past STAGE_BYTES each) */
  readonly stages: string[];
  /** those copies, in order; a failure fails the part */
  staging: Promise<void>;
}

/** Writes part files through an in-memory DuckDB: appender → table (→ stage files) → Parquet (ZSTD), temp name then rename. */
class PartWriter {
  private readonly dbPath: string;
  private readonly conn: DuckDBConnection;
  private readonly columns: readonly ColumnSpec[];
  private readonly runId: string;
  private seq = 0;
  /**
   * certificates already written by this run, by scan (bounded): most repeats are never written
   * twice. Once keyed by certificate alone, so a second scan written by the same process stored
   * its documents without the DER of certificates the first one had (its reader found none).
   */
  private readonly certsWritten = new Map<string, true>();
  /**
   * The COPY options of a Parquet file: ZSTD, row groups bounded in bytes. Parts that are merged
   * again within minutes (the writes, and merges into levels 1 and 2) at ZSTD level 1; the parts a
   * scan keeps (level 3 and up, every final merge) at ZSTD level 3. Level 6 everywhere spent ~8 %
   * of a scan's CPU in ZSTD's matcher, mostly on parts that lived a few minutes; level 6 for the
   * kept parts still cost 2 % of a scan's CPU (its lazy matcher) for 10 % fewer bytes (449 → 499
   * bytes a domain), which a scan far below its 2 KB does not need.
   */
  private parquet(zstd: 1 | 3): string {
    return `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${zstd}, ROW_GROUP_SIZE_BYTES ${this.rowGroup}`;
  }
  private readonly rowGroup: number;
  constructor(
    dbPath: string,
    conn: DuckDBConnection,
    columns: readonly ColumnSpec[],
    rowGroup: number,
    tag = '',
  ) {
    this.dbPath = dbPath;
    this.conn = conn;
    this.columns = columns;
    this.rowGroup = rowGroup;
    this.runId = `${Date.now().toString(36)}${process.pid.toString(36)}${tag}`;
  }

  private dir(scan: string): string {
    const d = join(partsDir(this.dbPath), scanDir(scan));
    mkdirSync(d, { recursive: true });
    return d;
  }

  private rel(file: string): string {
    return relative(dirname(this.dbPath), file);
  }

  /**
   * The table a part's rows are appended to (DuckDB's appender: typed values, the document as
   * its JSON text in a VARCHAR — encoded once, never escaped into a JSON line and parsed back),
   * then copied to Parquet. Created on first use; emptied after each part.
   */
  private rowsTable: TableColumn[] | null = null;
  /**
   * The statement that creates `part_rows` empty, run again to empty it. Not `TRUNCATE`: in an
   * in-memory database DuckDB only marks truncated rows deleted and keeps their blocks (no
   * checkpoint ever drops them), so every document a scan wrote stayed in the engine — its buffer
   * pool full at the limit, the rest spilled to the temp directory (250 MB by 66,000 domains),
   * its bookkeeping growing in native memory. A replaced table's blocks are freed at once.
   */
  private rowsDdl = '';
  private static readonly CERTS_DDL = 'CREATE OR REPLACE TABLE part_certs (sha256 VARCHAR, der VARCHAR)';

  private async table(): Promise<TableColumn[]> {
    if (this.rowsTable) return this.rowsTable;
    const all = [...FIXED_COLUMNS, ...this.columns, { name: 'doc', type: 'VARCHAR' }];
    const cols = all.map((c) => tableColumn(c.name, c.type));
    this.rowsDdl = `CREATE OR REPLACE TABLE part_rows (${all.map((c, i) => `${q(c.name)} ${cols[i]?.tableType}`).join(', ')})`;
    await this.conn.run(`${this.rowsDdl}; ${PartWriter.CERTS_DDL}`);
    this.rowsTable = cols;
    return cols;
  }

  /** Appends one row to `a`: the typed columns, the findings, the document's JSON text (its length returned). */
  private appendRow(
    a: DuckDBAppender,
    cols: readonly TableColumn[],
    r: StoredDomain,
    seq: bigint,
    certs: Map<string, string>,
  ): number {
    takeCertificates(r.doc, certs);
    a.appendVarchar(r.domain);
    a.appendVarchar(r.checkedAt);
    a.appendBigInt(seq);
    a.appendBoolean(r.hasMx);
    a.appendInteger(r.errors);
    a.appendInteger(r.undetermined);
    (cols[FIXED_COLUMNS.length - 1] as TableColumn).append(
      a,
      r.findings.map((f) => ({ id: f.id, severity: f.severity })),
    );
    const n = this.columns.length;
    for (let i = 0; i < n; i++)
      (cols[FIXED_COLUMNS.length + i] as TableColumn).append(
        a,
        r.columns[(this.columns[i] as ColumnSpec).name],
      );
    const text = JSON.stringify(r.doc);
    a.appendVarchar(text);
    a.endRow();
    return text.length;
  }

  private nextPart(level: number): { part: string; seq: bigint } {
    seqBase += 1n;
    return { part: `L${level}-${this.runId}-${String(this.seq++).padStart(6, '0')}`, seq: seqBase };
  }

  async write(
    scan: string,
    rows: readonly StoredDomain[],
    level: number,
    name?: string,
  ): Promise<WrittenPart> {
    const dir = this.dir(scan);
    const next = this.nextPart(level);
    const part = name ?? next.part;
    const certs = new Map<string, string>();
    const cols = await this.table();
    const tmp = join(dir, `${part}.tmp`);
    const stageFiles: string[] = [];
    try {
      // rows go straight into the engine's table (no JSON lines held in JavaScript, no JSON
      // reader); an in-memory table does not spill, so past STAGE_BYTES of documents the table is
      // copied to an uncompressed Parquet stage file and emptied — a part then takes about
      // STAGE_BYTES of table whatever its size, and the final copy streams the stage files
      const flush = async () => {
        const f = `${tmp}.stage${stageFiles.length}.parquet`;
        stageFiles.push(f);
        await work(
          this.conn,
          `staging part ${part} (${rows.length} rows)`,
          `COPY part_rows TO ${lit(f)} (FORMAT parquet, COMPRESSION uncompressed); ${this.rowsDdl}`,
        );
      };
      let staged = 0;
      let a = await this.conn.createAppender('part_rows');
      try {
        for (const r of rows) {
          staged += this.appendRow(a, cols, r, next.seq, certs);
          if (staged >= STAGE_BYTES) {
            a.closeSync();
            await flush();
            staged = 0;
            a = await this.conn.createAppender('part_rows');
          }
        }
      } finally {
        a.closeSync();
      }
      if (stageFiles.length && staged) await flush();
      return await this.commit(
        scan,
        part,
        stageFiles.length ? `read_parquet([${stageFiles.map(lit).join(', ')}])` : 'part_rows',
        certs,
        rows.length,
        level,
      );
    } finally {
      for (const f of stageFiles) rmSync(f, { force: true });
      // a failed part leaves no rows for the next one
      await this.conn.run(`${this.rowsDdl}; ${PartWriter.CERTS_DDL}`).catch(() => {});
    }
  }

  /**
   * Copies a part's rows (from a table or stage files) to its Parquet file, and its certificates
   * not written before to one beside it: temp names, then renamed (a crash leaves no half part).
   */
  private async commit(
    scan: string,
    part: string,
    from: string,
    certs: ReadonlyMap<string, string>,
    rows: number,
    level: number,
  ): Promise<WrittenPart> {
    const dir = this.dir(scan);
    const cols = await this.table();
    const tmp = join(dir, `${part}.tmp`);
    const file = join(dir, `${part}.parquet`);
    let certsFile: string | null = null;
    try {
      await work(
        this.conn,
        `writing part ${part} (${rows} rows)`,
        `COPY (SELECT ${cols.map((c) => c.select).join(', ')} FROM ${from}) TO ${lit(`${tmp}.parquet`)} (${this.parquet(level >= 3 ? 3 : 1)})`,
      );
      // per scan: a reader looks a certificate up in its own scan's parts
      const seen = (sha: string) => `${scan}\u0000${sha}`;
      const fresh = [...certs].filter(([sha]) => !this.certsWritten.has(seen(sha)));
      if (fresh.length) {
        await this.conn.run(PartWriter.CERTS_DDL);
        const c = await this.conn.createAppender('part_certs');
        try {
          for (const [sha256, der] of fresh) {
            c.appendVarchar(sha256);
            c.appendVarchar(der);
            c.endRow();
          }
        } finally {
          c.closeSync();
        }
        certsFile = join(dir, `${part}.certs.parquet`);
        await work(
          this.conn,
          `writing the certificates of part ${part}`,
          `COPY part_certs TO ${lit(`${tmp}.certs.parquet`)} (${this.parquet(level >= 3 ? 3 : 1)}); ${PartWriter.CERTS_DDL}`,
        );
        renameSync(`${tmp}.certs.parquet`, certsFile);
        for (const [sha] of fresh) {
          this.certsWritten.set(seen(sha), true);
          if (this.certsWritten.size > 50_000)
            this.certsWritten.delete(this.certsWritten.keys().next().value as string);
        }
      }
      renameSync(`${tmp}.parquet`, file);
    } catch (e) {
      rmSync(`${tmp}.parquet`, { force: true });
      rmSync(`${tmp}.certs.parquet`, { force: true });
      throw e;
    }
    return {
      part,
      file: this.rel(file),
      certs: certsFile ? this.rel(certsFile) : null,
      level,
      rows,
      bytes: statSync(file).size + (certsFile ? statSync(certsFile).size : 0),
    };
  }

  /**
   * A part filled row by row as its domains finish (`ScanStore.stream`): tables of its own in the
   * engine, appended to through connections of their own (`connect`: an appender cannot share one
   * with a statement under way, and the appends must never wait for a part being copied on this
   * writer's). Rows that finish while a table is being made wait in `pending` (milliseconds).
   */
  spool(connect: () => Promise<DuckDBConnection>): Spool {
    const { part, seq } = this.nextPart(0);
    const s: Spool = {
      part,
      seq,
      fill: null as unknown as Fill,
      fills: 0,
      rows: 0,
      bytes: 0,
      undetermined: 0,
      certs: new Map(),
      stages: [],
      staging: Promise.resolve(),
    };
    s.fill = this.fill(s, connect);
    return s;
  }

  private fill(s: Spool, connect: () => Promise<DuckDBConnection>): Fill {
    const table = `part_spool_${s.part.replace(/[^A-Za-z0-9]/g, '_')}_${s.fills++}`;
    const f: Fill = {
      table,
      conn: null,
      appender: null,
      pending: [],
      rows: 0,
      bytes: 0,
      opened: Promise.resolve(),
    };
    f.opened = (async () => {
      const cols = await this.table();
      const conn = await connect();
      f.conn = conn;
      await conn.run(this.rowsDdl.replace('TABLE part_rows', `TABLE ${table}`));
      const a = await conn.createAppender(table);
      for (const r of f.pending) {
        const n = this.appendRow(a, cols, r, s.seq, s.certs);
        f.bytes += n;
        s.bytes += n;
      }
      f.pending = [];
      f.appender = a;
    })();
    // a failure is met by the cut that awaits it
    f.opened.catch(() => {});
    return f;
  }

  /** Appends a finished domain to a spool (at once, or when its table is there). */
  add(s: Spool, r: StoredDomain): void {
    const cols = this.rowsTable;
    const f = s.fill;
    if (f.appender && cols) {
      const n = this.appendRow(f.appender, cols, r, s.seq, s.certs);
      f.bytes += n;
      s.bytes += n;
    } else f.pending.push(r);
    f.rows++;
    s.rows++;
    if (r.undetermined > 0) s.undetermined++;
  }

  /** The spool's rows go on in a new table; the full one is handed back (for `stage`). */
  rotate(s: Spool, connect: () => Promise<DuckDBConnection>): Fill {
    const old = s.fill;
    s.fill = this.fill(s, connect);
    return old;
  }

  /** Copies a full table of a spool to an uncompressed stage file and drops it. */
  async stage(scan: string, s: Spool, f: Fill): Promise<void> {
    const file = join(this.dir(scan), `${s.part}.tmp.stage${s.stages.length}.parquet`);
    s.stages.push(file);
    try {
      await f.opened;
      PartWriter.release(f);
      await work(
        this.conn,
        `staging part ${s.part}`,
        `COPY ${f.table} TO ${lit(file)} (FORMAT parquet, COMPRESSION uncompressed)`,
      );
    } finally {
      await this.conn.run(`DROP TABLE IF EXISTS ${f.table}`).catch(() => {});
    }
  }

  /** Writes a spool's rows as its part (after its last row), drops its table and stage files. */
  async writeSpool(scan: string, s: Spool): Promise<WrittenPart> {
    const f = s.fill;
    try {
      await s.staging;
      if (s.stages.length && f.rows) await this.stage(scan, s, f);
      else {
        await f.opened;
        PartWriter.release(f);
      }
      const from = s.stages.length ? `read_parquet([${s.stages.map(lit).join(', ')}])` : f.table;
      return await this.commit(scan, s.part, from, s.certs, s.rows, 0);
    } finally {
      await this.conn.run(`DROP TABLE IF EXISTS ${f.table}`).catch(() => {});
      for (const file of s.stages) rmSync(file, { force: true });
    }
  }

  /** Closes a table's appender (its rows into the table) and its connection. */
  static release(f: Fill): void {
    const a = f.appender;
    const c = f.conn;
    f.appender = null;
    f.conn = null;
    try {
      a?.closeSync();
    } finally {
      c?.closeSync();
    }
  }

  /** Merges parts into one of `level` (rows of replaced domains: the newest kept); `final`: one the scan keeps. */
  async merge(
    scan: string,
    parts: readonly PartRow[],
    level: number,
    dedupe: boolean,
    final = false,
  ): Promise<WrittenPart> {
    const zstd = final || level >= 3 ? 3 : 1;
    const dir = this.dir(scan);
    const part = `L${level}-${this.runId}-${String(this.seq++).padStart(6, '0')}`;
    const base = dirname(this.dbPath);
    const files = parts.map((p) => resolve(base, p.file));
    const tmp = join(dir, `${part}.tmp`);
    const file = join(dir, `${part}.parquet`);
    const src = domainsView(files, dedupe);
    try {
      await work(
        this.conn,
        `merging ${parts.length} parts (${parts.reduce((n, p) => n + p.rows, 0)} rows) into ${part}`,
        `COPY (${src}) TO ${lit(`${tmp}.parquet`)} (${this.parquet(zstd)})`,
      );
    } catch (e) {
      rmSync(`${tmp}.parquet`, { force: true });
      throw e;
    }
    const rows = Number(
      (
        await this.conn.runAndReadAll(
          `SELECT sum(num_rows) AS n FROM parquet_file_metadata(${lit(`${tmp}.parquet`)})`,
        )
      ).getRowObjects()[0]?.n ?? 0,
    );
    const certFiles = parts.filter((p) => p.certs).map((p) => resolve(base, p.certs as string));
    let certsFile: string | null = null;
    if (certFiles.length) {
      certsFile = join(dir, `${part}.certs.parquet`);
      await work(
        this.conn,
        `merging the certificates of ${parts.length} parts into ${part}`,
        `COPY (SELECT sha256, any_value(der) AS der FROM read_parquet([${certFiles.map(lit).join(', ')}]) GROUP BY sha256)
         TO ${lit(`${tmp}.certs.parquet`)} (${this.parquet(zstd)})`,
      );
      renameSync(`${tmp}.certs.parquet`, certsFile);
    }
    renameSync(`${tmp}.parquet`, file);
    return {
      part,
      file: this.rel(file),
      certs: certsFile ? this.rel(certsFile) : null,
      level,
      rows,
      bytes: statSync(file).size + (certsFile ? statSync(certsFile).size : 0),
    };
  }
}

/**
 * The writer side (`ScanSink`) and, for the writing process itself, a reader of its own scan.
 * One instance per process; all catalogue work is serialised.
 */
export class ScanStore implements ScanSink {
  readonly path: string;
  private readonly o: StoreOptions;
  private readonly work: { instance: DuckDBInstance; conn: DuckDBConnection };
  private readonly writer: PartWriter;
  /** merges run beside the writes, in an engine of their own, one at a time */
  private readonly mergeWriter: PartWriter;
  private readonly merge: { instance: DuckDBInstance; conn: DuckDBConnection };
  private merging: Promise<void> = Promise.resolve();
  private mergeError: unknown = null;
  /** the catalogue's write holds, on a worker thread */
  private readonly holds = new CatalogueWorker();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    path: string,
    o: StoreOptions,
    work: { instance: DuckDBInstance; conn: DuckDBConnection },
    merge: { instance: DuckDBInstance; conn: DuckDBConnection },
    limit: string,
  ) {
    this.path = path;
    this.o = o;
    this.work = work;
    this.writer = new PartWriter(path, work.conn, o.columns, rowGroupBytes(limit, 1));
    this.merge = merge;
    this.mergeWriter = new PartWriter(path, merge.conn, o.columns, mergeRowGroupBytes(limit), 'm');
  }

  /**
   * Two engines of half the work memory and one thread each: one stages the input and writes the
   * parts, the other merges them. In one engine of two threads, a merge beside a part's write
   * could take the memory the write needed (a 1,000,000-domain store failed at 80,000 rows, both
   * of 256 MB); apart, each runs flat in its own half (a one-thread write under 96 MB, a merge of
   * 1.3 million rows under 64 MB), and the two of them still use both cores.
   */
  static async open(path: string, o: StoreOptions): Promise<ScanStore> {
    await prepareCatalogue(path, { ...o, readOnly: false });
    const limit = halfOf(o.workMemoryLimit ?? WORK_MEMORY);
    const work = await workDatabase(limit, 1);
    const merge = await workDatabase(limit, 1, join(tmpdir(), `mailsec-duckdb-${process.pid}-merge`));
    return new ScanStore(path, o, work, merge, limit);
  }

  /** the catalogue's open options (plain data, for the worker) */
  private openOptions(): OpenOptions {
    const { memoryLimit, threads, lockWaitMs } = this.o;
    return {
      memoryLimit: memoryLimit ?? CATALOGUE_MEMORY,
      ...(threads ? { threads } : {}),
      ...(lockWaitMs ? { lockWaitMs } : {}),
    };
  }

  /** one catalogue hold at a time, in order */
  private serial<T>(body: () => Promise<T>): Promise<T> {
    const p = this.queue.then(body);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * Every hold of the catalogue by this process, one after the other: DuckDB's file lock is per
   * process, so two instances of one process on the same file (this thread's and the worker's)
   * would not exclude each other — and would corrupt it.
   */
  private lock: Promise<unknown> = Promise.resolve();
  private locked<T>(body: () => Promise<T>): Promise<T> {
    const p = this.lock.then(body);
    this.lock = p.catch(() => undefined);
    return p;
  }

  private catalogue<T>(body: (db: Database) => Promise<T>): Promise<T> {
    return this.locked(() => withDatabase(this.path, this.openOptions(), body));
  }

  private async scanRow(name: string): Promise<CatalogueScan | undefined> {
    return (await this.catalogue(readCatalogue)).find((s) => s.name === name);
  }

  begin(name: string, options: Record<string, unknown>, input: string): Promise<ScanInfo> {
    return this.serial(async () => {
      const scans = await this.catalogue(async (db) => {
        const existing = (await readCatalogue(db)).find((s) => s.name === name);
        if (!existing) {
          await db.run(
            'INSERT INTO scans (name, started, options, input, total) VALUES ($1, now(), $2, $3, NULL)',
            [name, JSON.stringify(options), input],
          );
        }
        return readCatalogue(db);
      });
      return publicInfo(scans.find((s) => s.name === name) as CatalogueScan);
    });
  }

  setTotal(name: string, total: number): Promise<void> {
    return this.serial(() =>
      this.catalogue((db) => db.run('UPDATE scans SET total = $1 WHERE name = $2', [total, name])),
    );
  }

  /**
   * Stages the input in the work database (never in JavaScript memory): unique names in input
   * order, minus those already stored for the scan (with `retryErrors`, the stored ones with an
   * undetermined section are scanned again). `pending()` then hands out the rest in chunks.
   */
  stage(
    scan: string,
    chunks: AsyncIterable<readonly string[]>,
    o: { retryErrors?: boolean } = {},
  ): Promise<Staged> {
    return this.serial(async () => {
      const c = this.work.conn;
      await c.run('DROP TABLE IF EXISTS input; DROP TABLE IF EXISTS todo; DROP TABLE IF EXISTS stored');
      await c.run('CREATE TABLE input (idx BIGINT, domain VARCHAR)');
      let idx = 0n;
      for await (const chunk of chunks) {
        const app = await c.createAppender('input');
        for (const d of chunk) {
          app.appendBigInt(idx++);
          app.appendVarchar(d);
          app.endRow();
        }
        app.closeSync();
      }
      const s = await this.scanRow(scan);
      const base = dirname(this.path);
      const files = (s?.parts ?? []).map((p) => resolve(base, p.file));
      await c.run(
        files.length
          ? `CREATE TABLE stored AS SELECT DISTINCT domain FROM (${domainsView(files, s?.replacements === true)})${
              o.retryErrors ? ' WHERE undetermined = 0' : ''
            }`
          : 'CREATE TABLE stored (domain VARCHAR)',
      );
      await c.run(
        `CREATE TABLE todo AS
           SELECT domain, row_number() OVER (ORDER BY idx) AS n
           FROM (SELECT domain, min(idx) AS idx FROM input GROUP BY domain) i
           WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.domain = i.domain)`,
      );
      const r = (
        await c.runAndReadAll(
          'SELECT (SELECT count(*) FROM input) AS names, (SELECT count(DISTINCT domain) FROM input) AS uniq, (SELECT count(*) FROM todo) AS todo',
        )
      ).getRowObjects()[0];
      await c.run('DROP TABLE input; DROP TABLE stored');
      const names = Number(r?.names ?? 0);
      const unique = Number(r?.uniq ?? 0);
      const todo = Number(r?.todo ?? 0);
      return { unique, duplicates: names - unique, stored: unique - todo, todo };
    });
  }

  /** The staged names still to scan, in input order. */
  async *pending(size = 10_000): AsyncGenerator<string[]> {
    for (let from = 1; ; from += size) {
      const rows = await this.serial(async () =>
        (
          await this.work.conn.runAndReadAll('SELECT domain FROM todo WHERE n >= $1 AND n < $2 ORDER BY n', [
            from,
            from + size,
          ])
        ).getRows(),
      );
      if (!rows.length) return;
      yield rows.map((row) => String(row[0]));
    }
  }

  /**
   * The parts of the scans this process writes, as registered: it is their only writer, so after
   * one read of the catalogue it keeps them itself (no catalogue hold to plan a merge).
   */
  private readonly mirror = new Map<string, { replacements: boolean; parts: PartRow[] }>();

  private async known(scan: string): Promise<{ replacements: boolean; parts: PartRow[] }> {
    let m = this.mirror.get(scan);
    if (!m) {
      const s = await this.scanRow(scan);
      m = { replacements: s?.replacements === true, parts: [...(s?.parts ?? [])] };
      this.mirror.set(scan, m);
    }
    return m;
  }

  /** registrations waiting for the next catalogue hold (one hold registers them all) */
  private pendingRegistrations: {
    scan: string;
    p: WrittenPart;
    replace: boolean;
    done: (e?: unknown) => void;
  }[] = [];
  private registrar: Promise<void> | null = null;

  /** Registers a written part; parts written while a hold is under way go in the next one together. */
  private register(scan: string, p: WrittenPart, replace: boolean): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.pendingRegistrations.push({ scan, p, replace, done: (e) => (e ? reject(e) : resolve()) });
    });
    this.registrar ??= (async () => {
      while (this.pendingRegistrations.length) {
        const batch = this.pendingRegistrations;
        this.pendingRegistrations = [];
        try {
          await this.locked(() =>
            this.holds.run(
              this.path,
              this.openOptions(),
              batch.flatMap((r) => [
                registration(r.scan, r.p),
                ...(r.replace
                  ? [
                      [
                        'INSERT INTO scan_state VALUES ($1, true, NULL) ON CONFLICT (scan) DO UPDATE SET replacements = true',
                        [r.scan],
                      ] as [string, DuckDBValue[]],
                    ]
                  : []),
              ]),
            ),
          );
          for (const r of batch) {
            const m = await this.known(r.scan);
            m.parts.push({
              part: r.p.part,
              file: r.p.file,
              certs: r.p.certs,
              level: r.p.level,
              rows: r.p.rows,
            });
            if (r.replace) m.replacements = true;
            r.done();
          }
        } catch (e) {
          for (const r of batch) r.done(e);
        }
      }
      this.registrar = null;
    })();
    return done;
  }

  /**
   * A stream of parts for `mailsec scan`: each finished domain goes into the engine at once (its
   * own table per part, through a connection of its own), so nothing of it outlives its audit in
   * the JavaScript heap — held in a batch until the part was written, every document was promoted
   * to the old generation and marked there. A part holds at most `rows` rows (`--batch`) and
   * STREAM_BYTES of documents (the engine's in-memory tables do not spill).
   */
  async stream(scan: string, o: { replace?: boolean; rows?: number } = {}): Promise<RowStream> {
    await this.known(scan);
    const connect = () => this.work.instance.connect();
    const writer = this.writer;
    const replace = o.replace === true;
    const maxRows = Math.max(1, o.rows ?? 1000);
    let current = writer.spool(connect);
    let last: Promise<unknown> = Promise.resolve();
    let closed = false;
    let waiting = 0;
    return {
      add: (row) => {
        if (closed) throw new Error('scan store: a row added to a closed stream');
        const s = current;
        writer.add(s, row);
        // past STAGE_BYTES a table goes to a stage file and the part goes on in a new one: a part
        // of any size takes about two tables of the engine's memory
        if (s.fill.bytes >= STAGE_BYTES && s.rows < maxRows && s.bytes < STREAM_BYTES) {
          const full = writer.rotate(s, connect);
          s.staging = s.staging.then(() => this.serial(() => writer.stage(scan, s, full)));
          s.staging.catch(() => {});
        }
      },
      get rows() {
        return current.rows;
      },
      get full() {
        return current.rows >= maxRows || current.bytes >= STREAM_BYTES;
      },
      get waiting() {
        return waiting;
      },
      cut: () => {
        const s = current;
        if (!s.rows) return last.then(() => ({ rows: 0, undetermined: 0 }));
        current = writer.spool(connect);
        waiting++;
        const stored = last
          .then(async () => {
            const p = await this.serial(() => writer.writeSpool(scan, s));
            await this.register(scan, p, replace);
            this.mergeSoon(scan);
            return { rows: s.rows, undetermined: s.undetermined };
          })
          .finally(() => {
            waiting--;
          });
        last = stored.catch(() => undefined);
        return stored;
      },
      close: async () => {
        closed = true;
        await last;
        const f = current.fill;
        await f.opened.catch(() => undefined);
        PartWriter.release(f);
        await this.work.conn.run(`DROP TABLE IF EXISTS ${f.table}`).catch(() => {});
      },
    };
  }

  /** Merges the scan's parts of a full level in the background: never holds up the next part. */
  private mergeSoon(scan: string): void {
    this.merging = this.merging
      .then(() => this.compact(scan, false, this.mergeWriter))
      .catch((e) => {
        this.mergeError ??= e;
      });
  }

  /** Writes one part and registers it (the commit point); parts of one level are merged in tiers. */
  async write(
    scan: string,
    rows: readonly StoredDomain[],
    o: { replace?: boolean; part?: string } = {},
  ): Promise<void> {
    if (!rows.length) return;
    await this.known(scan);
    const p = await this.serial(() => this.writer.write(scan, rows, 0, o.part));
    await this.register(scan, p, o.replace === true);
    this.mergeSoon(scan);
  }

  /** scans whose merging stopped in this process (out of the merge engine's memory), and why */
  readonly mergeHalted = new Map<string, string>();

  /**
   * Tiered merging (`final`: the parts into one, as far as MERGE_MAX_ROWS allows, fanIn parts at a
   * time, the smallest first). No merge writes more than the cap: a larger scan ends with a few
   * parts of up to the cap each (readers take any number; replaced rows are then dropped when
   * read, as before the final merge).
   */
  private async compact(scan: string, final: boolean, writer: PartWriter = this.writer): Promise<void> {
    const fanIn = Math.max(2, this.o.mergeFanIn ?? 8);
    const cap = Math.max(1, this.o.mergeMaxRows ?? MERGE_MAX_ROWS);
    const rowsOf = (ps: readonly PartRow[]) => ps.reduce((n, p) => n + p.rows, 0);
    for (;;) {
      const s = await this.known(scan);
      let group: PartRow[] = [];
      let level = 0;
      let all = false;
      if (final) {
        // the smallest parts first, as many as the cap takes
        let n = 0;
        for (const p of [...s.parts].sort((a, b) => a.rows - b.rows)) {
          // at most fanIn parts read at once: DuckDB buffers each file's row groups, and 13 parts
          // (98,000 rows) ran out of the merge engine where 8 never did
          if (group.length >= fanIn || (group.length > 0 && n + p.rows > cap)) break;
          group.push(p);
          n += p.rows;
        }
        all = group.length === s.parts.length;
        const dedupeOne = all && s.replacements && group.length === 1 && n <= cap;
        if (group.length < 2 && !dedupeOne) return;
        level = Math.max(...group.map((p) => p.level)) + 1;
      } else {
        const byLevel = new Map<number, PartRow[]>();
        for (const p of s.parts) {
          const ps = byLevel.get(p.level);
          if (ps) ps.push(p);
          else byLevel.set(p.level, [p]);
        }
        const full = [...byLevel.entries()]
          .sort((a, b) => a[0] - b[0])
          .find(([, ps]) => ps.length >= fanIn && rowsOf(ps.slice(0, fanIn)) <= cap);
        if (!full) return;
        group = full[1].slice(0, fanIn);
        level = full[0] + 1;
      }
      if (this.mergeHalted.has(scan)) return;
      let merged: WrittenPart;
      try {
        merged = await writer.merge(scan, group, level, s.replacements, final);
      } catch (e) {
        // a merge is housekeeping: the parts it would replace stay registered and whole, and
        // readers take any number of them. Out of the engine's memory, this process merges no
        // more of the scan (the same group would fail again after every part)
        if (!/out of memory|failed to allocate/i.test(e instanceof Error ? e.message : String(e))) throw e;
        this.mergeHalted.set(scan, e instanceof Error ? e.message : String(e));
        return;
      }
      await this.locked(() =>
        this.holds.run(this.path, this.openOptions(), [
          ...group.map(
            (p) =>
              ['DELETE FROM scan_parts WHERE scan = $1 AND part = $2', [scan, p.part]] as [
                string,
                DuckDBValue[],
              ],
          ),
          registration(scan, merged),
          ...(final && all
            ? [
                ['UPDATE scan_state SET replacements = false WHERE scan = $1', [scan]] as [
                  string,
                  DuckDBValue[],
                ],
              ]
            : []),
        ]),
      );
      const gone = new Set(group.map((p) => p.part));
      s.parts = [
        ...s.parts.filter((p) => !gone.has(p.part)),
        { part: merged.part, file: merged.file, certs: merged.certs, level: merged.level, rows: merged.rows },
      ];
      if (final && all) s.replacements = false;
      const base = dirname(this.path);
      for (const p of group) {
        for (const f of [p.file, p.certs]) if (f) rmSync(resolve(base, f), { force: true });
      }
      if (final && all) return;
    }
  }

  async finish(scan: string): Promise<void> {
    await this.merging;
    if (this.mergeError) throw this.mergeError;
    return this.serial(async () => {
      // on the merge engine (the background merges are done): its row groups
      await this.compact(scan, true, this.mergeWriter);
      await this.catalogue((db) =>
        db.run(
          'INSERT INTO scan_state VALUES ($1, false, now()) ON CONFLICT (scan) DO UPDATE SET finished = now()',
          [scan],
        ),
      );
      removeOrphans(this.path, scan, (await this.known(scan)).parts);
    });
  }

  /** Stored domains of a scan (from the catalogue's part counts; exact when nothing was replaced). */
  async count(scan: string): Promise<number> {
    await this.registrar;
    const s = await this.serial(() => this.known(scan));
    if (!s.replacements) return s.parts.reduce((n, p) => n + p.rows, 0);
    const base = dirname(this.path);
    const r = await this.work.conn.runAndReadAll(
      `SELECT count(DISTINCT domain) AS n FROM read_parquet([${s.parts.map((p) => lit(resolve(base, p.file))).join(', ')}])`,
    );
    return Number(r.getRowObjects()[0]?.n ?? 0);
  }

  /** Resolves once every registration and background merge so far is done. */
  async idle(): Promise<void> {
    await this.registrar;
    await this.merging;
  }

  async close(): Promise<void> {
    await this.registrar;
    await this.merging;
    await this.queue;
    await this.holds.close();
    this.merge.conn.closeSync();
    this.merge.instance.closeSync();
    this.work.conn.closeSync();
    this.work.instance.closeSync();
  }
}

/**
 * Removes the files of a scan's folder that no registered part names and that are older than a
 * minute: the leftovers of a crash between writing a part and registering it.
 */
function removeOrphans(dbPath: string, scan: string, registered: readonly PartRow[]): void {
  const dir = join(partsDir(dbPath), scanDir(scan));
  if (!existsSync(dir)) return;
  const base = dirname(dbPath);
  const keep = new Set(
    registered
      .flatMap((p) => [p.file, p.certs])
      .filter((f): f is string => !!f)
      .map((f) => resolve(base, f)),
  );
  const cutoff = Date.now() - 60_000;
  for (const f of readdirSync(dir)) {
    const full = join(dir, f);
    if (keep.has(full)) continue;
    try {
      if (statSync(full).mtimeMs < cutoff) unlinkSync(full);
    } catch {
      // gone already
    }
  }
}

/** The reader side: the catalogue read-only and briefly, the parts through an in-memory DuckDB. */
export class ScanReader implements ScanSource {
  readonly path: string;
  private readonly o: StoreOptions;
  private readonly work: { instance: DuckDBInstance; conn: DuckDBConnection };
  private cached: CatalogueScan[] | null = null;

  private constructor(
    path: string,
    o: StoreOptions,
    work: { instance: DuckDBInstance; conn: DuckDBConnection },
  ) {
    this.path = path;
    this.o = o;
    this.work = work;
  }

  static async open(path: string, o: StoreOptions): Promise<ScanReader> {
    await prepareCatalogue(path, { ...o, readOnly: true });
    const work = await workDatabase(o.workMemoryLimit ?? WORK_MEMORY, o.threads ?? 2);
    const r = new ScanReader(path, o, work);
    await r.refresh();
    return r;
  }

  private async refresh(): Promise<CatalogueScan[]> {
    this.cached = existsSync(this.path)
      ? await withDatabase(
          this.path,
          { memoryLimit: CATALOGUE_MEMORY, ...this.o, readOnly: true },
          readCatalogue,
        )
      : [];
    return this.cached;
  }

  private async scanRow(name: string): Promise<CatalogueScan | undefined> {
    return (this.cached ?? (await this.refresh())).find((s) => s.name === name);
  }

  async scans(): Promise<ScanInfo[]> {
    return (this.cached ?? (await this.refresh())).map(publicInfo);
  }

  private files(s: CatalogueScan): string[] {
    const base = dirname(this.path);
    return s.parts.map((p) => resolve(base, p.file));
  }

  /** Runs `body` over the scan's current parts; a part merged away meanwhile: re-list and retry. */
  private async withParts<T>(scan: string, body: (s: CatalogueScan) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.scanRow(scan);
      if (!s)
        throw new MailsecError(
          ErrorCode.Usage,
          `no scan "${scan}" in ${this.path}`,
          'the scans of a database are listed by mailsec report with its list option',
        );
      try {
        return await body(s);
      } catch (e) {
        if (!isMissingFile(e) || attempt >= 4) throw e;
        await this.refresh();
      }
    }
  }

  async count(scan: string): Promise<number> {
    return this.withParts(scan, async (s) => {
      if (!s.replacements) return s.parts.reduce((n, p) => n + p.rows, 0);
      const r = await this.work.conn.runAndReadAll(
        `SELECT count(*) AS n FROM (${domainsView(this.files(s), true)})`,
      );
      return Number(r.getRowObjects()[0]?.n ?? 0);
    });
  }

  query(scan: string, sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    return this.queryScans({ domains: scan }, sql, params);
  }

  /** the column names of a set of part files (cached: parts are immutable) */
  private readonly schemas = new Map<string, ReadonlySet<string>>();

  /** The `domains` view of a scan: its parts, with NULL for the columns older parts lack. */
  private async viewOf(s: CatalogueScan): Promise<string> {
    const files = this.files(s);
    if (!files.length) return domainsView(files, s.replacements, this.o.columns);
    const key = files.join('\n');
    let have = this.schemas.get(key);
    if (!have) {
      const r = await this.work.conn.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet([${files.map(lit).join(', ')}], union_by_name = true)`,
      );
      have = new Set(r.getRowObjects().map((o) => String(o.column_name)));
      if (this.schemas.size > 64) this.schemas.clear();
      this.schemas.set(key, have);
    }
    const known = have;
    const missing = this.o.columns.filter((c) => !known.has(c.name));
    return domainsView(files, s.replacements, this.o.columns, missing);
  }

  /**
   * Binds each view name to a scan's rows (`{ domains: 'ch-2026-11', previous: 'ch-2026-08' }`);
   * `domains` also gets its `findings` view. Missing scans are a usage error naming them.
   */
  private async bind(
    views: Readonly<Record<string, string>>,
    conn: DuckDBConnection = this.work.conn,
  ): Promise<void> {
    for (const [name, scan] of Object.entries(views)) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`view name ${name} is not a plain identifier`);
      const s = await this.scanRow(scan);
      if (!s)
        throw new MailsecError(
          ErrorCode.Usage,
          `no scan "${scan}" in ${this.path}`,
          'the scans of a database are listed by mailsec report with its list option',
        );
      await conn.run(`CREATE OR REPLACE TEMP VIEW ${name} AS ${await this.viewOf(s)}`);
      if (name === 'domains')
        await conn.run(
          'CREATE OR REPLACE TEMP VIEW findings AS SELECT domain, f.id AS id, f.severity AS severity FROM (SELECT domain, unnest(findings) AS f FROM domains)',
        );
    }
  }

  /** SQL over several scans at once: each key of `views` is a view of that scan's rows. */
  async queryScans(
    views: Readonly<Record<string, string>>,
    sql: string,
    params?: DuckDBValue[],
  ): Promise<Record<string, unknown>[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(views);
        const r = await this.work.conn.runAndReadAll(sql, params);
        return r.getRowObjects() as Record<string, unknown>[];
      } catch (e) {
        if (!isMissingFile(e) || attempt >= 4) throw e;
        await this.refresh();
      }
    }
  }

  /**
   * The rows of a query over scans' views, streamed chunk by chunk (about 2,048 rows each): the
   * whole result never sits in memory. Each stream has its own connection: DuckDB ends a streaming
   * result when its connection runs another query, so a query on the reader while a stream is
   * open (another request of the dashboard, a certificate lookup) would silently cut it short.
   */
  async *streamScans(
    views: Readonly<Record<string, string>>,
    sql: string,
    params?: DuckDBValue[],
  ): AsyncGenerator<Record<string, unknown>[]> {
    const conn = await this.work.instance.connect();
    try {
      await this.bind(views, conn);
      const result = await conn.stream(sql, params);
      const names = result.columnNames();
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        yield chunk.getRowObjects(names) as Record<string, unknown>[];
      }
    } finally {
      conn.closeSync();
    }
  }

  /** Writes the result of a query over scans' views to a file with DuckDB's COPY (Parquet, CSV, JSON). */
  async copyScans(
    views: Readonly<Record<string, string>>,
    sql: string,
    path: string,
    options: string,
  ): Promise<void> {
    await this.bind(views);
    await this.work.conn.run(`COPY (${sql}) TO ${lit(path)} (${options})`);
  }

  private async certificates(s: CatalogueScan, shas: readonly string[]): Promise<Map<string, string>> {
    const base = dirname(this.path);
    const files = s.parts.filter((p) => p.certs).map((p) => resolve(base, p.certs as string));
    const out = new Map<string, string>();
    if (!files.length || !shas.length) return out;
    const r = await this.work.conn.runAndReadAll(
      `SELECT sha256, der FROM read_parquet([${files.map(lit).join(', ')}]) WHERE sha256 IN (${shas.map(lit).join(', ')})`,
    );
    for (const row of r.getRows()) out.set(String(row[0]), String(row[1]));
    return out;
  }

  private static shas(doc: Record<string, unknown>): string[] {
    const hosts = (doc.smtp as { hosts?: { chain?: { sha256?: string; der?: string }[] }[] } | undefined)
      ?.hosts;
    const out = new Set<string>();
    for (const h of hosts ?? [])
      for (const c of h.chain ?? []) if (c.sha256 && c.der === undefined) out.add(c.sha256);
    return [...out];
  }

  document(scan: string, domain: string): Promise<Record<string, unknown> | undefined> {
    return this.withParts(scan, async (s) => {
      if (!s.parts.length) return undefined;
      const r = await this.work.conn.runAndReadAll(
        `SELECT CAST(doc AS VARCHAR) AS doc FROM read_parquet([${this.files(s).map(lit).join(', ')}], union_by_name = true)
         WHERE domain = $1 ORDER BY part_seq DESC LIMIT 1`,
        [domain],
      );
      const row = r.getRows()[0];
      if (!row) return undefined;
      const doc = JSON.parse(String(row[0])) as Record<string, unknown>;
      restoreCertificates(doc, await this.certificates(s, ScanReader.shas(doc)));
      return doc;
    });
  }

  async *documents(scan: string): AsyncGenerator<Record<string, unknown>> {
    const s = await this.scanRow(scan);
    if (!s?.parts.length) return;
    // its own connection: the certificate lookups between chunks run on the reader's (see streamScans)
    const conn = await this.work.instance.connect();
    try {
      const result = await conn.stream(
        `SELECT CAST(doc AS VARCHAR) AS doc FROM (${domainsView(this.files(s), s.replacements)})`,
      );
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        const docs = chunk.getRows().map((row) => JSON.parse(String(row[0])) as Record<string, unknown>);
        const shas = [...new Set(docs.flatMap(ScanReader.shas))];
        const der = await this.certificates(s, shas);
        for (const d of docs) {
          restoreCertificates(d, der);
          yield d;
        }
      }
    } finally {
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    this.work.conn.closeSync();
    this.work.instance.closeSync();
  }
}
