/**
 * The rules `mailsec serve` is built on (interface.md, `mailsec serve`):
 *
 * - **where it listens**: loopback by default; any other address needs a token file and a TLS
 *   certificate and key, else the server refuses to start naming the missing option;
 * - **which Host it answers**: the names it listens as (the listen address, `localhost` on
 *   loopback, the machine's interface addresses when it listens on every address, and the
 *   names given with `--server-name`); any other Host gets 421 (DNS rebinding);
 * - **the token**: a file only its owner may read (mode ≤ 0600), at least 128 bits, compared in
 *   constant time (both sides hashed to the same length first);
 * - **sessions**: a random 256-bit id in an HttpOnly, Secure, SameSite=Strict cookie, kept in
 *   memory (a restart logs everyone out);
 * - **state-changing requests**: an `Origin` (or `Sec-Fetch-Site`) that says another site is
 *   refused; a cookie (or anonymous) request needs a CSRF token, a bearer-token request does not
 *   (a browser cannot send another site's bearer token).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** 128 bits: the floor for a token (interface.md) */
export const MIN_TOKEN_BITS = 128;

/** Where the server listens. */
export interface ListenAddress {
  /** an IP literal (brackets removed) or `localhost` */
  readonly host: string;
  readonly port: number;
}

/** 127.0.0.0/8, ::1 and `localhost`: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return /^::ffff:127\./.test(h);
}

/** The Host header form of a name (IPv6 literals in brackets). */
function hostForm(name: string): string {
  return isIP(name) === 6 ? `[${name}]` : name.toLowerCase();
}

/**
 * The Host header values the server answers: `name:port` for each name it listens as, and the
 * bare name when the port is the scheme's default.
 */
export function allowedHosts(
  listen: ListenAddress,
  o: { tls: boolean; serverNames?: readonly string[] },
): Set<string> {
  const names = new Set<string>([listen.host]);
  if (isLoopback(listen.host)) names.add('localhost');
  if (listen.host === '0.0.0.0' || listen.host === '::') {
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (listen.host === '::' || a.family === 'IPv4') names.add(a.address);
    names.add('localhost');
  }
  if (listen.host === 'localhost') names.add('127.0.0.1');
  for (const n of o.serverNames ?? []) names.add(n.toLowerCase());
  const out = new Set<string>();
  const defaultPort = o.tls ? 443 : 80;
  for (const n of names) {
    out.add(`${hostForm(n)}:${listen.port}`);
    if (listen.port === defaultPort) out.add(hostForm(n));
  }
  return out;
}

/**
 * An upper bound of a token's strength from its length and alphabet: hex digits carry 4 bits a
 * character, base64/base64url 6, other printable ASCII log2(94); white space or control
 * characters inside make it unusable (0).
 */
export function tokenBits(token: string): number {
  if (token === '' || /[\s\x00-\x1f\x7f]/.test(token)) return 0;
  if (new Set(token).size < 8) return 0;
  const perChar = /^[0-9a-fA-F]+$/.test(token)
    ? 4
    : /^[A-Za-z0-9+/=_-]+$/.test(token)
      ? 6
      : /^[\x21-\x7e]+$/.test(token)
        ? Math.log2(94)
        : 8;
  return token.length * perChar;
}

/** A new 256-bit token (base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(token));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export const SESSION_COOKIE = 'mailsec_session';
/** a session lasts this long from login (ms) */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** sessions kept at once; the oldest goes first */
const MAX_SESSIONS = 1000;

/** Server-side sessions: random ids, an expiry, nothing else. */
export class Sessions {
  private readonly byId = new Map<string, number>();
  private readonly now: () => number;
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  create(): string {
    const id = randomBytes(32).toString('base64url');
    if (this.byId.size >= MAX_SESSIONS) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.byId.delete(oldest);
    }
    this.byId.set(id, this.now() + SESSION_MS);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.byId.get(id);
    if (expires === undefined) return false;
    if (expires < this.now()) {
      this.byId.delete(id);
      return false;
    }
    return true;
  }

  end(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }
}

/**
 * Whether a state-changing request comes from this site as far as the browser says: an
 * `Origin` that is not ours, or a `Sec-Fetch-Site` of another site, refuses it.
 */
export function sameOrigin(
  headers: { origin?: string | undefined; 'sec-fetch-site'?: string | undefined },
  ownOrigin: string,
): boolean {
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== ownOrigin.toLowerCase()) return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  return true;
}
