/**
 * `mailsec serve --imap imaps://…` (issue 15 item 4): the server runs the IMAP watcher of
 * `reports import --watch` in its own process against a real Dovecot on 127.44.0.0/16 (test-CA
 * certificate, the IMAP name resolved through a mini-dns given as --resolver), and is then the
 * writer: a report mail delivered while it serves appears on its pages, and the pages keep
 * answering while the watcher writes. The IMAP host is reached under --allow-private; live checks
 * keep their own policy (none).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestCa } from '../testworld/ca.ts';
import { type Dovecot, startDovecot } from '../testworld/imap/dovecot.ts';
import { type MiniDns, startMiniDns } from '../testworld/mini-dns.ts';
import { variedReportMail } from '../testworld/reports.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PASSWORD = 'correct horse battery staple';

let dir = '';
let dovecot: Dovecot | undefined;
let dns: MiniDns | undefined;
let caFile = '';
let child: ChildProcess | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-serve-imap-'));
  const ca = await createTestCa(join(dir, 'ca'));
  caFile = ca.rootFile;
  const leaf = await ca.issue('imap.test', { sans: ['imap.test'] });
  dns = await startMiniDns({ address: '127.44.0.53', zone: { 'imap.test': { A: ['127.44.0.1'] } } });
  dovecot = await startDovecot({
    dir: join(dir, 'dovecot'),
    address: '127.44.0.1',
    cert: leaf.chainFile,
    key: leaf.keyFile,
    users: { dmarc: PASSWORD },
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    const closed = new Promise((r) => child?.once('close', r));
    child.kill('SIGKILL');
    await closed;
  }
  await dovecot?.stop().catch(() => undefined);
  await dns?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('serve --imap: the watcher imports into the served database; a mail delivered meanwhile shows up; pages keep answering', async () => {
  const d = dovecot as Dovecot;
  // aggregate reports (n % 6 of 0, 1, 2) for example.com, there before the server starts
  for (const n of [0, 1, 2]) d.deliver('dmarc', 'INBOX', variedReportMail(n));
  const db = join(dir, 'served.duckdb');
  child = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--db',
      db,
      '--listen',
      '127.0.0.1:0',
      '--imap',
      'imaps://dmarc@imap.test/INBOX',
      '--resolver',
      dns?.spec ?? '',
      '--allow-private',
      '127.44.0.0/16',
      '--ca-file',
      caFile,
      '--no-live',
    ],
    {
      env: { ...process.env, NO_COLOR: '1', MAILSEC_IMAP_PASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (x) => {
    out += x;
  });
  child.stderr?.on('data', (x) => {
    err += x;
  });
  const closed = new Promise<number | null>((r) => child?.once('close', r));
  for (let i = 0; i < 600 && !out.includes('\n'); i++) await sleep(100);
  assert.ok(out.includes('\n'), `the server did not start: ${err}`);
  const url = (JSON.parse(out.split('\n')[0] as string) as { url: string }).url.replace(/\/$/, '');
  assert.ok(!err.includes('password') || !err.includes(PASSWORD), 'the password is never echoed');

  const messages = async () => {
    const r = await fetch(`${url}/api/reports/summary?domain=example.com`);
    const body = await r.text();
    if (r.status === 404) return { reports: 0 };
    assert.equal(r.status, 200, body);
    return JSON.parse(body) as { reports: number };
  };
  let seen = 0;
  for (let i = 0; i < 300 && seen < 3; i++) {
    seen = (await messages()).reports;
    if (seen < 3) await sleep(200);
  }
  assert.equal(seen, 3, `the first pass imported the waiting mails: ${err}`);
  // a mail that arrives while the server serves (IDLE), read while pages are requested
  d.deliver('dmarc', 'INBOX', variedReportMail(6));
  let pages = 0;
  for (let i = 0; i < 300 && seen < 4; i++) {
    for (const p of ['/', '/reports', '/reports/example.com']) {
      const r = await fetch(url + p);
      assert.equal(r.status, 200, `${p}: ${r.status}`);
      await r.arrayBuffer();
      pages++;
    }
    seen = (await messages()).reports;
    if (seen < 4) await sleep(200);
  }
  assert.equal(seen, 4, `the watcher imported the new mail: ${err}`);
  assert.ok(pages >= 3);
  child.kill('SIGTERM');
  assert.equal(await closed, 0, err);
});

test('serve --imap with a password in the URL refuses to start (exit 2), before anything listens', async () => {
  const r = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--db',
      join(dir, 'x.duckdb'),
      '--listen',
      '127.0.0.1:0',
      '--imap',
      'imaps://dmarc:secret@imap.test/INBOX',
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  r.stdout?.on('data', (x) => {
    out += x;
  });
  r.stderr?.on('data', (x) => {
    err += x;
  });
  const code = await new Promise<number | null>((res) => r.once('close', res));
  assert.equal(code, 2, err);
  assert.equal(out, '', 'nothing listened');
  assert.ok(!err.includes('secret'), 'the password is not echoed');
});
