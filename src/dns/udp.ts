/**
 * Plain DNS over UDP to one resolver: a small pool of connected UDP sockets (plain.ts: ids,
 * deadlines, bursts), responses accepted only from the resolver's address and port, and a TCP
 * retry when an answer is truncated.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect } from 'node:net';
import { whenAborted } from '../core/abort.ts';
import { assertEgressAllowed } from '../net/egress.ts';
import {
  type Channel,
  canonicalIp,
  type Pending,
  PlainTransport,
  type PlainTransportOptions,
} from './plain.ts';
import { errorDetail, type Outcome } from './transport.ts';
import { decodeResponse, encodeQuery, type Question } from './wire.ts';

export { canonicalIp } from './plain.ts';

export type UdpTransportOptions = PlainTransportOptions;

interface UdpChannel extends Channel {
  readonly sock: UdpSocket;
}

export class UdpTransport extends PlainTransport<UdpChannel> {
  constructor(address: string, port: number, options: UdpTransportOptions = {}) {
    super(address, port, { channels: 4, perChannel: 1024, softPerChannel: 0 }, options);
  }

  protected openChannel(): UdpChannel {
    const sock = createSocket({ type: this.family === 6 ? 'udp6' : 'udp4' });
    const ch: UdpChannel = {
      sock,
      pending: new Map(),
      connected: false,
      joining: 0,
      ready: new Promise<void>((resolve) => {
        sock.once('connect', () => {
          ch.connected = true;
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
    sock.on('message', (msg, rinfo) => this.onMessage(ch, msg, rinfo));
    // a connected UDP socket reports ICMP errors (ECONNREFUSED …): fail what is in flight on it
    sock.on('error', (e) => this.failChannel(ch, errorDetail(e)));
    sock.connect(this.port, this.address);
    sock.unref();
    return ch;
  }

  private onMessage(ch: UdpChannel, msg: Buffer, rinfo: RemoteInfo): void {
    if (
      rinfo.port !== this.port ||
      (rinfo.address !== this.address && canonicalIp(rinfo.address) !== this.address)
    ) {
      this.counters.ignored++;
      return;
    }
    this.deliver(ch, msg);
  }

  /** one datagram after another */
  protected transmit(ch: UdpChannel, burst: Pending[]): void {
    for (const p of burst)
      ch.sock.send(encodeQuery(p.q, p.id, p.edns), (err) => {
        if (err) this.finish(p, { kind: 'neterror', detail: errorDetail(err) });
      });
  }

  protected closeChannel(ch: UdpChannel): Promise<void> {
    return new Promise<void>((r) => ch.sock.close(() => r()));
  }

  protected override retryTruncated(p: Pending): Promise<Outcome> {
    return this.tcpExchange(p.q, p.edns, p.timeoutMs, p.signal);
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
}
