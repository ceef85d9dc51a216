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

/**
 * A query in flight on a socket: one object, no closure or timer of its own (see Deadlines), and
 * no abort subscription of its own (the transport subscribes once per signal: `watch`).
 */
class Pending {
  done = false;
  readonly ps: PoolSocket;
  readonly id: number;
  readonly q: Question;
  readonly edns: boolean;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly deadline: number;
  /**
   * the query's promise's resolve, replaced by a no-op once called: a finished query stays in its
   * deadline FIFO until the timer passes it (up to its timeout later), and through the settled
   * promise it kept the whole decoded response alive that long — a scan's young generation copied
   * and promoted every answer it had received in the last two seconds
   */
  resolve: (o: Outcome) => void;
  constructor(
    ps: PoolSocket,
    id: number,
    q: Question,
    edns: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    resolve: (o: Outcome) => void,
  ) {
    this.ps = ps;
    this.id = id;
    this.q = q;
    this.edns = edns;
    this.timeoutMs = timeoutMs;
    this.signal = signal;
    this.deadline = performance.now() + timeoutMs;
    this.resolve = resolve;
  }
}

/**
 * The timeouts of the queries in flight: one timer for the transport instead of a setTimeout per
 * query. Queries with the same timeout end in the order they were sent, so each timeout value
 * keeps a FIFO; finished queries are dropped when they reach its head.
 */
class Deadlines {
  private readonly queues = new Map<number, { items: Pending[]; head: number }>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private readonly expire: (p: Pending) => void;
  constructor(expire: (p: Pending) => void) {
    this.expire = expire;
  }

  add(p: Pending): void {
    let queue = this.queues.get(p.timeoutMs);
    if (!queue) {
      queue = { items: [], head: 0 };
      this.queues.set(p.timeoutMs, queue);
    }
    queue.items.push(p);
    if (p.deadline < this.armedFor) this.arm(p.deadline);
  }

  /** nothing in flight: no timer (it would keep the process alive) and nothing kept */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.queues.clear();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [ms, queue] of this.queues) {
      const { items } = queue;
      let h = queue.head;
      while (h < items.length) {
        const p = items[h]!;
        if (!p.done && p.deadline > now) break;
        h++;
        if (!p.done) this.expire(p);
      }
      if (h >= items.length) {
        this.queues.delete(ms);
        continue;
      }
      if (h > 1024 && h * 2 > items.length) {
        items.splice(0, h);
        h = 0;
      }
      queue.head = h;
      next = Math.min(next, items[h]!.deadline);
    }
    if (next < Number.POSITIVE_INFINITY && next < this.armedFor) this.arm(next);
  };
}

const ABORTED: Outcome = { kind: 'aborted' };
const SETTLED = (): void => {};

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
  private egressAllowed = false;
  /** queries in flight on every socket */
  private live = 0;
  private readonly deadlines = new Deadlines((p) =>
    this.finish(p, { kind: 'timeout', detail: `no answer from ${this.label}` }),
  );
  /** the signals this transport listens to (once each: a listener per query cost a Set's churn) */
  private readonly watched = new WeakSet<AbortSignal>();

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
      for (const p of all) this.finish(p, { kind: 'neterror', detail });
      for (const w of this.waiting.splice(0)) w();
    });
    sock.connect(this.port, this.address);
    sock.unref();
    return ps;
  }

  private onMessage(ps: PoolSocket, msg: Buffer, rinfo: RemoteInfo): void {
    if (
      rinfo.port !== this.port ||
      (rinfo.address !== this.address && canonicalIp(rinfo.address) !== this.address) ||
      msg.length < 12
    ) {
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
    this.counters.received++;
    this.finish(p, { kind: 'response', response: r });
  }

  /** Ends a query once: its slot freed, its abort callback removed, a truncated answer retried over TCP. */
  private finish(p: Pending, o: Outcome): void {
    if (p.done) return;
    p.done = true;
    const resolve = p.resolve;
    p.resolve = SETTLED;
    if (p.ps.pending.get(p.id) === p) {
      p.ps.pending.delete(p.id);
      this.release();
    }
    if (--this.live === 0) this.deadlines.clear();
    if (o.kind === 'timeout') this.counters.timeouts++;
    else if (o.kind === 'neterror') this.counters.netErrors++;
    else if (o.kind === 'response' && o.response.tc) {
      this.counters.tcpFallbacks++;
      this.tcpExchange(p.q, p.edns, p.timeoutMs, p.signal).then(resolve);
      return;
    }
    resolve(o);
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

  exchange(q: Question, edns: boolean, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    // the address never changes: once allowed, not asked again (reading process.env per packet
    // cost ≈ 1 % of a scan's main thread); a refusal is asked and thrown every time
    if (!this.egressAllowed) {
      try {
        assertEgressAllowed(this.address, 'DNS query');
        this.egressAllowed = true;
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.closed) return Promise.resolve({ kind: 'neterror', detail: 'resolver client closed' });
    if (signal?.aborted) return Promise.resolve(ABORTED);
    // the common path (a connected socket with room) has no await: each costs a microtask per query
    const ps = this.socketWithRoom();
    if (ps?.connected) return this.send(ps, q, edns, timeoutMs, signal);
    return this.exchangeWhenReady(ps, q, edns, timeoutMs, signal);
  }

  private async exchangeWhenReady(
    given: PoolSocket | undefined,
    q: Question,
    edns: boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Outcome> {
    const ps = given ?? (await this.socket());
    if (!ps.connected && ps.failed === undefined) await ps.ready;
    if (ps.failed) {
      const detail = ps.failed;
      this.pool.splice(this.pool.indexOf(ps), 1);
      ps.sock.close();
      this.counters.netErrors++;
      return { kind: 'neterror', detail };
    }
    // aborted while it waited for the socket (a listener added now would never be called)
    if (signal?.aborted) return ABORTED;
    return this.send(ps, q, edns, timeoutMs, signal);
  }

  private send(
    ps: PoolSocket,
    q: Question,
    edns: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    let id = this.ids.next();
    while (ps.pending.has(id)) id = this.ids.next();
    return new Promise<Outcome>((resolve) => {
      const p = new Pending(ps, id, q, edns, timeoutMs, signal, resolve);
      this.live++;
      ps.pending.set(id, p);
      this.deadlines.add(p);
      if (signal && !this.watched.has(signal)) this.watch(signal);
      this.outbox.push(p);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(this.flushOutbox);
      }
    });
  }

  /** queries asked in this turn of the event loop, sent together after it (see flushOutbox) */
  private outbox: Pending[] = [];
  private flushing = false;
  /**
   * Sends what this turn of the event loop asked, one datagram after another: the resolver is
   * woken once for the burst instead of once per query when it keeps up (a sleeping receiver's
   * wake-up is most of a loopback sendmsg's cost).
   */
  private readonly flushOutbox = (): void => {
    this.flushing = false;
    const out = this.outbox;
    this.outbox = [];
    for (const p of out) {
      if (p.done) continue;
      this.counters.sent++;
      p.ps.sock.send(encodeQuery(p.q, p.id, p.edns), (err) => {
        if (err) this.finish(p, { kind: 'neterror', detail: errorDetail(err) });
      });
    }
  };

  /**
   * Ends the queries in flight with `signal` when it aborts: one subscription per signal for the
   * transport's lifetime (the signal's hub holds it; both go when the signal is collected).
   */
  private watch(signal: AbortSignal): void {
    this.watched.add(signal);
    whenAborted(signal, () => {
      for (const ps of this.pool)
        for (const p of [...ps.pending.values()]) if (p.signal === signal) this.finish(p, ABORTED);
    });
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
        this.finish(p, { kind: 'neterror', detail: 'resolver client closed' });
      ps.pending.clear();
    }
    await Promise.all(all.map((ps) => new Promise<void>((r) => ps.sock.close(() => r()))));
    for (const w of this.waiting.splice(0)) w();
  }
}
