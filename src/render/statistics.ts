/**
 * Renderings of the TLD statistics document (`mailsec report`): terminal table, Markdown, CSV and
 * JSON. Every figure keeps its count and denominator; `.error` (could not test) and `.skipped`
 * (not tested) rows stay apart from absent. With `--compare` each key also shows the previous
 * figure, the change (count and percentage points) and the change over the domains in both scans;
 * with `--trend` the time series follows (Markdown: percent per scan; CSV: one row per scan and key).
 */
import type { ReportStat, StatisticsDocument } from '../statistics/document.ts';
import type { Stat } from '../statistics/stats.ts';
import { csvCell } from './reports.ts';

export function renderStatisticsJson(doc: StatisticsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const p = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}%`);
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const pp = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${v > 0 ? '+' : ''}${v.toFixed(2)}pp`;

function rows(doc: StatisticsDocument): [string, ReportStat][] {
  return Object.entries(doc.stats);
}

const compared = (doc: StatisticsDocument) => doc.compare !== undefined;

const SHARES = [
  ['providers (MX registrable domain)', 'provider', 'providers'],
  ['DNS providers (NS registrable domain)', 'DNS provider', 'dnsProviders'],
  ['certificate issuers', 'certificate issuer', 'issuers'],
  ['MTA software (banner)', 'MTA software', 'software'],
] as const;

function heading(doc: StatisticsDocument): string {
  const scope = doc.scope
    ? ` — ${doc.scope.kind === 'any' ? 'provider' : doc.scope.kind === 'mx' ? 'MX provider' : 'DNS provider'} ${doc.scope.provider}`
    : '';
  return `scan ${doc.scan}${scope}: ${doc.domains} domains, ${doc.domainsWithMx} with MX`;
}

function compareLine(doc: StatisticsDocument): string | null {
  const c = doc.compare;
  return c
    ? `compared with ${c.scan}: ${c.domains} domains then; ${c.added} added, ${c.removed} removed, ${c.common} in both`
    : null;
}

/** the base keys that changed most (percentage points), for the summaries */
function largestChanges(doc: StatisticsDocument, n = 10): [string, ReportStat][] {
  return rows(doc)
    .filter(([k, s]) => !/\.(error|skipped)$/.test(k) && typeof s.change?.percentPoints === 'number')
    .sort(
      (a, b) =>
        Math.abs(b[1].change?.percentPoints ?? 0) - Math.abs(a[1].change?.percentPoints ?? 0) ||
        a[0].localeCompare(b[0]),
    )
    .filter(([, s]) => (s.change?.percentPoints ?? 0) !== 0)
    .slice(0, n);
}

export function renderStatisticsTable(doc: StatisticsDocument): string {
  const out = [heading(doc)];
  const cl = compareLine(doc);
  if (cl) out.push(cl);
  out.push('');
  const w = Math.max(...rows(doc).map(([k]) => k.length), 10) + 2;
  const cmp = compared(doc);
  const line = (k: string, s: Stat & Partial<ReportStat>) => {
    let l = `${k.padEnd(w)}${String(s.count).padStart(9)} /${String(s.denominator).padStart(9)}  ${p(s.percent).padStart(8)}`;
    if (cmp && s.previous)
      l += `  ${p(s.previous.percent).padStart(8)}  ${pp(s.change?.percentPoints).padStart(9)}  ${signed(s.changeCommon?.count ?? 0).padStart(8)}`;
    return l;
  };
  out.push(
    `${'key'.padEnd(w)}${'count'.padStart(9)}  ${'of'.padStart(9)}  ${'percent'.padStart(8)}${
      cmp ? `  ${'before'.padStart(8)}  ${'change'.padStart(9)}  ${'common'.padStart(8)}` : ''
    }`,
  );
  // could-not-test (.error) and not-tested (.skipped) rows are shown whenever they count anything
  for (const [k, s] of rows(doc))
    if (!(k.endsWith('.skipped') || k.endsWith('.error')) || s.count > 0 || (s.previous?.count ?? 0) > 0)
      out.push(line(k, s));
  for (const [title, , field] of SHARES) {
    const list = doc[field] ?? [];
    if (!list.length) continue;
    out.push('', title);
    for (const i of list.slice(0, 20)) out.push(line(`  ${i.name}`, i));
  }
  if (cmp) {
    const big = largestChanges(doc);
    if (big.length) {
      out.push('', 'largest changes (percentage points)');
      for (const [k, s] of big)
        out.push(
          `  ${k.padEnd(w)}${pp(s.change?.percentPoints).padStart(9)}  (${signed(s.change?.count ?? 0)})`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

export function renderStatisticsMarkdown(doc: StatisticsDocument): string {
  const out = [`# Scan ${mdCell(doc.scan)}`, '', `${mdCell(heading(doc))}.`, ''];
  const cl = compareLine(doc);
  if (cl) out.push(`${mdCell(cl)}.`, '');
  const cmp = compared(doc);
  const table = (head: string, items: [string, Stat & Partial<ReportStat>][], withChange: boolean) => {
    out.push(
      `| ${head} | count | denominator | percent |${withChange ? ' previous | change | percentage points | change over common domains |' : ''}`,
      `|---|---:|---:|---:|${withChange ? '---:|---:|---:|---:|' : ''}`,
    );
    for (const [k, s] of items) {
      let l = `| ${mdCell(k)} | ${s.count} | ${s.denominator} | ${p(s.percent)} |`;
      if (withChange)
        l += s.previous
          ? ` ${s.previous.count} (${p(s.previous.percent)}) | ${signed(s.change?.count ?? 0)} | ${pp(s.change?.percentPoints)} | ${signed(s.changeCommon?.count ?? 0)} |`
          : ' | | | |';
      out.push(l);
    }
    out.push('');
  };
  if (cmp) {
    const big = largestChanges(doc);
    if (big.length) {
      out.push('## Largest changes', '');
      table('key', big, true);
    }
  }
  table('key', rows(doc), cmp);
  for (const [, name, field] of SHARES) {
    const list = doc[field] ?? [];
    if (list.length)
      table(
        name,
        list.map((i) => [i.name, i]),
        false,
      );
  }
  if (doc.trend?.length) {
    out.push('## Trend (percent)', '');
    const keys = Object.keys(doc.stats).filter((k) => !/\.(error|skipped)$/.test(k));
    out.push(
      `| key | ${doc.trend.map((t) => mdCell(t.scan)).join(' | ')} |`,
      `|---|${doc.trend.map(() => '---:').join('|')}|`,
    );
    for (const k of keys)
      out.push(`| ${mdCell(k)} | ${doc.trend.map((t) => p(t.stats[k]?.percent ?? null)).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

const csvField = (s: string) => csvCell(s);

export function renderStatisticsCsv(doc: StatisticsDocument): string {
  const cmp = compared(doc);
  const out = [
    `scan,group,key,count,denominator,percent${
      cmp
        ? ',previous_scan,previous_count,previous_denominator,previous_percent,change_count,change_percent_points,change_common_count'
        : ''
    }`,
  ];
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const add = (scan: string, group: string, k: string, s: Stat & Partial<ReportStat>) => {
    const cells = [scan, group, k].map(csvField).concat([num(s.count), num(s.denominator), num(s.percent)]);
    if (cmp)
      cells.push(
        ...(s.previous
          ? [
              csvField(doc.compare?.scan ?? ''),
              num(s.previous.count),
              num(s.previous.denominator),
              num(s.previous.percent),
              num(s.change?.count),
              num(s.change?.percentPoints),
              num(s.changeCommon?.count),
            ]
          : ['', '', '', '', '', '', '']),
      );
    out.push(cells.join(','));
  };
  for (const [k, s] of rows(doc)) add(doc.scan, 'stats', k, s);
  for (const [, , field] of SHARES) for (const i of doc[field] ?? []) add(doc.scan, field, i.name, i);
  for (const t of doc.trend ?? []) for (const [k, s] of Object.entries(t.stats)) add(t.scan, 'trend', k, s);
  return `${out.join('\n')}\n`;
}
