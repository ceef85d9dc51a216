import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import type { Resolver } from '../dns/types.ts';
import { failureReason, isFailure } from '../dns/types.ts';
import type { AddressPolicy } from './address-policy.ts';
import { trustStore } from './ca.ts';
import { assertEgressAllowed } from './egress.ts';
import { localTargetLimits, type TargetLimits } from './limits.ts';
import { captureTls, type TlsInfo } from './tls-info.ts';

/**
 * HTTPS GET for the checks that read web resources (MTA-STS policy, security.txt, BIMI assets,
 * Microsoft endpoints). The host name is resolved through mailsec's resolver (never the OS), the
 * address policy decides whether mailsec may connect, the certificate is verified (Node's store,
 * NODE_EXTRA_CA_CERTS, --ca-file) for the URL's host, redirects are never followed (the Location
 * is reported), the body is capped and no cache is used.
 */
export type HttpOutcome =
  /** a response came (any status) */
  | 'ok'
  /** the URL is not https:, or not a URL */
  | 'bad-url'
  /** the name has no A/AAAA records */
  | 'unresolvable'
  /** the resolver failed (SERVFAIL, timeout) */
  | 'dns-error'
  /**
   * every address is special-purpose and not inside --allow-private, or the URL names a port
   * other than 443 (interface.md: HTTPS uses port 443): nothing was sent
   */
  | 'refused-address'
  /** the certificate is not valid for the name (untrusted, expired, wrong name) */
  | 'certificate'
  /** the TCP connection was refused (ECONNREFUSED): nothing listens on the port */
  | 'refused'
  /** the connection was reset or closed before a response: says nothing about the resource */
  | 'reset'
  /**
   * no route from here to the address (ENETUNREACH, EHOSTUNREACH, …: e.g. no IPv6 on this
   * machine): says nothing about the server, so callers treat it as could not test
   */
  | 'unreachable'
  | 'timeout'
  /** the body is larger than the cap (the rest is not read) */
  | 'too-large'
  | 'error';

export interface HttpResponse {
  readonly url: string;
  readonly outcome: HttpOutcome;
  /** HTTP status; null when no response came */
  readonly status: number | null;
  /** lower-case header names */
  readonly headers: Readonly<Record<string, string>>;
  /** the media type without parameters, lower case */
  readonly mediaType: string | null;
  /** the charset parameter, lower case */
  readonly charset: string | null;
  /** Location header of a 3xx (never followed) */
  readonly location: string | null;
  /** the body (null when none was read, or when over the cap) */
  readonly body: Buffer | null;
  /** the address connected to */
  readonly address: string | null;
  /** what went wrong, for humans */
  readonly error: string | null;
  /** the TLS session (certificate chain as presented), when asked for with `captureTls` and a handshake completed */
  readonly tls?: TlsInfo;
}

export interface FetchOptions {
  /** body cap in bytes (default 64 KiB) */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
  readonly accept?: string;
  /** report the certificate chain the server presented (`tls` in the response) */
  readonly captureTls?: boolean;
}

export interface HttpFetcher {
  fetch(url: string, options?: FetchOptions): Promise<HttpResponse>;
  /** requests sent so far (for tests and benchmarks) */
  readonly requests: number;
}

export interface HttpFetcherOptions {
  readonly resolver: Resolver;
  readonly addressPolicy: AddressPolicy;
  /** --http-timeout: the whole fetch (connect, headers, body) */
  readonly timeoutMs: number;
  /** PEM file of extra trusted CAs (beside Node's store and NODE_EXTRA_CA_CERTS) */
  readonly caFile?: string;
  /** port (default 443; tests only) */
  readonly port?: number;
  /** fetches in flight per web server address (default 8): shared hosting serves many domains from one address */
  readonly perAddress?: number;
  /** where that limit is held (default: this process; Redis across the workers of a scale-out scan) */
  readonly limits?: TargetLimits;
}

export const DEFAULT_MAX_BYTES = 64 * 1024;
const USER_AGENT = 'mailsec (+https://github.com/mailsec)';

const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_REVOKED',
]);

const UNREACHABLE_CODES = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL']);

/** The outcome of a fetch that threw (exported for tests). */
export function classify(e: unknown): { outcome: HttpOutcome; error: string } {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.code ?? '';
  const cause = err?.cause?.code ?? '';
  const message = err?.message ?? String(e);
  if (CERT_CODES.has(code) || CERT_CODES.has(cause)) return { outcome: 'certificate', error: message };
  if (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ETIMEDOUT' ||
    err instanceof DOMException ||
    (e as Error)?.name === 'TimeoutError' ||
    (e as Error)?.name === 'AbortError'
  )
    return { outcome: 'timeout', error: message };
  if (UNREACHABLE_CODES.has(code) || UNREACHABLE_CODES.has(cause))
    return { outcome: 'unreachable', error: message };
  if (code === 'ECONNREFUSED' || cause === 'ECONNREFUSED') return { outcome: 'refused', error: message };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || cause === 'ECONNRESET')
    return { outcome: 'reset', error: message };
  return { outcome: 'error', error: message };
}

const empty = (url: string, outcome: HttpOutcome, error: string, address: string | null = null) =>
  ({
    url,
    outcome,
    status: null,
    headers: {},
    mediaType: null,
    charset: null,
    location: null,
    body: null,
    address,
    error,
  }) satisfies HttpResponse;

/** The addresses of a name through mailsec's resolver: A first, then AAAA. */
async function addressesOf(
  resolver: Resolver,
  host: string,
  signal?: AbortSignal,
): Promise<{ addresses: string[]; failure?: string }> {
  if (isIP(host)) return { addresses: [host] };
  const opts = signal ? { signal } : undefined;
  const [a, aaaa] = await Promise.all([resolver.query(host, 'A', opts), resolver.query(host, 'AAAA', opts)]);
  const addresses = [...a.records, ...aaaa.records];
  if (!addresses.length && (isFailure(a) || isFailure(aaaa)))
    return { addresses, failure: failureReason(isFailure(a) ? a : aaaa) };
  return { addresses };
}

export function createHttpFetcher(o: HttpFetcherOptions): HttpFetcher {
  const ca = trustStore(o.caFile);
  const limits = o.limits ?? localTargetLimits();
  const perAddress = o.perAddress ?? 8;
  let requests = 0;
  return {
    get requests() {
      return requests;
    },
    async fetch(url, f = {}) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return empty(url, 'bad-url', `"${url}" is not a URL`);
      }
      if (u.protocol !== 'https:') return empty(url, 'bad-url', `"${url}" is not an https: URL`);
      // the URL parser drops the default port, so any port left is not 443
      if (u.port !== '')
        return empty(url, 'refused-address', `port ${u.port}: mailsec fetches HTTPS on port 443 only`);
      const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const signal = f.signal ? AbortSignal.any([f.signal, timeout]) : timeout;
      const resolved = await addressesOf(o.resolver, host, signal);
      if (resolved.failure) return empty(url, 'dns-error', resolved.failure);
      if (!resolved.addresses.length) return empty(url, 'unresolvable', `${host} has no A or AAAA record`);
      // the address policy is the only judge; the first allowed address is used
      const address = resolved.addresses.find((a) => o.addressPolicy.verdict(a).allowed);
      if (!address) {
        const v = o.addressPolicy.verdict(resolved.addresses[0]!);
        return empty(url, 'refused-address', v.reason ?? 'address not allowed');
      }
      assertEgressAllowed(address, 'HTTPS');
      const family = isIP(address);
      const connectOptions = {
        ...(ca ? { ca } : {}),
        ...(isIP(host) ? {} : { servername: host }),
        rejectUnauthorized: true,
        timeout: o.timeoutMs,
        lookup: (_name: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
          if (opts?.all) cb(null, [{ address, family }]);
          else cb(null, address, family);
        },
      };
      let tls: TlsInfo | undefined;
      const connector = f.captureTls ? buildConnector(connectOptions as never) : undefined;
      const agent = new Agent({
        connect: connector
          ? (opts, cb) =>
              connector(opts, (...args) => {
                const socket = args[1] as TLSSocket | null;
                if (!args[0] && socket) tls = captureTls(socket, host, ca);
                (cb as (...a: unknown[]) => void)(...args);
              })
          : (connectOptions as never),
        connections: 1,
        pipelining: 0,
      });
      const origin = `https://${u.hostname.startsWith('[') ? u.hostname : host}${o.port ? `:${o.port}` : ''}`;
      const max = f.maxBytes ?? DEFAULT_MAX_BYTES;
      let release: (() => void) | undefined;
      try {
        // the wait for a slot is not the server's time: the timeout starts once the slot is held
        release = await limits.acquire(`web-address:${address}`, perAddress, f.signal);
        const requestTimeout = AbortSignal.timeout(o.timeoutMs);
        const requestSignal = f.signal ? AbortSignal.any([f.signal, requestTimeout]) : requestTimeout;
        requests++;
        const res = await request(new URL(`${u.pathname}${u.search}`, origin), {
          method: 'GET',
          dispatcher: agent,
          signal: requestSignal,
          headers: {
            'user-agent': USER_AGENT,
            accept: f.accept ?? '*/*',
            'cache-control': 'no-cache',
          },
          headersTimeout: o.timeoutMs,
          bodyTimeout: o.timeoutMs,
        });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        const ct = headers['content-type'] ?? null;
        const mediaType = ct ? (ct.split(';')[0] ?? '').trim().toLowerCase() : null;
        const cs = ct ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(ct) : null;
        const base = {
          url,
          ...(tls ? { tls } : {}),
          status: res.statusCode,
          headers,
          mediaType,
          charset: cs?.[1]?.toLowerCase() ?? null,
          location: res.statusCode >= 300 && res.statusCode < 400 ? (headers.location ?? null) : null,
          address,
        };
        const declared = Number(headers['content-length']);
        if (Number.isFinite(declared) && declared > max) {
          res.body.destroy();
          return {
            ...base,
            outcome: 'too-large',
            body: null,
            error: `body of ${declared} bytes (cap ${max})`,
          };
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body) {
          const b = chunk as Buffer;
          size += b.length;
          if (size > max) {
            res.body.destroy();
            return { ...base, outcome: 'too-large', body: null, error: `body over ${max} bytes` };
          }
          chunks.push(b);
        }
        return { ...base, outcome: 'ok', body: Buffer.concat(chunks), error: null };
      } catch (e) {
        const c = classify(e);
        return empty(url, c.outcome, c.error, address);
      } finally {
        release?.();
        agent.destroy().catch(() => {});
      }
    },
  };
}

/** A short human description of a response that is not a usable 200. */
export function describeFailure(r: HttpResponse): string {
  if (r.outcome === 'ok') return `HTTP ${r.status}${r.location ? ` (Location: ${r.location})` : ''}`;
  return `${r.outcome}${r.error ? `: ${r.error}` : ''}`;
}
