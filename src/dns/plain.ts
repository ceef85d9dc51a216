/**
 * What plain DNS to one resolver needs whatever carries it (UDP datagrams, udp.ts; a pipelined TCP
 * stream, tcp.ts): a small pool of channels, each with a map of queries in flight by random 16-bit
 * id (never reused while in flight), strict matching of responses (id, question name/type/class),
 * one timer for every timeout, one abort subscription per signal, and the queries of one turn of
 * the event loop sent together after it. A channel type says only how it opens, how it sends a
 * burst and where its responses come from.
 */
import { randomFillSync } from 'node:crypto';
import { isIP } from 'node:net';
import { whenAborted } from '../core/abort.ts';
import { assertEgressAllowed } from '../net/egress.ts';
import { emptyStats, type Outcome, type Transport, type TransportStats } from './transport.ts';
import { decodeResponse, type Question } from './wire.ts';

/** Canonical text of an IP address (compressed, lower-case IPv6), as rinfo reports it. */
export function canonicalIp(address: string): string {
  if (isIP(address) === 6) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  return address;
}

/** One way to the resolver: a UDP socket, a TCP connection. */
export interface Channel {
  readonly pending: Map<number, Pending>;
  /** settles when the channel is connected or has failed */
  readonly ready: Promise<void>;
  connected: boolean;
  /** queries that chose this channel and wait for it to connect (they count towards its load) */
  joining: number;
  /** why it could not connect */
  failed?: string;
}

/**
 * A query in flight on a channel: one object, no closure or timer of its own (see Deadlines), and
 * no abort subscription of its own (the transport subscribes once per signal: `watch`).
 */
export class Pending {
  done = false;
  readonly ch: Channel;
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
    ch: Channel,
    id: number,
    q: Question,
    edns: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    resolve: (o: Outcome) => void,
  ) {
    this.ch = ch;
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

export class RandomIds {
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

const ABORTED: Outcome = { kind: 'aborted' };
const SETTLED = (): void => {};

export interface PlainTransportOptions {
  /** channels in the pool at most: UDP sockets (default 4, all opened), TCP connections (default 8, another opened only when every open one carries 32) */
  readonly sockets?: number;
  /** queries in flight per channel before new ones wait (default 1024) */
  readonly maxInFlightPerSocket?: number;
}

export abstract class PlainTransport<C extends Channel> implements Transport {
  readonly label: string;
  protected readonly address: string;
  protected readonly port: number;
  protected readonly family: 4 | 6;
  protected readonly pool: C[] = [];
  protected readonly ids = new RandomIds();
  protected readonly counters: TransportStats = emptyStats();
  private readonly size: number;
  private readonly perSocket: number;
  private readonly soft: number;
  private readonly waiting: (() => void)[] = [];
  private next = 0;
  private closed = false;
  private egressAllowed = false;
  /** queries in flight on every channel */
  private live = 0;
  private readonly deadlines = new Deadlines((p) =>
    this.finish(p, { kind: 'timeout', detail: `no answer from ${this.label}` }),
  );
  /** the signals this transport listens to (once each: a listener per query cost a Set's churn) */
  private readonly watched = new WeakSet<AbortSignal>();
  /** queries asked in this turn of the event loop, sent together after it (see flushOutbox) */
  private outbox: Pending[] = [];
  private flushing = false;

  constructor(
    address: string,
    port: number,
    defaults: { readonly channels: number; readonly perChannel: number; readonly softPerChannel: number },
    options: PlainTransportOptions,
  ) {
    this.address = canonicalIp(address);
    this.port = port;
    this.family = isIP(address) === 6 ? 6 : 4;
    this.size = Math.max(1, options.sockets ?? defaults.channels);
    this.perSocket = Math.max(1, Math.min(60000, options.maxInFlightPerSocket ?? defaults.perChannel));
    this.soft = Math.min(this.perSocket, defaults.softPerChannel);
    this.label = this.family === 6 ? `[${this.address}]:${port}` : `${this.address}:${port}`;
  }

  /** a new channel, connecting; it reports its responses to `deliver`, its failure to `failChannel` */
  protected abstract openChannel(): C;
  /** sends a burst of queries (each not done, in the order asked) on one channel */
  protected abstract transmit(ch: C, burst: Pending[]): void;
  protected abstract closeChannel(ch: C): Promise<void>;
  /** a truncated response: another way to ask (UDP: once over TCP), or undefined to take it as it is */
  protected retryTruncated(_p: Pending): Promise<Outcome> | undefined {
    return undefined;
  }

  stats(): TransportStats {
    let inFlight = 0;
    for (const s of this.pool) inFlight += s.pending.size;
    return { ...this.counters, inFlight };
  }

  /** A response on `ch`: matched by id and question, or counted as ignored. */
  protected deliver(ch: C, msg: Buffer): void {
    if (msg.length < 12) {
      this.counters.ignored++;
      return;
    }
    const p = ch.pending.get(msg.readUInt16BE(0));
    const r = p ? decodeResponse(msg, p.q) : null;
    if (!p || !r) {
      this.counters.ignored++;
      return;
    }
    this.counters.received++;
    this.finish(p, { kind: 'response', response: r });
  }

  /** Fails what is in flight on `ch` (an ICMP error, a reset, a closed connection). */
  protected failChannel(ch: C, detail: string): void {
    if (!ch.connected) ch.failed = detail;
    const all = [...ch.pending.values()];
    ch.pending.clear();
    for (const p of all) this.finish(p, { kind: 'neterror', detail });
    for (const w of this.waiting.splice(0)) w();
  }

  /** Ends a query once: its slot freed, its deadline passed over, a truncated answer retried. */
  protected finish(p: Pending, o: Outcome): void {
    if (p.done) return;
    p.done = true;
    const resolve = p.resolve;
    p.resolve = SETTLED;
    if (p.ch.pending.get(p.id) === p) {
      p.ch.pending.delete(p.id);
      this.release();
    }
    if (--this.live === 0) this.deadlines.clear();
    if (o.kind === 'timeout') this.counters.timeouts++;
    else if (o.kind === 'neterror') this.counters.netErrors++;
    else if (o.kind === 'response' && o.response.tc) {
      const retry = this.retryTruncated(p);
      if (retry) {
        this.counters.tcpFallbacks++;
        retry.then(resolve);
        return;
      }
    }
    resolve(o);
  }

  private release(): void {
    const w = this.waiting.shift();
    if (w) w();
  }

  /** A channel with room, round robin, or undefined when every channel is full. */
  private channelWithRoom(): C | undefined {
    if (this.soft > 0) {
      // fill the open channels to the soft limit before opening another
      for (let i = 0; i < this.pool.length; i++) {
        const ch = this.pool[(this.next + i) % this.pool.length]!;
        if (ch.pending.size + ch.joining < this.soft) {
          this.next = (this.next + i + 1) % this.pool.length;
          return ch;
        }
      }
    }
    if (this.pool.length < this.size) {
      const ch = this.openChannel();
      this.pool.push(ch);
      return ch;
    }
    for (let i = 0; i < this.pool.length; i++) {
      const ch = this.pool[(this.next + i) % this.pool.length]!;
      if (ch.pending.size + ch.joining < this.perSocket) {
        this.next = (this.next + i + 1) % this.pool.length;
        return ch;
      }
    }
    return undefined;
  }

  /** A channel with room; waits when every channel is full. */
  private async channel(): Promise<C> {
    for (;;) {
      const ch = this.channelWithRoom();
      if (ch) return ch;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Takes `ch` out of the pool (the next query opens another). */
  protected drop(ch: C): void {
    const i = this.pool.indexOf(ch);
    if (i >= 0) this.pool.splice(i, 1);
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
    // the common path (a connected channel with room) has no await: each costs a microtask per query
    const ch = this.channelWithRoom();
    if (ch?.connected) return this.send(ch, q, edns, timeoutMs, signal);
    return this.exchangeWhenReady(ch, q, edns, timeoutMs, signal);
  }

  private async exchangeWhenReady(
    given: C | undefined,
    q: Question,
    edns: boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Outcome> {
    const ch = given ?? (await this.channel());
    if (!ch.connected && ch.failed === undefined) {
      ch.joining++;
      await ch.ready;
      ch.joining--;
    }
    if (ch.failed) {
      const detail = ch.failed;
      if (this.pool.includes(ch)) {
        this.drop(ch);
        void this.closeChannel(ch);
      }
      this.counters.netErrors++;
      return { kind: 'neterror', detail };
    }
    // aborted while it waited for the channel (a listener added now would never be called)
    if (signal?.aborted) return ABORTED;
    // closed (by the server) while this query waited: ask on a channel of the pool
    if (!this.pool.includes(ch)) return this.exchange(q, edns, timeoutMs, signal);
    return this.send(ch, q, edns, timeoutMs, signal);
  }

  private send(
    ch: C,
    q: Question,
    edns: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    let id = this.ids.next();
    while (ch.pending.has(id)) id = this.ids.next();
    return new Promise<Outcome>((resolve) => {
      const p = new Pending(ch, id, q, edns, timeoutMs, signal, resolve);
      this.live++;
      ch.pending.set(id, p);
      this.deadlines.add(p);
      if (signal && !this.watched.has(signal)) this.watch(signal);
      this.outbox.push(p);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(this.flushOutbox);
      }
    });
  }

  /**
   * Sends what this turn of the event loop asked, per channel in the order asked: the resolver is
   * woken once for the burst instead of once per query when it keeps up (a sleeping receiver's
   * wake-up is most of a loopback sendmsg's cost).
   */
  private readonly flushOutbox = (): void => {
    this.flushing = false;
    const out = this.outbox;
    this.outbox = [];
    let first: C | undefined;
    const burst: Pending[] = [];
    let others: Map<C, Pending[]> | undefined;
    for (const p of out) {
      if (p.done) continue;
      const ch = p.ch as C;
      if (first === undefined) first = ch;
      if (ch === first) burst.push(p);
      else {
        others ??= new Map();
        const list = others.get(ch);
        if (list) list.push(p);
        else others.set(ch, [p]);
      }
    }
    if (first === undefined) return;
    this.counters.sent += burst.length;
    this.transmit(first, burst);
    if (others)
      for (const [ch, list] of others) {
        this.counters.sent += list.length;
        this.transmit(ch, list);
      }
  };

  /**
   * Ends the queries in flight with `signal` when it aborts: one subscription per signal for the
   * transport's lifetime (the signal's hub holds it; both go when the signal is collected).
   */
  private watch(signal: AbortSignal): void {
    this.watched.add(signal);
    whenAborted(signal, () => {
      for (const ch of this.pool)
        for (const p of [...ch.pending.values()]) if (p.signal === signal) this.finish(p, ABORTED);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.pool.splice(0);
    for (const ch of all) {
      for (const p of [...ch.pending.values()])
        this.finish(p, { kind: 'neterror', detail: 'resolver client closed' });
      ch.pending.clear();
    }
    await Promise.all(all.map((ch) => this.closeChannel(ch)));
    for (const w of this.waiting.splice(0)) w();
  }
}
