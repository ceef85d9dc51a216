import type { Parsed, Problem } from '../../protocol/tag-list.ts';
import { commaList, parseTagList } from '../../protocol/tag-list.ts';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface ReportUri {
  /** the URI as published, without the obsolete `!size` suffix */
  readonly uri: string;
  /** `mailto`, `https`, … (lower case) */
  readonly scheme: string;
  /** mailto: the address; null for other schemes */
  readonly address: string | null;
  /** the destination host: the mailto address's domain or the URL's host, normalised; null if unreadable */
  readonly host: string | null;
  /** the obsolete `!size` suffix when present (RFC 7489 §6.2; dropped by RFC 9990) */
  readonly size: string | null;
}

/** A DMARC policy record (RFC 9989 §4.7; tags pct/rf/ri from RFC 7489 kept for legacy readers). */
export interface DmarcRecord {
  readonly p: DmarcPolicy | null;
  readonly sp: DmarcPolicy | null;
  readonly np: DmarcPolicy | null;
  readonly adkim: 'r' | 's';
  readonly aspf: 'r' | 's';
  readonly fo: string[];
  readonly rua: ReportUri[];
  readonly ruf: ReportUri[];
  /** t=y: test mode */
  readonly testing: boolean;
  readonly psd: 'y' | 'n' | 'u';
  /** removed in RFC 9989, kept for legacy (RFC 7489) receivers */
  readonly pct: number | null;
  readonly unknownTags: string[];
}

/** RFC 9989 §4.7 says receivers may honour only two URIs per tag. */
export const MAX_REPORT_URIS = 2;

const POLICIES = new Set(['none', 'quarantine', 'reject']);
const KNOWN = new Set(['v', 'p', 'sp', 'np', 'adkim', 'aspf', 'fo', 'rua', 'ruf', 't', 'psd']);
const REMOVED = new Set(['pct', 'rf', 'ri']);

/** RFC 9989 §4.10 step 2: only records that begin with `v=DMARC1` are DMARC records. */
export function isDmarcRecord(text: string): boolean {
  return /^[vV]\s*=\s*DMARC1\s*(;|$)/.test(text);
}

/** A TXT record that tries to be DMARC but is discarded (`v=dmarc1`, `v=DMARC1x`, leading space, v not first). */
export function looksLikeDmarc(text: string): boolean {
  return !isDmarcRecord(text) && /v\s*=\s*dmarc/i.test(text);
}

/** Parses one report URI (`mailto:a@b.example!10m`). */
export function parseReportUri(raw: string, at: number, problems: Problem[]): ReportUri | null {
  let uri = raw;
  let size: string | null = null;
  const bang = /!(\d+[kmgt]?)$/i.exec(raw);
  if (bang) {
    size = bang[1]!;
    uri = raw.slice(0, bang.index);
    problems.push({ code: 'uri-size-suffix', at, text: raw });
  }
  const m = /^([a-z][a-z0-9+.-]*):(.+)$/i.exec(uri);
  if (!m) {
    problems.push({ code: 'uri-invalid', at, text: raw });
    return null;
  }
  const scheme = m[1]!.toLowerCase();
  let address: string | null = null;
  let host: string | null = null;
  if (scheme === 'mailto') {
    let addr = m[2]!.split('?')[0]!;
    try {
      addr = decodeURIComponent(addr);
    } catch {
      // keep as written
    }
    const at2 = addr.lastIndexOf('@');
    if (at2 <= 0 || at2 === addr.length - 1 || /[\s,;]/.test(addr)) {
      problems.push({ code: 'uri-invalid', at, text: raw });
      return null;
    }
    address = addr;
    host = addr
      .slice(at2 + 1)
      .toLowerCase()
      .replace(/\.$/, '');
  } else {
    problems.push({ code: 'uri-scheme', at, text: raw });
    try {
      host = new URL(uri).hostname.toLowerCase() || null;
    } catch {
      problems.push({ code: 'uri-invalid', at, text: raw });
      return null;
    }
  }
  return { uri, scheme, address, host, size };
}

/**
 * Parses a DMARC record. Not DMARC (`v` not first or not exactly DMARC1) → not ok with
 * `version-invalid`. Problem codes: `tag-syntax`, `empty-tag`, `duplicate-tag`, `unknown-tag`,
 * `removed-tag`, `invalid-value`, `p-missing`, `pct-partial`, `uri-invalid`, `uri-scheme`,
 * `uri-size-suffix`, `too-many-uris`, `fo-redundant`.
 */
export function parseDmarc(text: string): Parsed<DmarcRecord> {
  if (!isDmarcRecord(text)) return { ok: false, problems: [{ code: 'version-invalid', at: 0, text }] };
  const list = parseTagList(text, { caseInsensitive: true });
  const problems: Problem[] = [...list.problems];
  const get = (k: string) => list.tags.find((t) => t.key === k);
  const invalid = (k: string) => {
    const t = get(k)!;
    problems.push({ code: 'invalid-value', at: t.at, text: `${t.name}=${t.value}` });
  };
  const unknownTags: string[] = [];
  for (const t of list.tags) {
    if (REMOVED.has(t.key)) problems.push({ code: 'removed-tag', at: t.at, text: `${t.name}=${t.value}` });
    else if (!KNOWN.has(t.key)) {
      unknownTags.push(t.name);
      problems.push({ code: 'unknown-tag', at: t.at, text: t.name });
    }
  }
  const policy = (k: string): DmarcPolicy | null => {
    const t = get(k);
    if (!t) return null;
    const v = t.value.toLowerCase();
    if (POLICIES.has(v)) return v as DmarcPolicy;
    invalid(k);
    return null;
  };
  const p = policy('p');
  const sp = policy('sp');
  const np = policy('np');
  const flag = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => {
    const t = get(k);
    if (!t) return dflt;
    const v = t.value.toLowerCase() as T;
    if (allowed.includes(v)) return v;
    invalid(k);
    return dflt;
  };
  const adkim = flag('adkim', ['r', 's'] as const, 'r');
  const aspf = flag('aspf', ['r', 's'] as const, 'r');
  const t = flag('t', ['y', 'n'] as const, 'n');
  const psd = flag('psd', ['y', 'n', 'u'] as const, 'u');
  let fo: string[] = ['0'];
  const foTag = get('fo');
  if (foTag) {
    fo = foTag.value.split(':').map((x) => x.trim().toLowerCase());
    if (fo.some((x) => !['0', '1', 'd', 's'].includes(x))) invalid('fo');
    else if (fo.includes('0') && fo.includes('1'))
      problems.push({ code: 'fo-redundant', at: foTag.at, text: foTag.value });
  }
  let pct: number | null = null;
  const pctTag = get('pct');
  if (pctTag) {
    pct = /^\d{1,3}$/.test(pctTag.value) ? Number(pctTag.value) : null;
    if (pct === null || pct > 100) {
      invalid('pct');
      pct = null;
    } else if (pct < 100) problems.push({ code: 'pct-partial', at: pctTag.at, text: pctTag.value });
  }
  const uris = (k: 'rua' | 'ruf'): ReportUri[] => {
    const tag = get(k);
    if (!tag) return [];
    const items = commaList(tag.value);
    if (items.length === 0) invalid(k);
    if (items.length > MAX_REPORT_URIS)
      problems.push({ code: 'too-many-uris', at: tag.at, text: `${tag.name}=${tag.value}` });
    return items.map((u) => parseReportUri(u, tag.at, problems)).filter((u): u is ReportUri => u !== null);
  };
  const rua = uris('rua');
  const ruf = uris('ruf');
  if (p === null) problems.push({ code: 'p-missing', text: get('p')?.value ?? '' });
  return {
    ok: true,
    value: { p, sp, np, adkim, aspf, fo, rua, ruf, testing: t === 'y', psd, pct, unknownTags },
    problems,
  };
}
