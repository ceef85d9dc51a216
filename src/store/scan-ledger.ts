/**
 * The collector's ledger of a scale-out scan (src/queue/coordinator.ts): which staged names are
 * still to be handed out, which are out in chunk jobs, and which have come back and been
 * stored — in an in-memory DuckDB (spilling past its memory limit), never in JavaScript, so a
 * million-domain scan costs the process no more than a thousand-domain one.
 *
 * The one guarantee it gives: `take()` accepts a domain at most once, and only a staged one
 * (a name the scan has not stored). A chunk retried after a stall, a result job delivered twice,
 * a job of an earlier run of the same scan, or a result naming a domain it was never given,
 * all end here: what was taken before is dropped, so no domain is ever stored twice.
 */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';

export class ScanLedger {
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(instance: DuckDBInstance, conn: DuckDBConnection) {
    this.instance = instance;
    this.conn = conn;
  }

  static async open(o: { memoryLimit?: string } = {}): Promise<ScanLedger> {
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: o.memoryLimit ?? '256MB',
      threads: '2',
      preserve_insertion_order: 'false',
      temp_directory: join(tmpdir(), `mailsec-duckdb-${process.pid}`),
    });
    const conn = await instance.connect();
    await conn.run('CREATE TABLE todo (n BIGINT, domain VARCHAR, state UTINYINT NOT NULL)');
    return new ScanLedger(instance, conn);
  }

  /** one statement sequence at a time */
  private serial<T>(body: () => Promise<T>): Promise<T> {
    const p = this.queue.then(body);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** The staged names (unique, in input order), chunk by chunk. */
  async stage(chunks: AsyncIterable<readonly string[]>): Promise<number> {
    let n = 0n;
    for await (const chunk of chunks) {
      await this.serial(async () => {
        const app = await this.conn.createAppender('todo');
        for (const d of chunk) {
          app.appendBigInt(n++);
          app.appendVarchar(d);
          app.appendUTinyInt(0);
          app.endRow();
        }
        app.closeSync();
      });
    }
    return Number(n);
  }

  /** state 1: out in a chunk job (not handed out again); only names still at 0 */
  async markQueued(domains: readonly string[]): Promise<void> {
    if (!domains.length) return;
    await this.serial(() => this.update(domains, 1, [0]));
  }

  private async update(domains: readonly string[], to: number, from: readonly number[]): Promise<string[]> {
    await this.conn.run('CREATE OR REPLACE TEMP TABLE incoming (domain VARCHAR)');
    const app = await this.conn.createAppender('incoming');
    for (const d of domains) {
      app.appendVarchar(d);
      app.endRow();
    }
    app.closeSync();
    const r = await this.conn.runAndReadAll(
      `UPDATE todo SET state = ${to} WHERE domain IN (SELECT domain FROM incoming) AND state IN (${from.join(', ')}) RETURNING domain`,
    );
    return r.getRows().map((row) => String(row[0]));
  }

  /**
   * Of these names, those staged and not taken before, marked taken (state 2): the ones the
   * collector may store. The rest (taken already, or never staged) are dropped by the caller.
   */
  take(domains: readonly string[]): Promise<Set<string>> {
    if (!domains.length) return Promise.resolve(new Set());
    return this.serial(async () => new Set(await this.update(domains, 2, [0, 1])));
  }

  /** A taken name that could not be stored after all (the write failed): staged again. */
  async untake(domains: readonly string[]): Promise<void> {
    if (!domains.length) return;
    await this.serial(() => this.update(domains, 0, [2]));
  }

  /**
   * Names neither out nor taken, in input order, `size` at a time; each chunk yielded is marked
   * out (state 1) before it is yielded.
   */
  async *pending(size: number): AsyncGenerator<string[]> {
    for (;;) {
      const chunk = await this.serial(async () => {
        const r = await this.conn.runAndReadAll(
          `UPDATE todo SET state = 1 WHERE n IN (SELECT n FROM todo WHERE state = 0 ORDER BY n LIMIT ${Math.max(1, Math.floor(size))}) RETURNING n, domain`,
        );
        return r
          .getRows()
          .map((row) => ({ n: Number(row[0]), d: String(row[1]) }))
          .sort((a, b) => a.n - b.n)
          .map((x) => x.d);
      });
      if (!chunk.length) return;
      yield chunk;
    }
  }

  /** names by state: still to hand out, out in chunk jobs, taken (stored) */
  async counts(): Promise<{ todo: number; queued: number; taken: number }> {
    return this.serial(async () => {
      const r = await this.conn.runAndReadAll(
        'SELECT count(*) FILTER (WHERE state = 0) AS a, count(*) FILTER (WHERE state = 1) AS b, count(*) FILTER (WHERE state = 2) AS c FROM todo',
      );
      const row = r.getRowObjects()[0] ?? {};
      return { todo: Number(row.a ?? 0), queued: Number(row.b ?? 0), taken: Number(row.c ?? 0) };
    });
  }

  async close(): Promise<void> {
    await this.queue;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
