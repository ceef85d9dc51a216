import type { CaaRecord } from '../../dns/types.ts';

/** RFC 8659 §4, RFC 8657, RFC 9495, CA/B Forum: validation of one CAA record. Pure. */
export interface CaaProblem {
  readonly code:
    | 'reserved-flags'
    | 'unknown-critical-tag'
    | 'unknown-tag'
    | 'reserved-tag'
    | 'bad-tag'
    | 'issue-syntax'
    | 'iodef-scheme';
  readonly record: CaaRecord;
  readonly text?: string;
}

export const KNOWN_TAGS = new Set([
  'issue',
  'issuewild',
  'iodef', // RFC 8659
  'contactemail',
  'contactphone', // CA/B Forum BR 3.2.2.4
  'issuemail', // RFC 9495
  'issuevmc', // BIMI mark certificates
]);
/** RFC 8659 §4.1.1: reserved tags from RFC 6844 errata, never to be used. */
export const RESERVED_TAGS = new Set(['auth', 'path', 'policy']);

const ISSUER_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const PARAM = /^[a-z0-9]+=[\x21-\x3a\x3c-\x7e]*$/i;

/** RFC 8659 §4.2: issuer-domain-name [";" parameters]; an empty issuer (";" alone) forbids issuance. */
export function parseIssueValue(value: string): {
  issuer: string | null;
  params: Record<string, string>;
  ok: boolean;
} {
  const [head = '', ...rest] = value.split(';');
  const issuer = head.trim();
  const params: Record<string, string> = {};
  let ok = issuer === '' || ISSUER_DOMAIN.test(issuer);
  for (const raw of rest) {
    const p = raw.trim();
    if (p === '') continue;
    if (!PARAM.test(p)) {
      ok = false;
      continue;
    }
    const i = p.indexOf('=');
    params[p.slice(0, i).toLowerCase()] = p.slice(i + 1);
  }
  return { issuer: issuer === '' ? null : issuer.toLowerCase(), params, ok };
}

export function validateCaa(records: readonly CaaRecord[]): CaaProblem[] {
  const problems: CaaProblem[] = [];
  for (const r of records) {
    const tag = r.tag.toLowerCase();
    const critical = (r.flags & 128) !== 0;
    if ((r.flags & ~128) !== 0) problems.push({ code: 'reserved-flags', record: r, text: String(r.flags) });
    if (!/^[a-z0-9]{1,15}$/i.test(r.tag)) problems.push({ code: 'bad-tag', record: r });
    if (RESERVED_TAGS.has(tag)) problems.push({ code: 'reserved-tag', record: r });
    else if (!KNOWN_TAGS.has(tag))
      problems.push({ code: critical ? 'unknown-critical-tag' : 'unknown-tag', record: r });
    if (tag === 'issue' || tag === 'issuewild' || tag === 'issuemail' || tag === 'issuevmc') {
      if (!parseIssueValue(r.value).ok) problems.push({ code: 'issue-syntax', record: r });
    }
    if (tag === 'iodef' && !/^(mailto|https?):/i.test(r.value))
      problems.push({ code: 'iodef-scheme', record: r });
  }
  return problems;
}
