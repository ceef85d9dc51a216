/**
 * `reports import` at size (issue 12, defects 1–3, 6, 7), on generated inputs:
 * - an mbox of 20,000 reports under --max-old-space-size=256 (memory flat in the number of
 *   reports of one input), then again: nothing added, the mbox skipped unread;
 * - one zipped report of 200,000 records (about 3.7 MB zipped, 90 MB of XML) is read and every
 *   record stored; the summary's totals are exact;
 * - `mailsec report` on a database holding only imported reports says so and exits 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { zipSync } from 'fflate';
import { openReportStore } from '../src/store/report-store.ts';
import { aggregateXml, aggregateXmlChunks, mbox } from '../testworld/reports.ts';
import { runCli } from './helpers.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-reports-scale-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** a small report mail: the XML in the body (the cheapest mail a receiver sends) */
function* smallMails(n: number): Generator<string> {
  for (let i = 0; i < n; i++) {
    const xml = aggregateXml({
      org: `r${i % 7}.example`,
      reportId: `scale-${i}`,
      domain: 'example.com',
      begin: 1_764_547_200 + (i % 28) * 86_400,
      records: [{ ip: `192.0.2.${i % 250}`, count: 2, dkim: i % 4 ? 'pass' : 'fail', spf: 'pass' }],
    });
    yield `From: r@r.example\r\nTo: rua@example.com\r\nSubject: Report ${i}\r\nMessage-ID: <s${i}@r.example>\r\nContent-Type: text/xml\r\n\r\n${xml}`;
  }
}

test('an mbox of 20,000 reports imports under --max-old-space-size=256; a re-import skips it unread (defects 1, 7)', async () => {
  const file = join(dir, 'big.mbox');
  writeFileSync(file, mbox(smallMails(20_000)));
  const db = join(dir, 'mbox.duckdb');
  const args = ['--max-old-space-size=256'];
  const first = await runCli(['reports', 'import', file, '--db', db, '--json'], {}, 600_000, args);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), {
    db,
    files: 1,
    reports: 20_000,
    new: 20_000,
    duplicates: 0,
    unreadable: 0,
  });
  const store = await openReportStore(db, { readOnly: true });
  try {
    const c = await store.counts();
    assert.equal(c.aggregate, 20_000);
    assert.equal(c.aggregateRecords, 20_000);
    const [s] = await store.summary({ domain: 'example.com' });
    assert.equal(s?.messages, 40_000);
    assert.equal(s?.dmarcPass.count, 40_000);
  } finally {
    store.close();
  }
  const again = await runCli(['reports', 'import', file, '--db', db, '--json'], {}, 600_000, args);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), {
    db,
    files: 1,
    reports: 20_000,
    new: 0,
    duplicates: 20_000,
    unreadable: 0,
  });
  // `mailsec report` (the TLD report) on a file that holds only imported reports (defect 6)
  const r = await runCli(['report', '--db', db]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /holds no scan \(20000 imported reports\)/);
});

test('a zipped report of 200,000 records is read whole; every record is stored and counted (defects 2, 3)', async () => {
  const n = 200_000;
  const xml = Buffer.from(
    [
      ...aggregateXmlChunks({
        org: 'big.example',
        reportId: 'big-1',
        domain: 'big.example',
        begin: 1_764_547_200,
        records: n,
      }),
    ].join(''),
  );
  const file = join(dir, 'big.example!big.example!1764547200!1764633599.zip');
  writeFileSync(file, zipSync({ 'report.xml': xml }, { level: 6 }));
  assert.ok(statSync(file).size < 8 * 1024 * 1024, `${statSync(file).size}`);
  assert.ok(xml.length > 64 * 1024 * 1024, `${xml.length}`); // past the old 64 MiB refusal
  const db = join(dir, 'big.duckdb');
  // parse and import side by side (two processes on two cores: half the wall time)
  const [parsed, imp] = await Promise.all([
    runCli(['reports', 'parse', file], {}, 600_000),
    runCli(['reports', 'import', file, '--db', db, '--json'], {}, 600_000),
  ]);
  assert.equal(parsed.code, 0, parsed.stderr);
  // genRecord: counts 1 + (i % 7); aligned DKIM passes unless i % 10 === 0, aligned SPF unless i % 3 === 0
  let messages = 0;
  let pass = 0;
  for (let i = 0; i < n; i++) {
    messages += 1 + (i % 7);
    if (i % 10 !== 0 || i % 3 !== 0) pass += 1 + (i % 7);
  }
  assert.match(
    parsed.stdout,
    new RegExp(`200000 records, messages ${messages}, DMARC pass [0-9.]+% \\(${pass}\\)`),
  );
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(JSON.parse(imp.stdout).new, 1);
  const store = await openReportStore(db, { readOnly: true });
  try {
    assert.equal((await store.counts()).aggregateRecords, n);
    const [s] = await store.summary({ domain: 'big.example' });
    assert.equal(s?.messages, messages);
    assert.equal(s?.dmarcPass.count, pass);
  } finally {
    store.close();
  }
});
