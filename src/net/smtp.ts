import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { whenAborted } from '../core/abort.ts';
import { isMailsecError } from '../core/errors.ts';
import { assertEgressAllowed } from './egress.ts';
import { captureTls, type TlsInfo } from './tls-info.ts';

/** interface.md `smtp.hosts[].outcome` */
export type SmtpOutcome =
  | 'ok'
  | 'no-starttls'
  | 'starttls-refused'
  | 'handshake-failed'
  | 'refused'
  | 'timeout'
  | 'refused-address'
  | 'skipped';

export interface SmtpProbeResult {
  readonly address: string;
  /** the SNI name sent in the TLS handshake */
  readonly sni: string;
  readonly outcome: SmtpOutcome;
  /** the whole (possibly multi-line) greeting, lines joined with '\n'; null if none came */
  readonly banner: string | null;
  /** EHLO keywords (upper case, parameters kept), first line (the greeting) excluded */
  readonly ehlo: string[];
  /** the reply to STARTTLS, when sent */
  readonly starttlsReply: string | null;
  readonly tls: TlsInfo | null;
  /** what went wrong, for humans */
  readonly error: string | null;
  readonly elapsedMs: number;
}

export interface SmtpProbeOptions {
  readonly address: string;
  readonly sni: string;
  readonly ehlo: string;
  /** connect and each command */
  readonly timeoutMs: number;
  /** the greeting (servers behind postscreen wait 6 s); default 2 × timeoutMs */
  readonly bannerTimeoutMs?: number;
  readonly port?: number;
  /** trusted CAs replacing Node's default store (the prober passes default + --ca-file) */
  readonly ca?: readonly string[];
  readonly signal?: AbortSignal;
}

/** One SMTP reply: the code and the text of each line. */
export interface SmtpReply {
  readonly code: number;
  readonly lines: string[];
}

const MAX_REPLY_BYTES = 64 * 1024;

/** Replies to EHLO meaning the server does not implement it (RFC 5321 §4.2.4): no ESMTP at all. */
const EHLO_UNKNOWN = new Set([500, 502]);

class ProbeFailure extends Error {
  readonly outcome: SmtpOutcome;
  constructor(outcome: SmtpOutcome, message: string) {
    super(message);
    this.outcome = outcome;
  }
}

/** Reads SMTP replies (RFC 5321 §4.2) from a socket; tolerant of bare LF and odd lines. */
function replyReader(socket: Socket) {
  let buf = '';
  let lines: string[] = [];
  let waiting: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void } | null = null;
  const ready: SmtpReply[] = [];
  let failure: Error | null = null;

  const deliver = () => {
    if (!waiting) return;
    const w = waiting;
    if (ready.length) {
      waiting = null;
      w.resolve(ready.shift()!);
    } else if (failure) {
      waiting = null;
      w.reject(failure);
    }
  };
  const onData = (chunk: Buffer) => {
    buf += chunk.toString('latin1');
    if (buf.length > MAX_REPLY_BYTES) {
      failure = new ProbeFailure('refused', 'reply longer than 64 KiB');
      deliver();
      return;
    }
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      lines.push(line);
      const m = /^(\d{3})([ -]?)/.exec(line);
      if (m && m[2] !== '-') {
        ready.push({ code: Number(m[1]), lines: lines.map((l) => l.slice(4)) });
        lines = [];
      }
      i = buf.indexOf('\n');
    }
    deliver();
  };
  const onEnd = () => {
    failure ??= new ProbeFailure('refused', 'the server closed the connection');
    deliver();
  };
  const onError = (e: Error) => {
    failure ??= e;
    deliver();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
  return {
    next(timeoutMs: number, what: string): Promise<SmtpReply> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = null;
          reject(new ProbeFailure('timeout', `no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting = {
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        deliver();
      });
    },
    /** the partial greeting seen so far (for a timeout in a multi-line banner) */
    pending: () => lines.map((l) => l.slice(4)),
    detach() {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    },
  };
}

function connectTcp(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: address, port, family: isIP(address) === 6 ? 6 : 4 });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProbeFailure('timeout', `connect to ${address}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ProbeFailure('refused', `connect to ${address}:${port}: ${e.code ?? e.message}`));
    });
  });
}

function startTls(
  socket: Socket,
  servername: string,
  timeoutMs: number,
  ca: readonly string[] | undefined,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tlsSocket = tlsConnect({
      socket,
      servername,
      rejectUnauthorized: false,
      // see what old servers offer (TLS 1.0/1.1 need OpenSSL security level 0); a finding says so
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      // Node folds a name mismatch into `authorized`; trust and name are reported apart (captureTls)
      checkServerIdentity: () => undefined,
      ...(ca ? { ca: [...ca] } : {}),
    });
    const timer = setTimeout(() => {
      tlsSocket.destroy();
      reject(new ProbeFailure('handshake-failed', `TLS handshake timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    tlsSocket.once('secureConnect', () => {
      clearTimeout(timer);
      tlsSocket.removeAllListeners('error');
      tlsSocket.on('error', () => {});
      resolve(tlsSocket);
    });
    tlsSocket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      tlsSocket.destroy();
      reject(new ProbeFailure('handshake-failed', `TLS handshake: ${e.code ?? ''} ${e.message}`.trim()));
    });
  });
}

function write(socket: Socket, line: string): void {
  socket.write(`${line}\r\n`);
}

const replyText = (r: SmtpReply) =>
  r.lines.map((l, i) => `${r.code}${i < r.lines.length - 1 ? '-' : ' '}${l}`);

/**
 * One SMTP probe (RFC 5321, RFC 3207): greeting, EHLO, STARTTLS, TLS handshake with SNI, QUIT.
 * Never sends MAIL FROM. The caller (the Prober) has already checked the address policy; the
 * egress guard is asserted here, right before connecting.
 */
export async function probeSmtp(o: SmtpProbeOptions): Promise<SmtpProbeResult> {
  const started = performance.now();
  const port = o.port ?? 25;
  let banner: string | null = null;
  let ehlo: string[] = [];
  let starttlsReply: string | null = null;
  let tls: TlsInfo | null = null;
  let socket: Socket | null = null;
  let tlsSocket: TLSSocket | null = null;
  const done = (outcome: SmtpOutcome, error: string | null): SmtpProbeResult => ({
    address: o.address,
    sni: o.sni,
    outcome,
    banner,
    ehlo,
    starttlsReply,
    tls,
    error,
    elapsedMs: Math.round(performance.now() - started),
  });
  const onAbort = () => {
    tlsSocket?.destroy();
    socket?.destroy();
  };
  const unsubscribe = whenAborted(o.signal, onAbort);
  try {
    assertEgressAllowed(o.address, 'SMTP');
    socket = await connectTcp(o.address, port, o.timeoutMs);
    socket.setNoDelay(true);
    const reader = replyReader(socket);
    let greeting: SmtpReply;
    try {
      greeting = await reader.next(o.bannerTimeoutMs ?? 2 * o.timeoutMs, 'greeting');
    } catch (e) {
      const partial = reader.pending();
      if (partial.length) banner = partial.join('\n');
      throw e;
    }
    banner = greeting.lines.join('\n');
    if (greeting.code !== 220) {
      write(socket, 'QUIT');
      return done('refused', `the server greeted with ${replyText(greeting).join(' ')}`);
    }
    write(socket, `EHLO ${o.ehlo}`);
    const ehloReply = await reader.next(o.timeoutMs, 'reply to EHLO');
    if (ehloReply.code !== 250) {
      write(socket, 'QUIT');
      const text = `EHLO answered ${replyText(ehloReply).join(' ')}`;
      // RFC 5321 §4.1.1.1: only a server that does not know EHLO (500/502, §4.2.4) speaks no ESMTP
      // and so no STARTTLS; a 4yz (§4.2.1: try again later) or a policy refusal (e.g. 550 for our
      // EHLO name) says nothing about STARTTLS: could not test, never "no"
      return EHLO_UNKNOWN.has(ehloReply.code) ? done('no-starttls', text) : done('refused', text);
    }
    ehlo = ehloReply.lines.slice(1).map((l) => l.trim().replace(/^(\S+)/, (k) => k.toUpperCase()));
    if (!ehlo.some((k) => /^STARTTLS\b/.test(k))) {
      write(socket, 'QUIT');
      await reader.next(o.timeoutMs, 'reply to QUIT').catch(() => undefined);
      return done('no-starttls', null);
    }
    write(socket, 'STARTTLS');
    const st = await reader.next(o.timeoutMs, 'reply to STARTTLS');
    starttlsReply = replyText(st).join('\n');
    if (st.code !== 220) {
      write(socket, 'QUIT');
      await reader.next(o.timeoutMs, 'reply to QUIT').catch(() => undefined);
      return done('starttls-refused', `STARTTLS answered ${replyText(st).join(' ')}`);
    }
    reader.detach();
    socket.on('error', () => {});
    tlsSocket = await startTls(socket, o.sni, o.timeoutMs, o.ca);
    tls = captureTls(tlsSocket, o.sni, o.ca);
    const tlsReader = replyReader(tlsSocket);
    write(tlsSocket, 'QUIT');
    await tlsReader.next(Math.min(o.timeoutMs, 2000), 'reply to QUIT').catch(() => undefined);
    return done('ok', null);
  } catch (e) {
    if (isMailsecError(e)) throw e;
    if (e instanceof ProbeFailure) return done(e.outcome, e.message);
    if (o.signal?.aborted) return done('timeout', 'aborted');
    return done('refused', e instanceof Error ? e.message : String(e));
  } finally {
    unsubscribe();
    tlsSocket?.destroy();
    socket?.destroy();
  }
}
