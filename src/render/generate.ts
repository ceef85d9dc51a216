/**
 * `mailsec generate` and `mailsec check --fix` output: human text (records as zone lines, files,
 * why, warnings, the dry run, a plan) and `--zone` (zone-file lines ready to paste, everything
 * else as `;` comments, files included). JSON is the result object itself.
 */
import type { GeneratedFile, GeneratedRecord, GenerateResult, PlanStep } from '../generate/types.ts';
import { zoneLine } from '../protocol/presentation.ts';
import type { Style } from './style.ts';

const CHANGE: Record<string, string> = {
  new: 'new',
  replace: 'replaces the published one',
  unchanged: 'unchanged',
};

function fileLines(f: GeneratedFile, prefix: string): string[] {
  return [
    `${prefix}${f.url}  (Content-Type: ${f.contentType})`,
    ...f.body
      .replace(/\r?\n$/, '')
      .split(/\r?\n/)
      .map((l) => `${prefix}  │ ${l}`),
  ];
}

function planLines(plan: readonly PlanStep[], s: Style, prefix = '  '): string[] {
  const out: string[] = [];
  for (const p of plan) {
    const req = p.requires
      ? ` — needs ≥ ${p.requires.dmarcPass}% passing DMARC over ${p.requires.days} days${p.observed ? ` (reports: ${p.observed.dmarcPass ?? '–'}% of ${p.observed.messages} messages${p.ready === true ? ', ready' : p.ready === false ? ', not yet' : ''})` : ''}`
      : '';
    out.push(`${prefix}${s.bold(`${p.step}. ${p.title}`)}${p.current ? s.cyan('  ← live now') : ''}${req}`);
    out.push(`${prefix}   ${p.action}`);
    for (const r of p.records) out.push(`${prefix}   ${zoneLine(r)}`);
  }
  return out;
}

function recordLine(r: GeneratedRecord, s: Style): string {
  return `  ${zoneLine(r)}${r.change ? s.dim(`   ; ${CHANGE[r.change]}`) : ''}`;
}

export function renderGenerateHuman(r: GenerateResult, s: Style): string {
  const head = `mailsec generate ${r.kind} for ${r.domain} — ${r.source === 'live' ? 'from the live state' : 'from the options alone'}`;
  const out = [s.bold(head), ''];
  if (r.refused) {
    out.push(`${s.red('Refused:')} ${r.refused.reason}`, `  ${s.bold('next:')} ${r.refused.next}`, '');
  }
  if (r.records.length) {
    out.push(s.bold('Records to publish'), ...r.records.map((x) => recordLine(x, s)), '');
  }
  if (r.files.length) {
    out.push(s.bold('Files to serve'), ...r.files.flatMap((f) => fileLines(f, '  ')), '');
  }
  if (r.plan?.length) out.push(s.bold('Plan'), ...planLines(r.plan, s), '');
  if (r.notes.length) out.push(s.bold('Why'), ...r.notes.map((n) => `  • ${n}`), '');
  if (r.warnings.length)
    out.push(s.bold(s.yellow('Warnings')), ...r.warnings.map((w) => `  ${s.yellow('!')} ${w}`), '');
  if (r.verified) {
    const parts = Object.entries(r.verified.sections).map(
      ([id, v]) => `${id} ${v?.status}${v?.findings.length ? ` (${v.findings.join(', ')})` : ''}`,
    );
    if (parts.length)
      out.push(`${s.bold('Checked:')} with these published, mailsec check shows ${parts.join('; ')}.`, '');
  }
  return out.join('\n');
}

const comment = (text: string) =>
  text
    .split('\n')
    .map((l) => `; ${l}`)
    .join('\n');

/** Zone-file lines: the records, and every note, warning and file as a comment. */
export function renderGenerateZone(results: readonly GenerateResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(
      comment(
        `mailsec generate ${r.kind} for ${r.domain} (${r.source === 'live' ? 'live state' : 'options alone'})`,
      ),
    );
    if (r.refused) out.push(comment(`REFUSED: ${r.refused.reason}\nnext: ${r.refused.next}`));
    for (const n of r.notes) out.push(comment(`why: ${n}`));
    for (const w of r.warnings) out.push(comment(`warning: ${w}`));
    for (const x of r.records) out.push(zoneLine(x));
    for (const f of r.files)
      out.push(comment(`file to serve (not a DNS record):\n${fileLines(f, '').join('\n')}`));
    if (r.plan?.length) {
      out.push(comment('plan (records of later steps, commented out):'));
      for (const p of r.plan)
        out.push(
          comment(
            `${p.step}. ${p.title}${p.requires ? ` (needs ≥ ${p.requires.dmarcPass}% passing DMARC over ${p.requires.days} days)` : ''}: ${p.action}\n${p.records.map((x) => `  ${zoneLine(x)}`).join('\n')}`,
          ),
        );
    }
    out.push('');
  }
  return out.join('\n');
}
