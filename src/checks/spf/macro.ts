import { expandIp6 } from '../../protocol/ip.ts';

/**
 * RFC 7208 §7 macros: syntax (pure, for the parser) and expansion (pure, given the values).
 *
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
 *   transformers = *DIGIT [ "r" ];  delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
 */

/** Letters valid in any macro-string (§7.2). */
const DOMAIN_LETTERS = 'slodiphv';
/** c, r and t are valid only in explanation text (§7.2). */
const EXP_ONLY_LETTERS = 'crt';
const DELIMITERS = '.-+,/_=';

export type MacroPart =
  | { readonly kind: 'literal'; readonly text: string }
  | {
      readonly kind: 'macro';
      /** lower-case letter */
      readonly letter: string;
      /** upper case in the record: URL-encode the result (§7.3) */
      readonly escape: boolean;
      /** keep this many right-hand parts (undefined: all) */
      readonly digits?: number;
      readonly reverse: boolean;
      readonly delimiters: string;
      /** offset of the '%' within the macro-string */
      readonly at: number;
    };

export type MacroProblem = {
  readonly code: 'macro-syntax' | 'macro-letter';
  readonly at: number;
  readonly text: string;
};

/**
 * Splits a macro-string into literal and macro parts. `explanation` allows c, r, t (§7.2).
 * Returns the first problem instead of throwing.
 */
export function parseMacroString(
  s: string,
  explanation = false,
): { ok: true; parts: MacroPart[] } | { ok: false; problem: MacroProblem } {
  const parts: MacroPart[] = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '%') {
      lit += ch;
      continue;
    }
    const next = s[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      lit += next === '%' ? '%' : next === '_' ? ' ' : '%20';
      i++;
      continue;
    }
    if (next !== '{') return { ok: false, problem: { code: 'macro-syntax', at: i, text: s.slice(i, i + 2) } };
    const end = s.indexOf('}', i + 2);
    if (end < 0) return { ok: false, problem: { code: 'macro-syntax', at: i, text: s.slice(i) } };
    const body = s.slice(i + 2, end);
    const m = /^([a-zA-Z])(\d*)(r?)([.\-+,/_=]*)$/i.exec(body);
    if (!m) return { ok: false, problem: { code: 'macro-syntax', at: i, text: s.slice(i, end + 1) } };
    const raw = m[1]!;
    const letter = raw.toLowerCase();
    if (!DOMAIN_LETTERS.includes(letter) && !(explanation && EXP_ONLY_LETTERS.includes(letter))) {
      return { ok: false, problem: { code: 'macro-letter', at: i, text: s.slice(i, end + 1) } };
    }
    let digits: number | undefined;
    if (m[2] !== '') {
      digits = Number(m[2]);
      // a digits value of 0 is invalid (§7.3)
      if (digits === 0)
        return { ok: false, problem: { code: 'macro-syntax', at: i, text: s.slice(i, end + 1) } };
    }
    if (lit) parts.push({ kind: 'literal', text: lit });
    lit = '';
    parts.push({
      kind: 'macro',
      letter,
      escape: raw !== letter,
      ...(digits !== undefined ? { digits } : {}),
      reverse: m[3]!.toLowerCase() === 'r',
      delimiters: m[4] || '.',
      at: i,
    });
    i = end;
  }
  if (lit) parts.push({ kind: 'literal', text: lit });
  return { ok: true, parts };
}

/** Whether a string holds any `%{…}` macro. */
export function hasMacro(s: string): boolean {
  return /%\{/.test(s);
}

/** Values of the macro letters; a missing value leaves the macro unresolved (static analysis). */
export type MacroValues = Partial<
  Record<'s' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v' | 'c' | 'r' | 't', string>
>;

/** RFC 3986 unreserved characters stay; everything else is %-encoded as UTF-8 (§7.3). */
export function urlEscape(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function transform(value: string, part: Extract<MacroPart, { kind: 'macro' }>): string {
  if (part.digits === undefined && !part.reverse && part.delimiters === '.')
    return part.escape ? urlEscape(value) : value;
  let labels = value.split(new RegExp(`[${part.delimiters.replace(/[-\\\]^/]/g, '\\$&')}]`));
  if (part.reverse) labels = labels.reverse();
  if (part.digits !== undefined && part.digits < labels.length)
    labels = labels.slice(labels.length - part.digits);
  const joined = labels.join('.');
  return part.escape ? urlEscape(joined) : joined;
}

/**
 * Expands parsed parts. Letters without a value are left as written and listed in `unresolved`
 * (the static analysis cannot know %{i} or %{s}).
 */
export function expandParts(
  parts: readonly MacroPart[],
  values: MacroValues,
): { text: string; unresolved: string[] } {
  let text = '';
  const unresolved: string[] = [];
  for (const part of parts) {
    if (part.kind === 'literal') {
      text += part.text;
      continue;
    }
    const v = values[part.letter as keyof MacroValues];
    if (v === undefined) {
      unresolved.push(part.letter);
      text += `%{${part.escape ? part.letter.toUpperCase() : part.letter}${part.digits ?? ''}${part.reverse ? 'r' : ''}${part.delimiters === '.' ? '' : part.delimiters}}`;
      continue;
    }
    text += transform(v, part);
  }
  return { text, unresolved };
}

/** RFC 7208 §7.3: a name longer than 253 octets loses labels on the left until it fits. */
export function truncateDomain(name: string): string {
  let n = name.endsWith('.') ? name.slice(0, -1) : name;
  while (n.length > 253) {
    const i = n.indexOf('.');
    if (i < 0) return n;
    n = n.slice(i + 1);
  }
  return n;
}

/**
 * The `i` macro: dotted quad, or for IPv6 the "dot-format" of RFC 7208 §7.3: 32 dot-separated
 * hexadecimal nibbles. §7.3 leaves the case of the hex digits open (DNS compares names
 * case-insensitively, RFC 4343, so a query does not care); it shows in `exp=` text, where the
 * RFC 7208 test suite (v-macro-ip6) and pyspf, the reference implementation of the suite's
 * authors, write them upper case, as RFC 4408 §8.1's example did. So do we.
 */
export function ipMacro(ip: string, family: 4 | 6): string {
  return family === 4 ? ip : expandIp6(ip).replace(/:/g, '').toUpperCase().split('').join('.');
}

export { DELIMITERS as MACRO_DELIMITERS };
