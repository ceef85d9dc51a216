import { getDomain } from 'tldts';

/**
 * RFC 7489 §3.2: the organisational domain from the public suffix list (private suffixes
 * included): the registrable domain, or the name itself when it has none. DMARC computes it
 * beside the RFC 9989 tree walk; BIMI falls back to it when no DMARC result is at hand.
 */
export function pslOrgDomain(name: string): string {
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}
