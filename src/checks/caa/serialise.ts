/**
 * CAA syntax, written (RFC 8659 §4.1.1 presentation, §4.2 issuer values): the inverse of the
 * parser beside it (`parseCaaRdata` here, `parseIssueValue` in parse.ts). Every CAA record mailsec
 * proposes is built here. Pure.
 */
import type { Parsed, Problem } from '../../core/parsed.ts';
import type { CaaRecord } from '../../dns/types.ts';
import { parseCharacterStrings, quoteCharacterString } from '../../protocol/presentation.ts';

/** `0 issue "letsencrypt.org"`: flags, tag and the value as one quoted string. */
export function serialiseCaa(r: CaaRecord): string {
  return `${r.flags} ${r.tag} ${quoteCharacterString(r.value)}`;
}

/**
 * Reads `flags tag "value"` (RFC 8659 §4.1.1). Problems: `flags` (not 0–255), `tag` (not 1–15
 * letters and digits), `value` (missing, or not one character-string).
 */
export function parseCaaRdata(text: string): Parsed<CaaRecord> {
  const m = /^\s*(\d{1,3})\s+([A-Za-z0-9]+)\s+(.*?)\s*$/s.exec(text);
  const problems: Problem[] = [];
  if (!m) return { ok: false, problems: [{ code: 'syntax', at: 0, text }] };
  const flags = Number(m[1]);
  if (flags > 255) problems.push({ code: 'flags', text: m[1]! });
  if (m[2]!.length > 15) problems.push({ code: 'tag', text: m[2]! });
  const value = parseCharacterStrings(m[3]!);
  if (!value.ok || value.value.length !== 1) problems.push({ code: 'value', text: m[3]! });
  if (problems.length || !value.ok) return { ok: false, problems };
  return { ok: true, value: { flags, tag: m[2]!, value: value.value[0]! }, problems };
}

export interface IssueValue {
  /** the CA's domain; null forbids issuance (`";"`) */
  readonly issuer: string | null;
  readonly params: Readonly<Record<string, string>>;
}

/** `letsencrypt.org; accounturi=https://…` (RFC 8659 §4.2, RFC 8657). */
export function serialiseIssueValue(v: IssueValue): string {
  const params = Object.entries(v.params).map(([k, val]) => `${k}=${val}`);
  if (v.issuer === null) return params.length ? `; ${params.join('; ')}` : ';';
  return [v.issuer, ...params].join('; ');
}

export const caaIssue = (issuer: string): CaaRecord => ({ flags: 0, tag: 'issue', value: issuer });
export const caaIodef = (url: string): CaaRecord => ({ flags: 0, tag: 'iodef', value: url });
