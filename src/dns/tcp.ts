/**
 * Plain DNS over TCP to one resolver, pipelined (RFC 7766 §6.2.1): a query is written on an open
 * connection without waiting for the answers before it, the queries of one turn go in one write,
 * and the answers come back in any order, matched by id and question (plain.ts). A connection the
 * resolver closes (idle timeout, restart) leaves the pool; what was in flight on it ends as a
 * network error, which the client retries on a new one.
 *
 * Why: on a resolver of one's own, a stream costs the client about half the CPU per query of a
 * datagram (one read and one write per burst instead of a syscall per packet), and nothing is lost
 * when a burst overflows a socket buffer. Selected with `--resolver tcp://ADDR`.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { type Channel, type Pending, PlainTransport, type PlainTransportOptions } from './plain.ts';
import { errorDetail } from './transport.ts';
import { encodeQuery } from './wire.ts';

export type TcpTransportOptions = PlainTransportOptions;

interface TcpChannel extends Channel {
  readonly sock: Socket;
  /** the start of a frame whose rest has not arrived (at most 2 + 65,535 octets) */
  rest: Buffer | null;
}

export class TcpTransport extends PlainTransport<TcpChannel> {
  constructor(address: string, port: number, options: TcpTransportOptions = {}) {
    // 32 a connection before another is opened: Unbound works on at most 32 queries of one
    // connection at once (the rest wait in its socket buffer), so two connections held a scan to
    // 64 queries in the resolver and 70 % of UDP's rate; up to 8 connections (a default Unbound
    // serves 10 a thread, `incoming-num-tcp`, and leaves more unread in its accept queue), then up
    // to 1,024 queries on each
    super(address, port, { channels: 8, perChannel: 1024, softPerChannel: 32 }, options);
  }

  protected openChannel(): TcpChannel {
    const sock = tcpConnect({ host: this.address, port: this.port, noDelay: true });
    let why: string | undefined;
    const ch: TcpChannel = {
      sock,
      pending: new Map(),
      connected: false,
      joining: 0,
      rest: null,
      ready: new Promise<void>((resolve) => {
        sock.once('connect', () => {
          ch.connected = true;
          resolve();
        });
        sock.once('close', () => resolve());
      }),
    };
    sock.on('data', (chunk: Buffer) => this.onData(ch, chunk));
    sock.on('error', (e) => {
      why = `TCP: ${errorDetail(e)}`;
    });
    sock.on('close', () => {
      this.drop(ch);
      this.failChannel(ch, why ?? `TCP: ${this.label} closed the connection`);
    });
    sock.unref();
    return ch;
  }

  /** Splits the stream into its length-prefixed messages (RFC 1035 §4.2.2). */
  private onData(ch: TcpChannel, chunk: Buffer): void {
    let buf = chunk;
    if (ch.rest) {
      buf = Buffer.concat([ch.rest, chunk]);
      ch.rest = null;
    }
    const end = buf.length;
    let at = 0;
    while (end - at >= 2) {
      const len = buf.readUInt16BE(at);
      if (end - at - 2 < len) break;
      this.deliver(ch, buf.subarray(at + 2, at + 2 + len));
      at += 2 + len;
    }
    // a copy: a reference would keep the whole chunk alive until the frame completes
    if (at < end) ch.rest = Buffer.from(buf.subarray(at));
  }

  /** the burst's frames in one write */
  protected transmit(ch: TcpChannel, burst: Pending[]): void {
    if (ch.sock.destroyed) {
      for (const p of burst)
        this.finish(p, { kind: 'neterror', detail: `TCP: ${this.label} closed the connection` });
      return;
    }
    const queries = burst.map((p) => encodeQuery(p.q, p.id, p.edns));
    let total = 0;
    for (const q of queries) total += 2 + q.length;
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const q of queries) {
      out.writeUInt16BE(q.length, at);
      out.set(q, at + 2);
      at += 2 + q.length;
    }
    ch.sock.write(out);
  }

  protected closeChannel(ch: TcpChannel): Promise<void> {
    if (ch.sock.closed) return Promise.resolve();
    return new Promise<void>((r) => {
      ch.sock.once('close', () => r());
      ch.sock.destroy();
    });
  }
}
