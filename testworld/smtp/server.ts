/**
 * A small SMTP server for the testworld (node:net, upgraded with node:tls on STARTTLS). Each
 * instance binds its own address, counts connections, and misbehaves as told: no STARTTLS,
 * STARTTLS answered 454, a broken handshake, a slow or multi-line greeting.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

export type StarttlsMode =
  /** advertised, 220, handshake with the configured certificate */
  | 'yes'
  /** not advertised */
  | 'no'
  /** advertised, answered `454 4.7.0 TLS not available` */
  | 'refuse'
  /** advertised, 220, then garbage instead of a TLS ServerHello */
  | 'broken';

export interface SmtpServerSpec {
  /** host name in greetings */
  readonly hostname: string;
  readonly address: string;
  readonly port?: number;
  readonly starttls: StarttlsMode;
  /** PEM key and chain, required for 'yes' */
  readonly keyPem?: string;
  readonly chainPem?: string;
  /** greeting lines (default: one line `<hostname> ESMTP mailsec-testworld`) */
  readonly banner?: readonly string[];
  /** wait before the greeting (postscreen-like) */
  readonly bannerDelayMs?: number;
  /** highest TLS version offered (default: Node's, TLS 1.3); older ones also lower OpenSSL's security level */
  readonly maxTlsVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

export interface RunningSmtpServer {
  readonly spec: SmtpServerSpec;
  /** the port bound (spec.port, or the one the system chose for port 0) */
  readonly port: number;
  /** connections accepted so far */
  readonly connections: number;
  /** the most sessions at the same time (from accept to QUIT or close) */
  readonly peak: number;
  /** commands received, in order (for "never MAIL FROM") */
  readonly commands: readonly string[];
  close(): Promise<void>;
}

function session(
  socket: Socket,
  spec: SmtpServerSpec,
  commands: string[],
  tlsCtx: ReturnType<typeof createSecureContext> | null,
  /** called once when the session is over for the client: QUIT received, or the socket closed */
  onDone: () => void,
): void {
  let secure = false;
  let done = false;
  const finish = () => {
    if (!done) {
      done = true;
      onDone();
    }
  };
  socket.on('close', finish);
  let buf = '';
  let stream: Socket = socket;
  const send = (s: string) => {
    if (!stream.destroyed) stream.write(`${s}\r\n`);
  };
  // a whole reply in one write (several small writes meet Nagle and delayed ACKs: +40 ms)
  const reply = (code: number, lines: readonly string[]) =>
    send(lines.map((l, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${l}`).join('\r\n'));
  const onLine = (line: string) => {
    commands.push(line);
    const verb = line.split(' ')[0]!.toUpperCase();
    switch (verb) {
      case 'EHLO': {
        const ext = ['PIPELINING', 'SIZE 10240000', '8BITMIME'];
        if (!secure && spec.starttls !== 'no') ext.push('STARTTLS');
        reply(250, [`${spec.hostname} greets ${line.slice(5)}`, ...ext]);
        break;
      }
      case 'HELO':
        reply(250, [spec.hostname]);
        break;
      case 'STARTTLS':
        if (secure || spec.starttls === 'no') reply(502, ['5.5.1 command not implemented']);
        else if (spec.starttls === 'refuse') reply(454, ['4.7.0 TLS not available due to local problem']);
        else if (spec.starttls === 'broken') {
          reply(220, ['2.0.0 Ready to start TLS']);
          stream.removeAllListeners('data');
          stream.end('this is not a TLS ServerHello\r\n');
        } else {
          reply(220, ['2.0.0 Ready to start TLS']);
          stream.removeAllListeners('data');
          const t = new TLSSocket(socket, { isServer: true, secureContext: tlsCtx! });
          t.on('error', () => t.destroy());
          t.on('secure', () => {
            secure = true;
          });
          stream = t;
          buf = '';
          t.on('data', onData);
        }
        break;
      case 'QUIT':
        finish();
        reply(221, ['2.0.0 Bye']);
        stream.end();
        break;
      case 'NOOP':
      case 'RSET':
        reply(250, ['2.0.0 OK']);
        break;
      default:
        reply(502, ['5.5.2 not implemented here']);
    }
  };
  const onData = (d: Buffer) => {
    buf += d.toString('latin1');
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      onLine(line);
      i = buf.indexOf('\n');
    }
    if (buf.length > 4096) stream.destroy();
  };
  socket.on('error', () => socket.destroy());
  socket.setNoDelay(true);
  socket.setTimeout(30_000, () => socket.destroy());
  const greet = () => {
    if (socket.destroyed) return;
    reply(220, spec.banner ?? [`${spec.hostname} ESMTP mailsec-testworld`]);
    socket.on('data', onData);
  };
  if (spec.bannerDelayMs) {
    const t = setTimeout(greet, spec.bannerDelayMs);
    socket.on('close', () => clearTimeout(t));
  } else greet();
}

export function startSmtpServer(spec: SmtpServerSpec): Promise<RunningSmtpServer> {
  const tlsCtx =
    spec.starttls === 'yes' && spec.keyPem && spec.chainPem
      ? createSecureContext({
          key: spec.keyPem,
          cert: spec.chainPem,
          ...(spec.maxTlsVersion
            ? { maxVersion: spec.maxTlsVersion, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }
            : {}),
        })
      : null;
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let peak = 0;
  let active = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    peak = Math.max(peak, ++active);
    socket.on('close', () => sockets.delete(socket));
    session(socket, spec, commands, tlsCtx, () => active--);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: spec.address, port: spec.port ?? 25, exclusive: true }, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({
        spec,
        port: typeof addr === 'object' && addr ? addr.port : (spec.port ?? 25),
        get connections() {
          return connections;
        },
        get peak() {
          return peak;
        },
        commands,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
