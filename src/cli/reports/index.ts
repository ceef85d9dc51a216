/**
 * `mailsec reports parse|import|summary|sources|list|show`: one command, subcommands with their
 * own options, help and examples; an option a subcommand does not take is a usage error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, MailsecError } from '../../core/errors.ts';
import type { FeedbackReport } from '../../ingest/read.ts';
import { AggregateTotals, streamReports, summarise } from '../../ingest/read.ts';
import type { ViewFormat } from '../../render/reports.ts';
import type { ReportFilter, ReportStore } from '../../store/report-store.ts';
import type { CommandDef, CommandIo, OptionDef, ParsedArgs } from '../command.ts';
import { bool, formatHelp, str } from '../command.ts';
import { EXIT } from '../exit.ts';
import { NETWORK_OPTIONS } from '../options.ts';
import { Importer, type ImportSummary, warnUnreadable } from './importer.ts';
import { digestOf, inputFiles } from './inputs.ts';

const DEFAULT_DB = 'mailsec.duckdb';

const OPTIONS: Record<string, OptionDef> = {
  json: {
    type: 'boolean',
    description: 'machine output: JSON Lines (one object per report, domain, source) or one object',
  },
  db: { type: 'string', value: 'FILE', description: 'the DuckDB file', default: DEFAULT_DB },
  format: { type: 'string', value: 'table|csv|json', description: 'output format', default: 'table' },
  domain: { type: 'string', value: 'D', description: 'only this policy domain' },
  since: {
    type: 'string',
    value: 'DATE',
    description: 'reports that begin at or after DATE (YYYY-MM-DD or ISO 8601, UTC)',
  },
  until: {
    type: 'string',
    value: 'DATE',
    description: 'reports that begin before DATE (a day: before its end)',
  },
  org: { type: 'string', value: 'NAME', description: 'only reports from this reporting organisation' },
  trend: { type: 'string', value: 'day|week', description: 'trend per day or per ISO week', default: 'day' },
  kind: { type: 'string', value: 'K', description: 'dmarc-aggregate, tls-rpt or dmarc-failure' },
  limit: { type: 'string', value: 'N', description: 'at most N reports, newest first', default: '100' },
  records: { type: 'string', value: 'N', description: 'aggregate records shown at most', default: '1000000' },
  force: {
    type: 'boolean',
    description: 'read files and mbox messages again even when an earlier import read them whole',
  },
  catalogue: {
    type: 'string',
    value: 'FILE',
    description: 'your own sending services (JSON, as docs/reports.md shows), tried before the built-in ones',
  },
  'no-dns': { type: 'boolean', description: 'look nothing up (no PTR, no SPF includes)' },
  resolver: NETWORK_OPTIONS.resolver as OptionDef,
  timeout: NETWORK_OPTIONS.timeout as OptionDef,
  'ca-file': {
    type: 'string',
    value: 'pem',
    description: 'IMAP: extra trusted CA certificates (certificates are always verified)',
  },
  'allow-private': NETWORK_OPTIONS['allow-private'] as OptionDef,
  'password-file': {
    type: 'string',
    value: 'FILE',
    description: 'IMAP: the password (first line); else MAILSEC_IMAP_PASSWORD',
  },
  watch: { type: 'boolean', description: 'IMAP: stay connected (IDLE) and import new mail as it arrives' },
  'move-to': {
    type: 'string',
    value: 'FOLDER',
    description: 'IMAP: move each imported report mail to FOLDER',
  },
  'mark-seen': { type: 'boolean', description: 'IMAP: flag each imported report mail \\Seen' },
  'max-message-size': {
    type: 'string',
    value: 'BYTES',
    description: 'IMAP: larger messages are not fetched (k/M suffix)',
    default: '50M',
  },
};

interface Subcommand {
  readonly usage: string;
  readonly summary: string;
  readonly description: string;
  readonly options: readonly string[];
  readonly examples: readonly string[];
  run(args: ParsedArgs, rest: string[], io: CommandIo): Promise<number>;
}

const VIEW = ['db', 'format', 'json'];
const FILTER = ['domain', 'since', 'until', 'org'];

const SUBCOMMANDS: Record<string, Subcommand> = {
  parse: {
    usage: 'mailsec reports parse <file|dir|-…> [--json]',
    summary: 'Print one summary (or JSON line) per report found; no database, no network.',
    description:
      'Content decides the format: XML, JSON, .gz, .zip, .eml, mbox, Maildir folders, `-` for standard input.\n' +
      'Unreadable parts are named on stderr. Exit status: 0 when at least one report was read, 2 when none.',
    options: ['json'],
    examples: [
      'mailsec reports parse google.com!example.com!1700000000!1700086400.zip',
      'mailsec reports parse ~/Maildir/.DMARC --json > reports.jsonl',
      'zcat report.xml.gz | mailsec reports parse -',
    ],
    run: (args, rest, io) => parse(rest, bool(args, 'json'), io),
  },
  import: {
    usage:
      'mailsec reports import <file|dir|-|imaps://user@host[:port]/FOLDER|imap://…> [--db FILE] [--json]',
    summary: 'Store the reports in the database; importing a report again changes nothing.',
    description:
      'Files, archives, mail, mbox and Maildir as for parse; a file or mbox message read whole before is skipped\n' +
      'unread (--force reads it again). IMAP: imaps:// (TLS, 993) or imap:// (STARTTLS required, 143); the\n' +
      'password from MAILSEC_IMAP_PASSWORD or --password-file (never in the URL); UIDs remembered, so a\n' +
      're-run fetches only new mail. Prints one summary line (--json: an object). Exit status: 0 when at\n' +
      'least one input was read, 2 when none (or on a usage error), 3 when the IMAP server cannot be used.',
    options: [
      'db',
      'json',
      'force',
      'password-file',
      'watch',
      'move-to',
      'mark-seen',
      'max-message-size',
      'ca-file',
      'resolver',
      'timeout',
      'allow-private',
    ],
    examples: [
      'mailsec reports import ~/Maildir/.DMARC reports.mbox --db reports.duckdb',
      'MAILSEC_IMAP_PASSWORD=… mailsec reports import imaps://dmarc%40example.ch@imap.example.ch/INBOX --db reports.duckdb',
      'mailsec reports import imaps://dmarc@imap.example.ch/INBOX --password-file ~/.imap-pw --watch --move-to Archive',
    ],
    run: (args, rest, io) => importCommand(args, rest, io),
  },
  summary: {
    usage:
      'mailsec reports summary [--db FILE] [--domain D] [--since DATE] [--until DATE] [--format table|csv|json]',
    summary:
      'Per policy domain: messages, DMARC pass, SPF/DKIM alignment, dispositions, reporters, trend, TLS-RPT.',
    description:
      "Counts are messages (the sum of the records' counts), each with its percentage of the messages.",
    options: [...VIEW, ...FILTER, 'trend'],
    examples: [
      'mailsec reports summary --db reports.duckdb',
      'mailsec reports summary --domain example.ch --since 2026-11-01 --trend week',
      'mailsec reports summary --format csv > summary.csv',
    ],
    run: (args, _rest, io) => summaryCommand(args, io),
  },
  sources: {
    usage:
      'mailsec reports sources --domain D [--db FILE] [--since DATE] [--resolver ADDR] [--format table|csv|json]',
    summary: 'Who sends as a domain: per source IP the PTR (forward-confirmed), organisation and class.',
    description:
      'class: authorised (DMARC passes), forwarder (known forwarder, forwarding reason, or SPF fails while\n' +
      'aligned DKIM passes), unauthorised (DMARC fails), unknown (mixed); each with its reason. --since DATE\n' +
      'marks sources first seen on or after DATE (`*`) and lists the new unauthorised ones first. PTR names\n' +
      'and SPF includes are looked up through --resolver (or MAILSEC_RESOLVER); --no-dns looks nothing up.',
    options: [...VIEW, 'domain', 'since', 'until', 'org', 'resolver', 'timeout', 'no-dns', 'catalogue'],
    examples: [
      'mailsec reports sources --domain example.ch --db reports.duckdb --resolver 127.0.0.1',
      'mailsec reports sources --domain example.ch --since 2026-11-24 --json',
      'mailsec reports sources --domain example.ch --catalogue my-senders.json --format csv',
    ],
    run: (args, _rest, io) => sourcesCommand(args, io),
  },
  list: {
    usage:
      'mailsec reports list [--db FILE] [--domain D] [--since DATE] [--until DATE] [--kind K] [--limit N]',
    summary: 'The stored reports, newest first: id, kind, reporter, domain, period, messages, source.',
    description: 'The id (or any unique prefix of it) is what `mailsec reports show` takes.',
    options: [...VIEW, ...FILTER, 'kind', 'limit'],
    examples: [
      'mailsec reports list --db reports.duckdb --domain example.ch',
      'mailsec reports list --kind tls-rpt --since 2026-11-01 --json',
    ],
    run: (args, _rest, io) => listCommand(args, io),
  },
  show: {
    usage: 'mailsec reports show ID [--db FILE] [--format table|csv|json] [--records N]',
    summary: 'One stored report with its records (aggregate), policies (TLS-RPT) or fields (failure).',
    description: 'ID: as `mailsec reports list` prints it, or any unique prefix of at least 6 hex digits.',
    options: [...VIEW, 'records'],
    examples: [
      'mailsec reports show 3f2a9c01 --db reports.duckdb',
      'mailsec reports show 3f2a9c01 --format csv > records.csv',
    ],
    run: (args, rest, io) => showCommand(args, rest, io),
  },
};

function subHelp(name: string, sub: Subcommand): string {
  const options: Record<string, OptionDef> = {};
  for (const o of sub.options) options[o] = OPTIONS[o] as OptionDef;
  return formatHelp({
    name: `reports ${name}`,
    summary: sub.summary,
    usage: sub.usage,
    description: sub.description,
    options,
    examples: sub.examples,
    run: async () => 0,
  });
}

function topHelp(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((s) => s.length)) + 2;
  return [
    'Read DMARC aggregate, DMARC failure and SMTP TLS reports (files, archives, mail, mbox, Maildir, IMAP) and look at them.',
    '',
    'USAGE',
    ...Object.values(SUBCOMMANDS).map((s) => `  ${s.usage}`),
    '',
    'SUBCOMMANDS',
    ...Object.entries(SUBCOMMANDS).map(([n, s]) => `  ${n.padEnd(width)}${s.summary}`),
    '',
    'EXAMPLES',
    '  $ mailsec reports import ~/Maildir/.DMARC --db reports.duckdb',
    '  $ mailsec reports summary --db reports.duckdb',
    '  $ mailsec reports sources --domain example.ch --db reports.duckdb',
    '',
    'Run `mailsec reports <subcommand> --help` for its options. Docs: docs/reports.md.',
    '',
  ].join('\n');
}

function usage(message: string, hint: string): MailsecError {
  return new MailsecError(ErrorCode.Usage, message, hint);
}

/** `--format`, with `--json` as `--format json` */
function viewFormat(args: ParsedArgs): ViewFormat {
  const f = bool(args, 'json') ? 'json' : (str(args, 'format') ?? 'table');
  if (f !== 'table' && f !== 'csv' && f !== 'json')
    throw usage(`--format "${f}" is not table, csv or json`, 'try --format csv');
  return f;
}

/** YYYY-MM-DD (a day, UTC) or an ISO 8601 time; `end`: a day means its end */
export function parseDate(raw: string, flag: string, end = false): string {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const ms = day
    ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + (end ? 86_400_000 : 0)
    : Date.parse(raw);
  if (
    !Number.isFinite(ms) ||
    (day &&
      new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]))).getUTCDate() !== Number(day[3]))
  ) {
    throw usage(`--${flag} "${raw}" is not a date`, `try --${flag} 2026-11-01`);
  }
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function filterFrom(args: ParsedArgs): ReportFilter {
  const since = str(args, 'since');
  const until = str(args, 'until');
  const domain = str(args, 'domain');
  const org = str(args, 'org');
  return {
    ...(domain !== undefined ? { domain: domain.toLowerCase().replace(/\.$/, '') } : {}),
    ...(since !== undefined ? { since: parseDate(since, 'since') } : {}),
    ...(until !== undefined ? { until: parseDate(until, 'until', true) } : {}),
    ...(org !== undefined ? { org } : {}),
  };
}

function positiveInt(args: ParsedArgs, name: string, fallback: number): number {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw usage(`--${name} "${raw}" is not a count`, `try --${name} ${fallback}`);
  return n;
}

async function parse(paths: string[], json: boolean, io: CommandIo): Promise<number> {
  if (!paths.length)
    throw usage('no file given', 'try: mailsec reports parse report.xml.gz (or - for standard input)');
  let found = 0;
  // output in pieces of 64 KiB (a write per report costs more than reading a small one); flushed
  // before every stderr line, so that both stay in order on a terminal, and after every file
  let pending = '';
  const write = (s: string) => {
    pending += s;
    if (pending.length >= 65_536) flush();
  };
  const flush = () => {
    if (pending) io.stdout.write(pending);
    pending = '';
  };
  for await (const { shown, chunks } of inputFiles(paths, io)) {
    let totals: AggregateTotals | undefined;
    let first = true;
    for await (const e of streamReports(chunks, shown, { digests: false })) {
      if (e.type === 'unreadable') {
        flush();
        warnUnreadable(shown, e.unreadable, io);
      } else if (e.type === 'report') {
        found++;
        write(json ? `${JSON.stringify(e.report)}\n` : `${summarise(e.report)}\n`);
      } else if (e.type === 'aggregate-start') {
        totals = new AggregateTotals();
        first = true;
        if (json) {
          const { records: _r, recordCount: _c, problems: _p, ...head } = e.head;
          write(`${JSON.stringify(head).slice(0, -1)},"records":[`);
        }
      } else if (e.type === 'aggregate-records') {
        totals?.add(e.records);
        if (json) {
          write((first ? '' : ',') + e.records.map((r) => JSON.stringify(r)).join(','));
          first = false;
        }
      } else if (e.type === 'aggregate-end') {
        found++;
        if (json)
          write(`],"recordCount":${e.report.recordCount},"problems":${JSON.stringify(e.report.problems)}}\n`);
        else write(`${summarise(e.report, totals)}\n`);
        totals = undefined;
      } else if (e.type === 'aggregate-abort') {
        // the cap's line follows; a JSON object begun on stdout is closed as incomplete
        if (json)
          write(
            `],"recordCount":null,"problems":[{"code":"incomplete","text":${JSON.stringify(e.reason)}}]}\n`,
          );
        totals = undefined;
      }
    }
    flush();
  }
  if (found === 0) {
    io.stderr.write('mailsec: no report could be read from the files given\n');
    return EXIT.usage;
  }
  return EXIT.ok;
}

function summaryLine(s: ImportSummary, dbName: string): string {
  const what =
    s.messages !== undefined
      ? `${s.messages} ${s.messages === 1 ? 'message' : 'messages'}`
      : `${s.files} ${s.files === 1 ? 'file' : 'files'}`;
  return `${what} read, ${s.reports} ${s.reports === 1 ? 'report' : 'reports'} found: ${s.new} new, ${s.duplicates} ${s.duplicates === 1 ? 'duplicate' : 'duplicates'}, ${s.unreadable} unreadable (${dbName})\n`;
}

/** files between lookups of known digests */
const KNOWN_BATCH = 256;

async function importCommand(args: ParsedArgs, paths: string[], io: CommandIo): Promise<number> {
  if (!paths.length)
    throw usage('no file given', 'try: mailsec reports import ~/Maildir/.DMARC --db reports.duckdb');
  const dbName = str(args, 'db') ?? DEFAULT_DB;
  const dbPath = resolve(io.cwd, dbName);
  const json = bool(args, 'json');
  const urls = paths.filter((p) => /^imaps?:\/\//i.test(p));
  if (urls.length) {
    if (urls.length !== paths.length || urls.length > 1)
      throw usage('give one IMAP URL and no files in the same import', 'run one import per source');
    const { importImap } = await import('./imap.ts');
    return importImap(urls[0] as string, args, dbPath, dbName, io);
  }
  for (const o of [
    'watch',
    'move-to',
    'mark-seen',
    'password-file',
    'max-message-size',
    'ca-file',
    'resolver',
    'timeout',
    'allow-private',
  ]) {
    if (args.values[o] !== undefined)
      throw usage(`--${o} is for IMAP imports only`, 'give an imaps:// URL, or leave it out');
  }
  const force = bool(args, 'force');
  const { openReportStore } = await import('../../store/report-store.ts');
  const summary: ImportSummary = { db: dbPath, files: 0, reports: 0, new: 0, duplicates: 0, unreadable: 0 };
  // opened at the first readable file: a run that reads nothing leaves no database behind
  let store: ReportStore | undefined;
  let importer: Importer | undefined;
  const open = async () => {
    store ??= await openReportStore(dbPath);
    importer ??= new Importer(store, io, summary);
    return importer;
  };
  try {
    const files = inputFiles(paths, io);
    let done = false;
    while (!done) {
      const batch: { shown: string; chunks: Iterable<Uint8Array>; digest: string }[] = [];
      while (batch.length < KNOWN_BATCH) {
        const n = await files.next();
        if (n.done) {
          done = true;
          break;
        }
        batch.push({ shown: n.value.shown, chunks: n.value.chunks, digest: digestOf(n.value.chunks) });
      }
      if (!batch.length) break;
      const imp = await open();
      const known = force
        ? new Map<string, number>()
        : await imp.store.knownInputs(batch.map((b) => b.digest));
      for (const f of batch) {
        summary.files = (summary.files ?? 0) + 1;
        const k = known.get(f.digest);
        if (k !== undefined) {
          imp.known(k);
          continue;
        }
        const events = streamReports(f.chunks, f.shown, {
          ...(force ? {} : { knownMessages: (d: readonly string[]) => imp.store.knownInputs(d) }),
        });
        await imp.input(events, f.shown, { digest: f.digest, kind: 'file', name: f.shown });
        known.set(f.digest, 0);
      }
    }
    await importer?.flush();
  } finally {
    (store as ReportStore | undefined)?.close();
  }
  if (!summary.files) {
    io.stderr.write('mailsec: no file could be read; nothing imported\n');
    return EXIT.usage;
  }
  io.stdout.write(json ? `${JSON.stringify(summary)}\n` : summaryLine(summary, dbName));
  return EXIT.ok;
}

/** Opens the database read-only (waiting while a writer holds it); a missing file is a usage error. */
async function openReader(args: ParsedArgs, io: CommandIo): Promise<ReportStore> {
  const dbPath = resolve(io.cwd, str(args, 'db') ?? DEFAULT_DB);
  if (!existsSync(dbPath)) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--db ${dbPath}: no such file`,
      'import reports first: mailsec reports import <file|dir|imaps://…> --db FILE',
    );
  }
  const { openReportStore } = await import('../../store/report-store.ts');
  return openReportStore(dbPath, { readOnly: true, lockWaitMs: 60_000 });
}

async function summaryCommand(args: ParsedArgs, io: CommandIo): Promise<number> {
  const format = viewFormat(args);
  const trend = str(args, 'trend') ?? 'day';
  if (trend !== 'day' && trend !== 'week')
    throw usage(`--trend "${trend}" is not day or week`, 'try --trend week');
  const filter = filterFrom(args);
  const store = await openReader(args, io);
  try {
    const { renderSummary } = await import('../../render/reports.ts');
    io.stdout.write(renderSummary(await store.summary(filter, { trend }), format));
    return EXIT.ok;
  } finally {
    store.close();
  }
}

async function sourcesCommand(args: ParsedArgs, io: CommandIo): Promise<number> {
  const format = viewFormat(args);
  const domain = str(args, 'domain');
  if (!domain)
    throw usage('reports sources needs --domain', 'try: mailsec reports sources --domain example.ch');
  const filter = filterFrom(args);
  const { parseCatalogue, reportSources } = await import('../../ingest/index.ts');
  const catFile = str(args, 'catalogue');
  let catalogue: ReturnType<typeof parseCatalogue> | undefined;
  if (catFile) {
    try {
      catalogue = parseCatalogue(JSON.parse(readFileSync(resolve(io.cwd, catFile), 'utf8')), catFile);
    } catch (e) {
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `--catalogue ${catFile}: ${(e as Error).message}`,
        'see docs/reports.md for the format',
      );
    }
  }
  let resolver: ReturnType<typeof import('../../audit/environment.ts')['openResolver']> | undefined;
  if (!bool(args, 'no-dns')) {
    const { networkConfig } = await import('../options.ts');
    const { networkAuditConfig } = await import('../environment.ts');
    const { openResolver } = await import('../../audit/environment.ts');
    resolver = openResolver(networkAuditConfig(await networkConfig(args, io.env)));
  }
  const store = await openReader(args, io);
  try {
    const rows = await reportSources(store, {
      domain: filter.domain as string,
      ...(filter.since !== undefined ? { newSince: filter.since } : {}),
      ...(filter.until !== undefined ? { until: filter.until } : {}),
      ...(filter.org !== undefined ? { org: filter.org } : {}),
      ...(resolver ? { resolver } : {}),
      ...(catalogue ? { catalogue } : {}),
    });
    const { renderSources } = await import('../../render/reports.ts');
    io.stdout.write(renderSources(rows, format));
    return EXIT.ok;
  } finally {
    store.close();
    (resolver as { close?: () => void } | undefined)?.close?.();
  }
}

async function listCommand(args: ParsedArgs, io: CommandIo): Promise<number> {
  const format = viewFormat(args);
  const kind = str(args, 'kind');
  if (kind !== undefined && !['dmarc-aggregate', 'tls-rpt', 'dmarc-failure'].includes(kind))
    throw usage(`--kind "${kind}" is not dmarc-aggregate, tls-rpt or dmarc-failure`, 'try --kind tls-rpt');
  const filter: ReportFilter = {
    ...filterFrom(args),
    ...(kind ? { kind: kind as FeedbackReport['kind'] } : {}),
  };
  const limit = positiveInt(args, 'limit', 100);
  const store = await openReader(args, io);
  try {
    const { renderList } = await import('../../render/reports.ts');
    io.stdout.write(renderList(await store.list(filter, { limit }), format));
    return EXIT.ok;
  } finally {
    store.close();
  }
}

async function showCommand(args: ParsedArgs, rest: string[], io: CommandIo): Promise<number> {
  const format = viewFormat(args);
  const [id, ...more] = rest;
  if (!id || more.length) throw usage('reports show takes one report id', 'list them: mailsec reports list');
  if (!/^[0-9a-f]{6,64}$/i.test(id))
    throw usage(`"${id}" is not a report id (6 to 64 hex digits)`, 'list them: mailsec reports list');
  const store = await openReader(args, io);
  try {
    const r = await store.show(id, { recordLimit: positiveInt(args, 'records', 1_000_000) });
    if (r === 'ambiguous') throw usage(`"${id}" matches several reports`, 'give more digits of the id');
    if (!r) throw usage(`no report "${id}" in ${store.path}`, 'list them: mailsec reports list');
    const { renderShow } = await import('../../render/reports.ts');
    io.stdout.write(renderShow(r, format, (x) => summarise(x)));
    return EXIT.ok;
  } finally {
    store.close();
  }
}

export const reportsCommand: CommandDef = {
  name: 'reports',
  summary: 'Read DMARC aggregate, DMARC failure and SMTP TLS reports, store them, and look at them.',
  usage: `mailsec reports ${Object.keys(SUBCOMMANDS).join('|')} …`,
  options: OPTIONS,
  examples: [],
  help(args) {
    const name = args.positionals[0];
    const sub = name ? SUBCOMMANDS[name] : undefined;
    return sub && name ? subHelp(name, sub) : topHelp();
  },
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    const sub = action ? SUBCOMMANDS[action] : undefined;
    if (!sub || !action) {
      throw usage(
        action
          ? `unknown subcommand "${action}"; expected ${Object.keys(SUBCOMMANDS).join(', ')}`
          : `expected a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}`,
        'see: mailsec reports --help',
      );
    }
    for (const [k, v] of Object.entries(args.values)) {
      if (v !== undefined && k !== 'help' && !sub.options.includes(k)) {
        throw usage(`reports ${action} does not take --${k}`, `see: mailsec reports ${action} --help`);
      }
    }
    return sub.run(args, rest, io);
  },
};
