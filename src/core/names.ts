import { domainToASCII } from 'node:url';
import { ErrorCode, MailsecError } from './errors.ts';

export type NameProblem =
  | 'empty'
  | 'empty-label'
  | 'label-too-long'
  | 'name-too-long'
  | 'invalid-character'
  | 'idn';

/**
 * Normalises a domain name given by a user or found in DNS: lower case, A-labels (IDNA via
 * WHATWG URL rules), no trailing dot. Returns the problem instead of throwing.
 */
export function normaliseDomain(
  input: string,
): { ok: true; name: string } | { ok: false; problem: NameProblem } {
  let s = input.trim();
  if (s.endsWith('.') && s !== '.') s = s.slice(0, -1);
  if (s === '') return { ok: false, problem: 'empty' };
  if (s.split('.').some((l) => l === '')) return { ok: false, problem: 'empty-label' };
  if (/[\s/\\@:?#\x00-\x1f]/.test(s)) return { ok: false, problem: 'invalid-character' };
  const ascii = /^[\x21-\x7e]+$/.test(s) ? s.toLowerCase() : domainToASCII(s);
  if (ascii === '') return { ok: false, problem: 'idn' };
  const name = ascii.toLowerCase();
  if (name.split('.').some((l) => l.length > 63)) return { ok: false, problem: 'label-too-long' };
  if (name.length > 253) return { ok: false, problem: 'name-too-long' };
  if (!/^[a-z0-9_*-]+(\.[a-z0-9_-]+)*$/.test(name)) return { ok: false, problem: 'invalid-character' };
  return { ok: true, name };
}

const PROBLEM_TEXT: Record<NameProblem, string> = {
  empty: 'it is empty',
  'empty-label': 'it has an empty label',
  'label-too-long': 'a label is longer than 63 octets',
  'name-too-long': 'it is longer than 253 octets',
  'invalid-character': 'it holds a character not allowed in a host name',
  idn: 'it is not a valid internationalised name',
};

/** Like normaliseDomain, but a usage error for names typed by a user. */
export function domainOrThrow(input: string): string {
  const r = normaliseDomain(input);
  if (r.ok) return r.name;
  throw new MailsecError(
    ErrorCode.InvalidName,
    `"${input}" is not a domain name (${PROBLEM_TEXT[r.problem]}).`,
    'try: mailsec check example.ch',
  );
}

/**
 * What a user may type for a domain besides the name itself: an e-mail address (its domain) or a
 * URL (its host). Returns the normalised name and, when the input was not a plain name, a note
 * saying what was taken; or the problem of a name that is not one.
 */
export function domainFromInput(
  input: string,
): { ok: true; name: string; note?: string } | { ok: false; problem: NameProblem } {
  const s = input.trim();
  const plain = normaliseDomain(s);
  if (plain.ok) return plain;
  let host: string | undefined;
  let what = '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    try {
      const u = new URL(s);
      if (u.hostname && !u.hostname.startsWith('[') && !/^\d+(\.\d+){3}$/.test(u.hostname)) {
        host = u.hostname;
        what = 'a URL';
      }
    } catch {
      // not a URL: the name's own problem is reported
    }
  } else {
    const m = /^(?:mailto:)?[^@\s]+@([^@\s]+)$/i.exec(s);
    if (m) {
      host = m[1];
      what = 'an e-mail address';
    }
  }
  if (host === undefined) return plain;
  const r = normaliseDomain(host);
  if (!r.ok) return r;
  return { ok: true, name: r.name, note: `"${input}" is ${what}: checking its domain ${r.name}` };
}

/** The reason a name is not a domain name, for messages. */
export function nameProblemText(problem: NameProblem): string {
  return PROBLEM_TEXT[problem];
}

/** Whether `name` is `parent` or below it. Both normalised. */
export function isSubdomainOf(name: string, parent: string): boolean {
  return parent === '' || name === parent || name.endsWith(`.${parent}`);
}

/** `a.b.c` → `b.c`; the root's parent is null. */
export function parentName(name: string): string | null {
  if (name === '' || name === '.') return null;
  const i = name.indexOf('.');
  return i < 0 ? '' : name.slice(i + 1);
}
