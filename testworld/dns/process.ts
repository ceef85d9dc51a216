/** Process helpers: running tools, finding and stopping the testworld's daemons. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { toolPath } from '../tools.ts';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool; rejects with its stderr when it fails. */
export function run(cmd: string, args: readonly string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(toolPath(cmd), args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'not installed (run scripts/install-debian-deps.sh)' : stderr.trim();
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${why || err.message}`));
      } else resolve({ stdout, stderr });
    });
  });
}

/** Pids of processes whose command line mentions `needle` (e.g. the testworld's dir). */
export function pidsUsing(needle: string): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie child still "exists": treat it as gone
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** Synchronous best effort: SIGKILL every process whose command line mentions `needle`. */
export function killProcessesUsing(needle: string): void {
  if (!needle || needle.length < 8) return; // never match broadly
  for (const pid of pidsUsing(needle)) signal(pid, 'SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops the given pids (SIGTERM, then SIGKILL after `graceMs`) and any other process whose command
 * line mentions `needle`; resolves when none is left.
 */
export async function stopProcesses(pids: readonly number[], needle: string, graceMs = 2000): Promise<void> {
  const targets = new Set<number>(pids.filter((p) => Number.isInteger(p) && p > 0));
  if (needle && needle.length >= 8) for (const p of pidsUsing(needle)) targets.add(p);
  for (const p of targets) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if ([...targets].every((p) => !alive(p))) break;
    await sleep(20);
  }
  for (const p of targets) if (alive(p)) signal(p, 'SIGKILL');
  if (needle && needle.length >= 8) for (const p of pidsUsing(needle)) signal(p, 'SIGKILL');
  const hard = Date.now() + 2000;
  while (Date.now() < hard && [...targets].some((p) => alive(p))) await sleep(20);
}
