/**
 * RFC 7208 record syntax (§4.5 selection, §4.6.1 terms, §5 mechanisms, §6 modifiers, §7.1 macro
 * syntax, §12 ABNF). Pure: no I/O, no clock; every problem is returned with its position.
 */
import { isIPv6 } from 'node:net';
import { parseMacroString } from './macro.ts';

export type Qualifier = '+' | '-' | '~' | '?';
export type MechanismName = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface Mechanism {
  readonly type: 'mechanism';
  readonly name: MechanismName;
  readonly qualifier: Qualifier;
  /** the term as written */
  readonly text: string;
  /** offset of the term in the record (0-based) */
  readonly at: number;
  /** include, exists, and the optional target of a, mx, ptr (a macro-string) */
  readonly domainSpec?: string;
  /** ip4 / ip6 network address as written */
  readonly network?: string;
  /** ip4, a, mx: IPv4 prefix length (default 32) */
  readonly cidr4?: number;
  /** ip6, a, mx: IPv6 prefix length (default 128) */
  readonly cidr6?: number;
}

export interface Modifier {
  readonly type: 'modifier';
  /** lower case */
  readonly name: string;
  readonly value: string;
  readonly text: string;
  readonly at: number;
}

export type Term = Mechanism | Modifier;

export interface SpfRecord {
  readonly text: string;
  readonly terms: readonly Term[];
  readonly mechanisms: readonly Mechanism[];
  readonly redirect?: Modifier;
  readonly exp?: Modifier;
}

export type SpfProblemCode =
  | 'not-spf'
  | 'non-ascii'
  | 'control-char'
  | 'unknown-mechanism'
  | 'invalid-term'
  | 'unexpected-argument'
  | 'missing-domain'
  | 'invalid-domain'
  | 'invalid-ip4'
  | 'invalid-ip6'
  | 'invalid-cidr'
  | 'macro-syntax'
  | 'macro-letter'
  | 'duplicate-modifier'
  | 'unknown-modifier';

export interface SpfProblem {
  readonly code: SpfProblemCode;
  /** offset in the record text (0-based) */
  readonly at?: number;
  /** the offending text */
  readonly text?: string;
  /** a fatal problem makes check_host return permerror (§4.6); others are worth knowing */
  readonly fatal: boolean;
}

export interface ParsedSpf {
  /** false when a fatal problem exists: the record evaluates to permerror */
  readonly ok: boolean;
  /** what could be read, even when not ok (the static analysis shows it) */
  readonly record: SpfRecord;
  readonly problems: readonly SpfProblem[];
}

/** RFC 7208 §4.5: exactly "v=spf1", or "v=spf1" followed by a space (case-insensitive). */
export function isSpfText(text: string): boolean {
  return /^v=spf1( |$)/i.test(text);
}

const QUALIFIERS = '+-~?';
const MECHANISMS: readonly string[] = ['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists'];
const QNUM = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IP4_RE = new RegExp(`^${QNUM}(?:\\.${QNUM}){3}$`);
const CIDR4_RE = /^(?:0|[1-9][0-9]?)$/;
const CIDR6_RE = /^(?:0|[1-9][0-9]{0,2})$/;
const TOPLABEL_RE = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;

/** Strict IPv4 dotted quad (no leading zeros, §12 `ip4-network`). */
export function isIp4(s: string): boolean {
  return IP4_RE.test(s);
}

/**
 * Checks a domain-spec (§7.1): valid macro syntax, and it ends in a macro or in "." toplabel
 * (optionally followed by "."). Returns the problem or null.
 */
export function domainSpecProblem(
  spec: string,
  at: number,
): { code: 'invalid-domain' | 'macro-syntax' | 'macro-letter'; at: number; text: string } | null {
  const m = parseMacroString(spec);
  if (!m.ok) return { code: m.problem.code, at: at + m.problem.at, text: m.problem.text };
  if (/(?:%\{[^}]*\}|%%|%_|%-)$/.test(spec)) return null;
  const s = spec.endsWith('.') ? spec.slice(0, -1) : spec;
  const dot = s.lastIndexOf('.');
  if (dot < 0 || !TOPLABEL_RE.test(s.slice(dot + 1))) return { code: 'invalid-domain', at, text: spec };
  return null;
}

function cidrs(
  tail: string,
  at: number,
  problems: SpfProblem[],
  text: string,
): { cidr4?: number; cidr6?: number } | null {
  const m = /^(?:\/([0-9]+))?(?:\/\/([0-9]+))?$/.exec(tail);
  if (!m) {
    problems.push({ code: 'invalid-cidr', at, text, fatal: true });
    return null;
  }
  const out: { cidr4?: number; cidr6?: number } = {};
  if (m[1] !== undefined) {
    if (!CIDR4_RE.test(m[1]) || Number(m[1]) > 32) {
      problems.push({ code: 'invalid-cidr', at, text, fatal: true });
      return null;
    }
    out.cidr4 = Number(m[1]);
  }
  if (m[2] !== undefined) {
    if (!CIDR6_RE.test(m[2]) || Number(m[2]) > 128) {
      problems.push({ code: 'invalid-cidr', at, text, fatal: true });
      return null;
    }
    out.cidr6 = Number(m[2]);
  }
  return out;
}

function parseModifier(
  name: string,
  value: string,
  text: string,
  at: number,
  problems: SpfProblem[],
): Modifier {
  const mod: Modifier = { type: 'modifier', name, value, text, at };
  const valueAt = at + name.length + 1;
  if (name === 'redirect' || name === 'exp') {
    if (value === '') {
      problems.push({ code: 'missing-domain', at, text, fatal: true });
      return mod;
    }
    const p = domainSpecProblem(value, valueAt);
    if (p) problems.push({ ...p, fatal: true });
    return mod;
  }
  const m = parseMacroString(value);
  if (!m.ok)
    problems.push({ code: m.problem.code, at: valueAt + m.problem.at, text: m.problem.text, fatal: true });
  else problems.push({ code: 'unknown-modifier', at, text, fatal: false });
  return mod;
}

function parseDirective(text: string, at: number, problems: SpfProblem[]): Mechanism | null {
  let qualifier: Qualifier = '+';
  let body = text;
  if (QUALIFIERS.includes(text[0] ?? '')) {
    qualifier = text[0] as Qualifier;
    body = text.slice(1);
  }
  const m = /^([a-z][a-z0-9_.-]*)(.*)$/is.exec(body);
  const name = m?.[1]?.toLowerCase();
  if (!m || name === undefined || !MECHANISMS.includes(name)) {
    problems.push({ code: m ? 'unknown-mechanism' : 'invalid-term', at, text, fatal: true });
    return null;
  }
  const arg = m[2]!;
  const argAt = at + (text.length - arg.length);
  const base = { type: 'mechanism' as const, name: name as MechanismName, qualifier, text, at };
  const bad = (code: SpfProblemCode) => {
    problems.push({ code, at, text, fatal: true });
    return null;
  };
  switch (name) {
    case 'all':
      return arg === '' ? base : bad('unexpected-argument');
    case 'include':
    case 'exists':
    case 'ptr': {
      if (name === 'ptr' && arg === '') return base; // ptr's domain-spec is optional (§5.5)
      if (!arg.startsWith(':')) return bad(arg === '' ? 'missing-domain' : 'unexpected-argument');
      const spec = arg.slice(1);
      if (spec === '') return bad('missing-domain');
      const p = domainSpecProblem(spec, argAt + 1);
      if (p) {
        problems.push({ ...p, fatal: true });
        return null;
      }
      return { ...base, domainSpec: spec };
    }
    case 'a':
    case 'mx': {
      if (!arg.startsWith(':')) {
        const c = cidrs(arg, at, problems, text);
        return c ? { ...base, ...c } : null;
      }
      const split = /^(.*?)((?:\/[0-9]+)?(?:\/\/[0-9]+)?)$/s.exec(arg.slice(1))!;
      const spec = split[1]!;
      if (spec === '') return bad('missing-domain');
      const p = domainSpecProblem(spec, argAt + 1);
      if (p) {
        problems.push({ ...p, fatal: true });
        return null;
      }
      const c = cidrs(split[2]!, at, problems, text);
      return c ? { ...base, domainSpec: spec, ...c } : null;
    }
    case 'ip4': {
      if (!arg.startsWith(':')) return bad('invalid-ip4');
      const [net, ...rest] = arg.slice(1).split('/');
      if (net === undefined || !isIp4(net)) return bad('invalid-ip4');
      if (rest.length === 0) return { ...base, network: net };
      if (rest.length !== 1 || !CIDR4_RE.test(rest[0]!) || Number(rest[0]) > 32) return bad('invalid-cidr');
      return { ...base, network: net, cidr4: Number(rest[0]) };
    }
    case 'ip6': {
      if (!arg.startsWith(':')) return bad('invalid-ip6');
      const [net, ...rest] = arg.slice(1).split('/');
      if (net === undefined || !isIPv6(net) || net.includes('%')) return bad('invalid-ip6');
      if (rest.length === 0) return { ...base, network: net };
      if (rest.length !== 1 || !CIDR6_RE.test(rest[0]!) || Number(rest[0]) > 128) return bad('invalid-cidr');
      return { ...base, network: net, cidr6: Number(rest[0]) };
    }
  }
  return null;
}

/**
 * Parses one SPF record (the TXT strings already joined, §3.3). Never throws; reports every
 * problem it saw. Unknown modifiers are kept and reported as non-fatal.
 */
export function parseSpf(text: string): ParsedSpf {
  const problems: SpfProblem[] = [];
  const terms: Term[] = [];
  const empty = (): ParsedSpf => ({ ok: false, record: { text, terms, mechanisms: [] }, problems });
  if (!isSpfText(text)) {
    problems.push({ code: 'not-spf', at: 0, text: text.slice(0, 8), fatal: true });
    return empty();
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e) {
      problems.push({ code: 'non-ascii', at: i, text: text[i]!, fatal: true });
      break;
    }
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      problems.push({
        code: 'control-char',
        at: i,
        text: `\\x${c.toString(16).padStart(2, '0')}`,
        fatal: true,
      });
      break;
    }
  }
  const re = /[^ ]+/g;
  const body = text.slice(6);
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const t = m[0];
    const at = m.index + 6;
    // a term holding a control or non-ASCII character was reported above; it is not a term
    if (/[^\x21-\x7e]/.test(t)) continue;
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/is.exec(t);
    if (mod) {
      terms.push(parseModifier(mod[1]!.toLowerCase(), mod[2]!, t, at, problems));
      continue;
    }
    const mech = parseDirective(t, at, problems);
    if (mech) terms.push(mech);
  }
  const mechanisms = terms.filter((t): t is Mechanism => t.type === 'mechanism');
  const redirects = terms.filter((t): t is Modifier => t.type === 'modifier' && t.name === 'redirect');
  const exps = terms.filter((t): t is Modifier => t.type === 'modifier' && t.name === 'exp');
  for (const list of [redirects, exps]) {
    for (const dup of list.slice(1))
      problems.push({ code: 'duplicate-modifier', at: dup.at, text: dup.text, fatal: true });
  }
  const record: SpfRecord = {
    text,
    terms,
    mechanisms,
    ...(redirects[0] ? { redirect: redirects[0] } : {}),
    ...(exps[0] ? { exp: exps[0] } : {}),
  };
  problems.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  return { ok: !problems.some((p) => p.fatal), record, problems };
}
