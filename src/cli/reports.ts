import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { readReports, summarise } from '../reports/index.ts';
import type { CommandDef, CommandIo } from './command.ts';
import { bool } from './command.ts';
import { EXIT } from './exit.ts';

/** an input file larger than this is not read (reports are kilobytes; Google's biggest a few MiB) */
export const MAX_INPUT_BYTES = 128 * 1024 * 1024;
/** files taken from one directory (a Maildir's cur/ and new/, or a folder of reports) */
export const MAX_DIR_FILES = 100_000;

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

async function parse(paths: string[], json: boolean, io: CommandIo): Promise<number> {
  if (!paths.length) {
    throw new MailsecError(ErrorCode.Usage, 'no file given', 'try: mailsec reports parse report.xml.gz');
  }
  let found = 0;
  for (const arg of paths) {
    const files = filesOf(resolve(io.cwd, arg), io);
    if (typeof files === 'string') {
      io.stderr.write(`mailsec: ${arg}: ${files}\n`);
      continue;
    }
    const absArg = resolve(io.cwd, arg);
    for (const abs of files) {
      // as the user wrote it: the argument itself, or the argument joined with the path inside it
      const shown = abs === absArg ? arg : join(arg, relative(absArg, abs));
      let bytes: Buffer;
      try {
        if (statSync(abs).size > MAX_INPUT_BYTES) {
          io.stderr.write(`mailsec: ${shown}: larger than ${MAX_INPUT_BYTES / 1048576} MiB; not read\n`);
          continue;
        }
        bytes = readFileSync(abs);
      } catch (e) {
        io.stderr.write(
          `mailsec: ${shown}: cannot read (${(e as { code?: string }).code ?? (e as Error).message})\n`,
        );
        continue;
      }
      const { reports, unreadable } = await readReports(bytes, shown);
      for (const u of unreadable) {
        io.stderr.write(`mailsec: ${shown}${u.source.entry ? ` (${u.source.entry})` : ''}: ${u.reason}\n`);
      }
      for (const r of reports) {
        found++;
        io.stdout.write(json ? `${JSON.stringify(r)}\n` : `${summarise(r)}\n`);
      }
    }
  }
  if (found === 0) {
    io.stderr.write('mailsec: no report could be read from the files given\n');
    return EXIT.usage;
  }
  return EXIT.ok;
}

export const reportsCommand: CommandDef = {
  name: 'reports',
  summary: 'Read DMARC aggregate, DMARC failure and SMTP TLS reports (files, archives, mail, mbox, Maildir).',
  usage: 'mailsec reports parse <file|dir…> [--json]',
  description:
    'parse: prints one summary (or, with --json, one JSON line) per report found. Content decides the\n' +
    'format: XML, JSON, .gz, .zip, .eml, mbox, Maildir folders. Unreadable parts are named on stderr.\n' +
    'Exit status: 0 when at least one report was read, 2 when none (or on a usage error).\n' +
    'import: not implemented yet.',
  options: {
    json: { type: 'boolean', description: 'JSON Lines on stdout: one normalised object per report' },
  },
  examples: [
    'mailsec reports parse google.com!example.com!1700000000!1700086400.zip',
    'mailsec reports parse ~/Maildir/.DMARC --json',
  ],
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    if (action === 'parse') return parse(rest, bool(args, 'json'), io);
    if (action === 'import') {
      throw new MailsecError(
        ErrorCode.Usage,
        '"reports import" is not implemented yet',
        'use: mailsec reports parse <file…> --json',
      );
    }
    throw new MailsecError(
      ErrorCode.Usage,
      action ? `unknown subcommand "${action}"; expected parse` : 'expected a subcommand: parse',
      'try: mailsec reports parse report.xml.gz',
    );
  },
};
