import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { CommandDef } from './command.ts';
import { bool } from './command.ts';
import { EXIT } from './exit.ts';

export const STATE_FILE = join(tmpdir(), 'mailsec-testworld', 'up.json');

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

export function readUpState(): UpState | null {
  if (!existsSync(STATE_FILE)) return null;
  try {
    const s = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as UpState;
    return alive(s.servePid) ? s : null;
  } catch {
    return null;
  }
}

export function settingsOf(s: UpState): string {
  return [
    `MAILSEC_RESOLVER=${s.resolver}`,
    ...(s.caFile ? [`NODE_EXTRA_CA_CERTS=${s.caFile}`] : []),
    '--allow-private 127.0.0.0/8,::1/128',
    ...(s.vmcRootsFile ? [`--vmc-roots ${s.vmcRootsFile}`] : []),
  ].join('\n');
}

async function up(json: boolean, io: Parameters<CommandDef['run']>[1]): Promise<number> {
  const running = readUpState();
  if (running) {
    io.stderr.write('mailsec: the testworld is already up.\n');
  } else {
    if (existsSync(STATE_FILE)) rmSync(STATE_FILE, { force: true });
    mkdirSync(join(tmpdir(), 'mailsec-testworld'), { recursive: true });
    const child = spawn(process.execPath, [testworldScript('serve'), STATE_FILE], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!existsSync(STATE_FILE)) {
      const code = await Promise.race([exited, new Promise<'wait'>((r) => setTimeout(() => r('wait'), 100))]);
      if (code !== 'wait' || Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new MailsecError(
          ErrorCode.TestworldFailed,
          `the testworld did not start${stderr ? `:\n${stderr.trim()}` : ''}`,
          'it needs root and the Debian packages nsd, unbound and ldnsutils (bash scripts/install-debian-deps.sh)',
        );
      }
    }
    child.stderr?.destroy();
    child.unref();
  }
  const s = readUpState();
  if (!s) throw new MailsecError(ErrorCode.TestworldFailed, 'the testworld stopped right after starting');
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...s, allowPrivate: ['127.0.0.0/8', '::1/128'] }, null, 2)}\n`);
  } else {
    io.stdout.write(`${settingsOf(s)}\n`);
    io.stderr.write(
      `\nThe testworld is up (${s.domains.length} domains, e.g. ${s.domains.slice(0, 3).join(', ')}). Try:\n` +
        `  MAILSEC_RESOLVER=${s.resolver}${s.caFile ? ` NODE_EXTRA_CA_CERTS=${s.caFile}` : ''} mailsec check secure.test --allow-private 127.0.0.0/8,::1/128\n` +
        'Stop it with: mailsec testworld down\n',
    );
  }
  return EXIT.ok;
}

async function down(io: Parameters<CommandDef['run']>[1]): Promise<number> {
  const s = readUpState();
  if (!s) {
    rmSync(STATE_FILE, { force: true });
    io.stderr.write('mailsec: the testworld is not running.\n');
    return EXIT.ok;
  }
  process.kill(s.servePid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(s.servePid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of [s.servePid, ...s.pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(STATE_FILE, { force: true });
  io.stderr.write('mailsec: the testworld is down.\n');
  return EXIT.ok;
}

export const testworldCommand: CommandDef = {
  name: 'testworld',
  summary:
    'Start or stop the bundled testworld: own DNSSEC-signed root, TLDs and domains, a validating resolver, SMTP hosts.',
  usage: 'mailsec testworld up|down|status [--json]',
  description:
    'Everything runs on 127.x.y.z addresses of this machine (needs root, and the Debian packages nsd, unbound, ldnsutils).\n`up` prints the settings that point any mailsec command at it.',
  options: { json: { type: 'boolean', description: 'print the state as JSON' } },
  examples: [
    'mailsec testworld up',
    'MAILSEC_RESOLVER=127.100.0.53 mailsec check secure.test --allow-private 127.0.0.0/8,::1/128',
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
    const s = readUpState();
    if (!s) {
      io.stdout.write(bool(args, 'json') ? 'null\n' : 'the testworld is not running\n');
      return EXIT.ok;
    }
    io.stdout.write(bool(args, 'json') ? `${JSON.stringify(s, null, 2)}\n` : `${settingsOf(s)}\n`);
    return EXIT.ok;
  },
};
