/**
 * The scan store: an embedded DuckDB file. With reports-store.ts (the report tables, which may
 * share the file) the only modules that import @duckdb/node-api.
 *
 *   scans   (name PK, started, options JSON, input, total)
 *   results (scan, domain, checked_at, has_mx, errors, doc JSON) PK (scan, domain)
 *
 * Each batch of results is written in one transaction with INSERT OR IGNORE, so a crash loses at
 * most the batch in flight and a re-run never duplicates a domain.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { Database, type OpenOptions } from './duckdb.ts';

export { DEFAULT_DB } from './duckdb.ts';

/** schema migrations, applied in order; the index + 1 is the schema version */
const MIGRATIONS: readonly string[] = [
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
];

export interface ScanRow {
  readonly name: string;
  readonly started: string;
  readonly options: Record<string, unknown>;
  readonly input: string | null;
  readonly total: number | null;
}

export interface ResultRow {
  readonly domain: string;
  readonly checkedAt: string;
  /** the per-domain JSON document (`toDocument`) */
  readonly doc: Record<string, unknown>;
}

export class ScanStore {
  private readonly db: Database;
  private readonly conn: DuckDBConnection;
  private constructor(db: Database) {
    this.db = db;
    this.conn = db.conn;
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<ScanStore> {
    const db = await Database.open(path, opts);
    try {
      if (!opts.readOnly) await db.migrate('mailsec_schema', MIGRATIONS);
    } catch (e) {
      db.close();
      throw e;
    }
    return new ScanStore(db);
  }

  /** Creates the scan or returns the stored one (resume). */
  async beginScan(
    name: string,
    options: Record<string, unknown>,
    input: string,
    total: number,
  ): Promise<ScanRow> {
    const existing = await this.scan(name);
    if (existing) {
      await this.conn.run('UPDATE scans SET total = $1 WHERE name = $2', [total, name]);
      return existing;
    }
    await this.conn.run('INSERT INTO scans VALUES ($1, now(), $2, $3, $4)', [
      name,
      JSON.stringify(options),
      input,
      total,
    ]);
    return (await this.scan(name)) as ScanRow;
  }

  async scan(name: string): Promise<ScanRow | undefined> {
    return (await this.scans()).find((s) => s.name === name);
  }

  async scans(): Promise<ScanRow[]> {
    const r = await this.conn.runAndReadAll(
      'SELECT name, CAST(started AS VARCHAR) AS started, CAST(options AS VARCHAR) AS options, input, total FROM scans ORDER BY started',
    );
    return r.getRowObjects().map((o) => ({
      name: String(o.name),
      started: String(o.started),
      options: JSON.parse(String(o.options)) as Record<string, unknown>,
      input: o.input === null ? null : String(o.input),
      total: o.total === null ? null : Number(o.total),
    }));
  }

  /** The domains already stored for a scan (what a resumed run skips). */
  async doneDomains(scan: string): Promise<Set<string>> {
    const done = new Set<string>();
    const r = await this.conn.runAndReadAll('SELECT domain FROM results WHERE scan = $1', [scan]);
    for (const row of r.getRows()) done.add(String(row[0]));
    return done;
  }

  /** writes on the one connection, one transaction after the other */
  private writes: Promise<unknown> = Promise.resolve();

  /** Writes a batch in one transaction; a domain already stored is left as it is (replaced with `replace`). */
  writeBatch(scan: string, rows: readonly ResultRow[], opts: { replace?: boolean } = {}): Promise<void> {
    const p = this.writes.then(() => this.write(scan, rows, opts.replace === true));
    this.writes = p.catch(() => undefined);
    return p;
  }

  private async write(scan: string, rows: readonly ResultRow[], replace: boolean): Promise<void> {
    if (!rows.length) return;
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const stmt = await this.conn.prepare(
        `INSERT OR ${replace ? 'REPLACE' : 'IGNORE'} INTO results VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), $4, $5, $6)`,
      );
      for (const row of rows) {
        const mx = row.doc.mx as { records?: unknown[] } | undefined;
        const summary = row.doc.summary as { errors?: number } | undefined;
        stmt.bind([
          scan,
          row.domain,
          row.checkedAt,
          Array.isArray(mx?.records) ? mx.records.length > 0 : false,
          summary?.errors ?? 0,
          JSON.stringify(row.doc),
        ]);
        await stmt.run();
      }
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }

  /** The stored domains of a scan with at least one section that could not be determined (status error). */
  async errorDomains(scan: string): Promise<Set<string>> {
    const r = await this.conn.runAndReadAll(
      "SELECT domain FROM results WHERE scan = $1 AND coalesce(CAST(json_extract(doc, '$.summary.error') AS INTEGER), 0) > 0",
      [scan],
    );
    return new Set(r.getRows().map((row) => String(row[0])));
  }

  /** Whether the file holds the scan tables (a file of imported reports only does not). */
  hasScans(): Promise<boolean> {
    return this.db.hasTable('scans');
  }

  /** The stored document of one domain of a scan; undefined when it is not stored. */
  async document(scan: string, domain: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.conn.runAndReadAll(
      'SELECT CAST(doc AS VARCHAR) AS doc FROM results WHERE scan = $1 AND domain = $2',
      [scan, domain],
    );
    const row = r.getRows()[0];
    return row ? (JSON.parse(String(row[0])) as Record<string, unknown>) : undefined;
  }

  /** Stored domain names of a scan that start with `prefix`, in name order. */
  async search(scan: string, prefix: string, limit: number): Promise<string[]> {
    const r = await this.conn.runAndReadAll(
      'SELECT domain FROM results WHERE scan = $1 AND starts_with(domain, $2) ORDER BY domain LIMIT $3',
      [scan, prefix, limit],
    );
    return r.getRows().map((row) => String(row[0]));
  }

  async count(scan: string): Promise<number> {
    const r = await this.conn.runAndReadAll('SELECT count(*) AS n FROM results WHERE scan = $1', [scan]);
    return Number(r.getRowObjects()[0]?.n ?? 0);
  }

  /** Every stored document of a scan, in pages (constant memory for millions of rows). */
  async *documents(scan: string, pageSize = 5000): AsyncGenerator<Record<string, unknown>> {
    let after = '';
    for (;;) {
      const r = await this.conn.runAndReadAll(
        'SELECT domain, CAST(doc AS VARCHAR) AS doc FROM results WHERE scan = $1 AND domain > $2 ORDER BY domain LIMIT $3',
        [scan, after, pageSize],
      );
      const rows = r.getRows();
      for (const row of rows) yield JSON.parse(String(row[1])) as Record<string, unknown>;
      if (rows.length < pageSize) return;
      after = String(rows[rows.length - 1]?.[0]);
    }
  }

  close(): void {
    this.db.close();
  }
}
