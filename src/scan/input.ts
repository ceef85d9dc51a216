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

/** Names come out in chunks of this many (the scan stages and resumes chunk by chunk). */
export const CHUNK = 10_000;

export interface InputCounters {
  /** names that were not valid domain names (first few kept for the message) */
  invalid: number;
  readonly invalidSamples: string[];
  /** a name repeated on the next line or record (more NS records of one owner) */
  repeats: number;
}

/**
 * Normalises names and hands them out in chunks, without keeping the input: only a name repeated
 * right after itself is dropped here (the scan drops the other duplicates in its database).
 */
class Collector {
  pending: string[] = [];
  private last = '';
  readonly counters: InputCounters = { invalid: 0, invalidSamples: [], repeats: 0 };
  add(raw: string): void {
    const r = normaliseDomain(raw);
    if (!r.ok) {
      this.bad(raw);
      return;
    }
    if (r.name === this.last) {
      this.counters.repeats++;
      return;
    }
    this.last = r.name;
    this.pending.push(r.name);
  }
  bad(raw: string): void {
    this.counters.invalid++;
    if (this.counters.invalidSamples.length < 5)
      this.counters.invalidSamples.push(JSON.stringify(raw.slice(0, 80)));
  }
  drain(): string[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** Collects streamed chunks into the unique names in input order (small inputs and tests). */
async function collect(
  format: InputFormat,
  c: Collector,
  chunks: AsyncIterable<string[]>,
): Promise<InputResult> {
  const seen = new Set<string>();
  const domains: string[] = [];
  let duplicates = 0;
  for await (const chunk of chunks)
    for (const d of chunk) {
      if (seen.has(d)) duplicates++;
      else {
        seen.add(d);
        domains.push(d);
      }
    }
  return {
    domains,
    format,
    invalid: c.counters.invalid,
    invalidSamples: c.counters.invalidSamples,
    duplicates: duplicates + c.counters.repeats,
  };
}

/** Domain list: one name a line; `#` starts a comment; blank lines ignored. */
export function readList(chunks: AsyncIterable<string>): Promise<InputResult> {
  const c = new Collector();
  return collect('list', c, listChunks(chunks, c));
}

async function* listChunks(chunks: AsyncIterable<string>, c: Collector): AsyncGenerator<string[]> {
  for await (const line of lines(chunks)) {
    if (typeof line !== 'string') {
      c.bad('<line too long>');
      continue;
    }
    const hash = line.indexOf('#');
    const text = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (text !== '') c.add(text);
    if (c.pending.length >= CHUNK) yield c.drain();
  }
  if (c.pending.length) yield c.drain();
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
export function readZone(chunks: AsyncIterable<string>, defaultOrigin = ''): Promise<InputResult> {
  const c = new Collector();
  return collect('zone', c, zoneChunks(chunks, defaultOrigin, c));
}

async function* zoneChunks(
  chunks: AsyncIterable<string>,
  defaultOrigin: string,
  c: Collector,
): AsyncGenerator<string[]> {
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
    if (c.pending.length >= CHUNK) yield c.drain();
  }
  // a record whose parenthesis never closes is incomplete: not read
  if (pending.length && state.depth > 0) c.bad(pending.slice(0, 3).join(' '));
  else if (pending.length) handle(pending, pendingBlankOwner);
  if (c.pending.length) yield c.drain();
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

/** An input being read: its format, its names in chunks (duplicates not yet removed), its counters. */
export interface InputStream {
  readonly format: InputFormat;
  readonly chunks: AsyncGenerator<string[]>;
  /** final once `chunks` is exhausted */
  readonly counters: InputCounters;
}

/** Opens `path` (`-`: stdin; gzip by its magic bytes), sniffs its format unless given; never reads it whole. */
export async function openInput(
  path: string,
  opts: { format?: InputFormat; origin?: string; stdin?: NodeJS.ReadableStream } = {},
): Promise<InputStream> {
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
    yield* firstChunks.splice(0);
    if (done) return;
    for (;;) {
      const n = await iter.next();
      if (n.done) return;
      yield n.value;
    }
  }
  const c = new Collector();
  return {
    format,
    chunks: format === 'zone' ? zoneChunks(all(), opts.origin ?? '', c) : listChunks(all(), c),
    counters: c.counters,
  };
}

/** Reads `path` whole into its unique domains (small inputs and tests; the scan streams with openInput). */
export async function readInput(
  path: string,
  opts: { format?: InputFormat; origin?: string; stdin?: NodeJS.ReadableStream } = {},
): Promise<InputResult> {
  const input = await openInput(path, opts);
  const c = new Collector();
  const r = await collect(input.format, c, input.chunks);
  return {
    ...r,
    invalid: input.counters.invalid,
    invalidSamples: input.counters.invalidSamples,
    duplicates: r.duplicates + input.counters.repeats,
  };
}
