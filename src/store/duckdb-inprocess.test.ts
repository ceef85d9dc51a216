import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Database } from './duckdb.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('guardInProcess: a guarded reader waits for this process’s writer of the file, and the writer for the reader', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-duckdb-'));
  try {
    const path = join(dir, 'x.duckdb');
    const w = await Database.open(path);
    await w.run('CREATE TABLE t (x INTEGER)');
    await w.run('INSERT INTO t VALUES (1)');
    // a reader without the guard opens beside it at once (the behaviour of every other command)
    const plain = await Database.open(path, { readOnly: true });
    plain.close();
    let opened = false;
    const reader = Database.open(path, { readOnly: true, guardInProcess: true }).then((r) => {
      opened = true;
      return r;
    });
    await sleep(150);
    assert.equal(opened, false, 'the guarded reader waits while the writer is open');
    w.close();
    const r = await reader;
    assert.deepEqual(await r.all('SELECT count(*)::INTEGER AS n FROM t'), [{ n: 1 }]);
    let writing = false;
    const w2 = Database.open(path).then((x) => {
      writing = true;
      return x;
    });
    await sleep(150);
    assert.equal(writing, false, 'the writer waits while the guarded reader is open');
    r.close();
    (await w2).close();
    // the wait is bounded
    const w3 = await Database.open(path);
    await assert.rejects(
      Database.open(path, { readOnly: true, guardInProcess: true, lockWaitMs: 100 }),
      /busy/,
    );
    w3.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
