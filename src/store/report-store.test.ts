import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import type { AggregateReport, FeedbackReport } from '../ingest/index.ts';
import { readReports } from '../ingest/index.ts';
import { ReportStore, reportKey } from './report-store.ts';

const FIX = fileURLToPath(new URL('../../test/fixtures/reports/', import.meta.url));
const NAMES = [
  'google.com!example.com!1700006400!1700092799.xml',
  'rfc9990-namespaced.xml',
  'microsoft-tlsrpt.json',
  'arf-failure.eml',
];

let dir = '';
let n = 0;
const db = () => join(dir, `t${++n}.duckdb`);

async function fixtures(): Promise<FeedbackReport[]> {
  const out: FeedbackReport[] = [];
  for (const name of NAMES) {
    const { reports } = await readReports(readFileSync(join(FIX, name)), name);
    out.push(...reports);
  }
  return out;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-reports-store-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('import stores every kind with its rows; a second import changes nothing', async () => {
  const reports = await fixtures();
  assert.equal(reports.length, 4);
  const store = await ReportStore.open(db());
  try {
    const first = await store.importBatch(reports);
    assert.deepEqual(first, { added: 4, duplicates: 0, failed: [] });
    const counts = await store.counts();
    assert.equal(counts.aggregate, 2);
    assert.equal(counts.tls, 1);
    assert.equal(counts.failure, 1);
    assert.ok(counts.aggregateRecords >= 2);
    assert.ok(counts.tlsPolicies >= 1);
    assert.ok(counts.tlsFailures >= 1);
    const again = await store.importBatch(await fixtures());
    assert.deepEqual(again, { added: 0, duplicates: 4, failed: [] });
    assert.deepEqual(await store.counts(), counts);
  } finally {
    store.close();
  }
});

test('idempotent across runs: reopening the database and importing again adds nothing', async () => {
  const path = db();
  const s1 = await ReportStore.open(path);
  await s1.importBatch(await fixtures());
  const counts = await s1.counts();
  s1.close();
  const s2 = await ReportStore.open(path);
  try {
    assert.deepEqual(await s2.importBatch(await fixtures()), { added: 0, duplicates: 4, failed: [] });
    assert.deepEqual(await s2.counts(), counts);
  } finally {
    s2.close();
  }
});

test('dedupe: the same report from another file or container is a duplicate; a new id is not', async () => {
  const xml = readFileSync(join(FIX, NAMES[0] as string));
  const plain = (await readReports(xml, 'a.xml')).reports;
  const gz = (await readReports(gzipSync(xml), 'b.xml.gz')).reports;
  const zip = (await readReports(zipSync({ 'in/r.xml': new Uint8Array(xml) }), 'c.zip')).reports;
  assert.equal(reportKey(plain[0] as FeedbackReport), reportKey(zip[0] as FeedbackReport));
  const other = { ...(plain[0] as AggregateReport), reportId: 'another-id' };
  const store = await ReportStore.open(db());
  try {
    assert.deepEqual(await store.importBatch(plain), { added: 1, duplicates: 0, failed: [] });
    assert.deepEqual(await store.importBatch([...gz, ...zip]), { added: 0, duplicates: 2, failed: [] });
    // the same report twice in one batch: stored once
    assert.deepEqual(await store.importBatch([other, other]), { added: 1, duplicates: 1, failed: [] });
    assert.equal((await store.counts()).aggregate, 2);
  } finally {
    store.close();
  }
});

test('dedupe keys: aggregate by org, id, domain, range; TLS by org and id; failure by content without source', async () => {
  const [g, , tls, arf] = await fixtures();
  const ga = g as AggregateReport;
  assert.equal(reportKey(ga), reportKey({ ...ga, source: { file: 'x', entry: 'y' }, problems: [] }));
  assert.equal(reportKey(ga), reportKey({ ...ga, records: [] }));
  assert.notEqual(reportKey(ga), reportKey({ ...ga, end: '2023-11-16T23:59:59Z' }));
  assert.notEqual(reportKey(ga), reportKey({ ...ga, policy: { ...ga.policy, domain: 'example.org' } }));
  assert.notEqual(reportKey(ga), reportKey({ ...ga, orgName: null }));
  const t = tls as FeedbackReport & { kind: 'tls-rpt' };
  assert.equal(reportKey(t), reportKey({ ...t, policies: [], begin: null }));
  assert.notEqual(reportKey(t), reportKey({ ...t, reportId: 'x' }));
  const f = arf as FeedbackReport & { kind: 'dmarc-failure' };
  assert.equal(reportKey(f), reportKey({ ...f, source: { file: 'other.mbox', entry: 'message 7' } }));
  assert.notEqual(reportKey(f), reportKey({ ...f, sourceIp: '203.0.113.9' }));
});

test('a report that cannot be written is stored not at all; the rest of its batch is stored', async () => {
  const [g, ns, tls] = await fixtures();
  const ga = g as AggregateReport;
  assert.ok(ga.records.length >= 2);
  // the second record holds a count no BIGINT can hold: the report fails after its first rows
  const bad: AggregateReport = {
    ...ga,
    reportId: 'bad',
    records: [ga.records[0], { ...ga.records[1], count: 1e30 }] as AggregateReport['records'],
  };
  const store = await ReportStore.open(db());
  try {
    const r = await store.importBatch([ns as FeedbackReport, bad, tls as FeedbackReport]);
    assert.equal(r.added, 2);
    assert.equal(r.duplicates, 0);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]?.report, bad);
    assert.match(r.failed[0]?.reason ?? '', /^not stored/);
    const counts = await store.counts();
    assert.equal(counts.aggregate, 1);
    assert.equal(counts.tls, 1);
    // only the namespaced report's records: none of the bad report's rows are left behind
    assert.equal(counts.aggregateRecords, (ns as AggregateReport).records.length);
    // the store still works after the failure
    assert.deepEqual(await store.importBatch([g as FeedbackReport]), { added: 1, duplicates: 0, failed: [] });
  } finally {
    store.close();
  }
});

test('a corrupt file does not stop the import: its reports are none, the others are stored', async () => {
  const store = await ReportStore.open(db());
  try {
    let added = 0;
    let unreadable = 0;
    const inputs: [string, Uint8Array][] = [
      ['corrupt.xml.gz', gzipSync('<feedback>').subarray(0, 12)],
      ['garbage.bin', new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256))],
      ...NAMES.map((name): [string, Uint8Array] => [name, readFileSync(join(FIX, name))]),
    ];
    for (const [name, bytes] of inputs) {
      const read = await readReports(bytes, name);
      unreadable += read.unreadable.length;
      added += (await store.importBatch(read.reports)).added;
    }
    assert.equal(unreadable, 2);
    assert.equal(added, 4);
  } finally {
    store.close();
  }
});

test('the report tables live beside the scan tables without touching their schema version', async () => {
  const { openScanSink, openScanSource } = await import('../scan/store.ts');
  const path = db();
  const scan = await openScanSink(path);
  await scan.close();
  const reports = await ReportStore.open(path);
  await reports.importBatch(await fixtures());
  reports.close();
  const again = await openScanSource(path);
  try {
    assert.deepEqual(await again.scans(), []);
  } finally {
    await again.close();
  }
});

test('a large report is stored whole, in chunks; a bad record in a late chunk leaves nothing of it', async () => {
  const [g] = await fixtures();
  const ga = g as AggregateReport;
  const base = ga.records[0] as AggregateReport['records'][number];
  const records = Array.from({ length: 12_001 }, (_, i) => ({
    ...base,
    sourceIp: `10.0.${i >> 8}.${i & 255}`,
  }));
  const big: AggregateReport = { ...ga, reportId: 'big', recordCount: records.length, records };
  const bad: AggregateReport = {
    ...big,
    reportId: 'big-bad',
    records: records.map((x, i) => (i === 11_000 ? { ...x, count: 1e30 } : x)),
  };
  const store = await ReportStore.open(db());
  try {
    const r = await store.importBatch([big, bad]);
    assert.equal(r.added, 1);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]?.report, bad);
    const counts = await store.counts();
    assert.equal(counts.aggregate, 1);
    assert.equal(counts.aggregateRecords, 12_001);
  } finally {
    store.close();
  }
});

test('version 1 report tables are migrated forward: new columns filled from doc, messages per report', async () => {
  const { Database } = await import('./duckdb.ts');
  const { MIGRATIONS, SCHEMA_TABLE } = await import('./duckdb-report-store.ts');
  const path = db();
  const [g] = await fixtures();
  const ga = g as AggregateReport;
  // a file written by the mailsec that knew version 1 only
  const v1 = await Database.open(path);
  await v1.migrate(SCHEMA_TABLE, MIGRATIONS.slice(0, 1));
  await v1.run(
    `INSERT INTO dmarc_aggregate_reports VALUES ('k1', 'google.com', '1', 'example.com', '2023-11-15', '2023-11-16', NULL, 'none', 1, 'f', NULL, now(), '{}')`,
  );
  await v1.run(
    `INSERT INTO dmarc_aggregate_records VALUES ('k1', 0, '192.0.2.1', 7, 'none', 'pass', 'fail', 'example.com', NULL, NULL, $1)`,
    [JSON.stringify({ ...ga.records[0], reasons: [{ type: 'forwarded', comment: null }] })],
  );
  v1.close();
  // a reader cannot migrate: it says what to do
  await assert.rejects(
    ReportStore.open(path, { readOnly: true }),
    (e: Error & { hint?: string }) =>
      /schema version 1/.test(e.message) && /mailsec reports import/.test(e.hint ?? ''),
  );
  const store = await ReportStore.open(path);
  store.close();
  const check = await Database.open(path, { readOnly: true });
  try {
    const [r] = await check.all('SELECT spf_auth, dkim_auth, reasons FROM dmarc_aggregate_records');
    assert.deepEqual(r, {
      spf_auth: ga.records[0]?.authResults.spf[0]?.result ?? null,
      dkim_auth: ga.records[0]?.authResults.dkim.some((d) => d.result === 'pass')
        ? 'pass'
        : (ga.records[0]?.authResults.dkim[0]?.result ?? null),
      reasons: 'forwarded',
    });
    const [m] = await check.all('SELECT CAST(messages AS INTEGER) AS m FROM dmarc_aggregate_reports');
    assert.equal(m?.m, 7);
    assert.equal(await check.schemaVersion(SCHEMA_TABLE), MIGRATIONS.length);
  } finally {
    check.close();
  }
});

test('readers: summary totals, list newest first, show by id prefix with records', async () => {
  const reports = await fixtures();
  const path = db();
  const w = await ReportStore.open(path);
  await w.importBatch(reports);
  w.close();
  const store = await ReportStore.open(path, { readOnly: true });
  try {
    const agg = reports.filter((r): r is AggregateReport => r.kind === 'dmarc-aggregate');
    const sum = await store.summary();
    for (const a of agg) {
      const s = sum.find((x) => x.domain === a.policy.domain);
      assert.ok(s, a.policy.domain ?? '');
      const mine = agg.filter((x) => x.policy.domain === a.policy.domain).flatMap((x) => x.records);
      assert.equal(
        s.messages,
        mine.reduce((n, r) => n + (r.count ?? 0), 0),
      );
      assert.equal(
        s.dmarcPass.count,
        mine.filter((r) => r.dkim === 'pass' || r.spf === 'pass').reduce((n, r) => n + (r.count ?? 0), 0),
      );
    }
    const listed = await store.list();
    assert.equal(listed.length, 4);
    const first = listed[0];
    assert.ok(first);
    const shown = await store.show(first.id.slice(0, 8));
    assert.ok(shown && shown !== 'ambiguous');
    assert.equal(shown.kind, first.kind);
    if (shown.report.kind === 'dmarc-aggregate')
      assert.equal(shown.report.records.length, shown.report.recordCount);
    assert.equal(await store.show('ffffffffffff'), undefined);
    assert.equal((await store.list({ kind: 'tls-rpt' })).length, 1);
  } finally {
    store.close();
  }
});

test('times through the appender are stored as TRY_CAST would: ISO as is, others cast, unholdable NULL', async () => {
  const { Database } = await import('./duckdb.ts');
  const [g] = await fixtures();
  const ga = g as AggregateReport;
  const path = db();
  const store = await ReportStore.open(path);
  const times: [string, string | null][] = [
    ['2023-11-15T00:00:00Z', '2023-11-15 00:00:00+00'],
    ['2023-11-15T01:02:03.500Z', '2023-11-15 01:02:03.5+00'],
    ['2023-11-15 06:00:00+02', '2023-11-15 04:00:00+00'],
    ['+020000-01-01T00:00:00.000Z', null],
    ['not a time', null],
  ];
  try {
    const r = await store.importBatch(times.map(([begin], i) => ({ ...ga, reportId: `t${i}`, begin })));
    assert.equal(r.added, times.length);
  } finally {
    store.close();
  }
  const check = await Database.open(path, { readOnly: true });
  try {
    await check.run("SET TimeZone = 'UTC'");
    const rows = await check.all(
      "SELECT report_id, CAST(begin_at AS VARCHAR) AS b, doc->>'begin' AS doc_begin FROM dmarc_aggregate_reports ORDER BY report_id",
    );
    assert.deepEqual(
      rows.map((x) => [x.doc_begin, x.b]),
      times,
    );
  } finally {
    check.close();
  }
});

test('version 3 rebuilds the records without their index; every record kept, doc as text', async () => {
  const { Database } = await import('./duckdb.ts');
  const { MIGRATIONS, SCHEMA_TABLE } = await import('./duckdb-report-store.ts');
  const path = db();
  const v2 = await Database.open(path);
  await v2.migrate(SCHEMA_TABLE, MIGRATIONS.slice(0, 2));
  await v2.run(
    `INSERT INTO dmarc_aggregate_records
       SELECT 'k1', i, '192.0.2.1', 1, 'none', 'pass', 'pass', NULL, NULL, NULL, '{"n":' || i || '}', 'pass', 'pass', NULL
       FROM range(3000) t(i)`,
  );
  v2.close();
  (await ReportStore.open(path)).close();
  const check = await Database.open(path, { readOnly: true });
  try {
    const [c] = await check.all(
      "SELECT count(*) AS n, count(DISTINCT n) AS d, max(CAST(doc->>'n' AS INTEGER)) AS m FROM dmarc_aggregate_records",
    );
    assert.deepEqual([Number(c?.n), Number(c?.d), Number(c?.m)], [3000, 3000, 2999]);
    const cols = await check.all(
      "SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = 'dmarc_aggregate_records' ORDER BY ordinal_position",
    );
    assert.equal(cols.find((x) => x.c === 'doc')?.t, 'VARCHAR');
    assert.deepEqual(
      cols.map((x) => x.c),
      [
        'report',
        'n',
        'source_ip',
        'count',
        'disposition',
        'dkim',
        'spf',
        'header_from',
        'envelope_from',
        'envelope_to',
        'doc',
        'spf_auth',
        'dkim_auth',
        'reasons',
      ],
    );
    const [k] = await check.all(
      "SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = 'dmarc_aggregate_records' AND constraint_type = 'PRIMARY KEY'",
    );
    assert.equal(Number(k?.n), 0);
    assert.equal(await check.schemaVersion(SCHEMA_TABLE), MIGRATIONS.length);
  } finally {
    check.close();
  }
});
