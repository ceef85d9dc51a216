/**
 * DNS presentation format (RFC 1035 §5.1): character-strings, TXT rdata split into strings of at
 * most 255 octets (RFC 1035 §3.3.14, RFC 7208 §3.3), absolute names, and one zone-file line.
 * Shared by the records the findings propose and the ones `mailsec generate` prints. Pure.
 */
import type { Parsed, Problem } from '../core/parsed.ts';

/** The longest character-string (RFC 1035 §3.3). */
export const MAX_CHARACTER_STRING = 255;

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** One character-string, quoted: `"` and `\` escaped, bytes outside printable ASCII as `\DDD`. */
export function quoteCharacterString(text: string): string {
  // the common case, printable ASCII without `"` or `\`, is its own presentation (one string,
  // not one per byte: the records a scan's findings propose pass here for every domain)
  if (PLAIN.test(text)) return `"${text}"`;
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/**
 * TXT rdata for a text of any length: character-strings of at most 255 octets, never splitting a
 * UTF-8 sequence (receivers join them without separator, RFC 7208 §3.3).
 */
export function txtRdata(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return '""';
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + MAX_CHARACTER_STRING, bytes.length);
    // back off to a character boundary (a continuation byte is 10xxxxxx)
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(quoteCharacterString(bytes.subarray(start, end).toString('utf8')));
    start = end;
  }
  return parts.join(' ');
}

/**
 * Reads character-strings in presentation form (`"a b" "c"`, or unquoted words), unescaping `\X`
 * and `\DDD`. Problems: `unterminated` (a quote not closed), `escape` (a bad `\DDD`), `too-long`
 * (a string over 255 octets).
 */
export function parseCharacterStrings(rdata: string): Parsed<string[]> {
  const out: string[] = [];
  const problems: Problem[] = [];
  let i = 0;
  while (i < rdata.length) {
    const c = rdata[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const quoted = c === '"';
    const start = i;
    if (quoted) i++;
    const bytes: number[] = [];
    let closed = !quoted;
    while (i < rdata.length) {
      const ch = rdata[i]!;
      if (quoted && ch === '"') {
        closed = true;
        i++;
        break;
      }
      if (!quoted && (ch === ' ' || ch === '\t')) break;
      if (ch === '\\') {
        const ddd = /^\d{3}/.exec(rdata.slice(i + 1, i + 4));
        if (ddd) {
          const n = Number(ddd[0]);
          if (n > 255) problems.push({ code: 'escape', at: i, text: rdata.slice(i, i + 4) });
          bytes.push(n & 0xff);
          i += 4;
          continue;
        }
        const next = rdata[i + 1];
        if (next === undefined) {
          problems.push({ code: 'escape', at: i, text: '\\' });
          i++;
          continue;
        }
        bytes.push(...Buffer.from(next, 'utf8'));
        i += 2;
        continue;
      }
      bytes.push(...Buffer.from(ch, 'utf8'));
      i++;
    }
    if (!closed) problems.push({ code: 'unterminated', at: start, text: rdata.slice(start) });
    if (bytes.length > MAX_CHARACTER_STRING) problems.push({ code: 'too-long', at: start });
    out.push(Buffer.from(bytes).toString('utf8'));
  }
  if (problems.some((p) => p.code === 'unterminated' || p.code === 'escape')) return { ok: false, problems };
  return { ok: true, value: out, problems };
}

/** `example.ch` → `example.ch.`; the root stays `.`. */
export function absoluteName(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') ? name : `${name}.`;
}

/** One record as the contract and `mailsec generate --json` show it: TXT value is the joined text. */
export interface PresentedRecord {
  /** owner name, no trailing dot */
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  /** rdata in presentation format, except TXT: the text itself (one string, unquoted) */
  readonly value: string;
}

/** The rdata of a record as a zone file needs it (TXT quoted and split). */
export function zoneRdata(r: Pick<PresentedRecord, 'type' | 'value'>): string {
  return r.type === 'TXT' ? txtRdata(r.value) : r.value;
}

/** `name. TTL IN TYPE rdata` (tab-separated, as ldns and dig print it), ready to paste into a zone file. */
export function zoneLine(r: PresentedRecord): string {
  return `${absoluteName(r.name)}\t${r.ttl}\tIN\t${r.type}\t${zoneRdata(r)}`;
}

/** The short form the findings' fix texts use: `name TXT "text"` / `name CAA 0 issue "x"`. */
export function recordText(name: string, type: string, value: string): string {
  return `${name} ${type} ${type === 'TXT' ? txtRdata(value) : value}`;
}
