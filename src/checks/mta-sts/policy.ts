import type { Parsed, Problem } from '../../protocol/tag-list.ts';

/** The policy file `https://mta-sts.<domain>/.well-known/mta-sts.txt` (RFC 8461 §3.2). */
export interface MtaStsPolicyFile {
  readonly mode: 'enforce' | 'testing' | 'none';
  readonly mx: string[];
  readonly maxAge: number;
}

/** RFC 8461 §3.2: max_age is at most 31557600 seconds (about one year). */
export const MAX_AGE_LIMIT = 31_557_600;
/** A policy host serves a few lines; a common implementation cap (RFC 8461 names none). */
export const POLICY_MAX_BYTES = 64 * 1024;

const MODES = new Set(['enforce', 'testing', 'none']);
const KEY = /^[A-Za-z0-9_-]{1,32}$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)+${LABEL}\\.?$`);

/**
 * Parses a policy body, reporting every problem: `line-syntax`, `lf-only` (LF instead of CRLF;
 * tolerated), `duplicate-key`, `unknown-key`, `version-missing`, `version-invalid`, `mode-missing`,
 * `mode-invalid`, `max-age-missing`, `max-age-invalid`, `max-age-range`, `mx-missing`, `mx-invalid`.
 * Unusable (not ok) when version, mode or max_age is missing or invalid, or mx is missing.
 */
export function parseMtaStsPolicy(body: string): Parsed<MtaStsPolicyFile> {
  const problems: Problem[] = [];
  if (/(^|[^\r])\n/.test(body)) problems.push({ code: 'lf-only' });
  const lines = body.split(/\r?\n/);
  const seen = new Map<string, string>();
  const mx: string[] = [];
  let at = 0;
  for (const line of lines) {
    const offset = at;
    at += line.length + 1;
    if (line.trim() === '') continue;
    const m = /^([^:\s]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m || !KEY.test(m[1]!)) {
      problems.push({ code: 'line-syntax', at: offset, text: line });
      continue;
    }
    const key = m[1]!;
    const value = m[2]!;
    if (key === 'mx') {
      if (HOST.test(value)) mx.push(value.toLowerCase().replace(/\.$/, ''));
      else problems.push({ code: 'mx-invalid', at: offset, text: value });
      continue;
    }
    if (key === 'version' || key === 'mode' || key === 'max_age') {
      const prev = seen.get(key);
      if (prev !== undefined) problems.push({ code: 'duplicate-key', at: offset, text: key });
      else seen.set(key, value);
      continue;
    }
    problems.push({ code: 'unknown-key', at: offset, text: key });
  }
  const version = seen.get('version');
  const mode = seen.get('mode');
  const maxAgeText = seen.get('max_age');
  let usable = true;
  if (version === undefined) {
    problems.push({ code: 'version-missing' });
    usable = false;
  } else if (version !== 'STSv1') {
    problems.push({ code: 'version-invalid', text: version });
    usable = false;
  }
  if (mode === undefined) {
    problems.push({ code: 'mode-missing' });
    usable = false;
  } else if (!MODES.has(mode)) {
    problems.push({ code: 'mode-invalid', text: mode });
    usable = false;
  }
  let maxAge = 0;
  if (maxAgeText === undefined) {
    problems.push({ code: 'max-age-missing' });
    usable = false;
  } else if (!/^\d{1,10}$/.test(maxAgeText)) {
    problems.push({ code: 'max-age-invalid', text: maxAgeText });
    usable = false;
  } else {
    maxAge = Number(maxAgeText);
    if (maxAge > MAX_AGE_LIMIT) {
      problems.push({ code: 'max-age-range', text: maxAgeText });
      usable = false;
    }
  }
  if (mode !== 'none' && mx.length === 0) {
    problems.push({ code: 'mx-missing' });
    usable = false;
  }
  if (!usable) return { ok: false, problems };
  return { ok: true, value: { mode: mode as MtaStsPolicyFile['mode'], mx, maxAge }, problems };
}

/**
 * RFC 8461 §4.1: an MX host matches a pattern exactly, or `*.<domain>` covers exactly one
 * leftmost label. Case-insensitive; trailing dots ignored.
 */
export function mxMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}
