/**
 * A real Redis for the scale-out tests (Debian `redis-server`, installed by
 * scripts/install-debian-deps.sh): one server per test on a loopback address and a free port,
 * its data in a temporary directory, no RDB snapshots (`--save ''`), AOF when asked
 * (`appendonly: true`: the restart test), and stopped afterwards even when the test fails
 * (`stop()` in an `after` hook; the process also dies with the test process).
 *
 *   const redis = await startRedis({ appendonly: true });
 *   redis.url                      // 'redis://127.0.0.1:PORT'
 *   await redis.restart();         // SIGTERM (AOF flushed), start again on the same port and directory
 *   await redis.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { toolPath } from './tools.ts';

export interface RedisOptions {
  /** loopback address to bind (default 127.0.0.1) */
  readonly host?: string;
  /** port (default: a free one) */
  readonly port?: number;
  /** append-only file, fsync every second (default false) */
  readonly appendonly?: boolean;
  /** `requirepass` (the password tests) */
  readonly password?: string;
  /** TLS only (`rediss://`): the server's certificate chain and key (PEM files) */
  readonly tls?: { readonly chainFile: string; readonly keyFile: string };
  /** ms to wait for the server to answer PING (default 15000) */
  readonly timeoutMs?: number;
}

export interface RunningRedis {
  readonly host: string;
  readonly port: number;
  /** redis://host:port, rediss:// with `tls` (no password in it) */
  readonly url: string;
  readonly dir: string;
  readonly pid: number | undefined;
  /** stops the server (SIGTERM: with AOF it flushes) and starts it again on the same port and data */
  restart(o?: { hard?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** PING over a fresh connection (AUTH first with a password): the first reply line. */
function ping(host: string, port: number, password: string | undefined, tls: boolean): Promise<string> {
  const encode = (a: string[]) =>
    `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    // (the readiness probe does not verify the certificate: the tests' clients do)
    const socket = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false })
      : createConnection({ host, port });
    let buf = '';
    const want = password ? 2 : 1;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis: no reply'));
    }, 2000);
    socket.on(tls ? 'secureConnect' : 'connect', () => {
      socket.write((password ? encode(['AUTH', password]) : '') + encode(['PING']));
    });
    socket.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\r\n').filter((l) => l !== '');
      if (lines.length >= want) {
        clearTimeout(timer);
        socket.end();
        resolve(lines[want - 1] as string);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRedis(o: RedisOptions = {}): Promise<RunningRedis> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort(host));
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-redis-'));
  let child: ChildProcess | null = null;
  let log = '';
  const args = [
    '--bind',
    host,
    ...(o.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          o.tls.chainFile,
          '--tls-key-file',
          o.tls.keyFile,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)]),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    o.appendonly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--logfile',
    '',
    ...(o.password ? ['--requirepass', o.password] : []),
  ];
  const launch = async () => {
    log = '';
    const c = spawn(toolPath('redis-server'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d) => {
      log = (log + d).slice(-4000);
    });
    c.stderr?.on('data', (d) => {
      log = (log + d).slice(-4000);
    });
    let spawnError: Error | null = null;
    c.once('error', (e) => {
      spawnError = e;
    });
    const deadline = Date.now() + (o.timeoutMs ?? 15_000);
    for (;;) {
      if (spawnError)
        throw new Error(
          `redis-server: ${(spawnError as Error).message} (run scripts/install-debian-deps.sh)`,
        );
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}): ${log}`);
      try {
        const r = await ping(host, port, o.password, o.tls !== undefined);
        // with AOF, the server answers -LOADING until the file is read
        if (r.startsWith('+PONG')) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${host}:${port}: ${log}`);
      await sleep(50);
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        c.kill('SIGKILL');
      }, 10_000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      c.kill(signal);
    });
  };
  try {
    await launch();
  } catch (e) {
    await kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host,
    port,
    url: `${o.tls ? 'rediss' : 'redis'}://${host}:${port}`,
    dir,
    get pid() {
      return (child as ChildProcess | null)?.pid;
    },
    async restart(r = {}) {
      await kill(r.hard ? 'SIGKILL' : 'SIGTERM');
      if (r.downMs) await sleep(r.downMs);
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
