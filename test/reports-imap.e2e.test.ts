/**
 * `mailsec reports import imaps://…` against a real Dovecot (Debian dovecot-imapd) that this test
 * starts on 127.42.0.0/16 with a test-CA certificate and fills with generated report mails; the
 * IMAP host name is resolved through a mini-dns given as --resolver. A second Dovecot without
 * TLS sits behind a recording proxy to prove that `imap://` sends no credential when STARTTLS is
 * missing. Everything is stopped after, also when a test fails.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openReportStore } from '../src/store/report-store.ts';
import { createTestCa } from '../testworld/ca.ts';
import { type Dovecot, startDovecot } from '../testworld/imap/dovecot.ts';
import { type MiniDns, startMiniDns } from '../testworld/mini-dns.ts';
import { plainMail, variedReportMail } from '../testworld/reports.ts';
import { runCli } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PASSWORD = 'correct horse battery staple';

let dir = '';
let dovecot: Dovecot | undefined;
let plain: Dovecot | undefined;
let dns: MiniDns | undefined;
let proxy: Server | undefined;
/** bytes the recording proxy saw from clients */
let proxied = '';
let proxyConnections = 0;
let caFile = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-imap-'));
  const ca = await createTestCa(join(dir, 'ca'));
  caFile = ca.rootFile;
  const leaf = await ca.issue('imap.test', { sans: ['imap.test'] });
  dns = await startMiniDns({
    address: '127.42.0.53',
    zone: { 'imap.test': { A: ['127.42.0.1'] }, 'plain.test': { A: ['127.42.0.3'] } },
  });
  const users = { dmarc: PASSWORD, mover: PASSWORD, watcher: PASSWORD, uidv: PASSWORD };
  dovecot = await startDovecot({
    dir: join(dir, 'dovecot'),
    address: '127.42.0.1',
    cert: leaf.chainFile,
    key: leaf.keyFile,
    users,
  });
  plain = await startDovecot({ dir: join(dir, 'plain'), address: '127.42.0.2', ssl: false, users });
  proxy = createServer((c) => {
    proxyConnections++;
    const up = netConnect({ host: '127.42.0.2', port: 143 });
    c.on('data', (d) => {
      proxied += d.toString('latin1');
    });
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => proxy?.listen(143, '127.42.0.3', r));
});

after(async () => {
  await dovecot?.stop().catch(() => undefined);
  await plain?.stop().catch(() => undefined);
  await dns?.stop().catch(() => undefined);
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ MAILSEC_IMAP_PASSWORD: PASSWORD });
const net = () => ['--resolver', dns?.spec ?? '', '--allow-private', '127.42.0.0/16', '--ca-file', caFile];

/** the body_count of each logout of a user, in order (Dovecot's imap_logout_format) */
const bodyCounts = (user: string) =>
  [
    ...(dovecot?.log() ?? '').matchAll(new RegExp(`imap\\(${user}\\).*Logged out .*body_count=(\\d+)`, 'g')),
  ].map((m) => Number(m[1]));

async function stored(db: string) {
  const s = await openReportStore(db, { readOnly: true, lockWaitMs: 20_000 });
  try {
    return await s.counts();
  } finally {
    s.close();
  }
}

test('a folder of 200 report mails (aggregate, failure, TLS-RPT; gz, zip, long base64 lines) imports completely; a second run fetches no message', async () => {
  const d = dovecot as Dovecot;
  for (let n = 0; n < 200; n++) d.deliver('dmarc', 'INBOX', variedReportMail(n));
  d.deliver('dmarc', 'INBOX', plainMail('not-a-report@example.net'));
  const db = join(dir, 'inbox.duckdb');
  const first = await runCli(
    ['reports', 'import', 'imaps://dmarc@imap.test/INBOX', '--db', db, '--json', ...net()],
    env(),
    120_000,
  );
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), {
    db,
    messages: 201,
    reports: 200,
    new: 200,
    duplicates: 0,
    unreadable: 1,
  });
  assert.match(first.stderr, /no attachment and no report/);
  assert.doesNotMatch(first.stderr + first.stdout, new RegExp(PASSWORD));
  const kinds = Array.from({ length: 200 }, (_, n) => n % 6);
  const c = await stored(db);
  assert.equal(c.aggregate, kinds.filter((k) => [0, 1, 2, 5].includes(k)).length);
  assert.equal(c.tls, kinds.filter((k) => k === 3).length);
  assert.equal(c.failure, kinds.filter((k) => k === 4).length);
  // the non-report message is left alone
  assert.equal(d.messages('dmarc', 'INBOX').length, 201);
  // again, over imap:// with STARTTLS this time: nothing new, no message body fetched
  const second = await runCli(
    ['reports', 'import', 'imap://dmarc@imap.test/INBOX', '--db', db, '--json', ...net()],
    env(),
    60_000,
  );
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout), {
    db,
    messages: 0,
    reports: 0,
    new: 0,
    duplicates: 0,
    unreadable: 0,
  });
  await new Promise((r) => setTimeout(r, 300)); // the logout line
  const counts = bodyCounts('dmarc');
  assert.ok(counts.length >= 2, d.log().slice(-2000));
  assert.equal(counts[counts.length - 1], 0);
});

test('--move-to moves exactly the imported messages, --mark-seen flags them; the rest stays', async () => {
  const d = dovecot as Dovecot;
  for (let n = 0; n < 6; n++) d.deliver('mover', 'INBOX', variedReportMail(1000 + n));
  d.deliver('mover', 'INBOX', plainMail('plain-1@example.net'));
  const db = join(dir, 'move.duckdb');
  const r = await runCli(
    [
      'reports',
      'import',
      'imaps://mover@imap.test/INBOX',
      '--db',
      db,
      '--json',
      '--move-to',
      'Archive',
      '--mark-seen',
      ...net(),
    ],
    env(),
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).new, 6, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr); // the plain mail's line only
  assert.equal(d.messages('mover', 'INBOX').length, 1);
  const archived = d.messages('mover', 'Archive');
  assert.equal(archived.length, 6);
  assert.ok(
    archived.every((f) => /:2,[A-Z]*S/.test(f)),
    archived.join(' '),
  );
});

test('imap:// to a server without STARTTLS fails (exit 3) before any credential is sent', async () => {
  proxied = '';
  proxyConnections = 0;
  const r = await runCli(
    ['reports', 'import', 'imap://dmarc@plain.test/INBOX', '--db', join(dir, 'plain.duckdb'), ...net()],
    env(),
    60_000,
  );
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /plain\.test:143 does not offer STARTTLS; mailsec sent no credential/);
  assert.equal(proxyConnections, 1, 'the client reached the server');
  assert.doesNotMatch(proxied, /LOGIN|AUTHENTICATE/i);
  assert.ok(
    !proxied.includes(PASSWORD) && !proxied.includes(Buffer.from(`\0dmarc\0${PASSWORD}`).toString('base64')),
  );
});

test('IMAP usage: no password, a password in the URL, a certificate not trusted', async () => {
  const noPw = await runCli(
    ['reports', 'import', 'imaps://dmarc@imap.test/INBOX', '--db', join(dir, 'x.duckdb'), ...net()],
    {},
  );
  assert.equal(noPw.code, 2);
  assert.match(noPw.stderr, /no IMAP password/);
  const inUrl = await runCli(
    ['reports', 'import', `imaps://dmarc:${encodeURIComponent(PASSWORD)}@imap.test/INBOX`, ...net()],
    {},
  );
  assert.equal(inUrl.code, 2);
  assert.doesNotMatch(inUrl.stderr, /horse/);
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${PASSWORD}\n`);
  const untrusted = await runCli(
    [
      'reports',
      'import',
      'imaps://dmarc@imap.test/INBOX',
      '--db',
      join(dir, 'x.duckdb'),
      '--password-file',
      pwFile,
      '--resolver',
      dns?.spec ?? '',
      '--allow-private',
      '127.42.0.0/16',
    ],
    {},
    60_000,
  );
  assert.equal(untrusted.code, 3, untrusted.stderr);
  assert.match(untrusted.stderr, /certificate is not trusted/);
  const special = await runCli(
    [
      'reports',
      'import',
      'imaps://dmarc@imap.test/INBOX',
      '--password-file',
      pwFile,
      '--resolver',
      dns?.spec ?? '',
    ],
    {},
  );
  assert.equal(special.code, 2);
  assert.match(special.stderr, /special-purpose address/);
});

test('--watch: new mail is imported within seconds, also after Dovecot restarts; reports summary reads beside it', async () => {
  const d = dovecot as Dovecot;
  const db = join(dir, 'watch.duckdb');
  d.deliver('watcher', 'INBOX', variedReportMail(2000));
  d.deliver('watcher', 'INBOX', variedReportMail(2001));
  let out = '';
  let err = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [MAIN, 'reports', 'import', 'imaps://watcher@imap.test/INBOX', '--db', db, '--watch', ...net()],
    { env: { ...process.env, ...env(), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (x) => {
    out += x;
  });
  child.stderr?.on('data', (x) => {
    err += x;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const reportsIn = async (n: number, ms: number) => {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        const c = await stored(db);
        if (c.aggregate + c.tls + c.failure >= n) return Date.now();
      } catch {
        // not created yet
      }
      if (Date.now() > deadline)
        assert.fail(`fewer than ${n} reports after ${ms} ms; stdout: ${out} stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    await reportsIn(2, 30_000);
    d.deliver('watcher', 'INBOX', variedReportMail(2002));
    const t0 = Date.now();
    await reportsIn(3, 10_000);
    assert.ok(Date.now() - t0 < 10_000);
    // a reader beside the writer
    const summary = await runCli(['reports', 'summary', '--db', db, '--json']);
    assert.equal(summary.code, 0, summary.stderr);
    assert.ok(summary.stdout.trim().length > 0);
    await d.restart();
    d.deliver('watcher', 'INBOX', variedReportMail(2003));
    const t1 = Date.now();
    await reportsIn(4, 10_000);
    assert.ok(Date.now() - t1 <= 10_000);
  } finally {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    if (code === null) child.kill('SIGKILL');
  }
  assert.match(err, /connection closed; reconnecting/);
  assert.match(out, /reports? found/);
  assert.doesNotMatch(out + err, new RegExp(PASSWORD));
});

test('UIDVALIDITY changed (the folder was rebuilt): messages read before are skipped by Message-ID, new ones read', async () => {
  const d = dovecot as Dovecot;
  for (let n = 0; n < 3; n++) d.deliver('uidv', 'Reports', variedReportMail(3000 + n));
  const db = join(dir, 'uidv.duckdb');
  const url = 'imaps://uidv@imap.test/Reports';
  const first = await runCli(['reports', 'import', url, '--db', db, '--json', ...net()], env(), 60_000);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).new, 3);
  // Dovecot gives the folder a new UIDVALIDITY when its uidlist and index are gone
  const folder = join(dir, 'dovecot', 'mail', 'uidv', '.Reports');
  for (const f of readdirSync(folder)) if (f.startsWith('dovecot')) rmSync(join(folder, f), { force: true });
  d.deliver('uidv', 'Reports', variedReportMail(3003));
  const second = await runCli(['reports', 'import', url, '--db', db, '--json', ...net()], env(), 60_000);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /UIDVALIDITY changed/);
  assert.deepEqual(JSON.parse(second.stdout), {
    db,
    messages: 1,
    reports: 1,
    new: 1,
    duplicates: 0,
    unreadable: 0,
  });
});
