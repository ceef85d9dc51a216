/**
 * The tag=value list syntax shared by DKIM key records (RFC 6376 §3.2), DMARC (RFC 9989 §4.7),
 * BIMI, MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) TXT records. Pure: reports problems as
 * data, never throws.
 */

import type { Problem } from '../core/parsed.ts';

export type { Parsed, Problem } from '../core/parsed.ts';

export interface Tag {
  /** the tag name as written */
  readonly name: string;
  /** lower-cased name, for case-insensitive lookups */
  readonly key: string;
  readonly value: string;
  /** offset of the tag name in the record */
  readonly at: number;
}

export interface TagList {
  readonly tags: Tag[];
  readonly problems: Problem[];
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Splits `a=1; b = 2;` into tags. Problems: `tag-syntax` (a segment without `=` or with an invalid
 * name), `empty-tag` (`;;`), `duplicate-tag` (same name twice; case-insensitive when asked).
 */
export function parseTagList(
  text: string,
  options: { caseInsensitive?: boolean; namePattern?: RegExp } = {},
): TagList {
  const namePattern = options.namePattern ?? TAG_NAME;
  const tags: Tag[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const segments = text.split(';');
  let offset = 0;
  segments.forEach((segment, i) => {
    const start = offset;
    offset += segment.length + 1;
    const lead = segment.length - segment.trimStart().length;
    const trimmed = segment.trim();
    if (trimmed === '') {
      // a trailing ";" (or only whitespace after it) is allowed; an empty segment in between is not
      if (i !== segments.length - 1 && !(i === 0 && segments.length === 1)) {
        problems.push({ code: 'empty-tag', at: start });
      }
      return;
    }
    const at = start + lead;
    const eq = trimmed.indexOf('=');
    if (eq < 0) {
      problems.push({ code: 'tag-syntax', at, text: trimmed });
      return;
    }
    const name = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (!namePattern.test(name)) {
      problems.push({ code: 'tag-syntax', at, text: trimmed });
      return;
    }
    const key = name.toLowerCase();
    const dedupeKey = options.caseInsensitive ? key : name;
    if (seen.has(dedupeKey)) {
      problems.push({ code: 'duplicate-tag', at, text: name });
      return;
    }
    seen.add(dedupeKey);
    tags.push({ name, key, value, at });
  });
  return { tags, problems };
}

/** The first tag called `key` (lower case), if any. */
export function tagValue(list: TagList, key: string): Tag | undefined {
  return list.tags.find((t) => t.key === key);
}

/** Splits a comma list, trimming white space; empty items are dropped. */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
