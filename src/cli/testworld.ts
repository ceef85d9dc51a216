import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { CommandDef } from './command.ts';
import { bool } from './command.ts';
import { EXIT } from './exit.ts';

/**
 * Where `testworld up` keeps its state: per user (XDG_RUNTIME_DIR, else ~/.cache), never a file
 * every user of the machine shares in /tmp.
 */
export function stateDir(env: NodeJS.ProcessEnv): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'mailsec');
  return join(env.HOME || homedir(), '.cache', 'mailsec');
}
export const stateFile = (env: NodeJS.ProcessEnv) => join(stateDir(env), 'testworld.json');
/** held while an `up` starts the world: a concurrent `up` waits for it instead of starting a second */
const lockFile = (env: NodeJS.ProcessEnv) => join(stateDir(env), 'testworld.lock');

/** the allow-private ranges the testworld needs */
const TESTWORLD_PRIVATE = '127.0.0.0/8,::1/128';

export interface UpState {
  resolver: string;
  nonValidatingResolver: string;
  silentResolver: string;
  domains: string[];
  pids: number[];
  servePid: number;
  caFile: string | null;
  vmcRootsFile?: string | null;
  smtpHosts: Record<string, string>;
}

/** the testworld folder, beside src/ in a checkout and beside dist/src in a build */
export function testworldScript(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../../testworld/${name}${ext}`, import.meta.url).pathname;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readUpState(env: NodeJS.ProcessEnv): UpState | null {
  const file = stateFile(env);
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as UpState;
    return alive(s.servePid) ? s : null;
  } catch {
    return null;
  }
}

export function settingsOf(s: UpState): string {
  return [
    `MAILSEC_RESOLVER=${s.resolver}`,
    ...(s.caFile ? [`NODE_EXTRA_CA_CERTS=${s.caFile}`] : []),
    `MAILSEC_ALLOW_PRIVATE=${TESTWORLD_PRIVATE}`,
    `--allow-private ${TESTWORLD_PRIVATE}`,
    ...(s.vmcRootsFile ? [`--vmc-roots ${s.vmcRootsFile}`] : []),
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the start lock; false when another live `up` holds it. A lock whose owner died is removed.
 * The lock appears whole (the pid written to a temporary file, then hard-linked into place: the
 * link fails if the lock exists) — an exclusive create followed by a write let a second `up` read
 * an empty lock between the two, take it for stale and start a second world.
 */
function takeLock(file: string): boolean {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(tmp, file);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let owner = 0;
        try {
          owner = Number(readFileSync(file, 'utf8').trim() || 0);
        } catch {
          continue; // removed meanwhile: try again
        }
        if (owner && alive(owner)) return false;
        rmSync(file, { force: true }); // stale: its `up` died
      }
    }
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const startFailed = (detail: string) =>
  new MailsecError(
    ErrorCode.TestworldFailed,
    `the testworld did not start${detail ? `:\n${detail.trim()}` : ''}`,
    'it needs root and the Debian packages nsd, unbound and ldnsutils (bash scripts/install-debian-deps.sh)',
  );

async function startWorld(io: Parameters<CommandDef['run']>[1]): Promise<void> {
  const file = stateFile(io.env);
  rmSync(file, { force: true });
  const child = spawn(process.execPath, [testworldScript('serve'), file], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  // serve.ts writes the state file atomically (rename) once everything answers
  while (!readUpState(io.env)) {
    const code = await Promise.race([exited, sleep(100).then(() => 'wait' as const)]);
    if (code !== 'wait' || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw startFailed(stderr);
    }
  }
  child.stderr?.destroy();
  child.unref();
}

async function up(json: boolean, io: Parameters<CommandDef['run']>[1]): Promise<number> {
  mkdirSync(stateDir(io.env), { recursive: true, mode: 0o700 });
  let running = readUpState(io.env);
  if (running) io.stderr.write('mailsec: the testworld is already up.\n');
  else if (takeLock(lockFile(io.env))) {
    try {
      // another `up` may have finished between our first look and the lock
      running = readUpState(io.env);
      if (!running) {
        await startWorld(io);
        running = readUpState(io.env);
      }
    } finally {
      rmSync(lockFile(io.env), { force: true });
    }
  } else {
    // another `up` is starting it: wait for its state instead of starting a second world
    const deadline = Date.now() + 90_000;
    for (;;) {
      running = readUpState(io.env);
      if (running || !existsSync(lockFile(io.env)) || Date.now() > deadline) break;
      await sleep(100);
    }
    if (running) io.stderr.write('mailsec: the testworld is already up (started alongside).\n');
  }
  const s = running ?? readUpState(io.env);
  if (!s) throw new MailsecError(ErrorCode.TestworldFailed, 'the testworld stopped right after starting');
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...s, allowPrivate: TESTWORLD_PRIVATE.split(',') }, null, 2)}\n`);
  } else {
    io.stdout.write(`${settingsOf(s)}\n`);
    io.stderr.write(
      `\nThe testworld is up (${s.domains.length} domains, e.g. ${s.domains.slice(0, 3).join(', ')}). Try:\n` +
        `  MAILSEC_RESOLVER=${s.resolver}${s.caFile ? ` NODE_EXTRA_CA_CERTS=${s.caFile}` : ''} MAILSEC_ALLOW_PRIVATE=${TESTWORLD_PRIVATE} mailsec check secure.test\n` +
        'Stop it with: mailsec testworld down\n',
    );
  }
  return EXIT.ok;
}

async function down(io: Parameters<CommandDef['run']>[1]): Promise<number> {
  const s = readUpState(io.env);
  if (!s) {
    rmSync(stateFile(io.env), { force: true });
    io.stderr.write('mailsec: the testworld is not running.\n');
    return EXIT.ok;
  }
  process.kill(s.servePid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(s.servePid) && Date.now() < deadline) await sleep(100);
  for (const pid of [s.servePid, ...s.pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(stateFile(io.env), { force: true });
  io.stderr.write('mailsec: the testworld is down.\n');
  return EXIT.ok;
}

export const testworldCommand: CommandDef = {
  name: 'testworld',
  summary:
    'Start or stop the bundled testworld: own DNSSEC-signed root, TLDs and domains, a validating resolver, SMTP hosts.',
  usage: 'mailsec testworld up|down|status [--json]',
  description:
    'Everything runs on 127.x.y.z addresses of this machine (needs root, and the Debian packages nsd, unbound, ldnsutils).\n`up` prints the settings that point any mailsec command at it; its state is kept per user ($XDG_RUNTIME_DIR/mailsec, else ~/.cache/mailsec).',
  options: { json: { type: 'boolean', description: 'print the state as JSON' } },
  examples: [
    'mailsec testworld up',
    'eval "$(mailsec testworld up | grep = | sed \'s/^/export /\')"    # MAILSEC_RESOLVER, NODE_EXTRA_CA_CERTS, MAILSEC_ALLOW_PRIVATE',
    'mailsec check secure.test    # with those settings exported',
    'mailsec testworld status --json',
    'mailsec testworld down',
  ],
  async run(args, io) {
    const [action, ...extra] = args.positionals;
    if (extra.length || !['up', 'down', 'status'].includes(action ?? '')) {
      throw new MailsecError(
        ErrorCode.Usage,
        `expected up, down or status${action ? `, not "${args.positionals.join(' ')}"` : ''}`,
        'try: mailsec testworld up',
      );
    }
    if (action === 'up') return up(bool(args, 'json'), io);
    if (action === 'down') return down(io);
    const s = readUpState(io.env);
    if (!s) {
      io.stdout.write(bool(args, 'json') ? 'null\n' : 'the testworld is not running\n');
      return EXIT.ok;
    }
    io.stdout.write(bool(args, 'json') ? `${JSON.stringify(s, null, 2)}\n` : `${settingsOf(s)}\n`);
    return EXIT.ok;
  },
};
