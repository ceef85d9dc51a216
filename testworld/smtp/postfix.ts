/**
 * A real MTA for the testworld: Debian's Postfix with its own configuration directory, queue
 * and log in an own directory under /tmp, listening only on one 127.S.x.y:25 with STARTTLS.
 * It never resolves anything (no peer-name lookups) and accepts no mail (relay restrictions
 * reject everything). Started with `postfix -c DIR start`, stopped with `postfix -c DIR stop`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { toolPath } from '../tools.ts';

export interface PostfixOptions {
  readonly address: string;
  readonly hostname: string;
  readonly keyFile: string;
  readonly chainFile: string;
  /** startup timeout (ms), default 10000 */
  readonly timeoutMs?: number;
}

export interface PostfixInstance {
  readonly dir: string;
  readonly address: string;
  stop(): Promise<void>;
}

/** Debian's postfix lives in /usr/sbin (found there even when PATH lacks it) */
const POSTFIX = toolPath('postfix');

const MASTER_CF = `# service type private unpriv chroot wakeup maxproc command
ADDRESS:25 inet n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
postlog   unix-dgram n  -       n       -       1       postlogd
`;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(POSTFIX, args, (err, stdout, stderr) => {
      if (err) reject(new Error(`postfix ${args.join(' ')}: ${(stderr || stdout || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

function listening(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port: 25 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startPostfix(o: PostfixOptions): Promise<PostfixInstance> {
  if (!existsSync(POSTFIX))
    throw new Error('postfix is not installed (scripts/install-debian-deps.sh installs it)');
  // Postfix's daemons run as the postfix user: their directory must be reachable by it, so it
  // lives in its own world-readable directory rather than in the testworld's private one.
  const dir = mkdtempSync('/tmp/mailsec-postfix-');
  chmodSync(dir, 0o755);
  await mkdir(join(dir, 'queue'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  const pw = /^postfix:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
  if (pw) chownSync(join(dir, 'data'), Number(pw[1]), Number(pw[2]));
  const log = join(dir, 'maillog');
  const mainCf = [
    'compatibility_level = 3.6',
    `queue_directory = ${join(dir, 'queue')}`,
    `data_directory = ${join(dir, 'data')}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    // Postfix only accepts addresses configured on an interface (127.0.0.1 here), so it listens
    // on loopback and the smtpd service in master.cf binds the testworld address itself
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    `myhostname = ${o.hostname}`,
    'mydestination =',
    'relay_domains =',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = reject',
    'smtpd_recipient_restrictions = reject',
    'smtpd_peername_lookup = no',
    'disable_dns_lookups = yes',
    'smtp_dns_support_level = disabled',
    'smtpd_tls_security_level = may',
    `smtpd_tls_chain_files = ${o.keyFile}, ${o.chainFile}`,
    'smtpd_tls_loglevel = 0',
    `maillog_file_prefixes = ${dir}`,
    `maillog_file = ${log}`,
    'alias_maps =',
    'alias_database =',
    'biff = no',
    '',
  ].join('\n');
  await writeFile(join(dir, 'main.cf'), mainCf);
  await writeFile(join(dir, 'master.cf'), MASTER_CF.replace('ADDRESS', o.address));
  const logTail = async () =>
    (await readFile(log, 'utf8').catch(() => '(no log)')).split('\n').slice(-10).join('\n');
  try {
    await run(['-c', dir, 'start']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\n${await logTail()}`);
  }
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  while (!(await listening(o.address))) {
    if (Date.now() > deadline) {
      const tail = await logTail();
      await run(['-c', dir, 'abort']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postfix did not listen on ${o.address}:25: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    address: o.address,
    async stop() {
      await run(['-c', dir, 'stop']).catch(() => run(['-c', dir, 'abort']).catch(() => undefined));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
