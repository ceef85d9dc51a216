import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ErrorCode, MailsecError } from '../../core/errors.ts';
import type { Unreadable } from '../../ingest/index.ts';
import { readReports, summarise } from '../../ingest/index.ts';
import type { ReportStore } from '../../store/report-store.ts';
import type { CommandDef, CommandIo } from '../command.ts';
import { bool, str } from '../command.ts';
import { EXIT } from '../exit.ts';

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

interface InputFile {
  /** the path as the user wrote it: the argument itself, or the argument joined with the path inside it */
  readonly shown: string;
  readonly bytes: Uint8Array;
}

/** The readable files behind the arguments, one at a time; what cannot be read gets a stderr line. */
async function* inputFiles(paths: readonly string[], io: CommandIo): AsyncGenerator<InputFile> {
  for (const arg of paths) {
    const absArg = resolve(io.cwd, arg);
    const files = filesOf(absArg, io);
    if (typeof files === 'string') {
      io.stderr.write(`mailsec: ${arg}: ${files}\n`);
      continue;
    }
    for (const abs of files) {
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
      yield { shown, bytes };
    }
  }
}

function warnUnreadable(shown: string, unreadable: readonly Unreadable[], io: CommandIo): void {
  for (const u of unreadable) {
    io.stderr.write(`mailsec: ${shown}${u.source.entry ? ` (${u.source.entry})` : ''}: ${u.reason}\n`);
  }
}

async function parse(paths: string[], json: boolean, io: CommandIo): Promise<number> {
  if (!paths.length) {
    throw new MailsecError(ErrorCode.Usage, 'no file given', 'try: mailsec reports parse report.xml.gz');
  }
  let found = 0;
  for await (const { shown, bytes } of inputFiles(paths, io)) {
    const { reports, unreadable } = await readReports(bytes, shown);
    warnUnreadable(shown, unreadable, io);
    for (const r of reports) {
      found++;
      io.stdout.write(json ? `${JSON.stringify(r)}\n` : `${summarise(r)}\n`);
    }
  }
  if (found === 0) {
    io.stderr.write('mailsec: no report could be read from the files given\n');
    return EXIT.usage;
  }
  return EXIT.ok;
}

/** the summary of `reports import` (`--json` prints it as one object) */
export interface ImportSummary {
  db: string;
  /** input files read (whether or not they held a report) */
  files: number;
  /** reports found in them */
  reports: number;
  /** reports stored by this run */
  new: number;
  /** reports already stored (by an earlier run, another file, or earlier in this run) */
  duplicates: number;
  /** files or parts of files that held no readable report, and reports that could not be stored */
  unreadable: number;
}

async function importReports(paths: string[], dbArg: string | undefined, json: boolean, io: CommandIo) {
  if (!paths.length) {
    throw new MailsecError(
      ErrorCode.Usage,
      'no file given',
      'try: mailsec reports import ~/Maildir/.DMARC --db reports.duckdb',
    );
  }
  const imap = paths.find((p) => /^imaps?:\/\//i.test(p));
  if (imap !== undefined) {
    throw new MailsecError(
      ErrorCode.Usage,
      `${imap}: IMAP import is not implemented yet; save the mails to a Maildir or mbox and import that`,
      'then: mailsec reports import ~/Maildir/.DMARC --db reports.duckdb',
    );
  }
  // loaded here, not at the top: `reports parse` never needs DuckDB
  const { ReportStore } = await import('../../store/report-store.ts');
  const { DEFAULT_DB } = await import('../../store/scan-store.ts');
  const dbName = dbArg ?? DEFAULT_DB;
  const dbPath = resolve(io.cwd, dbName);
  const summary: ImportSummary = { db: dbPath, files: 0, reports: 0, new: 0, duplicates: 0, unreadable: 0 };
  // opened at the first readable file: a run that reads nothing leaves no database behind
  let store: ReportStore | undefined;
  try {
    for await (const { shown, bytes } of inputFiles(paths, io)) {
      summary.files++;
      const { reports, unreadable } = await readReports(bytes, shown);
      warnUnreadable(shown, unreadable, io);
      summary.unreadable += unreadable.length;
      summary.reports += reports.length;
      if (!reports.length) continue;
      store ??= await ReportStore.open(dbPath);
      const counts = await store.importBatch(reports);
      summary.new += counts.added;
      summary.duplicates += counts.duplicates;
      summary.unreadable += counts.failed.length;
      for (const f of counts.failed) {
        const entry = f.report.source.entry;
        io.stderr.write(`mailsec: ${shown}${entry ? ` (${entry})` : ''}: ${f.reason}\n`);
      }
    }
  } finally {
    store?.close();
  }
  if (summary.files === 0) {
    io.stderr.write('mailsec: no file could be read; nothing imported\n');
    return EXIT.usage;
  }
  io.stdout.write(
    json
      ? `${JSON.stringify(summary)}\n`
      : `${summary.files} ${summary.files === 1 ? 'file' : 'files'} read, ${summary.reports} ${summary.reports === 1 ? 'report' : 'reports'} found: ${summary.new} new, ${summary.duplicates} ${summary.duplicates === 1 ? 'duplicate' : 'duplicates'}, ${summary.unreadable} unreadable (${dbName})\n`,
  );
  return EXIT.ok;
}

export const reportsCommand: CommandDef = {
  name: 'reports',
  summary: 'Read DMARC aggregate, DMARC failure and SMTP TLS reports (files, archives, mail, mbox, Maildir).',
  usage: 'mailsec reports parse <file|dir…> [--json] | import <file|dir…> [--db FILE] [--json]',
  description:
    'parse: prints one summary (or, with --json, one JSON line) per report found. Content decides the\n' +
    'format: XML, JSON, .gz, .zip, .eml, mbox, Maildir folders. Unreadable parts are named on stderr.\n' +
    'Exit status: 0 when at least one report was read, 2 when none (or on a usage error).\n' +
    'import: stores the reports in the database (--db); importing a report again changes nothing.\n' +
    'Prints one summary line: files read, reports found, new, duplicates, unreadable (--json: an object).\n' +
    'Exit status: 0 when at least one file was read, 2 when none. IMAP is not implemented yet.',
  options: {
    json: {
      type: 'boolean',
      description:
        'parse: JSON Lines on stdout, one normalised object per report; import: the summary as JSON',
    },
    db: { type: 'string', value: 'FILE', description: 'import: the DuckDB file', default: 'mailsec.duckdb' },
  },
  examples: [
    'mailsec reports parse google.com!example.com!1700000000!1700086400.zip',
    'mailsec reports parse ~/Maildir/.DMARC --json',
    'mailsec reports import ~/Maildir/.DMARC reports.mbox --db reports.duckdb',
  ],
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    if (action === 'parse') return parse(rest, bool(args, 'json'), io);
    if (action === 'import') return importReports(rest, str(args, 'db'), bool(args, 'json'), io);
    throw new MailsecError(
      ErrorCode.Usage,
      action
        ? `unknown subcommand "${action}"; expected parse or import`
        : 'expected a subcommand: parse or import',
      'try: mailsec reports parse report.xml.gz',
    );
  },
};
