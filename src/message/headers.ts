/**
 * The header section of one RFC 5322 message, read without trusting it: bounded in size and field
 * count, tolerant of bare LF, 8-bit octets and missing body. Pure; never throws anything but a
 * MessageInputError that names the part and the reason.
 */
import { domainToASCII } from 'node:url';

/** Limits on one message (hostile input: bounded time and memory). */
export interface MessageLimits {
  /** the whole message, octets */
  readonly maxMessageBytes: number;
  /** the header section, octets */
  readonly maxHeaderBytes: number;
  /** header fields */
  readonly maxHeaderFields: number;
  /** one header field (unfolded), octets */
  readonly maxFieldBytes: number;
  /** DKIM-Signature fields verified */
  readonly maxSignatures: number;
  /** MIME nesting depth walked to find attached messages */
  readonly maxMimeDepth: number;
  /** MIME parts walked */
  readonly maxMimeParts: number;
}

export const DEFAULT_MESSAGE_LIMITS: MessageLimits = {
  maxMessageBytes: 64 * 1024 * 1024,
  maxHeaderBytes: 1024 * 1024,
  maxHeaderFields: 2000,
  maxFieldBytes: 128 * 1024,
  maxSignatures: 16,
  maxMimeDepth: 8,
  maxMimeParts: 500,
};

/** A message that cannot be analysed: `part` names where (header, field N, body, part 1.2). */
export class MessageInputError extends Error {
  override readonly name = 'MessageInputError';
  readonly part: string;
  constructor(part: string, message: string) {
    super(`${part}: ${message}`);
    this.part = part;
  }
}

export interface HeaderField {
  /** field name as written */
  readonly name: string;
  /** lower case */
  readonly key: string;
  /** the unfolded value (CRLF/LF + WSP → the WSP), decoded as UTF-8 where valid, else Latin-1 */
  readonly value: string;
  /** 1-based position from the top */
  readonly index: number;
}

export interface ParsedHeaders {
  readonly fields: readonly HeaderField[];
  /** octet offset where the body starts (after the empty line), or the message length */
  readonly bodyOffset: number;
  /** the header section ended with an empty line */
  readonly terminated: boolean;
  /** non-fatal problems, each naming the part */
  readonly problems: readonly { part: string; message: string }[];
}

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function decode(b: Buffer): string {
  const utf8 = b.toString('utf8');
  return utf8.includes('\uFFFD') ? b.toString('latin1') : utf8;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Splits and unfolds the header section; throws MessageInputError when it cannot be read at all. */
export function parseHeaders(raw: Buffer, limits: MessageLimits = DEFAULT_MESSAGE_LIMITS): ParsedHeaders {
  if (raw.length === 0) throw new MessageInputError('message', 'the input is empty');
  if (raw.length > limits.maxMessageBytes)
    throw new MessageInputError(
      'message',
      `${fmt(raw.length)} octets, over the limit of ${fmt(limits.maxMessageBytes)}`,
    );
  // the end of the header section: the first empty line (CRLF CRLF or LF LF, mixed tolerated)
  let end = -1;
  let bodyOffset = raw.length;
  const scanLimit = Math.min(raw.length, limits.maxHeaderBytes + 4);
  for (let i = raw.indexOf(0x0a); i >= 0 && i < scanLimit; i = raw.indexOf(0x0a, i + 1)) {
    const next = raw[i + 1];
    if (next === 0x0a) {
      end = i + 1;
      bodyOffset = i + 2;
      break;
    }
    if (next === 0x0d && raw[i + 2] === 0x0a) {
      end = i + 1;
      bodyOffset = i + 3;
      break;
    }
  }
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a))
    throw new MessageInputError('header', 'the message starts with an empty line: it has no header fields');
  const terminated = end >= 0;
  const headerEnd = terminated ? end : raw.length;
  if (headerEnd > limits.maxHeaderBytes)
    throw new MessageInputError(
      'header',
      `the header section is ${terminated ? '' : 'at least '}${fmt(headerEnd)} octets, over the limit of ${fmt(limits.maxHeaderBytes)} (real messages have a few kilobytes)`,
    );
  if (raw.subarray(0, headerEnd).includes(0))
    throw new MessageInputError('header', 'the header section contains NUL octets: not a mail message');
  const problems: { part: string; message: string }[] = [];
  if (!terminated)
    problems.push({
      part: 'body',
      message: 'the header section does not end with an empty line: the message has no body or is truncated',
    });

  const fields: HeaderField[] = [];
  let current: Buffer[] | null = null;
  let currentBytes = 0;
  const flush = () => {
    if (!current) return;
    const line = Buffer.concat(current);
    current = null;
    const colon = line.indexOf(0x3a);
    const index = fields.length + 1;
    const name = line
      .subarray(0, colon)
      .toString('latin1')
      .replace(/[ \t]+$/, '');
    if (colon <= 0 || !FIELD_NAME.test(name)) {
      const shown = JSON.stringify(decode(line.subarray(0, 60)).replace(/\r?\n$/, ''));
      if (fields.length === 0)
        throw new MessageInputError(
          'header',
          `the first line ${shown} is not a header field: not a mail message`,
        );
      throw new MessageInputError(`header field ${index}`, `${shown} is not a header field (name ":" value)`);
    }
    if (fields.length >= limits.maxHeaderFields)
      throw new MessageInputError(
        'header',
        `more than ${fmt(limits.maxHeaderFields)} header fields (real messages have under 200)`,
      );
    const value = decode(line.subarray(colon + 1))
      .replace(/\r?\n(?=[ \t])/g, '')
      .replace(/\r?\n$/, '')
      .trim();
    fields.push({ name, key: name.toLowerCase(), value, index });
  };
  let pos = 0;
  while (pos < headerEnd) {
    let nl = raw.indexOf(0x0a, pos);
    if (nl < 0 || nl >= headerEnd) nl = headerEnd - 1;
    const line = raw.subarray(pos, nl + 1);
    pos = nl + 1;
    const first = line[0];
    if ((first === 0x20 || first === 0x09) && current) {
      current.push(line);
      currentBytes += line.length;
    } else {
      flush();
      current = [line];
      currentBytes = line.length;
    }
    if (currentBytes > limits.maxFieldBytes) {
      const head = Buffer.concat(current).subarray(0, 40).toString('latin1');
      const name = head.slice(0, Math.max(0, head.indexOf(':'))) || head;
      throw new MessageInputError(
        `header field ${fields.length + 1} (${JSON.stringify(name)})`,
        `longer than ${fmt(limits.maxFieldBytes)} octets`,
      );
    }
  }
  flush();
  return { fields, bodyOffset, terminated, problems };
}

/** The fields named `key` (lower case), top first. */
export function fieldsNamed(h: ParsedHeaders, key: string): HeaderField[] {
  return h.fields.filter((f) => f.key === key);
}

/** Strips RFC 5322 comments (nested) outside quoted strings. */
export function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted) {
      if (c === '(') {
        depth++;
        continue;
      }
      if (c === ')' && depth > 0) {
        depth--;
        if (depth === 0) out += ' ';
        continue;
      }
    }
    if (depth === 0) out += c;
  }
  return out;
}

/** The addr-specs of an address list (From:, groups included); display names and comments dropped. */
export function addresses(value: string): string[] {
  const text = stripComments(value);
  const out: string[] = [];
  // split on commas outside quotes and angle brackets
  let buf = '';
  let quoted = false;
  let angle = false;
  const push = () => {
    let a = buf.trim();
    buf = '';
    if (!a) return;
    const colon = a.indexOf(':');
    if (!a.includes('<') && colon >= 0 && !a.slice(0, colon).includes('@')) a = a.slice(colon + 1); // group
    a = a.replace(/;\s*$/, '').trim();
    const m = /<([^>]*)>/.exec(a);
    const spec = (m ? m[1]! : a).trim().replace(/^"(.*)"$/, '$1');
    if (spec) out.push(spec);
  };
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    if (c === ',' && !quoted && !angle) push();
    else buf += c;
  }
  push();
  return out;
}

/** The domain of an addr-spec, lower case, without a trailing dot; null when there is none. */
export function addressDomain(addr: string): string | null {
  const at = addr.lastIndexOf('@');
  if (at < 0 || at === addr.length - 1) return null;
  const raw = addr
    .slice(at + 1)
    .trim()
    .replace(/\.$/, '');
  // RFC 6532 / 8616: an internationalised domain compares as its A-label
  const d = /^[\x00-\x7f]*$/.test(raw) ? raw.toLowerCase() : domainToASCII(raw);
  return /^[a-z0-9_.-]+$/.test(d) && d.includes('.') && !d.includes('..') ? d : null;
}
