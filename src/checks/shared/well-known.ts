/**
 * A resource at a well-known HTTPS location (`/.well-known/did-configuration.json`,
 * `/.well-known/mcp.json`): what one fetch of it says. "Could not test" stays apart from "not
 * served": a timeout, a DNS failure, a 5xx, an unreachable network or a body over the cap that
 * was not read say nothing about the resource; no address, a refused connection on 443 (no web
 * server), a 4xx, a redirect (never followed: the resource must be at its own origin) or an
 * HTML page served for every path (a soft 404) mean it is not served.
 */
import type { HttpResponse } from '../../net/https.ts';

export type WellKnownVerdict =
  /** a 200 with a body that is not an HTML catch-all page */
  | { readonly kind: 'served'; readonly response: HttpResponse; readonly body: Buffer }
  | { readonly kind: 'absent'; readonly reason: string }
  | { readonly kind: 'too-large'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string }
  /** the certificate is not valid: nothing was requested */
  | { readonly kind: 'certificate'; readonly reason: string }
  /** the address is outside the address policy: nothing was sent */
  | { readonly kind: 'not-fetched'; readonly reason: string };

const reasonOf = (r: HttpResponse) => `${r.outcome}${r.error ? `: ${r.error}` : ''}`;

export function classifyWellKnown(
  r: HttpResponse,
  soft404 = (b: Buffer) => looksLikeHtml(b),
): WellKnownVerdict {
  switch (r.outcome) {
    case 'unresolvable':
      return { kind: 'absent', reason: 'the name has no address' };
    case 'refused':
      return { kind: 'absent', reason: `no web server (${reasonOf(r)})` };
    case 'refused-address':
    case 'bad-url':
      return { kind: 'not-fetched', reason: r.error ?? 'address not allowed' };
    case 'certificate':
      return { kind: 'certificate', reason: r.error ?? 'invalid' };
    case 'too-large':
      // an HTML page over the cap is a catch-all page, not the resource
      return r.mediaType === 'text/html'
        ? { kind: 'absent', reason: 'a large HTML page (a catch-all), not the resource' }
        : { kind: 'too-large', reason: reasonOf(r) };
    case 'ok':
      break;
    default:
      return { kind: 'unknown', reason: reasonOf(r) };
  }
  const status = r.status ?? 0;
  if (status >= 500) return { kind: 'unknown', reason: `HTTP ${status}` };
  if (status >= 300 && status < 400)
    return {
      kind: 'absent',
      reason: `HTTP ${status} redirect to ${r.location ?? '(no Location)'}, not followed`,
    };
  if (status !== 200) return { kind: 'absent', reason: `HTTP ${status}` };
  const body = r.body ?? Buffer.alloc(0);
  if (r.mediaType === 'text/html' && soft404(body))
    return { kind: 'absent', reason: 'HTTP 200 with an HTML page (a catch-all), not the resource' };
  return { kind: 'served', response: r, body };
}

export function looksLikeHtml(body: Buffer): boolean {
  return /^\s*<(!doctype|html|head|body)/i.test(body.subarray(0, 512).toString('utf8'));
}

/** JSON.parse, or the reason it is not JSON (UTF-8, BOM tolerated) */
export function parseJson(body: Buffer): { value: unknown } | { error: string } {
  let text = body.toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: (e as Error).message.slice(0, 200) };
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
