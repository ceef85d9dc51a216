import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
      resolve({ code, stdout, stderr });
    });
  });
}

export const LOOPBACK = '127.0.0.0/8,::1/128';

/**
 * IPv4 loopback only. ::1 is the testworld's single IPv6 host (port 25 held by
 * test/smtp.e2e.test.ts); a test file that probes many domains passes this so that it never
 * reaches a server another test file owns.
 */
export const LOOPBACK_V4 = '127.0.0.0/8';
