import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openScanSink, openScanSource } from '../scan/store.ts';
import { statisticsFrom } from '../statistics/stats.ts';
import { Database } from './duckdb.ts';
import { partsDir } from './scan-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'mailsec-scan-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbFile = () => join(dir, `s${n++}.duckdb`);

/** The registered parts of a store's catalogue as [level, rows], in the order given. */
async function partLevels(path: string, order: string): Promise<number[][]> {
  const db = await Database.open(path, { readOnly: true });
  try {
    const rows = await db.all(`SELECT level, rows FROM scan_parts ORDER BY ${order}`);
    return rows.map((p) => [Number(p.level), Number(p.rows)]);
  } finally {
    db.close();
  }
}

/** A small document in the shape of `check --json` (what the statistics read). */
function doc(
  domain: string,
  o: { spf?: string; cert?: string; error?: boolean } = {},
): Record<string, unknown> {
  return {
    schemaVersion: '1',
    domain,
    checkedAt: '2026-12-01T00:00:00.000Z',
    resolver: { address: '127.0.0.1', validates: true },
    findings: o.error ? [{ id: 'spf.undetermined', check: 'spf', severity: 'warning', message: 'x' }] : [],
    summary: {
      pass: 1,
      warn: 0,
      fail: 0,
      absent: 0,
      error: o.error ? 1 : 0,
      skipped: 0,
      errors: 0,
      warnings: 0,
      infos: 0,
    },
    mx: {
      status: 'pass',
      records: [{ preference: 10, exchange: 'mx.hoster.ch', addresses: [], kind: 'host' }],
      nullMx: false,
      queryCount: 2,
    },
    spf: o.error
      ? { status: 'error', record: null, records: [], all: null, redirect: null, lookups: 0, queryCount: 1 }
      : {
          status: 'pass',
          record: o.spf ?? 'v=spf1 -all',
          records: [o.spf ?? 'v=spf1 -all'],
          all: '-all',
          redirect: null,
          lookups: 0,
          queryCount: 1,
        },
    smtp: {
      status: 'pass',
      starttlsSupport: 'all',
      hosts: o.cert
        ? [
            {
              exchange: 'mx.hoster.ch',
              banner: '220 mx ESMTP Postfix',
              certificate: { issuer: 'O=Test CA' },
              chain: [{ subject: 'CN=mx', sha256: o.cert, der: `DER-${o.cert}` }],
              dane: { status: 'none', records: [] },
            },
          ]
        : [],
      queryCount: 0,
    },
  };
}

test('a scan stored in parts: statistics in SQL, one document read back whole, certificates once', async () => {
  const path = dbFile();
  const sink = await openScanSink(path, { lockWaitMs: 5000 });
  try {
    await sink.begin('s', { x: 1 }, 'list.txt');
    const { toStored } = await import('../scan/store.ts');
    await sink.write('s', [toStored(doc('a.ch', { cert: 'c1' })), toStored(doc('b.ch', { cert: 'c1' }))]);
    await sink.write('s', [
      toStored(doc('c.ch', { cert: 'c1', spf: 'v=spf1 ~all' })),
      toStored(doc('d.ch', { error: true })),
    ]);
    await sink.finish('s');
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('s'), 4);
    const stats = await statisticsFrom({ query: (sql) => src.query('s', sql) });
    assert.equal(stats.domains, 4);
    assert.deepEqual(stats.stats['spf.present'], { count: 3, denominator: 4, percent: 75 });
    assert.deepEqual(stats.stats['spf.present.error'], { count: 1, denominator: 4, percent: 25 });
    assert.deepEqual(stats.providers, [{ name: 'hoster.ch', count: 4, denominator: 4, percent: 100 }]);
    assert.deepEqual(stats.issuers, [{ name: 'Test CA', count: 3, denominator: 3, percent: 100 }]);
    // the document as it was written, DER restored from the certificate table
    assert.deepEqual(await src.document('s', 'c.ch'), doc('c.ch', { cert: 'c1', spf: 'v=spf1 ~all' }));
    assert.equal(await src.document('s', 'zzz.ch'), undefined);
    const certs = await src.query('s', 'SELECT 1');
    assert.equal(certs.length, 1);
    const findings = await src.query('s', 'SELECT domain, id, severity FROM findings');
    assert.deepEqual(findings, [{ domain: 'd.ch', id: 'spf.undetermined', severity: 'warning' }]);
    const all: string[] = [];
    for await (const d of src.documents('s')) all.push(String(d.domain));
    assert.deepEqual(all.sort(), ['a.ch', 'b.ch', 'c.ch', 'd.ch']);
  } finally {
    await src.close();
  }
  // finish merged everything into one part; the certificate c1 is stored once
  const files = readdirSync(readdirSync(partsDir(path)).map((d) => join(partsDir(path), d))[0] as string);
  assert.equal(files.filter((f) => f.endsWith('.certs.parquet')).length, 1, files.join(' '));
  assert.equal(files.filter((f) => f.endsWith('.parquet')).length, 2, files.join(' '));
});

test('two scans written by one process keep their own certificates (the same certificate in both)', async () => {
  const path = dbFile();
  const { toStored } = await import('../scan/store.ts');
  const docs = () => [doc('a.ch', { cert: 'c1' }), doc('b.ch', { cert: 'c2' }), doc('c.ch', { error: true })];
  const sink = await openScanSink(path, { lockWaitMs: 5000 });
  try {
    for (const s of ['first', 'second']) await sink.begin(s, {}, 'list.txt');
    await sink.write('first', docs().map(toStored));
    await sink.write('second', docs().map(toStored));
    for (const s of ['first', 'second']) await sink.finish(s);
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    for (const s of ['first', 'second'])
      for (const d of docs())
        assert.deepEqual(await src.document(s, d.domain as string), d, `${s} ${d.domain}`);
  } finally {
    await src.close();
  }
});

test('resume: the input is staged in the engine, stored domains and duplicates left out; --retry-errors takes undetermined ones again', async () => {
  const path = dbFile();
  const sink = await openScanSink(path);
  const { toStored } = await import('../scan/store.ts');
  try {
    await sink.begin('r', {}, 'in');
    await sink.write('r', [toStored(doc('a.ch')), toStored(doc('b.ch', { error: true }))]);
    async function* input() {
      yield ['a.ch', 'b.ch', 'c.ch'];
      yield ['c.ch', 'd.ch', 'a.ch'];
    }
    const staged = await sink.stage('r', input());
    assert.deepEqual(staged, { unique: 4, duplicates: 2, stored: 2, todo: 2 });
    const todo: string[] = [];
    for await (const chunk of sink.pending(1)) todo.push(...chunk);
    assert.deepEqual(todo, ['c.ch', 'd.ch']);
    const again = await sink.stage('r', input(), { retryErrors: true });
    assert.equal(again.todo, 3);
    const retry: string[] = [];
    for await (const chunk of sink.pending()) retry.push(...chunk);
    assert.deepEqual(retry, ['b.ch', 'c.ch', 'd.ch']);
    // a replaced domain: the newest row counts, once
    await sink.write('r', [toStored(doc('b.ch'))], { replace: true });
    assert.equal(await sink.count('r'), 2);
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('r'), 2);
    const b = await src.document('r', 'b.ch');
    assert.equal((b?.spf as { status?: string } | undefined)?.status, 'pass');
  } finally {
    await src.close();
  }
});

test('a stream stores each domain as it is added: parts cut in order while earlier ones are written, the same documents as write()', async () => {
  const path = dbFile();
  const { toStored } = await import('../scan/store.ts');
  const sink = await openScanSink(path, { lockWaitMs: 5000 });
  const cuts: { rows: number; undetermined: number }[] = [];
  try {
    await sink.begin('s', {}, 'in');
    const stream = await sink.stream('s', { rows: 3 });
    // rows added at once, before the first part's table exists (they wait for it)
    stream.add(toStored(doc('a.ch', { cert: 'c1' })));
    stream.add(toStored(doc('b.ch', { error: true })));
    assert.equal(stream.rows, 2);
    assert.equal(stream.full, false);
    stream.add(toStored(doc('c.ch')));
    assert.equal(stream.full, true);
    // three cuts in a row, none awaited before the next: each goes to a part of its own
    const first = stream.cut();
    assert.equal(stream.rows, 0);
    stream.add(toStored(doc('d.ch', { cert: 'c1' })));
    const second = stream.cut();
    const empty = stream.cut();
    stream.add(toStored(doc('e.ch', { spf: 'v=spf1 ~all' })));
    const third = stream.cut();
    cuts.push(await first, await second, await empty, await third);
    await stream.close();
    assert.throws(() => stream.add(toStored(doc('f.ch'))), /closed stream/);
  } finally {
    await sink.close();
  }
  assert.deepEqual(cuts, [
    { rows: 3, undetermined: 1 },
    { rows: 1, undetermined: 0 },
    { rows: 0, undetermined: 0 },
    { rows: 1, undetermined: 0 },
  ]);
  assert.deepEqual(await partLevels(path, 'rows DESC'), [
    [0, 3],
    [0, 1],
    [0, 1],
  ]);
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('s'), 5);
    for (const [d, o] of [
      ['a.ch', { cert: 'c1' }],
      ['b.ch', { error: true }],
      ['d.ch', { cert: 'c1' }],
      ['e.ch', { spf: 'v=spf1 ~all' }],
    ] as const)
      assert.deepEqual(await src.document('s', d), doc(d, o));
    const findings = await src.query('s', 'SELECT domain, id FROM findings');
    assert.deepEqual(findings, [{ domain: 'b.ch', id: 'spf.undetermined' }]);
  } finally {
    await src.close();
  }
});

test('a streamed part larger than one table of the engine passes through stage files: every document back byte for byte', async () => {
  const path = dbFile();
  const { toStored } = await import('../scan/store.ts');
  const sink = await openScanSink(path, { lockWaitMs: 5000 });
  // six documents of ~1 MiB of text: the fourth fills a table (4 MiB), the part goes on in another
  const big = (i: number) => ({ ...doc(`big${i}.ch`, { cert: `c${i % 2}` }), pad: `${i}`.repeat(2 ** 20) });
  try {
    await sink.begin('s', {}, 'in');
    const stream = await sink.stream('s', { rows: 10 });
    for (let i = 0; i < 6; i++) stream.add(toStored(big(i)));
    assert.deepEqual(await stream.cut(), { rows: 6, undetermined: 0 });
    await stream.close();
  } finally {
    await sink.close();
  }
  // no stage file is left beside the part
  const files = readdirSync(readdirSync(partsDir(path)).map((d) => join(partsDir(path), d))[0] as string);
  assert.deepEqual(
    files.filter((f) => f.includes('.tmp')),
    [],
    files.join(' '),
  );
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('s'), 6);
    for (let i = 0; i < 6; i++) assert.deepEqual(await src.document('s', `big${i}.ch`), big(i));
  } finally {
    await src.close();
  }
});

test('parts are merged in tiers while the scan runs', async () => {
  const path = dbFile();
  const { ScanStore } = await import('./scan-store.ts');
  const { ROW_COLUMNS } = await import('../statistics/row.ts');
  const { toStored } = await import('../scan/store.ts');
  const sink = await ScanStore.open(path, { columns: ROW_COLUMNS, mergeFanIn: 2 });
  try {
    await sink.begin('m', {}, 'in');
    for (let i = 0; i < 5; i++) {
      await sink.write('m', [toStored(doc(`d${i}.ch`))]);
      await sink.idle(); // merges run in the background, beside the writes
    }
    // 5 writes with fan-in 2: one part of 4 rows (level 2) and one of 1 (level 0)
    assert.deepEqual(await partLevels(path, 'level'), [
      [0, 1],
      [2, 4],
    ]);
    assert.equal(await sink.count('m'), 5);
  } finally {
    await sink.close();
  }
});

test('no merge writes more than mergeMaxRows: a large scan ends in a few capped parts, replacements still dropped when read', async () => {
  const path = dbFile();
  const { ScanStore } = await import('./scan-store.ts');
  const { ROW_COLUMNS } = await import('../statistics/row.ts');
  const { toStored } = await import('../scan/store.ts');
  const sink = await ScanStore.open(path, { columns: ROW_COLUMNS, mergeFanIn: 2, mergeMaxRows: 3 });
  try {
    await sink.begin('c', {}, 'in');
    for (let i = 0; i < 7; i++) {
      await sink.write('c', [toStored(doc(`d${i}.ch`))]);
      await sink.idle();
    }
    // d1 scanned again (--retry-errors): the newer row wins wherever the old one sits
    await sink.write('c', [toStored(doc('d1.ch', { spf: 'v=spf1 ~all' }))], { replace: true });
    await sink.finish('c');
    const parts = await Database.open(path, { readOnly: true }).then(async (db) => {
      try {
        return await db.all('SELECT rows FROM scan_parts ORDER BY rows');
      } finally {
        db.close();
      }
    });
    assert.ok(parts.length > 1, 'everything was merged into one part past the cap');
    for (const p of parts) assert.ok(Number(p.rows) <= 3, `a part of ${p.rows} rows`);
    assert.equal(await sink.count('c'), 7);
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('c'), 7);
    const d1 = await src.document('c', 'd1.ch');
    assert.equal((d1?.spf as { record?: string } | undefined)?.record, 'v=spf1 ~all');
    const stats = await statisticsFrom({ query: (sql) => src.query('c', sql) });
    assert.equal(stats.domains, 7);
  } finally {
    await src.close();
  }
});

test('memory bounded by the engine limit, not the scan: parts far larger than the work memory are merged, replaced and read', async () => {
  // 8 parts of 1,000 documents of ~6 KB (48 MB of JSON) and a second pass over 1,000 of them, the
  // work engine limited to 128 MB. Before: the part writer parsed each document as a JSON tree and
  // the final merge kept the newest row of each domain with a window over whole rows (every
  // document sorted in memory): "Out of Memory Error: failed to allocate data of size 55.1 MiB".
  const path = dbFile();
  const { ScanStore } = await import('./scan-store.ts');
  const { ROW_COLUMNS } = await import('../statistics/row.ts');
  const { toStored } = await import('../scan/store.ts');
  const big = (d: string, spf?: string) => ({
    ...doc(d, spf ? { spf } : {}),
    padding: `${d} `.repeat(6_000 / (d.length + 1)),
  });
  const sink = await ScanStore.open(path, {
    columns: ROW_COLUMNS,
    mergeFanIn: 4,
    workMemoryLimit: '128MB',
    toRow: toStored,
  });
  try {
    await sink.begin('big', {}, 'in');
    for (let p = 0; p < 8; p++) {
      const rows = [];
      for (let i = 0; i < 1000; i++) rows.push(toStored(big(`d${p}-${i}.ch`)));
      await sink.write('big', rows);
    }
    await sink.idle();
    // a second pass replaces 1,000 domains: the final merge keeps the newest row of each
    const again = [];
    for (let i = 0; i < 1000; i++) again.push(toStored(big(`d1-${i}.ch`, 'v=spf1 ~all')));
    await sink.write('big', again, { replace: true });
    await sink.finish('big');
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('big'), 8000);
    const [again] = await src.query(
      'big',
      "SELECT count(*) AS n FROM domains WHERE doc LIKE '%v=spf1 ~all%'",
    );
    assert.equal(Number(again?.n), 1000);
    assert.deepEqual(await src.document('big', 'd1-7.ch'), big('d1-7.ch', 'v=spf1 ~all'));
    assert.deepEqual(await src.document('big', 'd2-7.ch'), big('d2-7.ch'));
    let n = 0;
    let replaced = 0;
    for await (const d of src.documents('big')) {
      if (String(d.padding).length > 5_000) n++;
      if ((d.spf as { record?: string }).record === 'v=spf1 ~all') replaced++;
    }
    assert.deepEqual([n, replaced], [8000, 1000]);
  } finally {
    await src.close();
  }
});

test('the part writer keeps nothing of earlier parts: 36 MB of documents through a 32 MB engine spill nothing', async () => {
  // Parts were emptied with TRUNCATE, which in an in-memory DuckDB only marks rows deleted: every
  // document of the scan stayed in the work engine, its buffer pool full and the rest written to
  // its temp directory (250 MB by 66,000 domains of a scan, growing without end). No merge here
  // (fan-in above the part count): only the writer's engine is measured.
  const path = dbFile();
  const { randomBytes } = await import('node:crypto');
  const { ScanStore } = await import('./scan-store.ts');
  const { ROW_COLUMNS } = await import('../statistics/row.ts');
  const { toStored } = await import('../scan/store.ts');
  const temp = join(tmpdir(), `mailsec-duckdb-${process.pid}`);
  const spilled = () =>
    existsSync(temp) ? readdirSync(temp).reduce((n, f) => n + statSync(join(temp, f)).size, 0) : 0;
  const before = spilled();
  const sink = await ScanStore.open(path, {
    columns: ROW_COLUMNS,
    mergeFanIn: 1000,
    workMemoryLimit: '64MB',
    toRow: toStored,
  });
  try {
    await sink.begin('w', {}, 'in');
    for (let p = 0; p < 24; p++) {
      const rows = [];
      for (let i = 0; i < 500; i++)
        rows.push(toStored({ ...doc(`d${p}-${i}.ch`), padding: randomBytes(1_500).toString('hex') }));
      await sink.write('w', rows);
    }
    await sink.idle();
    const grown = spilled() - before;
    assert.ok(grown < 4 * 2 ** 20, `the work engine spilled ${(grown / 2 ** 20).toFixed(1)} MiB`);
    await sink.finish('w');
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('w'), 12_000);
  } finally {
    await src.close();
  }
});

test('a part of many large documents is written beside a merge within the default work memory', async () => {
  // parts of 5,000 documents of ~8 KB (≈ 50 MB of JSON lines each), merged two by two while the
  // next is written, in the default 256 MB. Before: the rows were staged in one JSON-lines file
  // (DuckDB's reader held about four times its size) and the merges ran in the same two-thread
  // engine: "writing part … (5000 rows): Out of Memory Error: failed to allocate data of size
  // 11.8 MiB (243.2 MiB/244.1 MiB used)" at the first merge of a 1,000,000-domain bench store.
  const path = dbFile();
  const { ScanStore } = await import('./scan-store.ts');
  const { ROW_COLUMNS } = await import('../statistics/row.ts');
  const { toStored } = await import('../scan/store.ts');
  const sink = await ScanStore.open(path, { columns: ROW_COLUMNS, mergeFanIn: 4, toRow: toStored });
  try {
    await sink.begin('wide', {}, 'in');
    for (let p = 0; p < 5; p++) {
      const rows = [];
      for (let i = 0; i < 5000; i++) {
        const d = `w${p}-${i}.ch`;
        // findings as a scan has them (half of a real document): a list column to parse per row
        const findings = Array.from({ length: 40 }, (_, k) => ({
          id: `check${k % 13}.finding${k}`,
          check: `check${k % 13}`,
          severity: k % 3 ? 'info' : 'warning',
          message: `${d}: finding ${k} of the domain, as a sentence of about eighty characters`,
        }));
        rows.push(toStored({ ...doc(d), findings, padding: `${d} `.repeat(3_000 / (d.length + 1)) }));
      }
      await sink.write('wide', rows);
    }
    await sink.finish('wide');
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('wide'), 25_000);
    // the finished part in the merge engine's row groups of 8 MiB (~600 of these rows), not a
    // write's 4 MiB (~300): the typed scans of a report ran 3.4 times slower in groups that small
    const sub = readdirSync(partsDir(path))[0] as string;
    const files = readdirSync(join(partsDir(path), sub)).filter((f) => f.endsWith('.parquet'));
    assert.equal(files.length, 1);
    const [rg] = await src.query(
      'wide',
      `SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata('${join(partsDir(path), sub, files[0] as string)}')`,
    );
    assert.ok(25_000 / Number(rg?.groups) >= 500, `${rg?.groups} row groups for 25,000 rows`);
  } finally {
    await src.close();
  }
});

test('a part holds what JSON lines read by read_json held: every column, the document text byte for byte', async () => {
  const { toStored } = await import('../scan/store.ts');
  const { writeFileSync } = await import('node:fs');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const path = dbFile();
  const odd = 'quote " backslash \\ slash / tab \t nl \n nul \u0000 é 𝄞 lone \ud800 end';
  const docs = [
    { ...doc('a.ch', { cert: 'c1' }), note: odd, n: [1.5, -0, 1e21, 123456789012345680000] },
    doc('b.ch', { error: true }),
    { ...doc('c.ch', { spf: `v=spf1 include:${odd} -all` }), resolver: { address: null, validates: false } },
  ];
  const rows = docs.map((d) => toStored(structuredClone(d)));
  const sink = await openScanSink(path, { lockWaitMs: 5000 });
  try {
    await sink.begin('s', {}, 'list.txt');
    await sink.write('s', rows);
  } finally {
    await sink.close();
  }
  const sub = readdirSync(partsDir(path))[0] as string;
  const files = readdirSync(join(partsDir(path), sub));
  const part = join(partsDir(path), sub, files.find((f) => !f.includes('certs')) as string);
  const certs = join(partsDir(path), sub, files.find((f) => f.includes('certs')) as string);
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    // the previous writer: one JSON line per row, the document a JSON string inside it
    const types = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${part}')`)).getRowObjects();
    const columns = `{${types.map((t) => `"${t.column_name}": '${t.column_type}'`).join(', ')}}`;
    const jsonl = join(dir, 'old.jsonl');
    writeFileSync(
      jsonl,
      rows
        .map((r) =>
          JSON.stringify({
            domain: r.domain,
            checked_at: r.checkedAt,
            part_seq: 1,
            has_mx: r.hasMx,
            errors: r.errors,
            undetermined: r.undetermined,
            findings: r.findings,
            ...r.columns,
            doc: JSON.stringify(r.doc),
          }),
        )
        .join('\n'),
    );
    const read = async (sql: string) =>
      (await c.runAndReadAll(`SELECT * EXCLUDE (part_seq) FROM ${sql} ORDER BY domain`)).getRowObjectsJS();
    const now = await read(`read_parquet('${part}')`);
    assert.deepEqual(
      now,
      await read(`read_json('${jsonl}', format = 'newline_delimited', columns = ${columns})`),
    );
    assert.deepEqual(
      now.map((r) => r.doc),
      rows.map((r) => JSON.stringify(r.doc)),
    );
    assert.ok(String(now[0]?.doc).includes('\\ud800'));
    const cs = (await c.runAndReadAll(`SELECT sha256, der FROM read_parquet('${certs}')`)).getRowObjects();
    assert.deepEqual(cs, [{ sha256: 'c1', der: 'DER-c1' }]);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
});

test('a version-1 database is converted (its documents become parts); a newer version is refused naming it', async () => {
  const path = dbFile();
  const db = await Database.open(path);
  await db.run(`CREATE TABLE mailsec_schema (version INTEGER NOT NULL); INSERT INTO mailsec_schema VALUES (1);
    CREATE TABLE scans (name VARCHAR PRIMARY KEY, started TIMESTAMPTZ NOT NULL, options JSON NOT NULL, input VARCHAR, total BIGINT);
    CREATE TABLE results (scan VARCHAR NOT NULL, domain VARCHAR NOT NULL, checked_at TIMESTAMPTZ NOT NULL, has_mx BOOLEAN, errors INTEGER, doc JSON NOT NULL, PRIMARY KEY (scan, domain));
    INSERT INTO scans VALUES ('old', now(), '{}', 'x.txt', 2)`);
  for (const d of ['a.ch', 'b.ch'])
    await db.run("INSERT INTO results VALUES ('old', $1, now(), true, 0, $2)", [
      d,
      JSON.stringify(doc(d, { cert: 'c9' })),
    ]);
  db.close();
  const src = await openScanSource(path);
  try {
    assert.equal(await src.count('old'), 2);
    assert.deepEqual(await src.document('old', 'b.ch'), doc('b.ch', { cert: 'c9' }));
  } finally {
    await src.close();
  }
  const check = await Database.open(path, { readOnly: true });
  try {
    assert.equal(await check.hasTable('results'), false);
    assert.equal(await check.schemaVersion('mailsec_schema'), 2);
  } finally {
    check.close();
  }
  const newer = dbFile();
  const d2 = await Database.open(newer);
  await d2.run(
    'CREATE TABLE mailsec_schema (version INTEGER NOT NULL); INSERT INTO mailsec_schema VALUES (99)',
  );
  d2.close();
  await assert.rejects(openScanSource(newer), /schema version 99; this mailsec knows up to 2/);
  await assert.rejects(openScanSink(newer), /schema version 99/);
});

const WRITER = fileURLToPath(new URL('../../test/fixtures/scan-store-writer.ts', import.meta.url));

test('readers beside a writer: report-style reads succeed while another process writes the same file', async () => {
  const path = dbFile();
  const child = spawn(process.execPath, [WRITER, path, '40', '25'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    // wait for the first part
    const t0 = Date.now();
    while (!existsSync(partsDir(path)) && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 20));
    let reads = 0;
    let last = 0;
    let running = true;
    void exited.then(() => {
      running = false;
    });
    while (running) {
      const src = await openScanSource(path, { lockWaitMs: 20_000 });
      try {
        if ((await src.scans()).length) {
          const count = await src.count('w');
          assert.ok(count >= last, `count went back from ${last} to ${count}`);
          last = count;
          const stats = await statisticsFrom({ query: (sql) => src.query('w', sql) });
          // a merge in between makes the reader list the parts again: never fewer
          assert.ok(stats.domains >= count, `${stats.domains} < ${count}`);
          if (count) assert.ok(await src.document('w', 'd0.ch'));
          reads++;
        }
      } finally {
        await src.close();
      }
    }
    assert.equal(await exited, 0, stderr);
    assert.ok(reads >= 3, `only ${reads} reads beside the writer`);
    const src = await openScanSource(path);
    try {
      assert.equal(await src.count('w'), 40 * 25);
    } finally {
      await src.close();
    }
  } finally {
    child.kill('SIGKILL');
  }
});

test('documents() streams every document when their certificates are looked up between chunks', async () => {
  // The certificates of each chunk are read on the reader's connection; DuckDB closes a streaming
  // result when its connection runs another query, so the stream ended after its first chunk that
  // had certificates and documents() returned part of the scan (seen as domains lost in scan e2e).
  const path = dbFile();
  const { toStored } = await import('../scan/store.ts');
  const sink = await openScanSink(path, { lockWaitMs: 5000 });
  const names: string[] = [];
  try {
    await sink.begin('c', {}, 'in');
    for (let p = 0; p < 4; p++) {
      const rows = [];
      for (let i = 0; i < 2500; i++) {
        const d = `c${p}-${i}.ch`;
        names.push(d);
        rows.push(toStored(doc(d, { cert: `sha-${i % 50}` })));
      }
      await sink.write('c', rows);
    }
    await sink.finish('c');
  } finally {
    await sink.close();
  }
  const src = await openScanSource(path);
  try {
    const seen: string[] = [];
    let restored = 0;
    for await (const d of src.documents('c')) {
      seen.push(String(d.domain));
      const chain = (d.smtp as { hosts: { chain: { der?: string }[] }[] }).hosts[0]?.chain[0];
      if (chain?.der?.startsWith('DER-sha-')) restored++;
    }
    assert.deepEqual([seen.length, restored], [names.length, names.length]);
    assert.deepEqual(seen.sort(), names.sort());
    // the same for a stream of rows with queries on the reader between its chunks (the dashboard)
    let rows = 0;
    for await (const chunk of src.streamScans({ domains: 'c' }, 'SELECT domain FROM domains')) {
      rows += chunk.length;
      assert.equal(Number((await src.query('c', 'SELECT count(*) AS n FROM domains'))[0]?.n), names.length);
    }
    assert.equal(rows, names.length);
  } finally {
    await src.close();
  }
});
