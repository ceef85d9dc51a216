/** What one attempt of one query over a transport ended with. */
import type { Question, WireResponse } from './wire.ts';

export type Outcome =
  | { readonly kind: 'response'; readonly response: WireResponse }
  | { readonly kind: 'timeout'; readonly detail: string }
  | { readonly kind: 'neterror'; readonly detail: string }
  | { readonly kind: 'aborted' };

export interface TransportStats {
  /** packets (or HTTP requests) sent */
  sent: number;
  /** responses matched to a query */
  received: number;
  /** attempts that got no answer in time */
  timeouts: number;
  /** network errors (refused, unreachable, reset, bad DoH answer) */
  netErrors: number;
  /** TCP retries after a truncated UDP answer */
  tcpFallbacks: number;
  /** packets received that matched no query in flight (late, spoofed, mismatched) */
  ignored: number;
  /** queries waiting for an answer right now */
  inFlight: number;
}

export const emptyStats = (): TransportStats => ({
  sent: 0,
  received: 0,
  timeouts: 0,
  netErrors: 0,
  tcpFallbacks: 0,
  ignored: 0,
  inFlight: 0,
});

export interface Transport {
  /** the resolver, as --resolver takes it, for messages */
  readonly label: string;
  /**
   * One attempt. Throws only MailsecError (egress denied); every DNS failure is an Outcome.
   * `edns`: send the OPT record (payload 1232, DO bit).
   */
  exchange(q: Question, edns: boolean, timeoutMs: number, signal?: AbortSignal): Promise<Outcome>;
  stats(): TransportStats;
  close(): Promise<void>;
}

/** A short description of a network error for Answer.detail. */
export function errorDetail(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && o.code !== 'UND_ERR_SOCKET' && o.code !== 'UND_ERR') {
      return typeof o.message === 'string' && o.message && !o.message.includes(o.code)
        ? `${o.code}: ${o.message}`
        : String(o.message || o.code);
    }
    if (o.cause) return errorDetail(o.cause);
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}
