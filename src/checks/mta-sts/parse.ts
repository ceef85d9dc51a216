import type { Parsed, Problem } from '../../protocol/tag-list.ts';
import { parseTagList } from '../../protocol/tag-list.ts';

/** The `_mta-sts` TXT record (RFC 8461 §3.1). */
export interface MtaStsTxt {
  readonly id: string;
  /** extension fields as written (`name=value`) */
  readonly extensions: string[];
}

/** RFC 8461 §3.1: records that do not begin with "v=STSv1" are discarded. */
export function isMtaStsRecord(text: string): boolean {
  return /^v=STSv1\s*(;|$)/.test(text);
}
/** A record that tries to be MTA-STS but is discarded (`v=stsv1`, leading space, …). */
export function looksLikeMtaSts(text: string): boolean {
  return !isMtaStsRecord(text) && /v\s*=\s*stsv1/i.test(text);
}

const ID = /^[A-Za-z0-9]{1,32}$/;
const EXT_NAME = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Parses an MTA-STS TXT record. Problems: `version-invalid`, `tag-syntax`, `empty-tag`,
 * `duplicate-tag`, `id-missing`, `id-invalid` (not 1–32 alphanumerics). An unusable record
 * (no valid id) is not ok.
 */
export function parseMtaStsTxt(text: string): Parsed<MtaStsTxt> {
  if (!isMtaStsRecord(text)) return { ok: false, problems: [{ code: 'version-invalid', at: 0, text }] };
  const list = parseTagList(text, { namePattern: EXT_NAME });
  const problems: Problem[] = [...list.problems];
  let id: string | null = null;
  const extensions: string[] = [];
  for (const t of list.tags.slice(1)) {
    if (t.name === 'id') {
      if (ID.test(t.value)) id = t.value;
      else problems.push({ code: 'id-invalid', at: t.at, text: t.value });
    } else if (t.name === 'v') {
      problems.push({ code: 'duplicate-tag', at: t.at, text: 'v' });
    } else if (!EXT_NAME.test(t.name)) {
      problems.push({ code: 'tag-syntax', at: t.at, text: t.name });
    } else extensions.push(`${t.name}=${t.value}`);
  }
  if (id === null && !problems.some((p) => p.code === 'id-invalid')) problems.push({ code: 'id-missing' });
  if (id === null) return { ok: false, problems };
  return { ok: true, value: { id, extensions }, problems };
}
