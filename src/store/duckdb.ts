/**
 * The one place that opens DuckDB (`@duckdb/node-api`): every store goes through it.
 *
 * - an explicit memory limit and thread count for the engine (a scan of millions of domains must
 *   not let the engine grow with the input);
 * - DuckDB allows one process to hold a file read-write and no reader beside it, so writers keep
 *   the file open only for a batch (`withDatabase`) and readers retry while the file is locked
 *   (`lockWaitMs`): a reader beside a writer waits for a batch, never fails at once;
 * - migrations per schema table (the scan and the report tables share one file and never disturb
 *   each other's versions), and transactions that roll back on any error.
 */

import { resolve as resolvePath } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { ErrorCode, MailsecError } from '../core/errors.ts';

/** The default store of every command (`--db`). */
export const DEFAULT_DB = 'mailsec.duckdb';

export interface OpenOptions {
  readonly readOnly?: boolean;
  /** DuckDB `memory_limit` (e.g. '512MB'); default '1GB' */
  readonly memoryLimit?: string;
  /** DuckDB worker threads; default 2 */
  readonly threads?: number;
  /** how long to wait while another process holds the file (ms); default 30 000 */
  readonly lockWaitMs?: number;
  /**
   * A reader that also waits for this process's own writers of the file, and that writers of the
   * file in this process wait for (`mailsec serve --imap`, where the server reads beside its own
   * IMAP watcher): DuckDB's file lock keeps processes apart, not two instances in one process.
   */
  readonly guardInProcess?: boolean;
}

/** per file (absolute path), this process's open writers, writers waiting, and guarded readers */
const inProcess = new Map<string, { writers: number; waiting: number; readers: number }>();
const slot = (key: string) => {
  let st = inProcess.get(key);
  if (!st) {
    st = { writers: 0, waiting: 0, readers: 0 };
    inProcess.set(key, st);
  }
  return st;
};

/**
 * Takes this process's turn on a file: a guarded reader waits while a writer of the file is open
 * or waiting here; a writer waits while guarded readers are open. Returns the release.
 */
async function inProcessTurn(
  path: string,
  readOnly: boolean,
  guard: boolean,
  deadline: number,
): Promise<() => void> {
  const key = resolvePath(path);
  const st = slot(key);
  if (readOnly && !guard) return () => undefined;
  let wait = 10;
  if (!readOnly) st.waiting++;
  try {
    for (;;) {
      const blocked = readOnly ? st.writers > 0 || st.waiting > 0 : st.readers > 0;
      if (!blocked) break;
      if (Date.now() >= deadline) {
        throw new MailsecError(
          ErrorCode.StoreLocked,
          `${path}: this process keeps the database busy (${readOnly ? 'a writer' : 'readers'} of the same file)`,
          'wait for it to finish, or use another database file',
          { detail: { option: 'db', path } },
        );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 200);
    }
  } finally {
    if (!readOnly) st.waiting--;
  }
  if (readOnly) st.readers++;
  else st.writers++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readOnly) st.readers--;
    else st.writers--;
  };
}

const LOCK_RE = /Could not set lock on file|Conflicting lock is held/i;

export function isLockConflict(e: unknown): boolean {
  return e instanceof Error && LOCK_RE.test(e.message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An open DuckDB file with one connection. */
export class Database {
  readonly path: string;
  readonly readOnly: boolean;
  private readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
  /** gives this process's turn on the file back (see OpenOptions.guardInProcess) */
  private release: () => void = () => undefined;
  private constructor(path: string, readOnly: boolean, instance: DuckDBInstance, conn: DuckDBConnection) {
    this.path = path;
    this.readOnly = readOnly;
    this.instance = instance;
    this.conn = conn;
  }

  static async open(path: string, o: OpenOptions = {}): Promise<Database> {
    const readOnly = o.readOnly === true;
    const config: Record<string, string> = {
      memory_limit: o.memoryLimit ?? '1GB',
      threads: String(o.threads ?? 2),
    };
    if (readOnly) config.access_mode = 'READ_ONLY';
    const deadline = Date.now() + (o.lockWaitMs ?? 30_000);
    const release = await inProcessTurn(path, readOnly, o.guardInProcess === true, deadline);
    let wait = 20;
    for (;;) {
      try {
        const instance = await DuckDBInstance.create(path, config);
        const db = new Database(path, readOnly, instance, await instance.connect());
        db.release = release;
        return db;
      } catch (e) {
        if (!(isLockConflict(e) && Date.now() < deadline)) release();
        if (isLockConflict(e) && Date.now() < deadline) {
          await sleep(wait);
          wait = Math.min(wait * 2, 500);
          continue;
        }
        if (isLockConflict(e)) {
          throw new MailsecError(
            ErrorCode.StoreLocked,
            `${path}: another process keeps the database locked (${(e as Error).message.split('\n')[0]})`,
            'wait for it to finish, or use another database file',
            { cause: e, detail: { option: 'db', path } },
          );
        }
        throw new MailsecError(
          ErrorCode.InputUnreadable,
          `${path}: cannot open the database (${(e as Error).message.split('\n')[0]})`,
          readOnly ? 'does the file exist, and is it a mailsec database?' : 'is the directory writable?',
          { cause: e },
        );
      }
    }
  }

  async run(sql: string, params?: DuckDBValue[]): Promise<void> {
    await this.conn.run(sql, params);
  }

  /** Rows as objects. */
  async all(sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    return (await this.conn.runAndReadAll(sql, params)).getRowObjects() as Record<string, unknown>[];
  }

  /** Whether a table exists (readers of a file that a writer never migrated). */
  async hasTable(name: string): Promise<boolean> {
    const r = await this.all('SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $1', [
      name,
    ]);
    return Number(r[0]?.n ?? 0) > 0;
  }

  /** Runs body in one transaction; any error rolls it back and is rethrown. */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await body();
      await this.conn.run('COMMIT');
      return out;
    } catch (e) {
      // a failed statement may have ended the transaction already: the first error is the one to see
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Applies `migrations` in order, recording the version in `schemaTable`; the index + 1 of a
   * migration is its version. A file whose version is newer than this mailsec knows is refused.
   */
  async migrate(schemaTable: string, migrations: readonly string[]): Promise<number> {
    await this.run(`CREATE TABLE IF NOT EXISTS ${schemaTable} (version INTEGER NOT NULL)`);
    const current = await this.schemaVersion(schemaTable);
    if (current > migrations.length) {
      throw new MailsecError(
        ErrorCode.StoreVersion,
        `${this.path}: ${schemaTable} is at schema version ${current}; this mailsec knows up to ${migrations.length}`,
        'use the mailsec version that wrote it, or another database file',
        { detail: { option: 'db', path: this.path } },
      );
    }
    for (let v = current; v < migrations.length; v++) {
      await this.transaction(async () => {
        await this.run(migrations[v] as string);
        await this.run(`INSERT INTO ${schemaTable} VALUES ($1)`, [v + 1]);
      });
    }
    return migrations.length;
  }

  /** The recorded version of a schema table (0 when the table does not exist). */
  async schemaVersion(schemaTable: string): Promise<number> {
    if (!(await this.hasTable(schemaTable))) return 0;
    const r = await this.all(`SELECT max(version) AS v FROM ${schemaTable}`);
    return Number(r[0]?.v ?? 0);
  }

  close(): void {
    try {
      this.conn.closeSync();
      this.instance.closeSync();
    } finally {
      this.release();
    }
  }
}

/** Opens, runs body, closes — the short hold that lets readers and a writer take turns. */
export async function withDatabase<T>(
  path: string,
  o: OpenOptions,
  body: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await Database.open(path, o);
  try {
    return await body(db);
  } finally {
    db.close();
  }
}
