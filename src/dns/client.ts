/**
 * The stub resolver client: one transport (UDP with TCP after truncation, pipelined TCP, or DoH) with per-attempt timeouts and retries.
 * Every DNS failure becomes an Answer (TIMEOUT, NETERROR with detail); the only rejections are
 * MailsecError EgressDenied (a packet would leave the allowed ranges) and the caller's abort.
 */

import { DohTransport, type DohTransportOptions } from './doh.ts';
import { createInFlightWindow, type RateGate } from './rate.ts';
import type { ResolverSpec } from './spec.ts';
import { TcpTransport } from './tcp.ts';
import type { Outcome, Transport, TransportStats } from './transport.ts';
import type { Answer, QueryOptions, RecordOf, Resolver, RRType } from './types.ts';
import { UdpTransport, type UdpTransportOptions } from './udp.ts';
import { failedAnswer, type Question, queryName, toAnswer, unencodableName } from './wire.ts';

export interface ClientOptions extends UdpTransportOptions, DohTransportOptions {
  /** per attempt, ms (default 2000) */
  readonly timeoutMs?: number;
  /** attempts per query (default 3) */
  readonly attempts?: number;
  /** a query-rate ceiling shared by the run (`--qps`, storm backoff); every packet sent takes a token */
  readonly rate?: RateGate;
  /**
   * queries on the wire at once, at most (default: no ceiling); more wait their turn, outside
   * their timeout. A resolver drops what overflows its request list, and a drop costs a timeout.
   */
  readonly maxInFlight?: number;
  /** told of every query that goes to the network (cache and in-flight sharing already passed) */
  readonly onQuery?: (name: string, type: RRType, checkingDisabled: boolean) => void;
}

export interface ClientStats extends TransportStats {
  /** queries asked of the client */
  queries: number;
  /** answers by rcode (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, …) */
  rcodes: Record<string, number>;
}

export interface ResolverClient extends Resolver {
  /** the resolver, as --resolver takes it */
  readonly label: string;
  stats(): ClientStats;
  /** releases sockets and connections; queries still in flight end as NETERROR */
  close(): Promise<void>;
}

export function createTransport(spec: ResolverSpec, options: ClientOptions = {}): Transport {
  if (spec.kind === 'doh') return new DohTransport(spec, options);
  if (spec.kind === 'tcp') return new TcpTransport(spec.address, spec.port, options);
  return new UdpTransport(spec.address, spec.port, options);
}

export function createClient(spec: ResolverSpec, options: ClientOptions = {}): ResolverClient {
  const transport = createTransport(spec, options);
  const timeoutMs = Math.max(1, options.timeoutMs ?? 2000);
  const attempts = Math.max(1, Math.floor(options.attempts ?? 3));
  let queries = 0;
  const rcodes: Record<string, number> = {};
  const rate = options.rate;
  const slowFailMs = Math.min(1000, timeoutMs / 2);
  const window =
    options.maxInFlight !== undefined && options.maxInFlight > 0
      ? createInFlightWindow(options.maxInFlight)
      : null;
  return {
    label: transport.label,
    async query<T extends RRType>(name: string, type: T, opts?: QueryOptions): Promise<Answer<RecordOf<T>>> {
      queries++;
      const q: Question & { type: T } = {
        name: queryName(name),
        type,
        checkingDisabled: opts?.checkingDisabled === true,
      };
      const signal = opts?.signal;
      signal?.throwIfAborted();
      const bad = unencodableName(q.name);
      // not sent: the server would answer FORMERR (or a truncated name would match nothing)
      if (bad) return failedAnswer(q, 'FORMERR', `"${q.name}" cannot be asked in DNS: ${bad}`);
      options.onQuery?.(q.name, type, q.checkingDisabled);
      let edns = true;
      let last: Outcome | undefined;
      for (let attempt = 0; attempt < attempts; attempt++) {
        if (rate && !rate.tryTake?.()) await rate.acquire(signal);
        let o: Outcome;
        let sentAt = rate ? performance.now() : 0;
        if (window) {
          const wait = window.enter();
          if (wait) {
            await wait;
            if (rate) sentAt = performance.now();
          }
          try {
            o = await transport.exchange(q, edns, timeoutMs, signal);
          } finally {
            window.leave();
          }
        } else o = await transport.exchange(q, edns, timeoutMs, signal);
        // a storm is a server that struggles: timeouts, and SERVFAILs that took long (the resolver
        // gave up on the zone's servers). A SERVFAIL at once is the zone's own verdict (a lame
        // delegation, a bogus signature): a TLD has thousands, and they must not slow the run.
        if (rate)
          rate.report(
            o.kind === 'timeout' ||
              (o.kind === 'response' &&
                o.response.rcode === 'SERVFAIL' &&
                performance.now() - sentAt >= slowFailMs)
              ? 'fail'
              : 'ok',
          );
        if (o.kind === 'aborted') {
          signal?.throwIfAborted();
          throw new Error('aborted');
        }
        if (o.kind === 'response') {
          // a server that does not speak EDNS answers FORMERR (RFC 6891 §7): ask once more without
          if (o.response.rcode === 'FORMERR' && edns) {
            edns = false;
            attempt--;
            continue;
          }
          rcodes[o.response.rcode] = (rcodes[o.response.rcode] ?? 0) + 1;
          return toAnswer(q, o.response);
        }
        last = o;
      }
      const failure = last as Extract<Outcome, { kind: 'timeout' | 'neterror' }>;
      return failure.kind === 'timeout'
        ? failedAnswer(q, 'TIMEOUT', `${failure.detail} (${attempts} × ${timeoutMs} ms)`)
        : failedAnswer(q, 'NETERROR', failure.detail);
    },
    stats: () => ({ ...transport.stats(), queries, rcodes: { ...rcodes } }),
    close: () => transport.close(),
  };
}
