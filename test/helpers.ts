import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { documentStatusViolations } from '../src/checks/consistency.ts';
import { main } from '../src/cli/main.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI (from source, with the test's Node) as a user would. The child gets the given
 * environment on top of the harness's (which keeps MAILSEC_EGRESS_ALLOW): tests pass the
 * testworld's resolver explicitly, so nothing can fall back to the machine's resolver.
 * Every `check --json` document it returns has been checked for status consistency (no section
 * better than its worst finding allows, core/status.ts): an inconsistent one rejects the run.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  /** options for Node itself (e.g. --max-old-space-size=256) */
  nodeArgs: readonly string[] = [],
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
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
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (args[0] === 'check' && args.includes('--json')) {
        const problems = checkDocuments(stdout).flatMap((d) =>
          documentStatusViolations(d).map((v) => `${String(d.domain)}: ${v}`),
        );
        if (problems.length) {
          reject(new Error(`inconsistent status in mailsec ${args.join(' ')}:\n${problems.join('\n')}`));
          return;
        }
      }
      resolve({ code, stdout, stderr });
    });
  });
}

type CheckDocument = Parameters<typeof documentStatusViolations>[0];

/** The documents of `check --json` output: one pretty-printed document, or JSON Lines. */
export function checkDocuments(stdout: string): CheckDocument[] {
  const text = stdout.trim();
  if (!text) return [];
  try {
    return [JSON.parse(text) as CheckDocument];
  } catch {
    return text.split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l) as CheckDocument];
      } catch {
        return [];
      }
    });
  }
}

export const LOOPBACK = '127.0.0.0/8,::1/128';

/**
 * IPv4 loopback only. ::1 is the testworld's single IPv6 host (port 25 held by
 * test/smtp.e2e.test.ts); a test file that probes many domains passes this so that it never
 * reaches a server another test file owns.
 */
export const LOOPBACK_V4 = '127.0.0.0/8';

/**
 * The CLI's entry function (what bin/mailsec calls) in this process, with its own streams and
 * environment: for runs that need no process of their own, at a fraction of a spawn's cost.
 */
export async function runMain(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    env: { ...process.env, NO_COLOR: '1', ...env },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

/** A scan's stored documents by domain; a domain stored twice fails the test. */
export async function storedDocuments(db: string, scan: string): Promise<Map<string, unknown>> {
  const { openScanSource } = await import('../src/scan/store.ts');
  const store = await openScanSource(db);
  try {
    const out = new Map<string, unknown>();
    for await (const d of store.documents(scan)) {
      const domain = (d as { domain: string }).domain;
      if (out.has(domain)) throw new Error(`${domain} is stored twice`);
      out.set(domain, d);
    }
    return out;
  } finally {
    await store.close();
  }
}

/** `v` with the named keys removed at every depth (timestamps, durations: what runs may differ in). */
export function withoutKeys(v: unknown, keys: ReadonlySet<string>): unknown {
  if (Array.isArray(v)) return v.map((x) => withoutKeys(x, keys));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!keys.has(k)) out[k] = withoutKeys(x, keys);
    return out;
  }
  return v;
}
