/**
 * RFC 8601 Authentication-Results (and RFC 8617 ARC-Authentication-Results) parsing. Pure and
 * tolerant: comments anywhere (RFC 8601 §2.2 CFWS, Appendix B.7), quoted values, method versions,
 * `reason=`, `ptype.property=value`, the no-result form `; none`, and what real receivers write
 * beside the grammar (Microsoft's header without an authserv-id, `action=`, stray domain names).
 */

export interface AuthProperty {
  /** smtp, header, body, policy, … ('' for a bare key such as Microsoft's `action`) */
  readonly ptype: string;
  readonly property: string;
  readonly value: string;
}

export interface AuthResult {
  /** lower case, e.g. `spf`, `dkim`, `dmarc`, `arc`, `compauth` */
  readonly method: string;
  readonly version?: string;
  /** lower case, as written (RFC 8601 names, or e.g. Microsoft's `bestguesspass`) */
  readonly result: string;
  readonly reason?: string;
  readonly properties: readonly AuthProperty[];
  /** `ptype.property` (lower case) → value; the first of each */
  readonly props: Readonly<Record<string, string>>;
  /** comments inside this resinfo, in order */
  readonly comments: readonly string[];
}

export interface AuthResultsHeader {
  /** the authserv-id (RFC 8601 §2.5), null when the header has none (Microsoft writes none) */
  readonly authservId: string | null;
  readonly version?: number;
  /** ARC-Authentication-Results: the i= instance */
  readonly instance?: number;
  /** `; none`: the receiver ran no method (RFC 8601 §2.2 no-result) */
  readonly none: boolean;
  readonly results: readonly AuthResult[];
  /** words the grammar has no place for (e.g. the domain Microsoft's examples repeat) */
  readonly stray: readonly string[];
  /** comments after the authserv-id */
  readonly comments: readonly string[];
}

type Token = (
  | { kind: 'word'; text: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'comment'; text: string }
  | { kind: ';' | '=' | '/' }
) & {
  /** no white space or comment before it (base64 values such as header.b=ab/c+d= span tokens) */
  glued?: boolean;
};

/** Lexes a header value: words, quoted strings, nested comments, and the specials ; = /. */
export function tokenize(value: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = value.length;
  let lastEnd = -1;
  const push = (t: Token, start: number) => {
    if (start === lastEnd && t.kind !== 'comment' && out.length && out[out.length - 1]!.kind !== 'comment')
      t.glued = true;
    out.push(t);
    lastEnd = i;
  };
  while (i < n) {
    const c = value[i]!;
    const start = i;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === ';' || c === '=' || c === '/') {
      i++;
      push({ kind: c }, start);
    } else if (c === '"') {
      let text = '';
      i++;
      while (i < n && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < n) i++;
        text += value[i];
        i++;
      }
      i++;
      push({ kind: 'quoted', text }, start);
    } else if (c === '(') {
      let depth = 1;
      let text = '';
      i++;
      while (i < n && depth > 0) {
        const d = value[i]!;
        if (d === '\\' && i + 1 < n) {
          text += value[i + 1];
          i += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')') {
          depth--;
          if (depth === 0) break;
        }
        text += d;
        i++;
      }
      i++;
      push({ kind: 'comment', text: text.replace(/\s+/g, ' ').trim() }, start);
    } else {
      let text = '';
      while (i < n && !/[\s;=/"(]/.test(value[i]!)) {
        text += value[i];
        i++;
      }
      if (text === '') {
        i++; // a stray ')'
        continue;
      }
      push({ kind: 'word', text }, start);
    }
  }
  return out;
}

function splitSegments(tokens: Token[]): Token[][] {
  const segs: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === ';') segs.push([]);
    else segs[segs.length - 1]!.push(t);
  }
  return segs;
}

const text = (t: Token | undefined): string | undefined =>
  t && (t.kind === 'word' || t.kind === 'quoted') ? t.text : undefined;

/** One resinfo segment (`method[/v]=result [reason=…] [ptype.prop=value …]`), or null. */
function parseResinfo(seg: Token[], stray: string[]): AuthResult | null {
  const comments = seg.filter((t) => t.kind === 'comment').map((t) => (t as { text: string }).text);
  const toks = seg.filter((t) => t.kind !== 'comment');
  let i = 0;
  const method = text(toks[i]);
  if (method === undefined) return null;
  i++;
  let version: string | undefined;
  if (toks[i]?.kind === '/') {
    version = text(toks[i + 1]);
    i += 2;
  }
  if (toks[i]?.kind !== '=') {
    for (const t of toks) {
      const w = text(t);
      if (w !== undefined) stray.push(w);
    }
    return null;
  }
  i++;
  const result = (text(toks[i]) ?? '').toLowerCase();
  i++;
  let reason: string | undefined;
  const properties: AuthProperty[] = [];
  while (i < toks.length) {
    let key = text(toks[i]);
    if (key === undefined) {
      i++;
      continue;
    }
    i++;
    // `policy . expired` (RFC 8601 B.7): ptype and property apart, with comments between
    while (toks[i]?.kind === 'word' && (key.endsWith('.') || (text(toks[i]) ?? '').startsWith('.'))) {
      key += text(toks[i]);
      i++;
    }
    if (toks[i]?.kind !== '=') {
      stray.push(key);
      continue;
    }
    i++;
    // a value may be empty (`header.from=` at the end) or span glued tokens (base64 with / and =)
    let v = '';
    if (toks[i]?.kind === 'quoted') {
      v = text(toks[i])!;
      i++;
    } else if (toks[i]?.glued || toks[i]?.kind === 'word') {
      const startTok = i;
      while (i < toks.length && (i === startTok || toks[i]!.glued) && toks[i]!.kind !== 'quoted') {
        const t = toks[i]!;
        v += t.kind === 'word' ? t.text : t.kind === '/' || t.kind === '=' ? t.kind : '';
        i++;
      }
    }
    const lower = key.toLowerCase();
    if (lower === 'reason' && reason === undefined) {
      reason = v;
      continue;
    }
    const dot = key.indexOf('.');
    properties.push(
      dot > 0
        ? { ptype: lower.slice(0, dot), property: key.slice(dot + 1), value: v }
        : { ptype: '', property: key, value: v },
    );
  }
  const props: Record<string, string> = {};
  for (const p of properties) {
    const k = p.ptype ? `${p.ptype}.${p.property.toLowerCase()}` : p.property.toLowerCase();
    if (!(k in props)) props[k] = p.value;
  }
  return {
    method: method.toLowerCase(),
    ...(version !== undefined ? { version } : {}),
    result,
    ...(reason !== undefined ? { reason } : {}),
    properties,
    props,
    comments,
  };
}

/**
 * Parses an Authentication-Results value. `arc: true` reads the leading `i=N;` of an
 * ARC-Authentication-Results (RFC 8617 §4.1.1).
 */
export function parseAuthResults(value: string, options: { arc?: boolean } = {}): AuthResultsHeader {
  let tokens = tokenize(value);
  let instance: number | undefined;
  if (options.arc) {
    const plain = tokens.filter((t) => t.kind !== 'comment');
    if (text(plain[0])?.toLowerCase() === 'i' && plain[1]?.kind === '=' && plain[3]?.kind === ';') {
      const n = Number(text(plain[2]));
      if (Number.isInteger(n)) instance = n;
      const semi = tokens.indexOf(plain[3]);
      tokens = tokens.slice(semi + 1);
    }
  }
  const segs = splitSegments(tokens);
  const stray: string[] = [];
  const results: AuthResult[] = [];
  let authservId: string | null = null;
  let version: number | undefined;
  let none = false;
  let comments: string[] = [];
  const first = segs[0] ?? [];
  let rest = segs.slice(1);
  if (first.some((t) => t.kind === '=')) {
    // no authserv-id (Microsoft): the first segment is already a resinfo
    rest = segs;
  } else {
    const words = first.filter((t) => t.kind === 'word' || t.kind === 'quoted') as { text: string }[];
    comments = first.filter((t) => t.kind === 'comment').map((t) => (t as { text: string }).text);
    authservId = words[0]?.text ?? null;
    if (words[1] && /^\d+$/.test(words[1].text)) version = Number(words[1].text);
    for (const w of words.slice(version !== undefined ? 2 : 1)) stray.push(w.text);
  }
  for (const seg of rest) {
    const plain = seg.filter((t) => t.kind !== 'comment');
    if (plain.length === 0) continue;
    if (plain.length === 1 && text(plain[0])?.toLowerCase() === 'none') {
      none = true;
      continue;
    }
    const r = parseResinfo(seg, stray);
    if (r) results.push(r);
  }
  return {
    authservId,
    ...(version !== undefined ? { version } : {}),
    ...(instance !== undefined ? { instance } : {}),
    none,
    results,
    stray,
    comments,
  };
}

/** RFC 7208 §9.1 Received-SPF: `result (comment) key=value; …`. */
export interface ReceivedSpf {
  readonly result: string;
  readonly comment?: string;
  readonly pairs: Readonly<Record<string, string>>;
}

export function parseReceivedSpf(value: string): ReceivedSpf | null {
  const tokens = tokenize(value);
  const first = tokens[0];
  if (first?.kind !== 'word') return null;
  const comment = tokens.find((t) => t.kind === 'comment') as { text: string } | undefined;
  const pairs: Record<string, string> = {};
  const plain = tokens.filter((t) => t.kind !== 'comment');
  for (let i = 1; i < plain.length; i++) {
    const k = text(plain[i]);
    if (k !== undefined && plain[i + 1]?.kind === '=') {
      const v = text(plain[i + 2]) ?? '';
      pairs[k.toLowerCase()] ??= v;
      i += 2;
    }
  }
  return { result: first.text.toLowerCase(), ...(comment ? { comment: comment.text } : {}), pairs };
}
