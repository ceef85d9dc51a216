/**
 * The inputs of `reports parse|import`: files, directories (a Maildir's cur/ and new/, or every
 * file below a folder) and `-` (standard input), each read in chunks so that no input is held
 * whole.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Chunks } from '../../ingest/read.ts';
import type { CommandIo } from '../command.ts';

/** files taken from one directory (a Maildir's cur/ and new/, or a folder of reports) */
export const MAX_DIR_FILES = 1_000_000;
/** bytes read from a file at a time */
const READ_CHUNK = 1024 * 1024;
/** standard input is read whole (it cannot be read twice); at most this much */
export const MAX_STDIN_BYTES = 1024 * 1024 * 1024;

/**
 * The files behind one argument: a file itself; a Maildir (cur/ and new/, never tmp/); or the files
 * of a folder and its subfolders (hidden names skipped), in name order.
 */
function filesOf(path: string, io: CommandIo): string[] | string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? (e as Error).message})`;
  }
  if (st.isFile()) return [path];
  if (!st.isDirectory()) return 'not a regular file or directory';
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || out.length >= MAX_DIR_FILES) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    const isMaildir = names.includes('cur') && names.includes('new');
    for (const name of names) {
      if (name.startsWith('.') || (isMaildir && name === 'tmp')) continue;
      const p = join(dir, name);
      let s: ReturnType<typeof statSync>;
      try {
        s = statSync(p);
      } catch {
        continue;
      }
      if (s.isDirectory()) walk(p, depth + 1);
      else if (s.isFile() && out.length < MAX_DIR_FILES) out.push(p);
    }
  };
  walk(path, 0);
  if (out.length >= MAX_DIR_FILES) {
    io.stderr.write(`mailsec: ${path}: only the first ${MAX_DIR_FILES} files are read\n`);
  }
  return out.length ? out : 'the directory holds no files';
}

/** A file's bytes in chunks of 1 MiB, read when asked for (each chunk a fresh buffer). */
export function fileChunks(path: string): Chunks {
  return {
    *[Symbol.iterator]() {
      const fd = openSync(path, 'r');
      try {
        for (;;) {
          const buf = Buffer.allocUnsafe(READ_CHUNK);
          const n = readSync(fd, buf, 0, READ_CHUNK, null);
          if (n <= 0) return;
          yield n === READ_CHUNK ? buf : buf.subarray(0, n);
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** SHA-256 (hex) of a chunked input. */
export function digestOf(chunks: Chunks): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

export interface InputFile {
  /** the path as the user wrote it: the argument itself, or the argument joined with the path inside it */
  readonly shown: string;
  /** the bytes, in chunks (every iteration reads the file again) */
  readonly chunks: Chunks;
  /** when the bytes are in memory already (standard input), their digest is cheap */
  readonly inMemory: boolean;
}

async function readStdin(io: CommandIo): Promise<Buffer | string> {
  const stdin = io.stdin;
  if (!stdin) return 'standard input is not available';
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > MAX_STDIN_BYTES)
      return `more than ${MAX_STDIN_BYTES / 1048576} MiB on standard input; save it to a file`;
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** The readable files behind the arguments, one at a time; what cannot be read gets a stderr line. */
export async function* inputFiles(paths: readonly string[], io: CommandIo): AsyncGenerator<InputFile> {
  let stdinRead = false;
  for (const arg of paths) {
    if (arg === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      const b = await readStdin(io);
      if (typeof b === 'string') io.stderr.write(`mailsec: -: ${b}\n`);
      else yield { shown: '-', chunks: [b], inMemory: true };
      continue;
    }
    const absArg = resolve(io.cwd, arg);
    const files = filesOf(absArg, io);
    if (typeof files === 'string') {
      io.stderr.write(`mailsec: ${arg}: ${files}\n`);
      continue;
    }
    for (const abs of files) {
      const shown = abs === absArg ? arg : join(arg, relative(absArg, abs));
      try {
        closeSync(openSync(abs, 'r'));
      } catch (e) {
        io.stderr.write(
          `mailsec: ${shown}: cannot read (${(e as { code?: string }).code ?? (e as Error).message})\n`,
        );
        continue;
      }
      yield { shown, chunks: fileChunks(abs), inMemory: false };
    }
  }
}
