import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { normaliseDomain } from '../core/names.ts';
import {
  renderStatisticsCsv,
  renderStatisticsJson,
  renderStatisticsMarkdown,
  renderStatisticsTable,
} from '../render/statistics.ts';
import { openScanSource } from '../scan/store.ts';
import type { ReportScope } from '../statistics/document.ts';
import {
  buildReport,
  domainsIn,
  drillKey,
  parseScope,
  providerNames,
  type ReportSource,
  scopeSize,
} from '../statistics/report.ts';
import { STATISTIC_KEYS } from '../statistics/row.ts';
import { DEFAULT_DB, type ScanInfo } from '../store/scan-store.ts';
import type { CommandDef } from './command.ts';
import { bool, str } from './command.ts';
import { EXIT } from './exit.ts';
import { mailsecVersion } from './version.ts';

const FORMATS = ['table', 'md', 'csv', 'json', 'html', 'pdf'];

/** Writes the whole output or nothing: a temporary file beside the target, renamed over it. */
async function writeOut(path: string, data: string | Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--out ${path}: ${(e as Error).message}`,
      'give a writable path',
      {
        cause: e,
      },
    );
  }
}

/** Reports that `reports import` stored in the file (0 when it has none or cannot tell). */
async function importedReports(dbPath: string): Promise<number> {
  const { openReportStore } = await import('../store/report-store.ts');
  try {
    const r = await openReportStore(dbPath, { readOnly: true });
    try {
      return await r.reportCount();
    } finally {
      r.close();
    }
  } catch {
    return 0;
  }
}

/** `--provider`: parsed, and known in the scan (else a usage error listing the providers it has). */
async function scopeOf(
  store: ReportSource,
  scan: string,
  text: string | undefined,
): Promise<ReportScope | null> {
  if (text === undefined) return null;
  const scope = parseScope(text);
  if (!scope)
    throw new MailsecError(
      ErrorCode.Usage,
      `--provider "${text}" names no provider`,
      'give a registrable domain as the report lists it: --provider example.net, mx:example.net or ns:example.net',
    );
  if ((await scopeSize(store, scan, scope)) > 0) return scope;
  const known = await providerNames(store, scan, scope.kind, 20);
  const what =
    scope.kind === 'mx' ? 'MX provider' : scope.kind === 'ns' ? 'DNS provider' : 'MX or DNS provider';
  throw new MailsecError(
    ErrorCode.Usage,
    `no domain of scan "${scan}" has the ${what} ${scope.provider}`,
    known.length
      ? `the largest: ${known.map((p) => `${p.kind}:${p.name} (${p.domains})`).join(', ')}`
      : 'the scan names no provider (were the mx and ns checks run?)',
  );
}

/** The scans of `--trend` (all of them) or `--scans a,b,c`, in scan order (when begun). */
function trendScans(
  scans: readonly ScanInfo[],
  trend: boolean,
  names: string | undefined,
  dbPath: string,
): ScanInfo[] | null {
  if (names === undefined) return trend ? [...scans] : null;
  const wanted = names
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const missing = wanted.filter((n) => !scans.some((s) => s.name === n));
  if (!wanted.length || missing.length)
    throw new MailsecError(
      ErrorCode.Usage,
      wanted.length
        ? `--scans: no scan ${missing.map((m) => `"${m}"`).join(', ')} in ${dbPath}`
        : '--scans is empty',
      `scans: ${scans.map((s) => s.name).join(', ')}`,
    );
  return scans.filter((s) => wanted.includes(s.name));
}

export const reportCommand: CommandDef = {
  name: 'report',
  summary: 'TLD statistics of a stored scan: every figure with count, denominator and percent.',
  usage:
    'mailsec report [--db FILE] [--scan NAME] [--compare OLD] [--trend | --scans A,B,C] [--provider NAME] [--json | --format table|md|csv|json|html|pdf] [--out FILE] | --domains KEY | --domain D | --list',
  description:
    'Keys over all domains (dnssec.signed, mx.present, …) and over domains with MX, Null MX and localhost targets included (spf.present, dmarc.reject, starttls.all, …). A domain whose answer could not be determined counts in <key>.error, never as absent; <key>.skipped counts domains not tested (e.g. --no-http). See docs/scan.md.',
  options: {
    db: {
      type: 'string',
      value: 'FILE',
      description: 'the database written by `mailsec scan`',
      default: DEFAULT_DB,
    },
    scan: { type: 'string', value: 'NAME', description: 'which scan [default: the latest]' },
    domain: {
      type: 'string',
      value: 'D',
      description: 'print the stored `check --json` document of one domain',
    },
    list: { type: 'boolean', description: 'list the scans in the database (name, started, stored/total)' },
    compare: {
      type: 'string',
      value: 'OLD_SCAN',
      description:
        'add, per statistic, the figure of an earlier scan and the change (count, percentage points, and over the domains in both scans); domains added and removed are counted apart',
    },
    trend: {
      type: 'boolean',
      description: 'add the time series of every scan in the database (and trend charts)',
    },
    scans: {
      type: 'string',
      value: 'A,B,C',
      description: 'the time series of these scans only (in scan order)',
    },
    domains: {
      type: 'string',
      value: 'KEY',
      description:
        'list the domains counted in a statistic, one a line (spf.passAll, dmarc.none, dane.present.error, dmarc.present.no …); with --json one object a line { domain, key, section }',
    },
    provider: {
      type: 'string',
      value: 'NAME',
      description:
        'restrict every statistic to the domains of one provider: its MX or NS registrable domain (mx:NAME or ns:NAME for one of them)',
    },
    json: { type: 'boolean', description: 'the report as one JSON document on stdout' },
    format: {
      type: 'string',
      value: 'table|md|csv|json|html|pdf',
      description:
        'output format; html: one self-contained page with charts (no external resource, no script); pdf: that page printed by headless Chromium',
      default: 'table',
    },
    out: {
      type: 'string',
      value: 'FILE',
      description: 'write the report to FILE (whole or not at all) instead of stdout',
    },
    chromium: {
      type: 'string',
      value: 'PATH',
      description: 'the Chromium binary for --format pdf',
      default: '/usr/bin/chromium',
    },
  },
  examples: [
    'mailsec report --db ch.duckdb --json',
    'mailsec report --db ch.duckdb --scan ch-2026-11 --format md > report.md',
    'mailsec report --format csv > stats.csv',
    'mailsec report --db ch.duckdb --list',
    'mailsec report --db ch.duckdb --format html --out report.html',
    'mailsec report --db ch.duckdb --format pdf --out report.pdf',
    'mailsec report --db ch.duckdb --scan ch-2026-11 --domain example.ch --json',
    'mailsec report --db ch.duckdb --scan ch-2026-11 --compare ch-2026-08 --format html --out report.html',
    'mailsec report --db ch.duckdb --trend --json',
    'mailsec report --db ch.duckdb --domains spf.passAll > plus-all.txt',
    'mailsec report --db ch.duckdb --domains dane.present.error --json',
    'mailsec report --db ch.duckdb --provider mx:hostpoint.ch --format md',
  ],
  async run(args, io) {
    const format = bool(args, 'json') ? 'json' : (str(args, 'format') ?? 'table');
    if (!FORMATS.includes(format)) {
      throw new MailsecError(
        ErrorCode.Usage,
        `--format "${format}" is not ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS.at(-1)}`,
        'try --format md',
      );
    }
    const outArg = str(args, 'out');
    const out = outArg ? resolve(io.cwd, outArg) : null;
    if (format === 'pdf' && !out && io.stdout.isTTY)
      throw new MailsecError(ErrorCode.Usage, 'a PDF is not written to a terminal', 'give --out report.pdf');
    // before any work: say at once when the browser for the PDF is missing
    if (format === 'pdf') (await import('../render/browser.ts')).chromiumPath(str(args, 'chromium'));
    const dbPath = resolve(io.cwd, str(args, 'db') ?? DEFAULT_DB);
    if (!existsSync(dbPath)) {
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `--db ${dbPath}: no such file`,
        'run mailsec scan first, or give --db FILE',
      );
    }
    const store = await openScanSource(dbPath);
    let closed = false;
    try {
      // a file without the scan tables (only `reports import` wrote it) holds no scan
      const scans = await store.scans().catch(() => []);
      if (!scans.length && !bool(args, 'list')) {
        await store.close();
        closed = true;
        throw new MailsecError(
          ErrorCode.Usage,
          `${dbPath} holds no scan (${await importedReports(dbPath)} imported reports)`,
          'run mailsec scan first, or look at the reports: mailsec reports summary',
        );
      }
      if (bool(args, 'list')) {
        const rows = await Promise.all(scans.map(async (s) => ({ ...s, stored: await store.count(s.name) })));
        if (format === 'json') io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else
          for (const r of rows)
            io.stdout.write(`${r.name}\t${r.started}\t${r.stored}/${r.total ?? '?'}\t${r.input ?? ''}\n`);
        return EXIT.ok;
      }
      const wanted = str(args, 'scan');
      const scan = wanted ? scans.find((s) => s.name === wanted) : scans[scans.length - 1];
      if (!scan) {
        throw new MailsecError(
          ErrorCode.Usage,
          wanted ? `no scan "${wanted}" in ${dbPath}` : `no scan in ${dbPath}`,
          scans.length ? `scans: ${scans.map((s) => s.name).join(', ')}` : 'run mailsec scan first',
        );
      }
      const domain = str(args, 'domain');
      if (domain !== undefined) {
        const name = normaliseDomain(domain);
        const stored = name.ok ? await store.document(scan.name, name.name) : undefined;
        if (!stored) {
          throw new MailsecError(
            ErrorCode.Usage,
            `${domain} is not stored in scan "${scan.name}" of ${dbPath}`,
            'give a domain the scan holds (mailsec report --list shows the scans)',
          );
        }
        io.stdout.write(`${JSON.stringify(stored, null, 2)}\n`);
        return EXIT.ok;
      }
      const scope = await scopeOf(store, scan.name, str(args, 'provider'));
      const drill = str(args, 'domains');
      if (drill !== undefined) {
        const k = drillKey(drill);
        if (!k) {
          const keys = STATISTIC_KEYS.map((x) => x.key);
          throw new MailsecError(
            ErrorCode.Usage,
            `--domains "${drill}" is not a statistic key`,
            `keys: ${keys.join(', ')} (each also with .no, .error or .skipped)`,
          );
        }
        // streamed: one chunk of names at a time, whatever the scan's size
        const json = format === 'json';
        for await (const rows of domainsIn(store, scan.name, k, { scope })) {
          const text = rows
            .map((r) =>
              json ? JSON.stringify({ domain: r.domain, key: r.key, section: r.section }) : r.domain,
            )
            .join('\n');
          if (!io.stdout.write(`${text}\n`)) await new Promise((r) => io.stdout.once('drain', r));
        }
        return EXIT.ok;
      }
      const compare = str(args, 'compare');
      if (compare !== undefined && !scans.some((s) => s.name === compare))
        throw new MailsecError(
          ErrorCode.Usage,
          `--compare: no scan "${compare}" in ${dbPath}`,
          `scans: ${scans.map((s) => s.name).join(', ')}`,
        );
      if (compare === scan.name)
        throw new MailsecError(
          ErrorCode.Usage,
          `--compare ${compare} is the scan reported on`,
          'give an earlier scan (mailsec report --list), or --scan NAME for the later one',
        );
      const trend = trendScans(scans, bool(args, 'trend'), str(args, 'scans'), dbPath);
      // counted in the database over the stored columns, never document by document
      const doc = await buildReport(store, { scan, compare: compare ?? null, trend, scope });
      let output: string | Buffer;
      if (format === 'json') output = renderStatisticsJson(doc);
      else if (format === 'md') output = renderStatisticsMarkdown(doc);
      else if (format === 'csv') output = renderStatisticsCsv(doc);
      else if (format === 'html' || format === 'pdf') {
        const { renderHtml } = await import('../render/html/index.ts');
        const html = await renderHtml(doc, {
          version: mailsecVersion(),
          generatedAt: new Date().toISOString(),
        });
        if (format === 'html') output = html;
        else {
          const { renderPdf } = await import('../render/pdf.ts');
          const chromium = str(args, 'chromium');
          output = await renderPdf(html, {
            ...(chromium ? { chromium } : {}),
            env: { PATH: io.env.PATH, HOME: io.env.HOME },
          });
        }
      } else output = renderStatisticsTable(doc);
      if (out) await writeOut(out, output);
      else io.stdout.write(output);
      return EXIT.ok;
    } finally {
      if (!closed) await store.close();
    }
  },
};
