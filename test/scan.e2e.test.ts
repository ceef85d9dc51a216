/**
 * End to end: `mailsec scan` over every testworld domain (with its SMTP hosts, --no-http) into a
 * temporary DuckDB file, killed with SIGKILL midway, resumed with the same --scan: every domain
 * stored exactly once; then `mailsec report --json` against what the testworld domains are.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { documentStatusViolations } from '../src/checks/consistency.ts';
import { openScanSource } from '../src/scan/store.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { LOOPBACK_V4, runCli } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

let tw: Testworld;
let smtp: SmtpHosts;
let dir: string;

before(async () => {
  tw = await startTestworld();
  // ::1:25 is left to test/smtp.e2e.test.ts (the testworld's one IPv6 host), so its IPv6 test always runs
  smtp = await startSmtpHosts(tw, { postfix: false, ipv6: false });
  dir = mkdtempSync(join(tmpdir(), 'mailsec-scan-'));
});
after(async () => {
  await smtp?.stop();
  await tw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('scan: SIGKILL midway, resume with the same --scan: every domain exactly once; report --json', async () => {
  assert.ok(tw.domains.length >= 20);
  const list = join(dir, 'domains.txt');
  writeFileSync(list, `# testworld\n${tw.domains.join('\n')}\nnot..valid\n`);
  const db = join(dir, 'scan.duckdb');
  const args = [
    'scan',
    list,
    '--db',
    db,
    '--scan',
    'tw',
    '--no-http',
    '--allow-private',
    LOOPBACK_V4,
    '--resolver',
    tw.resolver,
    '--smtp-timeout',
    '2000',
  ];
  const env = { ...process.env, NO_COLOR: '1', NODE_EXTRA_CA_CERTS: smtp.caFile };

  // 1. a slow first run (2 in flight, one result per transaction), killed once results are on disk
  const child = spawn(process.execPath, [MAIN, ...args, '--concurrency', '2', '--batch', '1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const started = Date.now();
  // a part is written under a temporary name, renamed, then registered; the run writes its parts one
  // after the other, each registered before the next is begun, so a second domain part on disk means
  // the first is registered (a time to wait after the first would be a guess on a loaded machine)
  const parts = `${db}.parts`;
  const domainParts = () =>
    existsSync(parts)
      ? readdirSync(parts, { recursive: true })
          .map(String)
          .filter(
            (f) => f.endsWith('.parquet') && !f.endsWith('.tmp.parquet') && !f.endsWith('.certs.parquet'),
          ).length
      : 0;
  while (!exited && Date.now() - started < 60_000) {
    if (domainParts() >= 2) break;
    await sleep(50);
  }
  assert.equal(exited, false, 'the first run finished before it could be killed');
  child.kill('SIGKILL');
  await new Promise((r) => (exited ? r(null) : child.once('exit', r)));

  // 2. resume
  const r2 = await runCli(
    [...args, '--concurrency', '16', '--json'],
    { NODE_EXTRA_CA_CERTS: smtp.caFile },
    120_000,
  );
  assert.equal(r2.code, 0, r2.stderr);
  const summary = JSON.parse(r2.stdout) as {
    alreadyStored: number;
    scanned: number;
    stored: number;
    invalid: number;
  };
  assert.ok(summary.alreadyStored > 0, `nothing stored before the kill: ${r2.stderr}`);
  assert.ok(summary.alreadyStored < tw.domains.length, 'the kill came after the end');
  assert.equal(summary.alreadyStored + summary.scanned, tw.domains.length);
  assert.equal(summary.stored, tw.domains.length);
  assert.equal(summary.invalid, 1);

  // 3. a third run has nothing left to do
  const r3 = await runCli([...args, '--json'], { NODE_EXTRA_CA_CERTS: smtp.caFile }, 60_000);
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(JSON.parse(r3.stdout).scanned, 0);

  // 3b. --retry-errors scans again the domains with an undetermined section, replacing them
  const r4 = await runCli(
    [...args, '--json', '--retry-errors'],
    { NODE_EXTRA_CA_CERTS: smtp.caFile },
    60_000,
  );
  assert.equal(r4.code, 0, r4.stderr);
  const s4 = JSON.parse(r4.stdout) as { scanned: number; stored: number };
  assert.ok(s4.scanned > 0 && s4.scanned < tw.domains.length, r4.stdout); // servfail.test and the like
  assert.equal(s4.stored, tw.domains.length);

  // every domain exactly once
  const store = await openScanSource(db);
  const docs: Record<string, unknown>[] = [];
  try {
    for await (const d of store.documents('tw')) docs.push(d);
  } finally {
    await store.close();
  }
  assert.deepEqual(docs.map((d) => d.domain).sort(), [...tw.domains].sort());
  // every testworld domain's document: no section better than its worst finding allows
  assert.deepEqual(
    docs.flatMap((d) => documentStatusViolations(d as never).map((v) => `${String(d.domain)}: ${v}`)),
    [],
  );

  // 4. the report
  const rep = await runCli(['report', '--db', db, '--scan', 'tw', '--json']);
  assert.equal(rep.code, 0, rep.stderr);
  const report = JSON.parse(rep.stdout) as {
    scan: string;
    domains: number;
    stats: Record<string, { count: number; denominator: number; percent: number | null }>;
    providers: { name: string }[];
  };
  assert.equal(report.scan, 'tw');
  assert.equal(report.domains, tw.domains.length);
  const by = (pred: (d: Record<string, Record<string, unknown>>) => boolean) =>
    docs.filter((d) => pred(d as Record<string, Record<string, unknown>>)).map((d) => d.domain as string);
  const withMx = by((d) => Array.isArray(d.mx?.records) && (d.mx.records as unknown[]).length > 0);
  const stat = (k: string) =>
    report.stats[k] as { count: number; denominator: number; percent: number | null };

  // Null MX: nullmx.test and nullmx-mixed.test, over domains with MX
  assert.deepEqual(by((d) => d.mx?.nullMx === true).sort(), ['nullmx-mixed.test', 'nullmx.test']);
  assert.deepEqual([stat('mx.nullMx').count, stat('mx.nullMx').denominator], [2, withMx.length]);
  assert.ok(withMx.includes('nullmx.test') && withMx.includes('mx-kinds.test'));
  assert.ok(stat('mx.localhost').count >= 1); // mx-kinds.test: localhost targets
  // DNSSEC: secure.test is signed, insecure.test and bogus.test are not; servfail.test is undetermined
  const signed = by((d) => d.dnssec?.validation === 'secure');
  assert.ok(
    signed.includes('secure.test') && !signed.includes('insecure.test') && !signed.includes('bogus.test'),
  );
  assert.deepEqual(
    [stat('dnssec.signed').count, stat('dnssec.signed').denominator],
    [signed.length, tw.domains.length],
  );
  assert.ok(stat('dnssec.signed.error').count >= 1);
  // SPF present over domains with MX: full.test (v=spf1 mx -all) is one
  const spf = by(
    (d) =>
      withMx.includes(d.domain as unknown as string) &&
      Array.isArray(d.spf?.records) &&
      (d.spf.records as unknown[]).length > 0,
  );
  assert.ok(spf.includes('full.test'));
  assert.deepEqual([stat('spf.present').count, stat('spf.present').denominator], [spf.length, withMx.length]);
  assert.ok(stat('spf.hardfail').count >= 1);
  // STARTTLS probed against the testworld SMTP hosts: smtp-good.test supports it on all hosts
  const all = by((d) => d.smtp?.starttlsSupport === 'all');
  assert.ok(all.includes('smtp-good.test'));
  assert.equal(stat('starttls.all').count, all.length);
  // --no-http: security.txt skipped, never absent
  assert.equal(stat('securityTxt.present').count, 0);
  assert.equal(stat('securityTxt.present.skipped').count, tw.domains.length);
  assert.ok(report.providers.length > 0);

  // 5. the stored document of one domain, and `check --selector-list short` gives the scan's DKIM result
  const one = await runCli(['report', '--db', db, '--scan', 'tw', '--domain', 'full.test', '--json']);
  assert.equal(one.code, 0, one.stderr);
  const stored = JSON.parse(one.stdout) as Record<string, Record<string, unknown>>;
  assert.equal(stored.domain as unknown, 'full.test');
  assert.equal(stored.dkim?.selectorList, 'short');
  const check = await runCli([
    'check',
    'full.test',
    '--json',
    '--only',
    'dkim',
    '--selector-list',
    'short',
    '--resolver',
    tw.resolver,
  ]);
  const live = JSON.parse(check.stdout) as Record<string, Record<string, unknown>>;
  const strip = (s: Record<string, unknown> | undefined) => ({ ...s, queryCount: undefined });
  assert.deepEqual(strip(live.dkim), strip(stored.dkim));
  assert.ok(((stored.dkim?.selectors ?? []) as unknown[]).length > 0);
  const missing = await runCli(['report', '--db', db, '--scan', 'tw', '--domain', 'nowhere.test']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nowhere\.test is not stored in scan "tw"/);
});

test('scan: the first SIGINT finishes the domains in flight, stores them and exits resumable', async () => {
  const list = join(dir, 'sigint.txt');
  writeFileSync(list, `${tw.domains.join('\n')}\n`);
  const db = join(dir, 'sigint.duckdb');
  const args = [
    'scan',
    list,
    '--db',
    db,
    '--scan',
    'int',
    '--no-http',
    '--no-smtp',
    '--resolver',
    tw.resolver,
  ];
  const child = spawn(process.execPath, [MAIN, ...args, '--concurrency', '2', '--batch', '1', '--json'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const parts = `${db}.parts`;
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    if (
      existsSync(parts) &&
      readdirSync(parts, { recursive: true }).some((f) => String(f).endsWith('.parquet'))
    )
      break;
    await sleep(50);
  }
  child.kill('SIGINT');
  assert.equal(await code, 3, stderr);
  assert.match(stderr, /finishing the domains in flight/);
  assert.match(stderr, /interrupted \(re-run to resume\)/);
  const first = JSON.parse(stdout) as { stored: number; aborted: boolean; scanned: number };
  assert.equal(first.aborted, true);
  assert.ok(first.stored >= 1 && first.stored < tw.domains.length, stdout);
  assert.equal(first.scanned, first.stored, 'every domain finished after the signal was stored');
  const again = await runCli([...args, '--json'], {}, 120_000);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout) as { stored: number; alreadyStored: number };
  assert.equal(second.alreadyStored, first.stored);
  assert.equal(second.stored, tw.domains.length);
});

test('scan: a gzipped zone file on stdin (delegations only, gzip recognised by its magic), report as CSV and Markdown', async () => {
  const zone = [
    '$ORIGIN test.',
    '$TTL 3600',
    '@ IN SOA ns1.nic.test. hostmaster.nic.test. ( 1 7200 3600 1209600 300 )',
    '  IN NS ns1.nic.test.',
    'secure IN NS ns1.nic.test.',
    'nullmx 3600 IN NS ( ns1.nic.test. ) ; comment',
    'Secure.test. IN NS ns2.nic.test.',
    'bad..name IN NS ns1.nic.test.',
    'ns1.nic IN A 127.0.0.1',
  ].join('\n');
  const db = join(dir, 'zone.duckdb');
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'scan',
      '-',
      '--db',
      db,
      '--only',
      'dnssec,mx',
      '--json',
      '--resolver',
      tw.resolver,
      '--allow-private',
      LOOPBACK_V4,
      '--query-log',
      join(dir, 'zone-queries.log'),
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const { gzipSync } = await import('node:zlib');
  child.stdin.end(gzipSync(zone));
  const code = await new Promise((r) => child.once('close', r));
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout) as {
    scan: string;
    domains: number;
    invalid: number;
    stored: number;
    queries: number;
  };
  assert.deepEqual([summary.scan, summary.domains, summary.invalid, summary.stored], ['stdin', 2, 1, 2]);
  // --query-log: one line per query sent (name, type, CD bit), all of them there when the scan ends
  const logged = readFileSync(join(dir, 'zone-queries.log'), 'utf8').split('\n');
  assert.equal(logged.pop(), '');
  assert.ok(summary.queries > 0);
  assert.equal(logged.length, summary.queries);
  for (const l of logged) assert.match(l, /^[a-z0-9_.-]* [A-Z0-9]+ [01]$/);
  assert.ok(logged.includes('secure.test MX 0'), logged.join('\n'));
  const csv = await runCli(['report', '--db', db, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, /^scan,group,key,count,denominator,percent\n/);
  assert.match(csv.stdout, /\nstdin,stats,dnssec\.signed,2,2,100\n/);
  assert.match(csv.stdout, /\nstdin,stats,mx\.nullMx,1,\d+,/);
  const md = await runCli(['report', '--db', db, '--scan', 'stdin', '--format', 'md']);
  assert.match(md.stdout, /\| mx\.present \| 2 \| 2 \| 100\.00% \|/);
  const list = await runCli(['report', '--db', db, '--list']);
  assert.match(list.stdout, /^stdin\t.*\t2\/2\t-\n$/);
  const missing = await runCli(['report', '--db', join(dir, 'none.duckdb')]);
  assert.equal(missing.code, 2);
});
