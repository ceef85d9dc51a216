/** What every benchmark line records about where it ran (docs/benchmarks.md: date, machine). */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export function machine(): { date: string; node: string; cpus: number; cpu: string | undefined } {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
  };
}

/** utime + stime of a /proc stat file, seconds (0 once it is gone) */
function statCpu(path: string, tick = Number(process.env.CLK_TCK ?? 100)): number {
  try {
    const f = readFileSync(path, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / tick;
  } catch {
    return 0;
  }
}

/** utime + stime of a process and its threads, seconds (from /proc; 0 once it is gone) */
export function cpuOf(pid: number, tick?: number): number {
  return statCpu(`/proc/${pid}/stat`, tick);
}

/** utime + stime of this process's main (JavaScript) thread so far, seconds (clock ticks of 10 ms) */
export function mainThreadCpu(): number {
  return statCpu(`/proc/self/task/${process.pid}/stat`);
}

/**
 * The environment `./mailsec` gives the CLI (two malloc arenas unless the caller says otherwise),
 * for benchmarks that start `src/cli/main.ts` directly and must measure what users run.
 */
export function launcherEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', ...extra };
}

/**
 * A benchmark that needs inputs it was not given (a database, a running world): one JSON line
 * saying what it needs, exit 0 — so `npm run bench`, which runs every file without arguments, goes
 * on to the next.
 */
export function skipBench(bench: string, needs: string): never {
  process.stdout.write(`${JSON.stringify({ bench, skipped: `give ${needs}` })}\n`);
  process.exit(0);
}

/** The Unbound processes among a served world's pids (its state file's `pids`). */
export function unboundPids(pids: readonly number[]): number[] {
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'unbound';
    } catch {
      return false;
    }
  });
}

/** Empties their caches (SIGHUP) and gives them time to reload, so the next scan meets a cold cache. */
export async function flushUnbound(pids: readonly number[]): Promise<void> {
  for (const p of pids) process.kill(p, 'SIGHUP');
  if (pids.length) await new Promise((r) => setTimeout(r, 1500));
}
