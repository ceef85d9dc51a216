import type { Problem } from '../../protocol/tag-list.ts';

/** A parsed security.txt (RFC 9116 §2.5): fields in order, and what the signature looked like. */
export interface SecurityTxt {
  readonly fields: { name: string; value: string; line: number }[];
  /** OpenPGP cleartext signature framing present (not verified) */
  readonly signed: boolean;
  readonly problems: Problem[];
}

/** RFC 9116 §2.5 and the IANA registry */
export const KNOWN_FIELDS = [
  'acknowledgments',
  'canonical',
  'contact',
  'csaf',
  'encryption',
  'expires',
  'hiring',
  'policy',
  'preferred-languages',
];
const URI_FIELDS = new Set([
  'acknowledgments',
  'canonical',
  'contact',
  'csaf',
  'encryption',
  'hiring',
  'policy',
]);

/**
 * Parses a security.txt body, reporting problems with the DigitalTrustCenter sectxt codes:
 * `bom_in_file`, `no_line_separators`, `prec_ws`, `no_space`, `empty_value`, `invalid_line`,
 * `unknown_field`, `no_uri`, `no_https`, `signed_format_issue`, `data_after_sig`.
 */
export function parseSecurityTxt(body: string): SecurityTxt {
  const problems: Problem[] = [];
  let text = body;
  if (text.startsWith('\uFEFF')) {
    problems.push({ code: 'bom_in_file' });
    text = text.slice(1);
  }
  if (text.length && !text.endsWith('\n')) problems.push({ code: 'no_line_separators' });
  let lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines = lines.slice(0, -1);
  let signed = false;
  const begin = lines.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin >= 0) {
    const sigStart = lines.indexOf('-----BEGIN PGP SIGNATURE-----', begin + 1);
    const sigEnd = sigStart < 0 ? -1 : lines.indexOf('-----END PGP SIGNATURE-----', sigStart + 1);
    // RFC 9116 §2.3, RFC 4880 §7: signed means the whole cleartext framing is there (a header
    // without a signature block is a broken file, not a signed one)
    signed = sigStart > begin && sigEnd > sigStart;
    if (begin !== 0 || !signed) problems.push({ code: 'signed_format_issue' });
    if (sigEnd >= 0 && lines.slice(sigEnd + 1).some((l) => l.trim() !== ''))
      problems.push({ code: 'data_after_sig' });
    // skip the armour headers (Hash: …) up to the first empty line
    let i = begin + 1;
    while (i < lines.length && lines[i] !== '') i++;
    lines = lines
      .slice(i + 1, sigStart >= 0 ? sigStart : undefined)
      .map((l) => (l.startsWith('- ') ? l.slice(2) : l));
  }
  const fields: SecurityTxt['fields'] = [];
  lines.forEach((line, n) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([^:\s]+)(\s*):(\s*)(.*)$/.exec(line);
    if (!m) {
      problems.push({ code: 'invalid_line', at: n + 1, text: line });
      return;
    }
    const [, name, before, after, rawValue] = m as unknown as [string, string, string, string, string];
    if (before) problems.push({ code: 'prec_ws', at: n + 1, text: line });
    if (after !== ' ') problems.push({ code: 'no_space', at: n + 1, text: line });
    const value = rawValue.trim();
    if (!value) {
      problems.push({ code: 'empty_value', at: n + 1, text: name });
      return;
    }
    const lower = name.toLowerCase();
    if (!KNOWN_FIELDS.includes(lower)) problems.push({ code: 'unknown_field', at: n + 1, text: name });
    if (URI_FIELDS.has(lower)) {
      let u: URL | null = null;
      try {
        u = new URL(value);
      } catch {
        problems.push({ code: 'no_uri', at: n + 1, text: `${name}: ${value}` });
      }
      if (
        u &&
        (u.protocol === 'http:' || (lower !== 'contact' && u.protocol !== 'https:' && u.protocol !== 'dns:'))
      )
        problems.push({ code: 'no_https', at: n + 1, text: `${name}: ${value}` });
    }
    fields.push({ name: lower, value, line: n + 1 });
  });
  return { fields, signed, problems };
}

/** Whether a body looks like a security.txt at all (and not an HTML page served for every path). */
export function looksLikeSecurityTxt(body: string): boolean {
  if (/^\s*<(!doctype|html|head|body)/i.test(body)) return false;
  return /^(contact|expires)\s*:/im.test(body);
}

/**
 * RFC 3339 §5.6 date-time as RFC 9116 §2.5.5 requires for Expires (Internet profile of ISO 8601):
 * the calendar date must exist (no February 30), hours 00–23, minutes 00–59, seconds 00–60 (a leap
 * second is read as :59), offsets up to ±23:59; `T` and `Z` may be lower case.
 */
export function parseExpires(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/i.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms) - offset * 60_000;
  const d = new Date(utc);
  return Number.isNaN(d.getTime()) ? null : d;
}
