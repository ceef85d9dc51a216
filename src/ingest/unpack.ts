/**
 * Turns the bytes of one input (a file, a mail) into the report documents it holds, by content
 * (magic bytes), never by file name or MIME type: XML, JSON, gzip, zip, a mail message (RFC 5322,
 * incl. ARF and Exim failure reports) or an mbox. Containers nest (a mail with a .zip holding an
 * .xml).
 *
 * Everything streams: the input is a sequence of byte chunks, gzip and zip are inflated chunk by
 * chunk (fflate's streaming classes, synchronous), an mbox is split one message at a time, and an
 * XML document reaches its reader as decoded text chunks — so memory stays flat however large
 * the input or the report, and the caps bound *work*: one budget of decompressed bytes per input
 * (all levels together), one of archive entries, a nesting depth. Whatever cannot be read becomes
 * an `unreadable` item with the reason, never a throw; a cap that is hit stops the whole input and
 * gives one line.
 *
 * Contract of the lazy items: an `xml` item's `text` must be read (or abandoned) before the next
 * item is asked for; the generator drains whatever was left.
 */
import { createHash } from 'node:crypto';
import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { Gunzip, Inflate, Unzip, type UnzipDecoder } from 'fflate';
import { type MailParts, mailParts } from './mail.ts';

export interface UnpackLimits {
  /** decompressed bytes one input may produce, all gzip/zip levels together (a work bound) */
  readonly maxTotal: number;
  /** archive entries read from one input, all archives together */
  readonly maxEntries: number;
  /** messages read from one mbox */
  readonly maxMessages: number;
  /** bytes of one mail message (it is parsed in memory) */
  readonly maxMessageBytes: number;
  /** bytes of a JSON document or a mail attachment held in memory */
  readonly maxDocumentBytes: number;
  /** containers inside containers (mail → zip → gzip …) */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: UnpackLimits = {
  maxTotal: 4 * 1024 * 1024 * 1024,
  maxEntries: 10_000,
  maxMessages: 10_000_000,
  maxMessageBytes: 64 * 1024 * 1024,
  maxDocumentBytes: 64 * 1024 * 1024,
  maxDepth: 5,
};

export type Chunks = Iterable<Uint8Array>;

export type Item =
  | {
      readonly type: 'xml';
      readonly entry: string | undefined;
      /** the decoded text, lazily, in chunks */
      readonly text: Iterable<string>;
      /** what was wrong on the way (a truncated gzip), known once `text` is read */
      readonly notes: string[];
      /** true once `text` ended because the input's budget ran out (the document is incomplete) */
      readonly cut: () => boolean;
    }
  | {
      readonly type: 'json';
      readonly entry: string | undefined;
      readonly text: string;
      readonly notes: string[];
    }
  | {
      readonly type: 'arf';
      readonly entry: string | undefined;
      /** the message/feedback-report part, as text */
      readonly feedback: string;
      /** headers of the original message (message/rfc822 or text/rfc822-headers part), when sent */
      readonly originalHeaders: string | undefined;
    }
  | {
      /** a plain-text failure report (Exim's dmarc_forensic, no message/feedback-report part) */
      readonly type: 'failure-text';
      readonly entry: string | undefined;
      readonly text: string;
      readonly subject: string | undefined;
    }
  | {
      /** one mail message of an mbox was read (or skipped because it is known) */
      readonly type: 'message';
      readonly entry: string | undefined;
      /** SHA-256 of the message bytes (hex) */
      readonly digest: string;
      /** when the message was skipped as known: the reports stored from it */
      readonly known?: number;
    }
  | { readonly type: 'unreadable'; readonly entry: string | undefined; readonly reason: string };

export type Format = 'gzip' | 'zip' | 'xml' | 'json' | 'mbox' | 'mail' | 'msg' | 'empty' | 'unknown';

export interface UnpackOptions {
  readonly limits?: Partial<UnpackLimits>;
  /**
   * Called with the digests of up to 256 mbox messages at a time; the messages it returns (with the
   * number of reports stored from each) are skipped without being parsed (a re-import).
   */
  readonly knownMessages?: (digests: readonly string[]) => Promise<ReadonlyMap<string, number>>;
  /**
   * compute each mbox message's digest (for re-import bookkeeping): yes unless false (`reports
   * parse` keeps none); always with `knownMessages`. Without, a `message` item's digest is ''.
   */
  readonly digests?: boolean;
}

const startsWith = (b: Uint8Array, ...sig: number[]) => sig.every((v, i) => b[i] === v);

/** index of the first byte after a BOM and whitespace */
function textStart(b: Uint8Array): number {
  let i = startsWith(b, 0xef, 0xbb, 0xbf) ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i;
}

const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:/;

/** The format of a document from its first bytes (1 KiB is enough). */
export function sniff(b: Uint8Array): Format {
  if (startsWith(b, 0x1f, 0x8b)) return 'gzip';
  if (startsWith(b, 0x50, 0x4b, 0x03, 0x04) || startsWith(b, 0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (startsWith(b, 0xd0, 0xcf, 0x11, 0xe0)) return 'msg';
  if (startsWith(b, 0xff, 0xfe) || startsWith(b, 0xfe, 0xff)) return 'xml'; // UTF-16 text: only XML may be
  const i = textStart(b);
  if (i >= b.length) return 'empty';
  if (b[i] === 0x3c) return 'xml';
  if (b[i] === 0x7b) return 'json';
  const head = Buffer.from(b.subarray(i, i + 1024)).toString('latin1');
  if (head.startsWith('From ')) return 'mbox';
  const first = head.split(/\r?\n/, 1)[0] ?? '';
  if (HEADER_LINE.test(first) && !/[\x00-\x08\x0e-\x1f]/.test(head)) return 'mail';
  return 'unknown';
}

/** The text encoding of XML or JSON: BOM first, then the XML declaration's encoding, else UTF-8. */
function encodingOf(b: Uint8Array): string {
  if (startsWith(b, 0xef, 0xbb, 0xbf)) return 'utf-8';
  if (startsWith(b, 0xff, 0xfe)) return 'utf-16le';
  if (startsWith(b, 0xfe, 0xff)) return 'utf-16be';
  const head = Buffer.from(b.subarray(0, 200)).toString('latin1');
  const enc = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (enc && enc !== 'utf-8' && enc !== 'utf8') {
    try {
      new TextDecoder(enc);
      return enc;
    } catch {
      // unknown label: UTF-8 (lenient)
    }
  }
  return 'utf-8';
}

/** Decodes XML or JSON text in one piece (BOM, then the XML declaration's encoding, else UTF-8). */
export function decodeText(b: Uint8Array): string {
  return new TextDecoder(encodingOf(b)).decode(b);
}

/** Decodes a chunked document lazily; a character split across chunks is joined. */
function* decodeChunks(chunks: Chunks, head: Uint8Array): Generator<string> {
  const dec = new TextDecoder(encodingOf(head));
  for (const c of chunks) {
    const s = dec.decode(c, { stream: true });
    if (s) yield s;
  }
  const s = dec.decode();
  if (s) yield s;
}

const mib = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MiB`;
const join = (entry: string | undefined, inner: string) => (entry ? `${entry}/${inner}` : inner);

/** What one input may still cost; a cap that is hit stops the input and is reported once. */
class Budget {
  used = 0;
  entries = 0;
  /** why the input stopped (one line), and where */
  stop: { entry: string | undefined; reason: string } | undefined;
  readonly limits: UnpackLimits;
  constructor(limits: UnpackLimits) {
    this.limits = limits;
  }
  get exhausted(): boolean {
    return this.stop !== undefined;
  }
  /** counts n decompressed bytes; false (and the input stops) when that passes the cap */
  charge(n: number, entry: string | undefined): boolean {
    if (this.stop) return false;
    this.used += n;
    if (this.used <= this.limits.maxTotal) return true;
    this.stop = {
      entry,
      reason: `decompressed data exceeds the cap of ${mib(this.limits.maxTotal)} for one input (a compression bomb?); stopped reading it`,
    };
    return false;
  }
  halt(entry: string | undefined, reason: string): void {
    this.stop ??= { entry, reason };
  }
}

/** The first n bytes (or all, when fewer) and the whole sequence again. */
function peek(src: Chunks, n: number): { head: Uint8Array; all: Chunks } {
  const it = src[Symbol.iterator]();
  const got: Uint8Array[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = it.next();
    if (r.done) {
      done = true;
      break;
    }
    if (r.value.length) {
      got.push(r.value);
      len += r.value.length;
    }
  }
  const head = got.length === 1 ? (got[0] as Uint8Array) : Buffer.concat(got);
  const all: Chunks = {
    *[Symbol.iterator]() {
      if (head.length) yield head;
      if (!done) for (let r = it.next(); !r.done; r = it.next()) yield r.value;
    },
  };
  return { head, all };
}

/** All bytes when at most `cap`, else undefined (the rest is read and dropped). */
function collect(src: Chunks, cap: number): Buffer | undefined {
  const parts: Uint8Array[] = [];
  let len = 0;
  for (const c of src) {
    len += c.length;
    if (len <= cap) parts.push(c);
    else return undefined;
  }
  return Buffer.concat(parts);
}

/** bytes handed to an inflater at a time */
const SLICE = 64 * 1024;

function* slices(src: Chunks): Generator<Uint8Array> {
  for (const c of src) for (let i = 0; i < c.length; i += SLICE) yield c.subarray(i, i + SLICE);
}

/** compressed inputs up to this size are inflated in one native call (zlib); larger ones stream */
const NATIVE_INPUT = 1024 * 1024;
/** what one native call may produce; past it the input is streamed instead (memory stays bounded) */
const NATIVE_OUTPUT = 64 * 1024 * 1024;

const isTooLarge = (e: unknown) => (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';

/**
 * A small gzip in one native zlib call (fast: most report attachments are a few KB): the bytes,
 * or undefined when it must stream (too large, or not a clean stream: trailing bytes, truncated).
 */
function gunzipNative(b: Uint8Array, budget: Budget, entry: string | undefined): Uint8Array | undefined {
  const cap = Math.min(NATIVE_OUTPUT, budget.limits.maxTotal - budget.used);
  if (cap <= 0) return undefined;
  let out: Buffer;
  try {
    out = gunzipSync(b, { maxOutputLength: cap, finishFlush: constants.Z_FINISH });
  } catch {
    // too large for one call, trailing bytes, truncated or corrupt: the streaming reader says which
    return undefined;
  }
  return budget.charge(out.length, entry) ? out : undefined;
}

/**
 * gzip (RFC 1952), streamed: members one after another; trailing bytes after a member are ignored
 * (Mimecast's CRLF, parsedmarc #429); a stream that ends early is read as far as it goes, with a note.
 */
function* gunzip(
  src: Chunks,
  entry: string | undefined,
  budget: Budget,
  state: { notes: string[]; error?: string },
): Generator<Uint8Array> {
  const out: Uint8Array[] = [];
  let produced = 0;
  let failed: string | undefined;
  const g = new Gunzip((c) => {
    out.push(c);
  });
  const push = (b: Uint8Array, final: boolean) => {
    try {
      g.push(b, final);
    } catch (e) {
      failed = (e as Error).message;
    }
  };
  for (const s of slices(src)) {
    push(s, false);
    while (out.length) {
      const c = out.shift() as Uint8Array;
      produced += c.length;
      if (!budget.charge(c.length, entry)) return;
      yield c;
    }
    if (failed) break;
  }
  if (!failed) push(new Uint8Array(0), true);
  while (out.length) {
    const c = out.shift() as Uint8Array;
    produced += c.length;
    if (!budget.charge(c.length, entry)) return;
    yield c;
  }
  if (failed === undefined) return;
  if (produced === 0) state.error = `gzip data is corrupt (${failed})`;
  else if (/unexpected EOF/i.test(failed))
    state.notes.push('the gzip data ends early (truncated file); read as far as it goes');
  else if (!/invalid gzip data/i.test(failed))
    state.notes.push(`the gzip data is corrupt after ${produced} bytes (${failed}); read as far as it goes`);
  // "invalid gzip data" after a member: trailing bytes, ignored
}

interface ZipFile {
  readonly name: string;
  readonly start: () => void;
  readonly terminate: () => void;
  /** inflated data not yet read */
  readonly data: Uint8Array[];
  ended: boolean;
  error?: string;
}

interface ZipEntry {
  readonly name: string;
  readonly chunks: Chunks;
}

/** compressed bytes handed to the zip reader at a time (a bomb inflates ~1000× per push) */
const ZIP_SLICE = 16 * 1024;

/**
 * The deflate decoder of zip entries: an entry whose compressed data is small is inflated in one
 * native zlib call when it is complete (fflate's pure-JS inflate costs more per small entry than
 * the rest of the report's reading); a larger one streams through fflate's `Inflate`.
 */
class ZipDeflate implements UnzipDecoder {
  static readonly compression = 8;
  ondata: UnzipDecoder['ondata'] = () => undefined;
  private parts: Uint8Array[] = [];
  private size = 0;
  private stream: Inflate | undefined;
  private done = false;
  push(chunk: Uint8Array, final: boolean): void {
    if (this.done) return;
    if (this.stream) {
      this.stream.push(chunk, final);
      return;
    }
    this.parts.push(chunk.slice());
    this.size += chunk.length;
    if (!final && this.size <= NATIVE_INPUT) return;
    const buf = this.parts.length === 1 ? (this.parts[0] as Uint8Array) : Buffer.concat(this.parts);
    this.parts = [];
    if (final) {
      try {
        const out = inflateRawSync(buf, { maxOutputLength: NATIVE_OUTPUT });
        this.done = true;
        this.ondata(null, out, true);
        return;
      } catch (e) {
        if (!isTooLarge(e)) {
          this.done = true;
          this.ondata(Object.assign(e as Error, { code: 0 }), new Uint8Array(0), true);
          return;
        }
      }
    }
    this.stream = new Inflate((d, f) => this.ondata(null, d, f));
    this.stream.push(buf, final);
  }
  terminate(): void {
    this.done = true;
    this.parts = [];
  }
}

/**
 * The entries of a zip archive, streamed from the local headers (fflate's `Unzip`), each entry's
 * data lazily (an entry is inflated only when it is read); directories skipped. Problems go to
 * `problems`; a spent budget stops everything.
 */
function* unzip(
  src: Chunks,
  entry: string | undefined,
  budget: Budget,
  problems: string[],
): Generator<ZipEntry> {
  const files: ZipFile[] = [];
  let fatal: string | undefined;
  const uz = new Unzip((file) => {
    const f: ZipFile = {
      name: file.name,
      start: () => file.start(),
      terminate: () => file.terminate(),
      data: [],
      ended: false,
    };
    file.ondata = (err, data, final) => {
      if (err) f.error = err.message;
      else {
        if (data.length) f.data.push(data);
        if (final) f.ended = true;
      }
    };
    files.push(f);
  });
  uz.register(ZipDeflate);
  const input = (function* () {
    for (const c of src) for (let i = 0; i < c.length; i += ZIP_SLICE) yield c.subarray(i, i + ZIP_SLICE);
  })();
  let next = input.next();
  let inputDone = next.done === true;
  const pump = () => {
    if (inputDone) return;
    const cur = next.value as Uint8Array;
    next = input.next();
    const final = next.done === true;
    try {
      uz.push(cur, final);
    } catch (e) {
      fatal = (e as Error).message;
      inputDone = true;
    }
    if (final) inputDone = true;
  };
  let seen = 0;
  for (;;) {
    while (!files.length && !inputDone) pump();
    const f = files.shift();
    if (!f) break;
    if (f.name.endsWith('/')) continue;
    seen++;
    if (++budget.entries > budget.limits.maxEntries) {
      budget.halt(
        entry,
        `the input holds more than ${budget.limits.maxEntries} archive entries; the rest were not read`,
      );
      return;
    }
    const name = join(entry, f.name);
    try {
      f.start();
    } catch (e) {
      problems.push(`${name}: cannot unpack zip entry (${(e as Error).message})`);
      continue;
    }
    let finished = false;
    const chunks = (function* () {
      for (;;) {
        const c = f.data.shift();
        if (c) {
          if (!budget.charge(c.length, name)) return;
          yield c;
          continue;
        }
        if (f.error !== undefined) {
          problems.push(`${name}: zip entry is corrupt (${f.error})`);
          finished = true;
          return;
        }
        if (f.ended) {
          finished = true;
          return;
        }
        if (inputDone) {
          if (fatal === undefined) problems.push(`${name}: the zip archive ends inside this entry`);
          finished = true;
          return;
        }
        pump();
      }
    })();
    yield { name: f.name, chunks };
    if (!finished) {
      // the reader stopped early: stop inflating this entry
      f.terminate();
      f.data.length = 0;
    }
    if (budget.exhausted) return;
  }
  if (fatal !== undefined) problems.push(`${entry ?? 'zip'}: zip archive is corrupt (${fatal})`);
  else if (!seen && !problems.length) problems.push(`${entry ?? 'zip'}: the zip archive is empty`);
}

/** Inserts the missing indentation of header continuation lines (Microsoft TLS-RPT mails, parsedmarc #561). */
export function repairHeaderFolding(mail: Buffer): Buffer {
  const text = mail.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const end = m ? m.index : text.length;
  const lines = text.slice(0, end).split(/(\r?\n)/);
  let changed = false;
  for (let i = 2; i < lines.length; i += 2) {
    const line = lines[i] ?? '';
    if (line !== '' && !/^[ \t]/.test(line) && !HEADER_LINE.test(line)) {
      lines[i] = ` ${line}`;
      changed = true;
    }
  }
  return changed ? Buffer.concat([Buffer.from(lines.join(''), 'latin1'), mail.subarray(end)]) : mail;
}

/** bytes kept back between chunks so that a separator split across two is still seen */
const MBOX_CARRY = 16;
const FROM_LINE = Buffer.from('\nFrom ', 'latin1');

/**
 * The messages of an mbox, streamed: split at "From " separator lines (at the start or after an
 * empty line), the separator line removed. A message larger than `maxBytes` is yielded as its
 * size only (`bytes` undefined).
 */
export function* mboxMessages(src: Chunks, maxBytes: number): Generator<{ bytes?: Buffer; size: number }> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let started = false;
  let carry: Uint8Array = new Uint8Array(0);
  const add = (b: Uint8Array) => {
    if (!b.length) return;
    started = true;
    size += b.length;
    if (size <= maxBytes) parts.push(b);
    else parts = [];
  };
  const emit = (): { bytes?: Buffer; size: number } => {
    const out = size <= maxBytes ? Buffer.concat(parts) : undefined;
    const n = size;
    parts = [];
    size = 0;
    if (!out) return { size: n };
    const nl = out.indexOf(0x0a);
    return { bytes: nl < 0 ? Buffer.alloc(0) : out.subarray(nl + 1), size: n };
  };
  let first = true;
  for (const c of src) {
    const w = carry.length ? Buffer.concat([carry, c]) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let from = 0;
    let at = 0;
    for (;;) {
      const i = w.indexOf(FROM_LINE, at);
      if (i < 0) break;
      at = i + 1;
      // a match that lies wholly in the carried bytes was seen with the previous chunk
      if (!first && i + FROM_LINE.length <= carry.length) continue;
      const blank =
        (i >= 1 && w[i - 1] === 0x0a) ||
        (i >= 2 && w[i - 1] === 0x0d && w[i - 2] === 0x0a) ||
        (first && i === 0);
      if (!blank) continue;
      add(w.subarray(from, i + 1));
      if (started) yield emit();
      from = i + 1;
    }
    first = false;
    const keep = Math.max(from, w.length - MBOX_CARRY);
    add(w.subarray(from, keep));
    carry = Buffer.from(w.subarray(keep));
  }
  add(carry);
  if (size > 0) yield emit();
}

/** Splits an mbox held in memory (see `mboxMessages`). */
export function splitMbox(b: Buffer, max: number): { messages: Buffer[]; more: number } {
  const messages: Buffer[] = [];
  let more = 0;
  for (const m of mboxMessages([b], Number.MAX_SAFE_INTEGER)) {
    if (messages.length < max) messages.push(m.bytes ?? Buffer.alloc(0));
    else more++;
  }
  return { messages, more };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The part of a raw MIME message whose Content-Type is `type`, up to the next boundary (headers only). */
function rawPartHeaders(raw: string, type: RegExp): string | undefined {
  const m = type.exec(raw);
  if (!m) return undefined;
  const afterHeaders = /\r?\n\r?\n/g;
  afterHeaders.lastIndex = m.index;
  const h = afterHeaders.exec(raw);
  if (!h) return undefined;
  const body = raw.slice(h.index + h[0].length);
  const end = /\r?\n--[^\r\n]*\r?\n|\r?\n\r?\n/.exec(body);
  return end ? body.slice(0, end.index) : body;
}

/** an Exim dmarc_forensic report (plain text): "Sender Domain:" and "Sender IP Address:" lines */
const EXIM_FAILURE = /^\s*Sender Domain:\s*\S+\s*$[\s\S]*^\s*Sender IP Address:\s*\S+\s*$/m;

async function* readMail(
  b: Buffer,
  entry: string | undefined,
  depth: number,
  budget: Budget,
  options: UnpackOptions,
): AsyncGenerator<Item> {
  let mail: MailParts;
  const repaired = repairHeaderFolding(b);
  try {
    mail = await mailParts(repaired);
  } catch (e) {
    yield {
      type: 'unreadable',
      entry,
      reason: `the mail message cannot be parsed (${(e as Error).message})`,
    };
    return;
  }
  const parts = mail.attachments;
  const feedback = parts.find((a) => a.contentType?.toLowerCase() === 'message/feedback-report');
  if (feedback) {
    const original = parts.find((a) => /^(message\/rfc822|text\/rfc822-headers)$/i.test(a.contentType ?? ''));
    let originalHeaders: string | undefined;
    if (original) {
      const t = original.content.toString('utf8');
      const m = /\r?\n\r?\n/.exec(t);
      originalHeaders = m ? t.slice(0, m.index) : t;
    } else {
      // an inline message/rfc822 part is merged into the text by mailparser: take it from the raw MIME
      originalHeaders = rawPartHeaders(
        repaired.toString('utf8'),
        /^Content-Type:\s*(?:message\/rfc822|text\/rfc822-headers)\b/im,
      );
    }
    yield { type: 'arf', entry, feedback: feedback.content.toString('utf8'), originalHeaders };
    return;
  }
  for (const [i, a] of parts.entries()) {
    // a forwarded report mail (message/rfc822) is read like any other container
    yield* unpackAt([a.content], join(entry, a.filename ?? `part ${i + 1}`), depth + 1, budget, options);
    if (budget.exhausted) return;
  }
  if (parts.length === 0) {
    // no attachment: some senders put the XML or JSON in the body; Exim sends its failure reports as text
    const body = mail.text?.trim() ?? '';
    if (body.startsWith('<') || body.startsWith('{')) {
      yield* unpackAt([Buffer.from(body, 'utf8')], join(entry, 'body'), depth + 1, budget, options);
    } else if (EXIM_FAILURE.test(body)) {
      yield { type: 'failure-text', entry, text: body, subject: mail.subject };
    } else {
      yield {
        type: 'unreadable',
        entry,
        reason: 'the mail message has no attachment and no report in its body',
      };
    }
  }
}

/** messages whose digests are looked up at once (a re-import skips known ones unparsed) */
const MESSAGE_BATCH = 256;

async function* readMbox(
  src: Chunks,
  entry: string | undefined,
  depth: number,
  budget: Budget,
  options: UnpackOptions,
): AsyncGenerator<Item> {
  const max = budget.limits.maxMessages;
  const digests = options.digests !== false || options.knownMessages !== undefined;
  let n = 0;
  let batch: { name: string; bytes?: Buffer; size: number; digest: string }[] = [];
  const flush = async function* (): AsyncGenerator<Item> {
    const known = options.knownMessages
      ? await options.knownMessages(batch.filter((m) => m.bytes).map((m) => m.digest))
      : undefined;
    for (const m of batch) {
      if (!m.bytes) {
        yield {
          type: 'unreadable',
          entry: m.name,
          reason: `the message is larger than ${mib(budget.limits.maxMessageBytes)} (${mib(m.size)}); not read`,
        };
        continue;
      }
      const stored = known?.get(m.digest);
      if (stored !== undefined) {
        yield { type: 'message', entry: m.name, digest: m.digest, known: stored };
        continue;
      }
      yield* readMail(m.bytes, m.name, depth + 1, budget, options);
      yield { type: 'message', entry: m.name, digest: m.digest };
      if (budget.exhausted) return;
    }
    batch = [];
  };
  for (const m of mboxMessages(src, budget.limits.maxMessageBytes)) {
    if (++n > max) {
      budget.halt(entry, `the mbox holds more than ${max} messages; only the first ${max} were read`);
      break;
    }
    const name = join(entry, `message ${n}`);
    batch.push({
      name,
      size: m.size,
      digest: m.bytes && digests ? sha256(m.bytes) : '',
      ...(m.bytes ? { bytes: m.bytes } : {}),
    });
    if (batch.length >= MESSAGE_BATCH) {
      yield* flush();
      if (budget.exhausted) return;
    }
  }
  if (batch.length) yield* flush();
}

async function* unpackAt(
  src: Chunks,
  entry: string | undefined,
  depth: number,
  budget: Budget,
  options: UnpackOptions,
  notes: string[] = [],
): AsyncGenerator<Item> {
  if (budget.exhausted) return;
  if (depth > budget.limits.maxDepth) {
    budget.halt(entry, `containers nested deeper than ${budget.limits.maxDepth} levels; not read`);
    return;
  }
  const { head, all } = peek(src, 1024);
  if (!head.length && budget.exhausted) return;
  const format = sniff(head);
  switch (format) {
    case 'xml': {
      const text = decodeChunks(all, head);
      const item: Item = { type: 'xml', entry, text, notes, cut: () => budget.exhausted };
      yield item;
      for (const _ of text); // drain what the reader left
      return;
    }
    case 'json': {
      const bytes = collect(all, budget.limits.maxDocumentBytes);
      if (!bytes) {
        yield {
          type: 'unreadable',
          entry,
          reason: `a JSON document larger than ${mib(budget.limits.maxDocumentBytes)}; not read`,
        };
        return;
      }
      if (budget.exhausted) return;
      yield { type: 'json', entry, text: decodeText(bytes), notes };
      return;
    }
    case 'gzip': {
      const small = peek(all, NATIVE_INPUT + 1);
      if (small.head.length <= NATIVE_INPUT) {
        const out = gunzipNative(small.head, budget, entry);
        if (out) {
          yield* unpackAt([out], entry, depth + 1, budget, options, notes);
          return;
        }
        if (budget.exhausted) return;
      }
      const state: { notes: string[]; error?: string } = { notes: [...notes] };
      const inner = gunzip(small.all, entry, budget, state);
      const { head: h, all: rest } = peek(inner, 1);
      if (!h.length) {
        if (state.error) yield { type: 'unreadable', entry, reason: state.error };
        else if (!budget.exhausted) yield { type: 'unreadable', entry, reason: 'the gzip data is empty' };
        return;
      }
      yield* unpackAt(rest, entry, depth + 1, budget, options, state.notes);
      return;
    }
    case 'zip': {
      const problems: string[] = [];
      for (const e of unzip(all, entry, budget, problems)) {
        yield* unpackAt(e.chunks, join(entry, e.name), depth + 1, budget, options);
        if (budget.exhausted) break;
      }
      for (const p of problems) yield { type: 'unreadable', entry, reason: p };
      return;
    }
    case 'mbox':
      yield* readMbox(all, entry, depth, budget, options);
      return;
    case 'mail': {
      const bytes = collect(all, budget.limits.maxMessageBytes);
      if (!bytes) {
        yield {
          type: 'unreadable',
          entry,
          reason: `a mail message larger than ${mib(budget.limits.maxMessageBytes)}; not read`,
        };
        return;
      }
      yield* readMail(bytes, entry, depth, budget, options);
      return;
    }
    case 'msg':
      yield { type: 'unreadable', entry, reason: 'an Outlook .msg file; save the message as .eml instead' };
      return;
    case 'empty':
      yield { type: 'unreadable', entry, reason: entry ? 'the part is empty' : 'the file is empty' };
      return;
    default:
      yield {
        type: 'unreadable',
        entry,
        reason: 'unrecognised content: not XML, JSON, gzip, zip, a mail message or an mbox',
      };
  }
}

/**
 * Every report document in one input, lazily, and why anything else could not be read. A cap that
 * stops the input gives one `unreadable` item at the end.
 */
export async function* unpackStream(
  input: Uint8Array | Chunks,
  options: UnpackOptions = {},
): AsyncGenerator<Item> {
  const budget = new Budget({ ...DEFAULT_LIMITS, ...options.limits });
  const src: Chunks = input instanceof Uint8Array ? [input] : input;
  yield* unpackAt(src, undefined, 0, budget, options);
  if (budget.stop) yield { type: 'unreadable', entry: budget.stop.entry, reason: budget.stop.reason };
}

/** An item with its XML text joined. */
export type WholeItem =
  | Exclude<Item, { type: 'xml' }>
  | {
      readonly type: 'xml';
      readonly entry: string | undefined;
      readonly text: string;
      readonly notes: string[];
    };

/** Every item of one input held in memory (the XML texts joined): for tests and small inputs. */
export async function unpack(b: Uint8Array, limits: Partial<UnpackLimits> = {}): Promise<WholeItem[]> {
  const out: WholeItem[] = [];
  for await (const item of unpackStream(b, { limits })) {
    if (item.type === 'xml') {
      let text = '';
      for (const t of item.text) text += t;
      if (item.cut()) continue;
      out.push({ type: 'xml', entry: item.entry, text, notes: item.notes });
    } else if (item.type !== 'message') out.push(item);
  }
  return out;
}
