/**
 * The Redis of a scale-out scan: `redis://HOST:PORT[/DB]` or `rediss://…` (TLS, the certificate
 * verified against Node's store, NODE_EXTRA_CA_CERTS and the CA file), the password given apart
 * (the CLI reads MAILSEC_REDIS_PASSWORD; one in the URL works too, but shows in `ps`).
 *
 * Every client is made here with `maxRetriesPerRequest: null` and the offline queue on: while
 * Redis restarts, commands wait for the reconnection instead of failing — a scan rides over a
 * Redis restart (with AOF nothing is lost; docs/scale-out.md).
 */
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { trustStore } from '../net/ca.ts';
import { assertEgressAllowed } from '../net/egress.ts';

export interface QueueTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  /** the URL without credentials (for messages and the status) */
  readonly display: string;
}

/** Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://…`. */
export function parseQueueUrl(text: string): QueueTarget {
  const bad = (reason: string): never => {
    throw new MailsecError(
      ErrorCode.Usage,
      `queue "${text}": ${reason}`,
      'give redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB]',
      {
        detail: { option: 'queue', value: text, reason, example: 'redis://127.0.0.1:6379/0' },
      },
    );
  };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return bad('is not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return bad('is not a redis:// or rediss:// URL');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) return bad('names no host');
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) return bad(`"/${path}" is not a database number`);
  if (u.search || u.hash) return bad('takes no query or fragment');
  const tls = u.protocol === 'rediss:';
  const db = path === '' ? 0 : Number(path);
  return {
    host,
    port,
    db,
    tls,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    display: `${u.protocol}//${u.hostname}:${port}/${db}`,
  };
}

export interface ConnectOptions {
  /** overrides the URL's password (MAILSEC_REDIS_PASSWORD) */
  readonly password?: string;
  /** extra trusted CA certificates (PEM file) for rediss:// */
  readonly caFile?: string;
  /** a name shown by CLIENT LIST */
  readonly name?: string;
}

/** The ioredis options of a target (shared by every client of a process). */
export function redisOptions(t: QueueTarget, o: ConnectOptions = {}): RedisOptions {
  // a literal address passes the hermetic-run guard like every other socket of mailsec
  if (isIP(t.host)) assertEgressAllowed(t.host, 'Redis');
  const password = o.password ?? t.password;
  const ca = t.tls ? trustStore(o.caFile) : undefined;
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(password ? { password } : {}),
    ...(t.tls
      ? { tls: { servername: isIP(t.host) ? undefined : t.host, ...(ca ? { ca: [...ca] } : {}) } }
      : {}),
    ...(o.name ? { connectionName: o.name } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    // reconnect quickly, then every 2 s: a restarted Redis is found within seconds
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/**
 * A connected client: the first connection is awaited (so a wrong address, password or
 * certificate is an error here, with the reason), later drops reconnect on their own.
 */
export async function connectRedis(t: QueueTarget, o: ConnectOptions = {}): Promise<Redis> {
  const client = new Redis({ ...redisOptions(t, o), lazyConnect: true });
  let last: Error | null = null;
  client.on('error', (e: Error) => {
    last = e;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(last ?? new Error('no answer within 10 s')), 10_000);
      }),
    ]);
    await client.ping();
  } catch (e) {
    client.disconnect();
    // ioredis rejects with "Connection is closed." when the server hung up after refusing the
    // handshake; the refusal itself (NOAUTH, WRONGPASS, a TLS error) came as an error event
    const thrown = (e as Error).message;
    const refused = last as Error | null;
    const reason = refused && refused.message !== thrown ? `${refused.message} (${thrown})` : thrown;
    throw new MailsecError(
      ErrorCode.QueueFailed,
      `cannot use the queue at ${t.display}: ${reason}`,
      /NOAUTH|WRONGPASS|invalid password|AUTH/i.test(reason)
        ? 'set MAILSEC_REDIS_PASSWORD to the password of that Redis'
        : 'check that Redis runs there (redis-cli -h HOST -p PORT ping) and that this machine may connect',
      { cause: e },
    );
  } finally {
    // (a pending timer would keep the process alive for 10 s after its work is done)
    clearTimeout(timer);
  }
  return client;
}
