/**
 * Messages of an mbox, one at a time, from a stream of chunks (memory flat as the mbox grows):
 * split at "From " lines that start the file or follow an empty line, mboxrd quoting undone
 * (">From " → "From ", RFC 4155 / mboxrd). A message over `maxBytes` is not buffered past the cap:
 * it comes out as `{ tooLarge }` with its size. No I/O here: the caller opens the file.
 */

export type MboxItem =
  | { readonly index: number; readonly message: Buffer }
  | { readonly index: number; readonly tooLarge: number };

/** Whether the first octets look like an mbox ("From " separator line). */
export function looksLikeMbox(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 5)).toString('latin1') === 'From ';
}

function unquote(line: Buffer): Buffer {
  // mboxrd: one ">" less on ">+From " lines
  let i = 0;
  while (line[i] === 0x3e) i++;
  if (i > 0 && line.subarray(i, i + 5).toString('latin1') === 'From ') return line.subarray(1);
  return line;
}

export async function* splitMboxStream(
  chunks: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<MboxItem> {
  let index = 0;
  let parts: Buffer[] = [];
  let size = 0;
  let started = false;
  let prevEmpty = true;
  let pending = Buffer.alloc(0);
  const finish = function* (): Generator<MboxItem> {
    if (!started) return;
    index++;
    if (size > maxBytes) yield { index, tooLarge: size };
    else {
      // the empty line before the next separator belongs to the mbox, not to the message
      let m = Buffer.concat(parts);
      if (m.length >= 2 && m[m.length - 1] === 0x0a && m[m.length - 2] === 0x0a) m = m.subarray(0, -1);
      else if (m.length >= 4 && m.subarray(-4).toString('latin1') === '\r\n\r\n') m = m.subarray(0, -2);
      yield { index, message: m };
    }
    parts = [];
    size = 0;
  };
  const line = function* (l: Buffer): Generator<MboxItem> {
    if (prevEmpty && l.subarray(0, 5).toString('latin1') === 'From ') {
      yield* finish();
      started = true;
      prevEmpty = false;
      return;
    }
    const empty = l.length === 1 || (l.length === 2 && l[0] === 0x0d);
    prevEmpty = empty;
    if (!started) return; // garbage before the first separator
    size += l.length;
    if (size <= maxBytes) parts.push(unquote(l));
  };
  for await (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
    let buf = pending.length ? Buffer.concat([pending, b]) : b;
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      yield* line(buf.subarray(start, nl + 1));
      start = nl + 1;
    }
    buf = buf.subarray(start);
    // a line longer than the cap is never held whole
    if (buf.length > maxBytes) {
      if (started) size += buf.length;
      pending = Buffer.alloc(0);
      prevEmpty = false;
    } else pending = Buffer.from(buf);
  }
  if (pending.length) yield* line(pending);
  yield* finish();
}
