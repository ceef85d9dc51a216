import type { HttpResponse } from '../../net/https.ts';
import type { GatherContext } from '../types.ts';
import { looksLikeSecurityTxt } from './parse.ts';

/** internet.nl caps security.txt at 100 KiB */
export const SECURITY_TXT_MAX_BYTES = 100 * 1024;
/** RFC 9116 §3: redirects may be followed; at most this many, and only to https: */
const MAX_REDIRECTS = 3;

export interface SecurityTxtFetch {
  /** the URL asked first (the well-known or the legacy location) */
  readonly url: string;
  /** the responses, redirects followed */
  readonly responses: readonly HttpResponse[];
}

export interface SecurityTxtGathered {
  readonly domain: string;
  /** null: no HTTPS (--no-http) */
  readonly wellKnown: SecurityTxtFetch | null;
  /** the legacy /security.txt, asked only when the well-known location has none */
  readonly legacy: SecurityTxtFetch | null;
}

export const wellKnownUrl = (domain: string) => `https://${domain}/.well-known/security.txt`;
export const legacyUrl = (domain: string) => `https://${domain}/security.txt`;

/** A 200 with a body that is plausibly a security.txt (not an HTML catch-all). */
export function usable(r: HttpResponse | undefined): boolean {
  if (r?.outcome !== 'ok' || r.status !== 200 || !r.body) return false;
  return r.mediaType !== 'text/html' && looksLikeSecurityTxt(r.body.toString('utf8'));
}

async function fetchFollowing(ctx: GatherContext, url: string): Promise<SecurityTxtFetch> {
  const responses: HttpResponse[] = [];
  let next: string | null = url;
  for (let hop = 0; next && hop <= MAX_REDIRECTS; hop++) {
    const r: HttpResponse = await ctx.http!.fetch(next, {
      maxBytes: SECURITY_TXT_MAX_BYTES,
      signal: ctx.signal,
      accept: 'text/plain',
    });
    responses.push(r);
    next = null;
    if (r.outcome === 'ok' && r.status !== null && r.status >= 300 && r.status < 400 && r.location) {
      try {
        const target = new URL(r.location, r.url);
        if (target.protocol === 'https:') next = target.href;
      } catch {
        next = null;
      }
    }
  }
  return { url, responses };
}

/** RFC 9116 §3: `/.well-known/security.txt`, then the legacy `/security.txt`. */
export async function gatherSecurityTxt(domain: string, ctx: GatherContext): Promise<SecurityTxtGathered> {
  if (!ctx.http || ctx.options.noHttp) return { domain, wellKnown: null, legacy: null };
  const wellKnown = await fetchFollowing(ctx, wellKnownUrl(domain));
  const last = wellKnown.responses.at(-1);
  // no answer from the host at all: the legacy location would not answer either
  const noHost = [
    'dns-error',
    'timeout',
    'refused-address',
    'certificate',
    'unresolvable',
    'refused',
    'reset',
    'unreachable',
  ];
  if (usable(last) || (last && noHost.includes(last.outcome))) return { domain, wellKnown, legacy: null };
  return { domain, wellKnown, legacy: await fetchFollowing(ctx, legacyUrl(domain)) };
}
