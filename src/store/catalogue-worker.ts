/**
 * The catalogue's short holds, off the main thread: opening and closing a DuckDB file costs tens
 * of milliseconds of waiting for the disk (closing checkpoints and syncs it), which on the main
 * thread would stall every DNS answer of the scan. The worker takes lists of statements, runs each
 * list in one transaction in one hold (`withDatabase`), and answers.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { DuckDBValue } from '@duckdb/node-api';
import { type OpenOptions, withDatabase } from './duckdb.ts';

type Statement = readonly [sql: string, params?: DuckDBValue[]];

interface Request {
  readonly id: number;
  readonly path: string;
  readonly options: OpenOptions;
  readonly statements: readonly Statement[];
}

interface Reply {
  readonly id: number;
  readonly error?: { message: string; name: string; code?: string; hint?: string };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  // one hold at a time, in order: two instances of one process on one file would corrupt it
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (r: Request) => {
    chain = chain.then(() => handle(r));
  });
  const handle = async (r: Request) => {
    try {
      await withDatabase(r.path, r.options, (db) =>
        db.transaction(async () => {
          for (const [sql, params] of r.statements) await db.run(sql, params);
        }),
      );
      port.postMessage({ id: r.id } satisfies Reply);
    } catch (e) {
      const err = e as Error & { code?: string; hint?: string };
      port.postMessage({
        id: r.id,
        error: {
          message: err.message,
          name: err.name,
          ...(err.code ? { code: err.code } : {}),
          ...(err.hint ? { hint: err.hint } : {}),
        },
      } satisfies Reply);
    }
  };
}

/** A worker thread that runs catalogue transactions, one hold each, in order. */
export class CatalogueWorker {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  constructor() {
    const here = fileURLToPath(import.meta.url);
    this.worker = new Worker(new URL(`./catalogue-worker${extname(here)}`, import.meta.url));
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.error) w.reject(Object.assign(new Error(r.error.message), r.error));
      else w.resolve();
    });
    this.worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  /** Runs the statements in one transaction in one hold of the file. */
  run(path: string, options: OpenOptions, statements: readonly Statement[]): Promise<void> {
    const id = this.next++;
    this.worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, path, options, statements } satisfies Request);
    }).finally(() => {
      if (!this.waiting.size) this.worker.unref();
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
