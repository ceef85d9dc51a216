/**
 * A bounded walk over the MIME structure (RFC 2046) to find attached messages (message/rfc822):
 * a forwarded message's own headers are not this message's and are not verified. Depth and part
 * count are capped; a broken part is a problem naming the part (`part 1.2`), never an error.
 */
import { addresses, fieldsNamed, MessageInputError, type MessageLimits, parseHeaders } from './headers.ts';

export interface MimeWalk {
  readonly attached: { part: string; from: string | null; subject: string | null }[];
  readonly problems: { part: string; message: string }[];
}

function param(value: string, name: string): string | null {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export function walkMime(raw: Buffer, limits: MessageLimits): MimeWalk {
  const out: MimeWalk = { attached: [], problems: [] };
  let parts = 0;
  const visit = (buf: Buffer, part: string, depth: number, contentType: string) => {
    if (parts >= limits.maxMimeParts) return;
    parts++;
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    if (depth >= limits.maxMimeDepth) {
      out.problems.push({
        part: part || 'body',
        message: `MIME nesting deeper than ${limits.maxMimeDepth} levels: not walked further`,
      });
      return;
    }
    if (type === 'message/rfc822' || type === 'message/global') {
      let h: ReturnType<typeof parseHeaders>;
      try {
        h = parseHeaders(buf, limits);
      } catch (e) {
        out.problems.push({
          part: part || 'body',
          message: `attached message unreadable: ${e instanceof MessageInputError ? e.message : String(e)}`,
        });
        return;
      }
      const from = fieldsNamed(h, 'from')[0];
      out.attached.push({
        part: part || 'body',
        from: from ? (addresses(from.value)[0] ?? from.value) : null,
        subject: fieldsNamed(h, 'subject')[0]?.value ?? null,
      });
      const ct = fieldsNamed(h, 'content-type')[0]?.value ?? 'text/plain';
      visit(buf.subarray(h.bodyOffset), part ? `${part}.1` : '1', depth + 1, ct);
      return;
    }
    if (!type.startsWith('multipart/')) return;
    const boundary = param(contentType, 'boundary');
    if (!boundary || boundary.length > 200) {
      out.problems.push({ part: part || 'body', message: `${type} without a usable boundary parameter` });
      return;
    }
    const delim = Buffer.from(`--${boundary}`, 'latin1');
    let pos = buf.indexOf(delim);
    let n = 0;
    if (pos < 0) {
      out.problems.push({
        part: part || 'body',
        message: `${type}: the boundary "${boundary}" never occurs (truncated?)`,
      });
      return;
    }
    let closed = false;
    while (pos >= 0 && parts < limits.maxMimeParts) {
      let start = pos + delim.length;
      if (buf[start] === 0x2d && buf[start + 1] === 0x2d) {
        closed = true;
        break;
      }
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      start = nl + 1;
      let next = buf.indexOf(delim, start);
      while (next > 0 && buf[next - 1] !== 0x0a) next = buf.indexOf(delim, next + 1);
      const end = next < 0 ? buf.length : next;
      const body = buf.subarray(start, end);
      n++;
      const name = part === '' ? String(n) : `${part}.${n}`;
      try {
        const h = parseHeaders(body.length ? body : Buffer.from('\r\n'), limits);
        const ct =
          fieldsNamed(h, 'content-type')[0]?.value ??
          (type === 'multipart/digest' ? 'message/rfc822' : 'text/plain');
        visit(body.subarray(h.bodyOffset), name, depth + 1, ct);
      } catch {
        // a part that starts with its body (no headers) is text/plain: nothing to find in it
      }
      pos = next;
    }
    if (!closed)
      out.problems.push({ part: part || 'body', message: `${type}: no closing boundary (truncated?)` });
  };
  let top: ReturnType<typeof parseHeaders>;
  try {
    top = parseHeaders(raw, limits);
  } catch {
    return out;
  }
  const ct = fieldsNamed(top, 'content-type')[0]?.value ?? 'text/plain';
  visit(raw.subarray(top.bodyOffset), '', 0, ct);
  return out;
}
