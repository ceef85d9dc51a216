import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { gmpHeader, gmpLine } from '../render/gmp.ts';
import { EXPORT_FORMATS, type ExportFormat, exportDocuments, exportTyped } from '../scan/export.ts';
import { openScanSource } from '../scan/store.ts';
import { DEFAULT_DB } from '../store/scan-store.ts';
import type { CommandDef } from './command.ts';
import { str } from './command.ts';
import { EXIT } from './exit.ts';

export const scanExportCommand: CommandDef = {
  name: 'scan export',
  summary: 'Export a stored scan: one row per domain (csv, jsonl, parquet, or Get-Mailprotection’s CSV).',
  usage: 'mailsec scan export [--db FILE] [--scan NAME] --format csv|jsonl|parquet|gmp-csv [--out FILE]',
  description:
    'csv, jsonl and parquet: the typed columns of the store (domain, checked_at, has_mx, errors, undetermined, resolver.*, status.<check>, one column per statistic key as yes/no/error/skipped, share.*, findings), in the store’s order (not sorted) — see docs/scan.md. gmp-csv: the 40 columns of Get-Mailprotection’s -CSVExport, its names and order, filled from the stored documents (empty where mailsec could not determine a fact). Streamed: flat memory whatever the scan’s size. --out writes the whole file or nothing.',
  options: {
    db: {
      type: 'string',
      value: 'FILE',
      description: 'the database written by `mailsec scan`',
      default: DEFAULT_DB,
    },
    scan: { type: 'string', value: 'NAME', description: 'which scan [default: the latest]' },
    format: {
      type: 'string',
      value: 'csv|jsonl|parquet|gmp-csv',
      description: 'the file format (parquet needs --out or a pipe)',
      default: 'csv',
    },
    out: { type: 'string', value: 'FILE', description: 'write to FILE instead of stdout' },
  },
  examples: [
    'mailsec scan export --db ch.duckdb --scan ch-2026-11 --format parquet --out ch.parquet',
    'mailsec scan export --db ch.duckdb --format csv > ch.csv',
    'mailsec scan export --db ch.duckdb --format gmp-csv --out ch-gmp.csv',
    'mailsec scan export --db ch.duckdb --format jsonl | jq -c "select(.\\"dmarc.present\\" == \\"no\\")"',
  ],
  async run(args, io) {
    if (args.positionals.length)
      throw new MailsecError(
        ErrorCode.Usage,
        `scan export takes no argument (got "${args.positionals[0]}")`,
        'try: mailsec scan export --db ch.duckdb --format csv',
      );
    const format = (str(args, 'format') ?? 'csv') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format))
      throw new MailsecError(
        ErrorCode.Usage,
        `--format "${format}" is not ${EXPORT_FORMATS.slice(0, -1).join(', ')} or ${EXPORT_FORMATS.at(-1)}`,
        'try --format csv',
      );
    const outArg = str(args, 'out');
    const out = outArg ? resolve(io.cwd, outArg) : undefined;
    if (format === 'parquet' && !out && io.stdout.isTTY)
      throw new MailsecError(
        ErrorCode.Usage,
        'Parquet is not written to a terminal',
        'give --out scan.parquet',
      );
    const dbPath = resolve(io.cwd, str(args, 'db') ?? DEFAULT_DB);
    if (!existsSync(dbPath))
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `--db ${dbPath}: no such file`,
        'run mailsec scan first, or give --db FILE',
      );
    const store = await openScanSource(dbPath);
    try {
      const scans = await store.scans().catch(() => []);
      const wanted = str(args, 'scan');
      const scan = wanted ? scans.find((s) => s.name === wanted) : scans.at(-1);
      if (!scan)
        throw new MailsecError(
          ErrorCode.Usage,
          wanted ? `no scan "${wanted}" in ${dbPath}` : `${dbPath} holds no scan`,
          scans.length ? `scans: ${scans.map((s) => s.name).join(', ')}` : 'run mailsec scan first',
        );
      const target = { ...(out ? { path: out } : { stream: io.stdout }), tmpDir: io.env.TMPDIR ?? tmpdir() };
      try {
        if (format === 'gmp-csv') await exportDocuments(store, scan.name, gmpHeader(), gmpLine, target);
        else await exportTyped(store, scan.name, format, target);
      } catch (e) {
        if (e instanceof MailsecError) throw e;
        throw new MailsecError(
          ErrorCode.InputUnreadable,
          `${out ? `--out ${out}` : 'export'}: ${(e as Error).message}`,
          out ? 'give a writable path' : 'check the database and the disk',
          { cause: e },
        );
      }
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};
