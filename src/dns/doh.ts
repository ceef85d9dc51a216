/**
 * DNS over HTTPS (RFC 8484): POST application/dns-message through an undici Pool. The DoH host
 * is an IP literal, or resolved once through the operating system (the only name mailsec ever
 * resolves that way: the resolver cannot resolve its own address).
 */
import { lookup as osLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Pool } from 'undici';
import { assertEgressAllowed } from '../net/egress.ts';
import type { ResolverSpec } from './spec.ts';
import { emptyStats, errorDetail, type Outcome, type Transport, type TransportStats } from './transport.ts';
import { decodeResponse, encodeQuery, type Question } from './wire.ts';

export interface DohTransportOptions {
  /** extra trusted CA certificates (PEM), added to Node's store (which honours NODE_EXTRA_CA_CERTS) */
  readonly ca?: string | readonly string[];
  /** connections to the DoH server (default 8; HTTP/2 multiplexes streams on each when offered) */
  readonly connections?: number;
}

/** Largest DNS message accepted over DoH. */
const MAX_MESSAGE = 65535;

export class DohTransport implements Transport {
  readonly label: string;
  private readonly spec: Extract<ResolverSpec, { kind: 'doh' }>;
  private readonly options: DohTransportOptions;
  private target: Promise<{ address: string; family: number } | { error: string }> | undefined;
  private client: Pool | undefined;
  private readonly counters: TransportStats = emptyStats();
  private inFlight = 0;
  private closed = false;

  constructor(spec: Extract<ResolverSpec, { kind: 'doh' }>, options: DohTransportOptions = {}) {
    this.spec = spec;
    this.options = options;
    this.label = spec.url;
  }

  stats(): TransportStats {
    return { ...this.counters, inFlight: this.inFlight };
  }

  private resolveHost() {
    this.target ??= (async () => {
      const fam = isIP(this.spec.host);
      if (fam !== 0) return { address: this.spec.host, family: fam };
      try {
        const r = await osLookup(this.spec.host);
        return { address: r.address, family: r.family };
      } catch (e) {
        return { error: `cannot resolve the DoH host ${this.spec.host}: ${errorDetail(e)}` };
      }
    })();
    return this.target;
  }

  private getClient(address: string, family: number): Pool {
    if (this.client) return this.client;
    const extra = this.options.ca === undefined ? [] : [this.options.ca].flat();
    const lookup: LookupFunction = (_hostname, opts, cb) => {
      if (opts.all)
        (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
      else cb(null, address, family);
    };
    const origin = new URL(this.spec.url).origin;
    this.client = new Pool(origin, {
      connections: Math.max(1, this.options.connections ?? 8),
      connect: {
        ...(isIP(this.spec.host) === 0 ? { lookup } : {}),
        ...(extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {}),
      },
    });
    return this.client;
  }

  async exchange(q: Question, edns: boolean, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    if (this.closed) return { kind: 'neterror', detail: 'resolver client closed' };
    const target = await this.resolveHost();
    if ('error' in target) {
      this.counters.netErrors++;
      return { kind: 'neterror', detail: target.error };
    }
    assertEgressAllowed(target.address, 'DNS query');
    if (signal?.aborted) return { kind: 'aborted' };
    const client = this.getClient(target.address, target.family);
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    this.counters.sent++;
    this.inFlight++;
    try {
      const res = await client.request({
        path: this.spec.path,
        method: 'POST',
        headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
        body: encodeQuery(q, 0, edns), // RFC 8484 §4.1: id 0
        idempotent: true,
        signal: both,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_MESSAGE) break;
        chunks.push(chunk as Buffer);
      }
      if (res.statusCode !== 200) {
        this.counters.netErrors++;
        return { kind: 'neterror', detail: `DoH: HTTP ${res.statusCode} from ${this.label}` };
      }
      const r = size <= MAX_MESSAGE ? decodeResponse(Buffer.concat(chunks), q) : null;
      if (!r) {
        this.counters.netErrors++;
        return { kind: 'neterror', detail: `DoH: malformed or mismatched answer from ${this.label}` };
      }
      this.counters.received++;
      return { kind: 'response', response: r };
    } catch (e) {
      if (signal?.aborted) return { kind: 'aborted' };
      if (timeout.aborted) {
        this.counters.timeouts++;
        return { kind: 'timeout', detail: `no answer from ${this.label}` };
      }
      this.counters.netErrors++;
      return { kind: 'neterror', detail: `DoH: ${errorDetail(e)}` };
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) await c.destroy().catch(() => {});
  }
}
