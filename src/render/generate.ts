/**
 * `mailsec generate` and `mailsec check --fix` output: human text (records as zone lines, files,
 * why, warnings, the dry run, a plan) and `--zone` (zone-file lines ready to paste, everything
 * else as `;` comments, files included). JSON is the result object itself.
 */
import type { FixResult } from '../generate/fix.ts';
import type { GeneratedFile, GeneratedRecord, GenerateResult, PlanStep } from '../generate/types.ts';
import { zoneLine } from '../protocol/presentation.ts';
import type { Style } from './style.ts';

/** Text from the outside world (certificate names, published records) shown without control characters. */
const printable = (text: string) =>
  text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );

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
    out.push(
      `${s.red('Refused:')} ${printable(r.refused.reason)}`,
      `  ${s.bold('next:')} ${printable(r.refused.next)}`,
      '',
    );
  }
  if (r.records.length) {
    out.push(s.bold('Records to publish'), ...r.records.map((x) => recordLine(x, s)), '');
  }
  if (r.files.length) {
    out.push(s.bold('Files to serve'), ...r.files.flatMap((f) => fileLines(f, '  ')), '');
  }
  if (r.plan?.length) out.push(s.bold('Plan'), ...planLines(r.plan, s), '');
  if (r.notes.length) out.push(s.bold('Why'), ...r.notes.map((n) => `  • ${printable(n)}`), '');
  if (r.warnings.length)
    out.push(
      s.bold(s.yellow('Warnings')),
      ...r.warnings.map((w) => `  ${s.yellow('!')} ${printable(w)}`),
      '',
    );
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
  printable(text)
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

/** `mailsec check --fix`: one zone snippet, the files, and what could not be proposed. */
export function renderFix(fix: FixResult, s: Style): string {
  const out = [
    s.bold(`Fix for ${fix.domain}`) + s.dim('  (mailsec generate with its defaults, checked by a dry run)'),
  ];
  if (!fix.kinds.length)
    return `${[...out, '  Nothing to publish: no finding asks for a record.'].join('\n')}\n`;
  if (fix.records.length) out.push(...fix.records.map((r) => `  ${zoneLine(r)}`));
  else out.push('  No record to publish.');
  if (fix.files.length)
    out.push('', s.bold('  Files to serve'), ...fix.files.flatMap((f) => fileLines(f, '    ')));
  const seen = new Set<string>();
  for (const k of fix.kinds) {
    const why = k.findings.join(', ');
    if (k.skipped)
      out.push(`  ${s.yellow('!')} ${k.kind} (for ${why}): not generated: ${printable(k.skipped)}.`);
    else if (k.result?.refused)
      out.push(
        `  ${s.yellow('!')} ${k.kind} (for ${why}): refused: ${printable(k.result.refused.reason)}`,
        `      next: ${printable(k.result.refused.next)}`,
      );
    else if (k.result && !k.result.records.some((r) => r.change !== 'unchanged'))
      out.push(
        `  ${s.dim('•')} ${k.kind} (for ${why}): the published record stays; see mailsec generate ${k.kind} --for ${fix.domain}.`,
      );
    for (const w of k.result?.warnings ?? []) {
      if (seen.has(w)) continue;
      seen.add(w);
      out.push(`  ${s.yellow('!')} ${k.kind}: ${printable(w)}`);
    }
  }
  out.push(s.dim(`  Reasons and options: mailsec generate <kind> --for ${fix.domain} --help`));
  return `${out.join('\n')}\n`;
}

/** The fix as zone-file lines (comments for everything that is not a record). */
export function renderFixZone(fix: FixResult): string {
  const out = [`; mailsec check ${fix.domain} --fix`];
  for (const r of fix.records) out.push(zoneLine(r));
  for (const f of fix.files)
    out.push(comment(`file to serve (not a DNS record):\n${fileLines(f, '').join('\n')}`));
  for (const k of fix.kinds) {
    if (k.skipped) out.push(comment(`${k.kind}: not generated: ${k.skipped}`));
    else if (k.result?.refused) out.push(comment(`${k.kind}: refused: ${k.result.refused.reason}`));
  }
  return `${out.join('\n')}\n`;
}
