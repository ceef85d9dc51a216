import type { Parsed, Problem } from '../../protocol/tag-list.ts';
import { commaList, parseTagList } from '../../protocol/tag-list.ts';

/** A TLS-RPT record (RFC 8460 §3). */
export interface TlsRptRecord {
  /** the rua URIs as published */
  readonly rua: string[];
  /** mailto domains, for the "accepts mail" check */
  readonly mailtoDomains: string[];
  readonly extensions: string[];
}

/** RFC 8460 §3: records that do not begin with "v=TLSRPTv1" are discarded. */
export function isTlsRptRecord(text: string): boolean {
  return /^v=TLSRPTv1\s*(;|$)/.test(text);
}
export function looksLikeTlsRpt(text: string): boolean {
  return !isTlsRptRecord(text) && /v\s*=\s*tlsrptv1/i.test(text);
}

const NAME = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Parses a TLS-RPT record. Problems: `version-invalid`, `tag-syntax`, `empty-tag`, `duplicate-tag`,
 * `rua-missing` (fatal), `rua-scheme` (not mailto:/https:), `rua-invalid`, `unknown-tag` (extension).
 */
export function parseTlsRpt(text: string): Parsed<TlsRptRecord> {
  if (!isTlsRptRecord(text)) return { ok: false, problems: [{ code: 'version-invalid', at: 0, text }] };
  const list = parseTagList(text, { namePattern: NAME });
  const problems: Problem[] = [...list.problems];
  const rua: string[] = [];
  const mailtoDomains: string[] = [];
  const extensions: string[] = [];
  let hasRua = false;
  for (const t of list.tags.slice(1)) {
    if (t.name === 'v') problems.push({ code: 'duplicate-tag', at: t.at, text: 'v' });
    else if (t.name === 'rua') {
      hasRua = true;
      for (const uri of commaList(t.value)) {
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
        if (scheme === 'mailto') {
          const addr = uri.slice(7).split('?')[0]!;
          const at = addr.lastIndexOf('@');
          if (at <= 0 || at === addr.length - 1) {
            problems.push({ code: 'rua-invalid', at: t.at, text: uri });
            continue;
          }
          mailtoDomains.push(addr.slice(at + 1).toLowerCase());
        } else if (scheme === 'https') {
          if (!URL.canParse(uri)) {
            problems.push({ code: 'rua-invalid', at: t.at, text: uri });
            continue;
          }
        } else {
          problems.push({ code: 'rua-scheme', at: t.at, text: uri });
          continue;
        }
        rua.push(uri);
      }
    } else {
      extensions.push(`${t.name}=${t.value}`);
      problems.push({ code: 'unknown-tag', at: t.at, text: t.name });
    }
  }
  if (!hasRua) {
    problems.push({ code: 'rua-missing' });
    return { ok: false, problems };
  }
  return { ok: true, value: { rua, mailtoDomains: [...new Set(mailtoDomains)], extensions }, problems };
}
