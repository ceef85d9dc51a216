/**
 * Renderings of the TLD statistics document (`mailsec report`): terminal table, Markdown, CSV and
 * JSON. Every figure keeps its count and denominator; `.error` (could not test) and `.skipped`
 * (not tested) rows stay apart from absent.
 */
import type { StatisticsDocument } from '../statistics/document.ts';
import type { Stat } from '../statistics/stats.ts';

export function renderStatisticsJson(doc: StatisticsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const p = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}%`);

function rows(doc: StatisticsDocument): [string, Stat][] {
  return Object.entries(doc.stats);
}

export function renderStatisticsTable(doc: StatisticsDocument): string {
  const out = [`scan ${doc.scan}: ${doc.domains} domains, ${doc.domainsWithMx} with MX`, ''];
  const w = Math.max(...rows(doc).map(([k]) => k.length), 10) + 2;
  const line = (k: string, s: Stat) =>
    `${k.padEnd(w)}${String(s.count).padStart(9)} /${String(s.denominator).padStart(9)}  ${p(s.percent).padStart(8)}`;
  out.push(`${'key'.padEnd(w)}${'count'.padStart(9)}  ${'of'.padStart(9)}  ${'percent'.padStart(8)}`);
  // could-not-test (.error) and not-tested (.skipped) rows are shown whenever they count anything
  for (const [k, s] of rows(doc))
    if (!(k.endsWith('.skipped') || k.endsWith('.error')) || s.count > 0) out.push(line(k, s));
  for (const [title, list] of [
    ['providers (MX registrable domain)', doc.providers],
    ['certificate issuers', doc.issuers],
    ['MTA software (banner)', doc.software],
  ] as const) {
    if (!list.length) continue;
    out.push('', title);
    for (const i of list.slice(0, 20)) out.push(line(`  ${i.name}`, i));
  }
  return `${out.join('\n')}\n`;
}

export function renderStatisticsMarkdown(doc: StatisticsDocument): string {
  const out = [`# Scan ${doc.scan}`, '', `${doc.domains} domains, ${doc.domainsWithMx} with MX.`, ''];
  const table = (head: string, items: [string, Stat][]) => {
    out.push(`| ${head} | count | denominator | percent |`, '|---|---:|---:|---:|');
    for (const [k, s] of items)
      out.push(`| ${k.replace(/\|/g, '\\|')} | ${s.count} | ${s.denominator} | ${p(s.percent)} |`);
    out.push('');
  };
  table('key', rows(doc));
  for (const [title, list] of [
    ['provider', doc.providers],
    ['certificate issuer', doc.issuers],
    ['MTA software', doc.software],
  ] as const) {
    if (list.length)
      table(
        title,
        list.map((i) => [i.name, i]),
      );
  }
  return out.join('\n');
}

const csvField = (s: string) => (/[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function renderStatisticsCsv(doc: StatisticsDocument): string {
  const out = ['scan,group,key,count,denominator,percent'];
  const add = (group: string, k: string, s: Stat) =>
    out.push(
      [doc.scan, group, k]
        .map(csvField)
        .concat([String(s.count), String(s.denominator), s.percent === null ? '' : String(s.percent)])
        .join(','),
    );
  for (const [k, s] of rows(doc)) add('stats', k, s);
  for (const i of doc.providers) add('providers', i.name, i);
  for (const i of doc.issuers) add('issuers', i.name, i);
  for (const i of doc.software) add('software', i.name, i);
  return `${out.join('\n')}\n`;
}
