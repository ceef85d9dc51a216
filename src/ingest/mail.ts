/**
 * The parts of a report mail that can hold a report: its attachments (type, file name, decoded
 * content) and, for a mail without attachments, its text and subject — as mailparser gives them.
 *
 * Two readers, one result. mailparser (streams, charset conversion, every MIME corner) costs about
 * half a millisecond per mail, more than everything else a small report costs together; most
 * report mails are one plain multipart with a base64 attachment. `plainMailParts` reads exactly
 * those, in one pass over the bytes, and returns undefined for anything it is not sure to read
 * as mailparser does — then `mailParts` asks mailparser (loaded on first use). "Plain" means:
 * header blocks of well-formed fields, ending in an empty line; the MIME fields in ASCII without
 * comments, quoted pairs, encoded words or RFC 2231 parameters, each at most once; one
 * multipart level (a part may be an inline message/rfc822 whose own body is text) with a
 * closing delimiter and no delimiter-like line that is not one; base64 (only base64 characters
 * and white space, padding at the end) or 7bit/8bit/binary bodies; at least one attachment.
 * `test: mail.test.ts` compares the two readers on generated mails and their variants.
 *
 * What mailparser calls an attachment (mailsplit's and mailparser's rules, kept here): a
 * non-multipart part whose type is not text/plain, text/html or message/delivery-status, or whose
 * disposition is not inline; an inline message/rfc822 (7bit, 8bit or binary) is read as a message,
 * its parts being the mail's. The type of application/octet-stream is taken from the file name
 * by mailparser; only message/rfc822 (.eml, .mht, .mhtml, .nws) matters to the report readers,
 * so such names are left to mailparser.
 */

export interface MailAttachment {
  /** lower case; what the report readers compare (message/feedback-report, message/rfc822 …) */
  readonly contentType: string;
  readonly filename: string | undefined;
  readonly content: Buffer;
}

export interface MailParts {
  readonly attachments: readonly MailAttachment[];
  /** the text of the body parts (only read when there is no attachment) */
  readonly text: string | undefined;
  readonly subject: string | undefined;
}

/** parts of a plain mail at most; more go to mailparser */
const MAX_PARTS = 100;
/** one header block at most, octets */
const MAX_HEADER = 64 * 1024;
const MIME_FIELDS = new Set(['content-type', 'content-disposition', 'content-transfer-encoding']);
const TEXT_TYPES = new Set(['text/plain', 'text/html', 'message/delivery-status']);
const NAME = /^[\x21-\x39\x3b-\x7e]+$/;
/** what a plain MIME field value may hold: printable ASCII without comments, quoted pairs, RFC 2231 or encoded words */
const PLAIN_VALUE = /^[\x20-\x27\x2b-\x5b\x5d-\x7e\t]*$/;
const TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const DISPOSITION = /^[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const PARAM = /^([A-Za-z0-9_.-]+)[ \t]*=[ \t]*(?:"([^"\\\t]*)"|([^\s";=]+))$/;
const BOUNDARY = /^[A-Za-z0-9'+_,\-./:=?]{1,200}$/;
/** file name extensions mailparser turns into message/rfc822 for application/octet-stream */
const RFC822_EXTENSIONS = new Set(['eml', 'mht', 'mhtml', 'nws']);

interface Field {
  readonly value: string;
  readonly params: ReadonlyMap<string, string>;
}

interface Head {
  /** the MIME fields (lower-case name → unfolded value), each at most once */
  readonly mime: Map<string, string>;
  /** offset of the body (after the empty line) */
  readonly body: number;
}

/**
 * The header block from `start`: the MIME fields, or undefined when it is not plain (a line that
 * is no field, a bare CR, no empty line before `end`, too large, a MIME field twice or not ASCII).
 */
function head(b: Buffer, start: number, end: number): Head | undefined {
  const mime = new Map<string, string>();
  let pos = start;
  let current: string | undefined;
  let value = '';
  const flush = (): boolean => {
    if (current === undefined) return true;
    if (mime.has(current) || !PLAIN_VALUE.test(value) || value.includes('=?')) return false;
    mime.set(current, value.trim());
    current = undefined;
    return true;
  };
  const limit = Math.min(end, start + MAX_HEADER);
  for (;;) {
    const lf = b.indexOf(0x0a, pos);
    if (lf < 0 || lf >= limit) return undefined;
    let stop = lf;
    if (stop > pos && b[stop - 1] === 0x0d) stop--;
    if (stop === pos) {
      if (!flush()) return undefined;
      return { mime, body: lf + 1 };
    }
    const line = b.toString('latin1', pos, stop);
    if (line.includes('\r')) return undefined;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (pos === start) return undefined;
      if (current !== undefined) value += line;
    } else {
      if (!flush()) return undefined;
      const colon = line.indexOf(':');
      if (colon <= 0) return undefined;
      const name = line.slice(0, colon);
      if (!NAME.test(name)) return undefined;
      const key = name.toLowerCase();
      if (MIME_FIELDS.has(key)) {
        current = key;
        value = line.slice(colon + 1);
      }
    }
    pos = lf + 1;
  }
}

/** `type/subtype; key=value; key="value"`, or undefined when not plain */
function field(raw: string | undefined, shape: RegExp): Field | undefined | null {
  if (raw === undefined) return null;
  const segments = raw.split(';');
  const value = (segments[0] as string).trim().toLowerCase();
  if (!shape.test(value)) return undefined;
  const params = new Map<string, string>();
  for (let i = 1; i < segments.length; i++) {
    const s = (segments[i] as string).trim();
    if (s === '') continue;
    const m = PARAM.exec(s);
    if (!m) return undefined;
    const key = (m[1] as string).toLowerCase();
    const v = m[2] ?? (m[3] as string);
    if (params.has(key) || v !== v.trim()) return undefined;
    params.set(key, v);
  }
  return { value, params };
}

/** base64 as mailsplit decodes it, or undefined when it holds more than base64 and white space */
function base64(b: Buffer, start: number, end: number): Buffer | undefined {
  const s = b.toString('latin1', start, end);
  if (!/^[A-Za-z0-9+/\t\n\r ]*={0,2}[\t\n\r ]*$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

interface Leaf {
  readonly type: string | undefined;
  readonly disposition: Field | null;
  readonly encoding: string | undefined;
  readonly filename: string | undefined;
}

/** A part's type, disposition, encoding and file name as mailsplit reads them; undefined: not plain. */
function leafOf(h: Head): Leaf | undefined {
  const ct = field(h.mime.get('content-type'), TYPE);
  const cd = field(h.mime.get('content-disposition'), DISPOSITION);
  if (ct === undefined || cd === undefined) return undefined;
  const filename = cd?.params.get('filename') || ct?.params.get('name') || undefined;
  // mailsplit guesses a missing type from the file name
  if (ct === null && cd?.params.get('filename')) return undefined;
  const type = ct ? ct.value : cd?.value === 'attachment' ? 'application/octet-stream' : 'text/plain';
  const cte = h.mime.get('content-transfer-encoding')?.toLowerCase();
  if (cte !== undefined && !/^(?:base64|7bit|8bit|binary)$/.test(cte)) return undefined;
  return { type, disposition: cd, encoding: cte, filename };
}

/**
 * A leaf part as mailparser takes it: an attachment, null for a text part, undefined when not
 * plain. `end`: where its body ends.
 */
function attachment(b: Buffer, h: Head, leaf: Leaf, end: number): MailAttachment | null | undefined {
  const type = leaf.type as string;
  let disposition = leaf.disposition?.value;
  if (disposition !== undefined && disposition !== 'attachment' && disposition !== 'inline')
    disposition = 'attachment';
  if (disposition === undefined) disposition = TEXT_TYPES.has(type) ? 'inline' : 'attachment';
  if (TEXT_TYPES.has(type) && disposition === 'inline') return null;
  if (type === 'application/octet-stream' && leaf.filename) {
    const ext = leaf.filename.toLowerCase().replace(/\s/g, '').split('.').pop() ?? '';
    if (RFC822_EXTENSIONS.has(ext)) return undefined;
  }
  const content = leaf.encoding === 'base64' ? base64(b, h.body, end) : Buffer.from(b.subarray(h.body, end));
  if (!content) return undefined;
  return { contentType: type, filename: leaf.filename, content };
}

/** The parts of a plain report mail (see the module comment), or undefined. */
export function plainMailParts(b: Buffer): MailParts | undefined {
  const top = head(b, 0, b.length);
  if (!top) return undefined;
  const leaf = leafOf(top);
  if (!leaf) return undefined;
  const type = leaf.type as string;
  if (!type.startsWith('multipart/')) {
    if (type === 'message/rfc822') return undefined;
    const a = attachment(b, top, leaf, b.length);
    return a ? { attachments: [a], text: undefined, subject: undefined } : undefined;
  }
  const boundary = field(top.mime.get('content-type'), TYPE)?.params.get('boundary');
  if (!boundary || !BOUNDARY.test(boundary)) return undefined;
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  // the delimiter lines: [line start, after the line]
  const lines: { at: number; next: number; close: boolean }[] = [];
  for (let i = b.indexOf(delim, top.body); i >= 0; i = b.indexOf(delim, i + 1)) {
    if (i !== top.body && b[i - 1] !== 0x0a) continue;
    let j = i + delim.length;
    const close = b[j] === 0x2d && b[j + 1] === 0x2d;
    if (close) j += 2;
    while (b[j] === 0x20 || b[j] === 0x09) j++;
    if (b[j] === 0x0d) j++;
    if (j < b.length && b[j] !== 0x0a) return undefined;
    if (lines.length && lines[lines.length - 1]?.close) return undefined;
    lines.push({ at: i, next: j + 1, close });
    if (lines.length > MAX_PARTS) return undefined;
  }
  if (lines.length < 2 || lines[0]?.close || !lines[lines.length - 1]?.close) return undefined;
  const attachments: MailAttachment[] = [];
  for (let k = 0; k + 1 < lines.length; k++) {
    const start = (lines[k] as { next: number }).next;
    const at = (lines[k + 1] as { at: number }).at;
    // the line end before a delimiter belongs to it
    let end = at - 1;
    if (end > start && b[end - 1] === 0x0d) end--;
    if (end < start) return undefined;
    const h = head(b, start, at);
    if (!h || h.body > end + 1) return undefined;
    const bodyEnd = Math.max(h.body, end);
    const part = leafOf(h);
    if (!part) return undefined;
    const ptype = part.type as string;
    if (ptype.startsWith('multipart/') || ptype.startsWith('message/global')) return undefined;
    if (ptype === 'message/rfc822') {
      const embedded =
        part.disposition?.value === 'inline' && (part.encoding === undefined || part.encoding !== 'base64');
      if (embedded) {
        // read as a message whose parts are the mail's: plain only when its body is text
        const inner = head(b, h.body, at);
        if (!inner || inner.body > bodyEnd + 1) return undefined;
        const il = leafOf(inner);
        if (!il || (il.type !== 'text/plain' && il.type !== 'text/html')) return undefined;
        if (il.disposition && il.disposition.value !== 'inline') return undefined;
        continue;
      }
    }
    const a = attachment(b, h, part, bodyEnd);
    if (a === undefined) return undefined;
    if (a) attachments.push(a);
  }
  return attachments.length ? { attachments, text: undefined, subject: undefined } : undefined;
}

type SimpleParser = typeof import('mailparser').simpleParser;
let simpleParser: SimpleParser | undefined;

/** The parts of any mail through mailparser (loaded on first use); throws what mailparser throws. */
export async function mailparserParts(b: Buffer): Promise<MailParts> {
  simpleParser ??= (await import('mailparser')).simpleParser;
  const mail = await simpleParser(b, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: 1024 * 1024,
  });
  return {
    attachments: (mail.attachments ?? []).map((a) => ({
      contentType: a.contentType,
      filename: a.filename,
      content: a.content,
    })),
    text: mail.text,
    subject: mail.subject,
  };
}

/** The parts of a mail: the plain reader where it can, mailparser for the rest. */
export async function mailParts(b: Buffer): Promise<MailParts> {
  return plainMailParts(b) ?? mailparserParts(b);
}
