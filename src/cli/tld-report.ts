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
import { statisticsDocument } from '../statistics/document.ts';
import { methodologyFrom } from '../statistics/methodology.ts';
import { statisticsFrom } from '../statistics/stats.ts';
import { DEFAULT_DB } from '../store/scan-store.ts';
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

export const reportCommand: CommandDef = {
  name: 'report',
  summary: 'TLD statistics of a stored scan: every figure with count, denominator and percent.',
  usage:
    'mailsec report [--db FILE] [--scan NAME] [--json | --format table|md|csv|json|html|pdf] [--out FILE] | --list',
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
      // counted in the database over the stored columns, never document by document
      const source = { query: (sql: string) => store.query(scan.name, sql) };
      const doc = {
        ...statisticsDocument(scan.name, await statisticsFrom(source)),
        methodology: await methodologyFrom(source, scan),
      };
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
