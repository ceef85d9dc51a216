/**
 * Scan inputs: a domain list (one name a line, `#` comments) or an RFC 1035 master file (zone file,
 * such as the .ch open-data zone), from a file, `-` (stdin) or a `.gz` of either. Every name is
 * normalised (lower case, A-label, no trailing dot); invalid names are counted and skipped.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { normaliseDomain } from '../core/names.ts';

/** lines longer than this are not names: they are skipped (and counted invalid), never buffered */
export const MAX_LINE = 64 * 1024;

export type InputFormat = 'list' | 'zone';

export interface InputResult {
  /** unique normalised domains, in input order */
  readonly domains: string[];
  readonly format: InputFormat;
  /** names that were not valid domain names (first few kept for the message) */
  readonly invalid: number;
  readonly invalidSamples: string[];
  readonly duplicates: number;
}

/** Splits text chunks into lines; a line over MAX_LINE is replaced by a marker without buffering it. */
export async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string | { tooLong: true }> {
  let buf = '';
  let skipping = false;
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const piece = nl < 0 ? chunk.slice(start) : chunk.slice(start, nl);
      if (!skipping) {
        if (buf.length + piece.length > MAX_LINE) {
          skipping = true;
          buf = '';
        } else buf += piece;
      }
      if (nl < 0) break;
      if (skipping) yield { tooLong: true };
      else yield buf.endsWith('\r') ? buf.slice(0, -1) : buf;
      buf = '';
      skipping = false;
      start = nl + 1;
    }
  }
  if (skipping) yield { tooLong: true };
  else if (buf !== '') yield buf;
}

class Collector {
  readonly domains: string[] = [];
  private readonly seen = new Set<string>();
  invalid = 0;
  duplicates = 0;
  readonly invalidSamples: string[] = [];
  add(raw: string): void {
    const r = normaliseDomain(raw);
    if (!r.ok) {
      this.bad(raw);
      return;
    }
    if (this.seen.has(r.name)) {
      this.duplicates++;
      return;
    }
    this.seen.add(r.name);
    this.domains.push(r.name);
  }
  bad(raw: string): void {
    this.invalid++;
    if (this.invalidSamples.length < 5) this.invalidSamples.push(JSON.stringify(raw.slice(0, 80)));
  }
  result(format: InputFormat): InputResult {
    return {
      domains: this.domains,
      format,
      invalid: this.invalid,
      invalidSamples: this.invalidSamples,
      duplicates: this.duplicates,
    };
  }
}

/** Domain list: one name a line; `#` starts a comment; blank lines ignored. */
export async function readList(chunks: AsyncIterable<string>): Promise<InputResult> {
  const c = new Collector();
  for await (const line of lines(chunks)) {
    if (typeof line !== 'string') {
      c.bad('<line too long>');
      continue;
    }
    const hash = line.indexOf('#');
    const text = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (text !== '') c.add(text);
  }
  return c.result('list');
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);
const TTL = /^\d+[smhdw]?(\d+[smhdw])*$/i;

/** Tokens of one logical record: comments removed, quoted strings kept as one token. */
function tokenize(line: string, state: { depth: number }): string[] {
  const out: string[] = [];
  let i = 0;
  let cur = '';
  let has = false;
  const push = () => {
    if (has) out.push(cur);
    cur = '';
    has = false;
  };
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === ';') break;
    if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        s += line[j];
        j++;
      }
      cur += s;
      has = true;
      i = j + 1;
      continue;
    }
    if (ch === '\\' && i + 1 < line.length) {
      cur += ch + line[i + 1];
      has = true;
      i += 2;
      continue;
    }
    if (ch === '(') {
      push();
      state.depth++;
    } else if (ch === ')') {
      push();
      state.depth = Math.max(0, state.depth - 1);
    } else if (ch === ' ' || ch === '\t') push();
    else {
      cur += ch;
      has = true;
    }
    i++;
  }
  push();
  return out;
}

function absolute(name: string, origin: string): string {
  if (name === '@') return origin;
  if (name.endsWith('.')) return name.slice(0, -1).toLowerCase();
  return (origin === '' ? name : `${name}.${origin}`).toLowerCase();
}

/**
 * Zone file (RFC 1035 §5): the owner names of NS records below the zone apex — the delegated
 * domains — deduplicated. Handles $ORIGIN, $TTL, `@`, relative names, blank (repeated) owners,
 * parentheses over several lines, `;` comments and quoted strings. $INCLUDE is not followed.
 */
export async function readZone(chunks: AsyncIterable<string>, defaultOrigin = ''): Promise<InputResult> {
  const c = new Collector();
  let origin = defaultOrigin.replace(/\.$/, '').toLowerCase();
  let apex: string | null = null;
  let owner: string | null = null;
  const state = { depth: 0 };
  let pending: string[] = [];
  let pendingBlankOwner = false;
  const handle = (tokens: string[], blankOwner: boolean) => {
    if (tokens.length === 0) return;
    const first = tokens[0] as string;
    if (!blankOwner && first.startsWith('$')) {
      const d = first.toUpperCase();
      if (d === '$ORIGIN' && tokens[1]) origin = absolute(tokens[1], origin);
      return;
    }
    let i = 0;
    if (!blankOwner) {
      owner = absolute(first, origin);
      i = 1;
    }
    if (owner === null) return;
    while (
      i < tokens.length &&
      (TTL.test(tokens[i] as string) || CLASSES.has((tokens[i] as string).toUpperCase()))
    )
      i++;
    const type = tokens[i]?.toUpperCase();
    if (type === 'SOA' && apex === null) apex = owner;
    if (type !== 'NS') return;
    const zone = apex ?? origin;
    if (owner === zone) return;
    if (zone !== '' && !owner.endsWith(`.${zone}`)) return; // out of zone (glue or junk)
    if (/[^\x21-\x7e]/.test(owner) && !/^[\p{L}\p{N}.-]+$/u.test(owner)) {
      c.bad(owner);
      return;
    }
    if (owner.includes('\\')) {
      c.bad(owner); // an escaped octet (\032, \.) is never part of a host name
      return;
    }
    c.add(owner);
  };
  for await (const line of lines(chunks)) {
    if (typeof line !== 'string') {
      c.bad('<line too long>');
      state.depth = 0;
      pending = [];
      continue;
    }
    const wasOpen = state.depth > 0;
    const tokens = tokenize(line, state);
    if (wasOpen) pending.push(...tokens);
    else {
      pending = tokens;
      pendingBlankOwner = /^[ \t]/.test(line);
    }
    if (state.depth === 0) {
      handle(pending, pendingBlankOwner);
      pending = [];
    }
  }
  // a record whose parenthesis never closes is incomplete: not read
  if (pending.length && state.depth > 0) c.bad(pending.slice(0, 3).join(' '));
  else if (pending.length) handle(pending, pendingBlankOwner);
  return c.result('zone');
}

/** A zone file has directives or records (SOA/NS with a class or TTL); a list has one name a line. */
export function sniffFormat(head: string): InputFormat {
  for (const raw of head.split('\n').slice(0, 200)) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^\$(ORIGIN|TTL|INCLUDE)\b/i.test(line)) return 'zone';
    if (/\s(IN\s+)?(SOA|NS|A|AAAA|DS|RRSIG|NSEC3?|DNSKEY)\s/i.test(` ${line} `) && /\s/.test(line))
      return 'zone';
  }
  return 'list';
}

/** gzip is recognised by its magic bytes (1f 8b), whatever the name: `.gz` files and gzip on stdin. */
async function gunzipIfGzip(raw: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> {
  const it = (raw as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const first = await it.next();
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.done) return;
    yield first.value;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  }
  const replay = Readable.from(rest(), { objectMode: false });
  const head = first.done ? undefined : Buffer.from(first.value);
  return head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
    ? replay.pipe(createGunzip())
    : replay;
}

async function* decode(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of stream as AsyncIterable<Uint8Array>)
    yield decoder.decode(chunk, { stream: true });
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** Reads `path` (`-`: stdin; `.gz`: gunzipped), sniffs its format unless given, returns the domains. */
export async function readInput(
  path: string,
  opts: { format?: InputFormat; origin?: string; stdin?: NodeJS.ReadableStream } = {},
): Promise<InputResult> {
  const raw: NodeJS.ReadableStream =
    path === '-' ? (opts.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = await gunzipIfGzip(raw);
  const iter = decode(stream)[Symbol.asyncIterator]();
  const firstChunks: string[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < 65536) {
    const n = await iter.next();
    if (n.done) {
      done = true;
      break;
    }
    firstChunks.push(n.value);
    headLen += n.value.length;
  }
  const format = opts.format ?? sniffFormat(firstChunks.join('').slice(0, 65536));
  async function* all(): AsyncGenerator<string> {
    yield* firstChunks;
    if (done) return;
    for (;;) {
      const n = await iter.next();
      if (n.done) return;
      yield n.value;
    }
  }
  return format === 'zone' ? readZone(all(), opts.origin) : readList(all());
}
