/**
 * Turns the bytes of one input file into the report documents it holds, by content (magic bytes),
 * never by file name or MIME type: XML, JSON, gzip, zip, a mail message (RFC 5322, incl. ARF
 * failure reports) or an mbox. Containers nest (a mail with a .zip holding an .xml). Every size and
 * count is capped; whatever cannot be read becomes an `unreadable` item with the reason, never a throw.
 */
import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { Unzip, UnzipInflate } from 'fflate';
import { simpleParser } from 'mailparser';

export interface UnpackLimits {
  /** bytes one decompressed gzip member or zip entry may grow to */
  readonly maxDecompressed: number;
  /** bytes all decompressed data of one input file may add up to */
  readonly maxTotal: number;
  /** zip entries looked at per archive */
  readonly maxEntries: number;
  /** messages read from one mbox */
  readonly maxMessages: number;
  /** containers inside containers (mail → zip → gzip …) */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: UnpackLimits = {
  maxDecompressed: 64 * 1024 * 1024,
  maxTotal: 256 * 1024 * 1024,
  maxEntries: 1000,
  maxMessages: 100_000,
  maxDepth: 5,
};

export type Item =
  | {
      readonly type: 'xml' | 'json';
      readonly entry: string | undefined;
      readonly text: string;
      /** what was wrong on the way (a truncated gzip), to be carried as a problem of the report */
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
  | { readonly type: 'unreadable'; readonly entry: string | undefined; readonly reason: string };

export type Format = 'gzip' | 'zip' | 'xml' | 'json' | 'mbox' | 'mail' | 'msg' | 'empty' | 'unknown';

const startsWith = (b: Uint8Array, ...sig: number[]) => sig.every((v, i) => b[i] === v);

/** index of the first byte after a BOM and whitespace */
function textStart(b: Uint8Array): number {
  let i = startsWith(b, 0xef, 0xbb, 0xbf) ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i;
}

const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:/;

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

/** Decodes XML or JSON text: BOM first, then the XML declaration's encoding, else UTF-8 (lenient). */
export function decodeText(b: Uint8Array): string {
  if (startsWith(b, 0xef, 0xbb, 0xbf)) return new TextDecoder('utf-8').decode(b.subarray(3));
  if (startsWith(b, 0xff, 0xfe)) return new TextDecoder('utf-16le').decode(b.subarray(2));
  if (startsWith(b, 0xfe, 0xff)) return new TextDecoder('utf-16be').decode(b.subarray(2));
  const head = Buffer.from(b.subarray(0, 200)).toString('latin1');
  const enc = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (enc && enc !== 'utf-8' && enc !== 'utf8') {
    try {
      return new TextDecoder(enc).decode(b);
    } catch {
      // unknown label: fall through to UTF-8
    }
  }
  return new TextDecoder('utf-8').decode(b);
}

class Budget {
  used = 0;
  readonly limits: UnpackLimits;
  constructor(limits: UnpackLimits) {
    this.limits = limits;
  }
  /** the cap for the next decompression, or 0 when the file's total is spent */
  next(): number {
    return Math.max(0, Math.min(this.limits.maxDecompressed, this.limits.maxTotal - this.used));
  }
}

const join = (entry: string | undefined, inner: string) => (entry ? `${entry}/${inner}` : inner);
const mib = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MiB`;

function gunzip(b: Uint8Array, cap: number): { bytes: Uint8Array; note?: string } | string {
  if (cap < 1) return SPENT;
  let firstError = '';
  try {
    return { bytes: gunzipSync(b, { maxOutputLength: cap }) };
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(cap);
    firstError = (e as Error).message;
  }
  // tolerate trailing bytes (Mimecast's CRLF, parsedmarc #429): inflate the first member raw;
  // a truncated stream is read as far as it goes, with a note
  let i = 10;
  const flags = b[3] ?? 0;
  if (flags & 4) i += 2 + ((b[10] ?? 0) | ((b[11] ?? 0) << 8));
  if (flags & 8) while (i < b.length && b[i++] !== 0);
  if (flags & 16) while (i < b.length && b[i++] !== 0);
  if (flags & 2) i += 2;
  const raw = b.subarray(i);
  for (const finishFlush of [constants.Z_FINISH, constants.Z_SYNC_FLUSH]) {
    try {
      const bytes = inflateRawSync(raw, { maxOutputLength: cap, finishFlush });
      if (!bytes.length) return `gzip data is corrupt (${firstError})`;
      return finishFlush === constants.Z_FINISH
        ? { bytes }
        : { bytes, note: 'the gzip data ends early (truncated file); read as far as it goes' };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(cap);
      if (code !== 'Z_BUF_ERROR') return `gzip data is corrupt (${(e as Error).message})`;
    }
  }
  return `gzip data is corrupt (${firstError})`;
}
const SPENT = 'the decompressed total of this file already reached its cap; not unpacked';
const tooLarge = (cap: number) =>
  `decompressed data exceeds the cap of ${mib(cap)} (a compression bomb?); stopped reading it`;

/** bytes handed to the zip reader at a time */
const ZIP_SLICE = 16 * 1024;

type Unzipped = { name: string; bytes: Uint8Array } | string;

function unzip(b: Uint8Array, entry: string | undefined, budget: Budget): Unzipped[] {
  const out: Unzipped[] = [];
  const problems: string[] = [];
  let entries = 0;
  let skipped = 0;
  const uz = new Unzip((file) => {
    if (file.name.endsWith('/')) return; // directory
    entries++;
    if (entries > budget.limits.maxEntries) {
      skipped++;
      return;
    }
    const cap = budget.next();
    if (cap < 1) {
      problems.push(`${join(entry, file.name)}: ${SPENT}`);
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    let stopped = false;
    file.ondata = (err, chunk, final) => {
      if (stopped) return;
      if (err) {
        stopped = true;
        problems.push(`${join(entry, file.name)}: zip entry is corrupt (${err.message})`);
        return;
      }
      size += chunk.length;
      if (size > cap) {
        stopped = true;
        file.terminate();
        problems.push(`${join(entry, file.name)}: ${tooLarge(cap)}`);
        return;
      }
      chunks.push(chunk);
      if (final) {
        budget.used += size;
        out.push({ name: file.name, bytes: Buffer.concat(chunks) });
      }
    };
    try {
      file.start();
    } catch (e) {
      stopped = true;
      problems.push(`${join(entry, file.name)}: cannot unpack zip entry (${(e as Error).message})`);
    }
  });
  uz.register(UnzipInflate);
  try {
    // in slices: fflate recurses once per entry within one push (thousands of entries overflow the stack)
    for (let i = 0; i < b.length && !skipped; i += ZIP_SLICE) {
      uz.push(b.subarray(i, i + ZIP_SLICE), i + ZIP_SLICE >= b.length);
    }
  } catch (e) {
    problems.push(`${entry ?? 'zip'}: zip archive is corrupt (${(e as Error).message})`);
  }
  if (skipped) {
    problems.push(
      `${entry ?? 'zip'}: the archive holds more than ${budget.limits.maxEntries} entries; only the first ${budget.limits.maxEntries} were read`,
    );
  }
  if (!out.length && !problems.length) problems.push(`${entry ?? 'zip'}: the zip archive is empty`);
  return [...out, ...problems];
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

/** Splits an mbox at its "From " separator lines (at the start or after an empty line). */
export function splitMbox(b: Buffer, max: number): { messages: Buffer[]; more: number } {
  const messages: Buffer[] = [];
  let more = 0;
  let start = 0;
  while (start < b.length) {
    const lineEnd = b.indexOf(0x0a, start);
    const bodyStart = lineEnd < 0 ? b.length : lineEnd + 1;
    let next = bodyStart;
    let cut = -1;
    for (;;) {
      const i = b.indexOf('\nFrom ', Math.max(next - 1, 0), 'latin1');
      if (i < 0) break;
      const prev = i >= 1 ? b[i - 1] : 0x0a;
      const prev2 = i >= 2 ? b[i - 2] : 0x0a;
      if (prev === 0x0a || (prev === 0x0d && prev2 === 0x0a)) {
        cut = i + 1;
        break;
      }
      next = i + 2;
    }
    const end = cut < 0 ? b.length : cut;
    if (messages.length < max) messages.push(b.subarray(bodyStart, end));
    else more++;
    start = end;
  }
  return { messages, more };
}

async function readMail(
  b: Buffer,
  entry: string | undefined,
  depth: number,
  budget: Budget,
): Promise<Item[]> {
  let mail: Awaited<ReturnType<typeof simpleParser>>;
  try {
    mail = await simpleParser(repairHeaderFolding(b), {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      maxHtmlLengthToParse: 1024 * 1024,
    });
  } catch (e) {
    return [
      { type: 'unreadable', entry, reason: `the mail message cannot be parsed (${(e as Error).message})` },
    ];
  }
  const parts = mail.attachments ?? [];
  const feedback = parts.find((a) => a.contentType?.toLowerCase() === 'message/feedback-report');
  if (feedback) {
    const original = parts.find((a) => /^(message\/rfc822|text\/rfc822-headers)$/i.test(a.contentType ?? ''));
    let originalHeaders: string | undefined;
    if (original) {
      const t = original.content.toString('utf8');
      const m = /\r?\n\r?\n/.exec(t);
      originalHeaders = m ? t.slice(0, m.index) : t;
    }
    return [{ type: 'arf', entry, feedback: feedback.content.toString('utf8'), originalHeaders }];
  }
  const out: Item[] = [];
  for (const [i, a] of parts.entries()) {
    // a forwarded report mail (message/rfc822) is read like any other container
    out.push(...(await unpackAt(a.content, join(entry, a.filename ?? `part ${i + 1}`), depth + 1, budget)));
  }
  if (parts.length === 0) {
    // no attachment: some senders put the XML or JSON in the body
    const body = mail.text?.trim() ?? '';
    if (body.startsWith('<') || body.startsWith('{')) {
      out.push(...(await unpackAt(Buffer.from(body, 'utf8'), join(entry, 'body'), depth + 1, budget)));
    } else {
      out.push({
        type: 'unreadable',
        entry,
        reason: 'the mail message has no attachment and no report in its body',
      });
    }
  }
  return out;
}

async function unpackAt(
  b: Uint8Array,
  entry: string | undefined,
  depth: number,
  budget: Budget,
  notes: string[] = [],
): Promise<Item[]> {
  if (depth > budget.limits.maxDepth) {
    return [
      { type: 'unreadable', entry, reason: `containers nested deeper than ${budget.limits.maxDepth} levels` },
    ];
  }
  const format = sniff(b);
  switch (format) {
    case 'xml':
    case 'json':
      return [{ type: format, entry, text: decodeText(b), notes }];
    case 'gzip': {
      const r = gunzip(b, budget.next());
      if (typeof r === 'string') return [{ type: 'unreadable', entry, reason: r }];
      budget.used += r.bytes.length;
      return unpackAt(r.bytes, entry, depth + 1, budget, r.note ? [...notes, r.note] : notes);
    }
    case 'zip': {
      const r = unzip(b, entry, budget);
      const out: Item[] = [];
      for (const x of r) {
        if (typeof x === 'string') out.push({ type: 'unreadable', entry, reason: x });
        else out.push(...(await unpackAt(x.bytes, join(entry, x.name), depth + 1, budget)));
      }
      return out;
    }
    case 'mbox': {
      const { messages, more } = splitMbox(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
        budget.limits.maxMessages,
      );
      const out: Item[] = [];
      for (const [i, m] of messages.entries()) {
        out.push(...(await readMail(m, join(entry, `message ${i + 1}`), depth + 1, budget)));
      }
      if (more) {
        out.push({
          type: 'unreadable',
          entry,
          reason: `the mbox holds ${messages.length + more} messages; only the first ${messages.length} were read`,
        });
      }
      return out;
    }
    case 'mail':
      return readMail(Buffer.from(b.buffer, b.byteOffset, b.byteLength), entry, depth, budget);
    case 'msg':
      return [
        { type: 'unreadable', entry, reason: 'an Outlook .msg file; save the message as .eml instead' },
      ];
    case 'empty':
      return [{ type: 'unreadable', entry, reason: 'the file is empty' }];
    default:
      break;
  }
  return [
    {
      type: 'unreadable',
      entry,
      reason: 'unrecognised content: not XML, JSON, gzip, zip, a mail message or an mbox',
    },
  ];
}

/** Every report document in one input file's bytes, and why anything else could not be read. */
export async function unpack(b: Uint8Array, limits: Partial<UnpackLimits> = {}): Promise<Item[]> {
  return unpackAt(b, undefined, 0, new Budget({ ...DEFAULT_LIMITS, ...limits }));
}
