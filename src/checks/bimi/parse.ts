import type { Parsed, Problem } from '../../protocol/tag-list.ts';
import { commaList, parseTagList } from '../../protocol/tag-list.ts';

/** A BIMI assertion record (draft-brand-indicators-for-message-identification §4.2). */
export interface BimiRecord {
  /** `l=`: HTTPS URI of the SVG logo, null when empty or absent */
  readonly location: string | null;
  /** `a=`: HTTPS URI of the mark certificate (VMC/CMC PEM), null when empty or absent */
  readonly authority: string | null;
  /** both empty: the domain declines to publish a logo */
  readonly declination: boolean;
  readonly lps: string[] | null;
  readonly avp: string | null;
}

/** Records that begin with `v=BIMI1` are BIMI assertion records. */
export function isBimiRecord(text: string): boolean {
  return /^v=BIMI1\s*(;|$)/.test(text);
}
export function looksLikeBimi(text: string): boolean {
  return !isBimiRecord(text) && /v\s*=\s*bimi1/i.test(text);
}

const KNOWN = new Set(['v', 'l', 'a', 'lps', 'avp']);

function httpsUri(v: string): boolean {
  if (!/^https:\/\//i.test(v)) return false;
  return URL.canParse(v);
}

/**
 * Parses a BIMI record. Problems: `version-invalid`, `tag-syntax`, `empty-tag`, `duplicate-tag`,
 * `location-not-https`, `authority-not-https`, `location-missing`, `lps-invalid`, `avp-invalid`,
 * `unknown-tag`.
 */
export function parseBimi(text: string): Parsed<BimiRecord> {
  if (!isBimiRecord(text)) return { ok: false, problems: [{ code: 'version-invalid', at: 0, text }] };
  const list = parseTagList(text, { caseInsensitive: true });
  const problems: Problem[] = [...list.problems];
  const get = (k: string) => list.tags.find((t) => t.key === k);
  for (const t of list.tags)
    if (!KNOWN.has(t.key)) problems.push({ code: 'unknown-tag', at: t.at, text: t.name });
  const l = get('l');
  const a = get('a');
  let location: string | null = null;
  let authority: string | null = null;
  if (!l) problems.push({ code: 'location-missing' });
  else if (l.value !== '') {
    // early drafts allowed a comma list of locations; only the first is used
    const first = commaList(l.value)[0] ?? '';
    if (httpsUri(first)) location = first;
    else problems.push({ code: 'location-not-https', at: l.at, text: l.value });
  }
  if (a && a.value !== '') {
    if (httpsUri(a.value)) authority = a.value;
    else problems.push({ code: 'authority-not-https', at: a.at, text: a.value });
  }
  const lpsTag = get('lps');
  let lps: string[] | null = null;
  if (lpsTag) {
    lps = commaList(lpsTag.value);
    if (lps.length === 0 || lps.some((x) => x.length > 63 || /[\s@]/.test(x))) {
      problems.push({ code: 'lps-invalid', at: lpsTag.at, text: lpsTag.value });
    }
  }
  const avpTag = get('avp');
  const avp = avpTag ? avpTag.value.toLowerCase() : null;
  if (avpTag && avp !== 'brand' && avp !== 'personal') {
    problems.push({ code: 'avp-invalid', at: avpTag.at, text: avpTag.value });
  }
  const declination = (!l || l.value === '') && (!a || a.value === '');
  return { ok: true, value: { location, authority, declination, lps, avp }, problems };
}
