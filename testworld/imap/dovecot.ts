/**
 * A real Dovecot IMAP server (Debian `dovecot-imapd`) for tests: its own configuration, state
 * and Maildirs in a directory, listening on one loopback address, with a test-CA certificate.
 * Users and passwords from a passwd-file; mail written straight into the Maildirs (`deliver`)
 * or appended over IMAP by the test. The logout line of every session says how many message
 * bodies it fetched (`body_count`), so a test can prove that a run fetched none.
 *
 *   const d = await startDovecot({ dir, address: '127.42.0.1', cert, key, users: { dmarc: 'pw' } });
 *   d.deliver('dmarc', 'INBOX', mailBytes);
 *   await d.restart();   // same mail, same UIDVALIDITY
 *   await d.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { chown, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

export interface DovecotOptions {
  readonly dir: string;
  readonly address: string;
  /** IMAP with STARTTLS (when `ssl`), default 143 */
  readonly imapPort?: number;
  /** IMAPS, default 993 (only when `ssl`) */
  readonly imapsPort?: number;
  /** false: no TLS at all (no STARTTLS offered), plaintext logins allowed */
  readonly ssl?: boolean;
  /** PEM files: the leaf and chain, and its key */
  readonly cert?: string;
  readonly key?: string;
  readonly users: Readonly<Record<string, string>>;
}

export interface Dovecot {
  readonly address: string;
  readonly imapPort: number;
  readonly imapsPort: number;
  readonly logFile: string;
  /** writes one message into a user's folder (created when missing), as a delivery would */
  deliver(user: string, folder: string, message: Uint8Array | string): void;
  /** file names of the messages in a user's folder (cur/ and new/) */
  messages(user: string, folder: string): string[];
  /** the log so far */
  log(): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DOVECOT = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find((p) => existsSync(p)) ?? 'dovecot';
/** the mail files' owner: Dovecot does not serve mail as root */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

function waitPort(address: string, port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`dovecot did not listen on ${address}:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

let seq = 0;

export async function startDovecot(o: DovecotOptions): Promise<Dovecot> {
  const ssl = o.ssl !== false;
  const imapPort = o.imapPort ?? 143;
  const imapsPort = o.imapsPort ?? 993;
  const dir = o.dir;
  for (const d of ['run', 'state', 'mail']) mkdirSync(join(dir, d), { recursive: true });
  // Dovecot's auth process (user dovecot) reads the passwd-file: the directories must be searchable
  for (const d of [dirname(dir), dir]) chmodSync(d, 0o755);
  await chown(join(dir, 'mail'), MAIL_UID, MAIL_GID);
  const logFile = join(dir, 'dovecot.log');
  writeFileSync(
    join(dir, 'passwd'),
    Object.entries(o.users)
      .map(([u, p]) => `${u}:{PLAIN}${p}::::::\n`)
      .join(''),
  );
  const dh = '/usr/share/dovecot/dh.pem';
  const conf = [
    `base_dir = ${join(dir, 'run')}`,
    `state_dir = ${join(dir, 'state')}`,
    `log_path = ${logFile}`,
    `info_log_path = ${logFile}`,
    'protocols = imap',
    `listen = ${o.address}`,
    `instance_name = mailsec-test-${process.pid}-${++seq}`,
    `ssl = ${ssl ? 'required' : 'no'}`,
    ...(ssl ? [`ssl_cert = <${o.cert}`, `ssl_key = <${o.key}`, 'ssl_min_protocol = TLSv1.2'] : []),
    ...(ssl && existsSync(dh) ? [`ssl_dh = <${dh}`] : []),
    `disable_plaintext_auth = ${ssl ? 'yes' : 'no'}`,
    'auth_mechanisms = plain login',
    `mail_location = maildir:${join(dir, 'mail')}/%u`,
    `first_valid_uid = ${MAIL_UID}`,
    `last_valid_uid = ${MAIL_UID}`,
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${join(dir, 'passwd')}\n}`,
    `userdb {\n  driver = static\n  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${join(dir, 'mail')}/%u\n}`,
    `service imap-login {\n  inet_listener imap {\n    port = ${imapPort}\n  }\n  inet_listener imaps {\n    port = ${ssl ? imapsPort : 0}\n    ssl = yes\n  }\n}`,
    'imap_logout_format = in=%i out=%o body_count=%{fetch_body_count} body_bytes=%{fetch_body_bytes}',
    'protocol imap {\n  mail_max_userip_connections = 100\n  imap_idle_notify_interval = 1 secs\n}',
    'mailbox_list_index = no',
    // a test waits seconds, not half a minute, for IDLE to see mail written into the Maildir
    'mailbox_idle_check_interval = 1 secs',
    'log_timestamp = "%Y-%m-%d %H:%M:%S "',
    '',
  ].join('\n');
  const confFile = join(dir, 'dovecot.conf');
  writeFileSync(confFile, conf);
  let child: ChildProcess | undefined;
  const start = async () => {
    const busy = await waitPort(o.address, imapPort, 0).then(
      () => true,
      () => false,
    );
    if (busy) throw new Error(`${o.address}:${imapPort} is in use already (a Dovecot left running?)`);
    // its own process group: stopping it ends every Dovecot process (imap sessions too), as a server restart does
    const p = spawn(DOVECOT, ['-F', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    p.stderr?.on('data', (d) => {
      stderr += d;
    });
    child = p;
    const exited = new Promise<never>((_, reject) =>
      p.once('exit', (code) =>
        reject(
          new Error(
            `dovecot exited (${code}): ${stderr}${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : ''}`,
          ),
        ),
      ),
    );
    await Promise.race([waitPort(o.address, imapPort, 10_000), exited]);
    exited.catch(() => undefined);
  };
  const stopChild = async () => {
    const p = child;
    child = undefined;
    if (!p || p.exitCode !== null) return;
    const group = (sig: NodeJS.Signals) => {
      try {
        if (p.pid) process.kill(-p.pid, sig);
      } catch {
        p.kill(sig);
      }
    };
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => group('SIGKILL'), 5000);
      p.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      group('SIGTERM');
    });
    // sessions that outlive the master are ended too
    group('SIGKILL');
  };
  await start();
  const folderDir = (user: string, folder: string) =>
    join(dir, 'mail', user, folder.toUpperCase() === 'INBOX' ? '' : `.${folder.replace(/\//g, '.')}`);
  let n = 0;
  return {
    address: o.address,
    imapPort,
    imapsPort,
    logFile,
    deliver(user, folder, message) {
      const base = folderDir(user, folder);
      for (const d of ['', 'cur', 'new', 'tmp']) {
        const p = join(base, d);
        if (!existsSync(p)) {
          mkdirSync(p, { recursive: true });
        }
      }
      const name = `${Date.now()}.M${++n}P${process.pid}.mailsec-test`;
      writeFileSync(join(base, 'tmp', name), message);
      // rename into new/ like a delivery agent (atomically)
      renameSync(join(base, 'tmp', name), join(base, 'new', name));
      for (const p of [
        join(dir, 'mail', user),
        base,
        join(base, 'cur'),
        join(base, 'new'),
        join(base, 'tmp'),
        join(base, 'new', name),
      ]) {
        try {
          chownSync(p, MAIL_UID, MAIL_GID);
        } catch {
          // best effort
        }
      }
    },
    messages(user, folder) {
      const base = folderDir(user, folder);
      return ['cur', 'new'].flatMap((d) => (existsSync(join(base, d)) ? readdirSync(join(base, d)) : []));
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async restart() {
      await stopChild();
      await start();
    },
    async stop() {
      await stopChild();
      await rm(join(dir, 'run'), { recursive: true, force: true });
    },
  };
}
