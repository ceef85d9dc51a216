import { basename, resolve } from 'node:path';
import { createAuditEnvironment, type OpenAuditEnvironment } from '../audit/environment.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { InputFormat, InputResult } from '../scan/input.ts';
import { readInput } from '../scan/input.ts';
import { formatProgress, runScan } from '../scan/run.ts';
import { DEFAULT_DB, ScanStore } from '../store/scan-store.ts';
import { CHECK_OPTIONS, parseOnly } from './check.ts';
import type { CommandDef, ParsedArgs } from './command.ts';
import { bool, list, str } from './command.ts';
import { auditConfig } from './environment.ts';
import { EXIT } from './exit.ts';
import { allowPrivate, networkConfig } from './options.ts';

function positiveInt(args: ParsedArgs, name: string, fallback: number, max: number): number {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n > 0 && n <= max)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--${name} "${raw}" is not a whole number from 1 to ${max}`,
      `try --${name} ${fallback}`,
    );
  }
  return n;
}

/** The default scan name: the input's file name without extensions (`-`: stdin), so a re-run resumes. */
export function defaultScanName(input: string): string {
  if (input === '-') return 'stdin';
  return (
    basename(input)
      .replace(/(\.gz)$/i, '')
      .replace(/\.(txt|zone|list|csv|db)$/i, '') || 'scan'
  );
}

const SCAN_OPTIONS: CommandDef['options'] = {
  db: {
    type: 'string',
    value: 'FILE',
    description: 'the embedded database (DuckDB) file',
    default: DEFAULT_DB,
  },
  scan: {
    type: 'string',
    value: 'NAME',
    description: 'the scan’s name; re-running with the same name resumes it [default: the input’s file name]',
  },
  'input-format': {
    type: 'string',
    value: 'list|zone',
    description: 'the input’s format [default: sniffed]',
  },
  origin: { type: 'string', value: 'NAME', description: 'zone file: the origin before any $ORIGIN' },
  concurrency: { type: 'string', value: 'N', description: 'domains in flight at once', default: '64' },
  batch: { type: 'string', value: 'N', description: 'results written per transaction', default: '200' },
  'retry-errors': {
    type: 'boolean',
    description:
      'also scan again the stored domains with a section that could not be determined (error), replacing them',
  },
  ...CHECK_OPTIONS,
  json: { type: 'boolean', description: 'print a JSON summary of the run on stdout' },
};

export const scanCommand: CommandDef = {
  name: 'scan',
  summary: 'Audit every domain of a list or zone file into a database (resumable).',
  usage: 'mailsec scan [OPTIONS] <INPUT | -> [--db FILE] [--scan NAME]',
  description:
    'INPUT: a domain list (one name a line, # comments) or a DNS zone file (the delegated names, i.e. owners of NS records below the apex); - reads stdin; .gz is unpacked. Each domain’s result (the `check --json` document) is stored once per scan; an interrupted scan resumes where it stopped when run again with the same --scan. Takes the options of `check`.',
  options: SCAN_OPTIONS,
  examples: [
    'mailsec scan domains.txt --db ch.duckdb --scan ch-2026-11 --resolver 127.0.0.1',
    'zcat ch.zone.gz | mailsec scan - --scan ch --no-http --concurrency 256',
    'mailsec scan ch.zone.gz --scan ch    # run again after a crash: resumes',
    'mailsec scan ch.zone.gz --scan ch --retry-errors    # later: a second pass over timeouts and SERVFAILs',
    'mailsec report --db ch.duckdb --scan ch --json',
  ],
  async run(args, io) {
    if (args.positionals.length !== 1) {
      throw new MailsecError(
        ErrorCode.Usage,
        'give one input: a domain list, a zone file or -',
        'try: mailsec scan domains.txt',
      );
    }
    const input = args.positionals[0] as string;
    const format = str(args, 'input-format');
    if (format !== undefined && format !== 'list' && format !== 'zone') {
      throw new MailsecError(
        ErrorCode.Usage,
        `--input-format "${format}" is not list or zone`,
        'try --input-format zone',
      );
    }
    const only = parseOnly(args);
    const concurrency = positiveInt(args, 'concurrency', 64, 10_000);
    const batchSize = positiveInt(args, 'batch', 200, 100_000);
    const cfg = await networkConfig(args, io.env);
    let parsed: InputResult;
    try {
      parsed = await readInput(input === '-' ? '-' : resolve(io.cwd, input), {
        ...(format ? { format: format as InputFormat } : {}),
        ...(str(args, 'origin') ? { origin: str(args, 'origin') } : {}),
      });
    } catch (e) {
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `${input}: ${(e as Error).message}`,
        'give a readable file or -',
        {
          cause: e,
        },
      );
    }
    if (parsed.invalid) {
      io.stderr.write(
        `mailsec: ${parsed.invalid} invalid name(s) skipped (e.g. ${parsed.invalidSamples.join(', ')})\n`,
      );
    }
    const scanName = str(args, 'scan') ?? defaultScanName(input);
    const dbPath = resolve(io.cwd, str(args, 'db') ?? DEFAULT_DB);
    const options = {
      only: only ?? null,
      selectors: list(args, 'selectors'),
      noSmtp: bool(args, 'no-smtp'),
      noHttp: bool(args, 'no-http'),
      ehlo: str(args, 'ehlo') ?? null,
      allowPrivate: allowPrivate(args, io.env),
      resolver: cfg.resolver,
    };
    const store = await ScanStore.open(dbPath);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);
    let env: OpenAuditEnvironment | undefined;
    try {
      const scan = await store.beginScan(scanName, options, input, parsed.domains.length);
      if (JSON.stringify(scan.options) !== JSON.stringify(options)) {
        io.stderr.write(
          `mailsec: scan "${scanName}" was started with other options (${JSON.stringify(scan.options)}); the remaining domains use these ones\n`,
        );
      }
      const stored = await store.doneDomains(scanName);
      const retry = bool(args, 'retry-errors') ? await store.errorDomains(scanName) : new Set<string>();
      for (const d of retry) stored.delete(d);
      const todo = parsed.domains.filter((d) => !stored.has(d));
      env = await createAuditEnvironment(auditConfig(args, cfg, only), { signal: controller.signal });
      const probe = env.probe;
      if (!probe.reachable) {
        io.stderr.write(`mailsec: the resolver ${cfg.resolver} does not answer; nothing scanned.\n`);
        return EXIT.cannotRun;
      }
      const tty = io.stderr.isTTY === true;
      let lastDraw = 0;
      const result = await runScan({
        scan: scanName,
        domains: todo,
        env,
        store,
        resolver: { address: cfg.resolver, validates: probe.validates },
        concurrency,
        batchSize,
        replace: retry.size > 0,
        ...(tty
          ? {
              progress: (p) => {
                const now = Date.now();
                if (now - lastDraw < 250 && p.done < p.total) return;
                lastDraw = now;
                io.stderr.write(`\r\x1b[K${scanName}: ${formatProgress(p)}`);
              },
            }
          : {}),
      });
      if (tty) io.stderr.write('\n');
      const total = await store.count(scanName);
      const rate = result.elapsedMs > 0 ? ((result.done / result.elapsedMs) * 1000).toFixed(1) : '0';
      io.stderr.write(
        `mailsec scan ${scanName}: ${result.done} domains scanned in ${(result.elapsedMs / 1000).toFixed(1)} s (${rate}/s), ${stored.size} already stored, ${total}/${parsed.domains.length} in ${dbPath}` +
          `${parsed.invalid ? `, ${parsed.invalid} invalid names skipped` : ''}${parsed.duplicates ? `, ${parsed.duplicates} duplicates` : ''}` +
          `${result.failed ? `, ${result.failed} failed (re-run to retry)` : ''}${result.aborted ? ', interrupted (re-run to resume)' : ''}\n`,
      );
      if (bool(args, 'json')) {
        io.stdout.write(
          `${JSON.stringify({ scan: scanName, db: dbPath, domains: parsed.domains.length, stored: total, scanned: result.done, alreadyStored: stored.size, invalid: parsed.invalid, failed: result.failed, aborted: result.aborted })}\n`,
        );
      }
      return result.aborted || result.failed ? EXIT.cannotRun : EXIT.ok;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      await env?.close();
      store.close();
    }
  },
};
