/**
 * TLSA syntax (RFC 6698 §2.2 presentation format): written, and read back. Every TLSA record
 * mailsec proposes is built here; the association data comes from dane.ts, the same code that
 * matches records against a presented chain. Pure.
 */
import type { Parsed } from '../../core/parsed.ts';
import type { TlsaRecord } from '../../dns/types.ts';

/** `_25._tcp.mx.example.ch`: the TLSA name of an SMTP server (RFC 7672 §2.2). */
export const tlsaName = (host: string, port = 25) => `_${port}._tcp.${host}`;

/** `3 1 1 <hex>` (lower-case hex, no spaces). */
export function serialiseTlsa(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toLowerCase()}`;
}

/** Reads `usage selector matching-type hex…` (the hex may be split by white space). */
export function parseTlsaRdata(text: string): Parsed<TlsaRecord> {
  const m = /^\s*(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s+([0-9A-Fa-f\s]+?)\s*$/.exec(text);
  if (!m) return { ok: false, problems: [{ code: 'syntax', at: 0, text }] };
  const data = m[4]!.replace(/\s+/g, '').toLowerCase();
  const [usage, selector, matchingType] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (usage > 255 || selector > 255 || matchingType > 255 || data.length % 2 !== 0)
    return { ok: false, problems: [{ code: 'syntax', at: 0, text }] };
  return { ok: true, value: { usage, selector, matchingType, data }, problems: [] };
}
