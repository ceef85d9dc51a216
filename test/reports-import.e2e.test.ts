/**
 * `mailsec reports import` end to end: the fixtures of test/fixtures/reports/ into a temporary
 * database, twice (the second run adds nothing), the same reports again inside an archive and an
 * mbox, unreadable files, IMAP and usage errors. No network.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { ReportStore } from '../src/store/report-store.ts';
import { failureMail, mbox } from '../testworld/reports.ts';
import { ROOT, runCli } from './helpers.ts';

const FIX = join(ROOT, 'test/fixtures/reports');
const GOOGLE = join(FIX, 'google.com!example.com!1700006400!1700092799.xml');
const TLS = join(FIX, 'microsoft-tlsrpt.json');
const ARF = join(FIX, 'arf-failure.eml');

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-reports-import-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const summary = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

async function stored(db: string) {
  const store = await ReportStore.open(db);
  try {
    return await store.counts();
  } finally {
    store.close();
  }
}

test('fixtures imported twice: the second run finds them all and adds nothing', async () => {
  const db = join(dir, 'twice.duckdb');
  const first = await runCli(['reports', 'import', FIX, '--db', db, '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '');
  assert.deepEqual(summary(first.stdout), {
    db,
    files: 4,
    reports: 4,
    new: 4,
    duplicates: 0,
    unreadable: 0,
  });
  const counts = await stored(db);
  assert.equal(counts.aggregate, 2);
  assert.equal(counts.tls, 1);
  assert.equal(counts.failure, 1);
  const second = await runCli(['reports', 'import', FIX, '--db', db, '--json']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(summary(second.stdout), {
    db,
    files: 4,
    reports: 4,
    new: 0,
    duplicates: 4,
    unreadable: 0,
  });
  assert.deepEqual(await stored(db), counts);
});

test('human summary line: files read, reports found, new, duplicates, unreadable', async () => {
  const db = join(dir, 'human.duckdb');
  const r = await runCli(['reports', 'import', GOOGLE, TLS, '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `2 files read, 2 reports found: 2 new, 0 duplicates, 0 unreadable (${db})\n`);
});

test('the same reports in a zip, a gzip and an mbox are duplicates of the plain files', async () => {
  const db = join(dir, 'containers.duckdb');
  assert.equal((await runCli(['reports', 'import', GOOGLE, TLS, ARF, '--db', db])).code, 0);
  const zip = join(dir, 'google.zip');
  writeFileSync(zip, zipSync({ 'a/report.xml': new Uint8Array(readFileSync(GOOGLE)) }));
  const gz = join(dir, 'tls.json.gz');
  writeFileSync(gz, gzipSync(readFileSync(TLS)));
  const mbox = join(dir, 'arf.mbox');
  writeFileSync(mbox, `From a@r.example Mon Jan  1 00:00:00 2024\n${readFileSync(ARF, 'utf8')}`);
  const r = await runCli(['reports', 'import', zip, gz, mbox, '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(summary(r.stdout), { db, files: 3, reports: 3, new: 0, duplicates: 3, unreadable: 0 });
});

test('an unreadable file is named on stderr and counted; the import goes on; exit 0', async () => {
  const db = join(dir, 'corrupt.duckdb');
  const bad = join(dir, 'corrupt.xml');
  writeFileSync(bad, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><feedback>&e;</feedback>');
  const r = await runCli(['reports', 'import', bad, join(dir, 'missing.xml'), GOOGLE, '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(summary(r.stdout), { db, files: 2, reports: 1, new: 1, duplicates: 0, unreadable: 1 });
  const err = r.stderr.trim().split('\n').sort();
  assert.equal(err.length, 2, r.stderr);
  assert.match(err[0] ?? '', /corrupt\.xml: .*DOCTYPE/);
  assert.match(err[1] ?? '', /missing\.xml: no such file or directory/);
});

test('a file read but holding no report: exit 0 with 0 reports; no file read: exit 2, no database', async () => {
  const db = join(dir, 'empty.duckdb');
  const empty = join(dir, 'empty.xml');
  writeFileSync(empty, '');
  const r = await runCli(['reports', 'import', empty, '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(summary(r.stdout), { db, files: 1, reports: 0, new: 0, duplicates: 0, unreadable: 1 });
  const none = join(dir, 'none.duckdb');
  const n = await runCli(['reports', 'import', join(dir, 'missing.xml'), '--db', none]);
  assert.equal(n.code, 2);
  assert.equal(n.stdout, '');
  assert.match(n.stderr, /no file could be read/);
  assert.equal(existsSync(none), false);
});

test('IMAP and usage errors: exit 2 with a clear message', async () => {
  const imap = await runCli([
    'reports',
    'import',
    'imaps://user:secret@mail.example/INBOX',
    '--db',
    join(dir, 'i.duckdb'),
  ]);
  assert.equal(imap.code, 2);
  assert.match(imap.stderr, /^mailsec: the IMAP URL carries a password/);
  assert.doesNotMatch(imap.stderr, /secret/);
  assert.equal(existsSync(join(dir, 'i.duckdb')), false);
  const noFile = await runCli(['reports', 'import', '--db', join(dir, 'n.duckdb')]);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /^mailsec: no file given/);
  const help = await runCli(['reports', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /import <file\|dir\|-\|imaps:/);
  const sub = await runCli(['reports', 'import', '--help']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /--move-to <FOLDER>/);
  assert.doesNotMatch(sub.stdout, /--trend/);
  const wrong = await runCli(['reports', 'parse', 'x.xml', '--db', 'x.duckdb']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /reports parse does not take --db/);
});

test('summary, list, show and sources: table, csv and json; - reads standard input', async () => {
  const db = join(dir, 'views.duckdb');
  assert.equal((await runCli(['reports', 'import', FIX, '--db', db])).code, 0);
  const sum = await runCli(['reports', 'summary', '--db', db, '--json']);
  assert.equal(sum.code, 0, sum.stderr);
  const domains = sum.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const ex = domains.find((d) => d.domain === 'example.com');
  assert.ok(ex, sum.stdout);
  for (const k of [
    'reports',
    'messages',
    'dmarcPass',
    'spfAligned',
    'dkimAligned',
    'dispositions',
    'sources',
    'topFailingSources',
    'tls',
  ])
    assert.ok(k in ex, k);
  const table = await runCli(['reports', 'summary', '--db', db, '--domain', 'example.com']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^example\.com {2}/);
  assert.match(table.stdout, /DMARC pass \d+\.\d%/);
  const csvOut = await runCli(['reports', 'summary', '--db', db, '--format', 'csv']);
  assert.match(csvOut.stdout, /^domain,begin,end,reports,messages,/);
  const list = await runCli(['reports', 'list', '--db', db, '--json']);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; kind: string });
  assert.equal(rows.length, 4);
  const agg = rows.find((r) => r.kind === 'dmarc-aggregate');
  assert.ok(agg);
  const show = await runCli(['reports', 'show', agg.id.slice(0, 10), '--db', db, '--format', 'csv']);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^source_ip,count,disposition/);
  const missing = await runCli(['reports', 'show', 'abcdef012345', '--db', db]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no report "abcdef012345"/);
  const src = await runCli([
    'reports',
    'sources',
    '--domain',
    'example.com',
    '--db',
    db,
    '--no-dns',
    '--json',
  ]);
  assert.equal(src.code, 0, src.stderr);
  const s0 = JSON.parse(src.stdout.trim().split('\n')[0] ?? '{}') as Record<string, unknown>;
  for (const k of [
    'ip',
    'ptr',
    'ptrConfirmed',
    'organisation',
    'messages',
    'dmarcPass',
    'spfAligned',
    'dkimAligned',
    'class',
    'reason',
  ])
    assert.ok(k in s0, k);
  const noDomain = await runCli(['reports', 'sources', '--db', db]);
  assert.equal(noDomain.code, 2);
  assert.match(noDomain.stderr, /needs --domain/);
  const badDate = await runCli(['reports', 'summary', '--db', db, '--since', '2026-02-30']);
  assert.equal(badDate.code, 2);
  // standard input
  const stdin = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'src/cli/main.ts'), 'reports', 'parse', '-', '--json'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(gzipSync(readFileSync(GOOGLE)));
  });
  assert.equal(stdin.code, 0);
  assert.equal(JSON.parse(stdin.out).source.file, '-');
});

test('an mbox with an Exim plain-text failure report and an inline message/rfc822 ARF', async () => {
  const exim = [
    'From: mailer-daemon@receiver.example',
    'Subject: DMARC Forensic Report for example.net from IP 198.51.100.9',
    '',
    'A message claiming to be from you has failed the published DMARC',
    'policy for your domain.',
    '',
    '  Sender Domain: example.net',
    '  Sender IP Address: 198.51.100.9',
    '  Received Date: Tue, 01 Dec 2026 10:00:00 +0000',
    '  SPF Alignment: no',
    '  DKIM Alignment: no',
    '  DMARC Results: Reject',
    '',
  ].join('\n');
  const file = join(dir, 'failures.mbox');
  writeFileSync(
    file,
    mbox([
      exim,
      failureMail({
        domain: 'example.org',
        ip: '203.0.113.4',
        messageId: 'f1@r',
        arrival: 'Tue, 01 Dec 2026 10:00:00 +0000',
        inline: true,
      }),
    ]),
  );
  const r = await runCli(['reports', 'parse', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [a, b] = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(a.kind, 'dmarc-failure');
  assert.equal(a.reportedDomain, 'example.net');
  assert.equal(a.problems[0].code, 'plain-text-report');
  assert.equal(b.original.subject, 'invoice f1@r');
});
