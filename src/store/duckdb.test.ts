import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ErrorCode, isMailsecError } from '../core/errors.ts';
import { Database, withDatabase } from './duckdb.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailsec-duckdb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A second process that holds the file read-write for `ms`, as a scan between batches would not. */
function holdLock(path: string, ms: number): Promise<() => Promise<void>> {
  const code = `
    import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(${JSON.stringify(path)});
    const c = await i.connect();
    await c.run('CREATE TABLE IF NOT EXISTS t (a INTEGER)');
    await c.run('INSERT INTO t VALUES (1)');
    process.stdout.write('held\\n');
    setTimeout(() => { c.closeSync(); i.closeSync(); process.exit(0); }, ${ms});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('held')) resolve(() => exited);
    });
    child.on('error', reject);
  });
}

test('a reader waits while another process holds the file, then reads', async () => {
  const path = join(dir, 'wait.duckdb');
  const done = await holdLock(path, 600);
  const n = await withDatabase(path, { readOnly: true, lockWaitMs: 20_000 }, async (db) => {
    return Number((await db.all('SELECT count(*) AS n FROM t'))[0]?.n);
  });
  assert.equal(n, 1);
  await done();
});

test('a lock held past the wait is a clear StoreLocked error naming the file', async () => {
  const path = join(dir, 'locked.duckdb');
  const done = await holdLock(path, 3000);
  await assert.rejects(Database.open(path, { readOnly: true, lockWaitMs: 300 }), (e: unknown) => {
    assert.ok(isMailsecError(e));
    assert.equal(e.code, ErrorCode.StoreLocked);
    assert.match(e.message, /locked\.duckdb/);
    return true;
  });
  await done();
});

test('migrations run once, and a newer schema version is refused with the versions named', async () => {
  const path = join(dir, 'migrate.duckdb');
  const m = ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (y INTEGER)'];
  await withDatabase(path, {}, (db) => db.migrate('s', m));
  await withDatabase(path, {}, async (db) => {
    assert.equal(await db.migrate('s', m), 2);
    assert.equal(await db.schemaVersion('s'), 2);
    await assert.rejects(db.migrate('s', m.slice(0, 1)), (e: unknown) => {
      assert.ok(isMailsecError(e));
      assert.equal(e.code, ErrorCode.StoreVersion);
      assert.match(e.message, /schema version 2; this mailsec knows up to 1/);
      return true;
    });
  });
});

test('a failing transaction leaves nothing behind', async () => {
  const path = join(dir, 'tx.duckdb');
  await withDatabase(path, {}, async (db) => {
    await db.run('CREATE TABLE t (a INTEGER)');
    await assert.rejects(
      db.transaction(async () => {
        await db.run('INSERT INTO t VALUES (1)');
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(Number((await db.all('SELECT count(*) AS n FROM t'))[0]?.n), 0);
  });
});
