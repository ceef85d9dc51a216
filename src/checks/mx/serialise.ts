/**
 * MX rdata (RFC 1035 §3.3.9), written and read back, and the Null MX (RFC 7505). Every MX record
 * mailsec proposes is built here. Pure.
 */
import type { Parsed } from '../../core/parsed.ts';
import type { MxRecord } from '../../dns/types.ts';
import { absoluteName } from '../../protocol/presentation.ts';

/** `10 mx.example.ch.`; the Null MX (exchange '') is `0 .`. */
export function serialiseMx(r: MxRecord): string {
  return `${r.preference} ${absoluteName(r.exchange)}`;
}

/** Reads `preference exchange` (absolute names only); the exchange comes back normalised. */
export function parseMxRdata(text: string): Parsed<MxRecord> {
  const m = /^\s*(\d{1,5})\s+(\S+)\s*$/.exec(text);
  if (!m || Number(m[1]) > 65535 || !m[2]!.endsWith('.'))
    return { ok: false, problems: [{ code: 'syntax', at: 0, text }] };
  const exchange = m[2] === '.' ? '' : m[2]!.slice(0, -1).toLowerCase();
  return { ok: true, value: { preference: Number(m[1]), exchange }, problems: [] };
}

/** RFC 7505 §3: the domain accepts no mail. */
export const NULL_MX: MxRecord = { preference: 0, exchange: '' };
