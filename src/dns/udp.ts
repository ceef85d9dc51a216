/**
 * Plain DNS to one resolver: a small pool of connected UDP sockets, each with a map of queries in
 * flight by random 16-bit id (never reused while in flight), strict matching of responses (source
 * address and port, id, question name/type/class), and a TCP retry when an answer is truncated.
 */
import { randomFillSync } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { isIP, connect as tcpConnect } from 'node:net';
import { whenAborted } from '../core/abort.ts';
import { assertEgressAllowed } from '../net/egress.ts';
import { emptyStats, errorDetail, type Outcome, type Transport, type TransportStats } from './transport.ts';
import { decodeResponse, encodeQuery, type Question } from './wire.ts';

export interface UdpTransportOptions {
  /** UDP sockets in the pool (default 4) */
  readonly sockets?: number;
  /** queries in flight per socket before new ones wait (default 1024) */
  readonly maxInFlightPerSocket?: number;
}

interface Pending {
  readonly q: Question;
  readonly finish: (o: Outcome) => void;
}

interface PoolSocket {
  readonly sock: UdpSocket;
  readonly ready: Promise<void>;
  readonly pending: Map<number, Pending>;
  connected: boolean;
  failed?: string;
}

/** Canonical text of an IP address (compressed, lower-case IPv6), as rinfo reports it. */
export function canonicalIp(address: string): string {
  if (isIP(address) === 6) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  return address;
}

class RandomIds {
  private buf = new Uint16Array(1024);
  private i = this.buf.length;
  next(): number {
    if (this.i >= this.buf.length) {
      randomFillSync(this.buf);
      this.i = 0;
    }
    return this.buf[this.i++]!;
  }
}

export class UdpTransport implements Transport {
  readonly label: string;
  private readonly address: string;
  private readonly port: number;
  private readonly family: 4 | 6;
  private readonly size: number;
  private readonly perSocket: number;
  private readonly pool: PoolSocket[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly ids = new RandomIds();
  private readonly counters: TransportStats = emptyStats();
  private next = 0;
  private closed = false;

  constructor(address: string, port: number, options: UdpTransportOptions = {}) {
    this.address = canonicalIp(address);
    this.port = port;
    this.family = isIP(address) === 6 ? 6 : 4;
    this.size = Math.max(1, options.sockets ?? 4);
    this.perSocket = Math.max(1, Math.min(60000, options.maxInFlightPerSocket ?? 1024));
    this.label = this.family === 6 ? `[${this.address}]:${port}` : `${this.address}:${port}`;
  }

  stats(): TransportStats {
    let inFlight = 0;
    for (const s of this.pool) inFlight += s.pending.size;
    return { ...this.counters, inFlight };
  }

  private openSocket(): PoolSocket {
    const sock = createSocket({ type: this.family === 6 ? 'udp6' : 'udp4' });
    const pending = new Map<number, Pending>();
    const ps: PoolSocket = {
      sock,
      pending,
      connected: false,
      ready: new Promise<void>((resolve) => {
        sock.once('connect', () => {
          ps.connected = true;
          try {
            // room for a burst of answers (capped by net.core.rmem_max)
            sock.setRecvBufferSize(1 << 20);
          } catch {
            // keep the default
          }
          resolve();
        });
        sock.once('error', () => resolve()); // the error handler below records it
      }),
    };
    sock.on('message', (msg, rinfo) => this.onMessage(ps, msg, rinfo));
    sock.on('error', (e) => {
      // a connected UDP socket reports ICMP errors (ECONNREFUSED …): fail what is in flight on it
      const detail = errorDetail(e);
      if (!ps.connected) ps.failed = detail;
      const all = [...pending.values()];
      pending.clear();
      for (const p of all) p.finish({ kind: 'neterror', detail });
      for (const w of this.waiting.splice(0)) w();
    });
    sock.connect(this.port, this.address);
    sock.unref();
    return ps;
  }

  private onMessage(ps: PoolSocket, msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.port !== this.port || canonicalIp(rinfo.address) !== this.address || msg.length < 12) {
      this.counters.ignored++;
      return;
    }
    const id = msg.readUInt16BE(0);
    const p = ps.pending.get(id);
    const r = p ? decodeResponse(msg, p.q) : null;
    if (!p || !r) {
      this.counters.ignored++;
      return;
    }
    ps.pending.delete(id);
    this.counters.received++;
    p.finish({ kind: 'response', response: r });
    this.release();
  }

  private release(): void {
    const w = this.waiting.shift();
    if (w) w();
  }

  /** A socket with room, round robin, or undefined when every socket is full. */
  private socketWithRoom(): PoolSocket | undefined {
    if (this.pool.length < this.size) {
      const ps = this.openSocket();
      this.pool.push(ps);
      return ps;
    }
    for (let i = 0; i < this.pool.length; i++) {
      const ps = this.pool[(this.next + i) % this.pool.length]!;
      if (ps.pending.size < this.perSocket) {
        this.next = (this.next + i + 1) % this.pool.length;
        return ps;
      }
    }
    return undefined;
  }

  /** A socket with room; waits when every socket is full. */
  private async socket(): Promise<PoolSocket> {
    for (;;) {
      const ps = this.socketWithRoom();
      if (ps) return ps;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  async exchange(q: Question, edns: boolean, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    assertEgressAllowed(this.address, 'DNS query');
    if (this.closed) return { kind: 'neterror', detail: 'resolver client closed' };
    if (signal?.aborted) return { kind: 'aborted' };
    // no await on the common path (a connected socket with room): each costs a microtask per query
    const ps = this.socketWithRoom() ?? (await this.socket());
    if (!ps.connected && ps.failed === undefined) await ps.ready;
    if (ps.failed) {
      const detail = ps.failed;
      this.pool.splice(this.pool.indexOf(ps), 1);
      ps.sock.close();
      this.counters.netErrors++;
      return { kind: 'neterror', detail };
    }
    let id = this.ids.next();
    while (ps.pending.has(id)) id = this.ids.next();
    const udp = await new Promise<Outcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let unsubscribe = () => {};
      const finish = (o: Outcome) => {
        if (timer === undefined) return; // already finished
        clearTimeout(timer);
        timer = undefined;
        unsubscribe();
        if (ps.pending.get(id)?.finish === finish) {
          ps.pending.delete(id);
          this.release();
        }
        resolve(o);
      };
      timer = setTimeout(
        () => finish({ kind: 'timeout', detail: `no answer from ${this.label}` }),
        timeoutMs,
      );
      unsubscribe = whenAborted(signal, () => finish({ kind: 'aborted' }));
      ps.pending.set(id, { q, finish });
      this.counters.sent++;
      ps.sock.send(encodeQuery(q, id, edns), (err) => {
        if (err) finish({ kind: 'neterror', detail: errorDetail(err) });
      });
    });
    if (udp.kind === 'timeout') this.counters.timeouts++;
    if (udp.kind === 'neterror') this.counters.netErrors++;
    if (udp.kind !== 'response' || !udp.response.tc) return udp;
    this.counters.tcpFallbacks++;
    return this.tcpExchange(q, edns, timeoutMs, signal);
  }

  /** One query over a fresh TCP connection (after a truncated UDP answer). */
  tcpExchange(q: Question, edns: boolean, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    assertEgressAllowed(this.address, 'DNS query');
    const id = this.ids.next();
    const query = encodeQuery(q, id, edns);
    const framed = Buffer.alloc(2 + query.length);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);
    return new Promise<Outcome>((resolve) => {
      let done = false;
      const sock = tcpConnect({ host: this.address, port: this.port });
      let unsubscribe = () => {};
      const timer = setTimeout(
        () => finish({ kind: 'timeout', detail: `no answer over TCP from ${this.label}` }),
        timeoutMs,
      );
      const finish = (o: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        sock.destroy();
        if (o.kind === 'timeout') this.counters.timeouts++;
        if (o.kind === 'neterror') this.counters.netErrors++;
        if (o.kind === 'response') this.counters.received++;
        resolve(o);
      };
      unsubscribe = whenAborted(signal, () => finish({ kind: 'aborted' }));
      let buf = Buffer.alloc(0);
      sock.on('connect', () => {
        this.counters.sent++;
        sock.write(framed);
      });
      sock.on('data', (chunk) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const msg = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          const r = msg.length >= 12 && msg.readUInt16BE(0) === id ? decodeResponse(msg, q) : null;
          if (r) return finish({ kind: 'response', response: r });
          this.counters.ignored++;
        }
      });
      sock.on('error', (e) => finish({ kind: 'neterror', detail: `TCP: ${errorDetail(e)}` }));
      sock.on('close', () =>
        finish({ kind: 'neterror', detail: `TCP: ${this.label} closed the connection` }),
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.pool.splice(0);
    for (const ps of all) {
      for (const p of [...ps.pending.values()])
        p.finish({ kind: 'neterror', detail: 'resolver client closed' });
      ps.pending.clear();
    }
    await Promise.all(all.map((ps) => new Promise<void>((r) => ps.sock.close(() => r()))));
    for (const w of this.waiting.splice(0)) w();
  }
}
