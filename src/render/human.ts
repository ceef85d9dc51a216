import type { DomainDocument, Section } from '../audit/document.ts';
import { sectionsOf } from '../audit/document.ts';
import { checkById } from '../checks/index.ts';
import type { Finding } from '../core/finding.ts';
import type { Status } from '../core/status.ts';
import type { Style } from './style.ts';

/** The checks' own names and summaries (CheckDefinition.label/title, .summary): no list here to keep up. */
const labelOf = (id: string) => {
  const def = checkById(id);
  return def?.label ?? def?.title ?? id;
};

const STATUS_WORDS: Record<Status, string> = {
  pass: 'ok',
  warn: 'deployed, with weaknesses',
  fail: 'deployed, but invalid',
  absent: 'not deployed',
  error: 'could not be determined',
  skipped: 'not tested',
};

/** The verdict line: the check's summary of its evidence, else the lead finding, else the status in words. */
function verdictLine(id: string, s: Section, fallback: string | undefined): string {
  if (s.skippedBecause === 'domain-not-found') return 'not tested: the domain does not exist';
  return checkById(id)?.summary(s) || fallback || STATUS_WORDS[s.status];
}

/** The check's lines under its verdict (SMTP: each MX address's TLS and certificate). */
const detailLines = (id: string, s: Section): string[] => checkById(id)?.details?.(s) ?? [];

function statusLabel(status: Status, st: Style): string {
  const word = status.padEnd(7);
  switch (status) {
    case 'pass':
      return st.green(word);
    case 'warn':
      return st.yellow(word);
    case 'fail':
      return st.red(word);
    case 'error':
      return st.red(word);
    default:
      return st.dim(word);
  }
}

const MARK: Record<Status, string> = {
  pass: '✔',
  warn: '!',
  fail: '✘',
  absent: '–',
  error: '?',
  skipped: '·',
};

function severityLabel(f: Finding, st: Style): string {
  const w = f.severity.padEnd(7);
  return f.severity === 'error' ? st.red(w) : f.severity === 'warning' ? st.yellow(w) : st.dim(w);
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l : pad + l))
    .join('\n');
}

/** Human output: one line per check with its verdict, its findings under it, then a summary. */
export function renderHuman(report: DomainDocument, st: Style, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    `${st.bold(report.domain)}  ${st.dim(`checked ${report.checkedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} via ${report.resolver.address}${report.resolver.validates ? ' (validating)' : ' (not validating)'}`)}`,
    '',
  );
  // findings about the name itself (domain.not-found) come first: they are the verdict
  for (const f of report.findings.filter((x) => x.check === 'domain')) {
    out.push(`  ${f.severity === 'error' ? st.red('✘') : '!'} ${st.bold(f.message)}`);
    if (f.fix) out.push(`    ${st.cyan('fix:')} ${indent(f.fix, '         ')}`);
    out.push('');
  }
  const sections = sectionsOf(report);
  const width = Math.max(6, ...sections.map(([id]) => labelOf(id).length)) + 2;
  const shownFixes = new Set<string>();
  const fixLine = (fix: string | undefined, pad: string, label: string) => {
    if (!fix) return;
    // the same advice under several checks (e.g. every check of a bogus zone) is shown once
    if (shownFixes.has(fix)) return;
    shownFixes.add(fix);
    out.push(`${pad}${label} ${indent(fix, `${pad}     `)}`);
  };
  for (const [id, s] of sections) {
    const findings = report.findings.filter((f) => f.check === id);
    // a note (info) explains an absent or skipped section, but is not the verdict of a deployed one
    const lead =
      findings.find((f) => f.severity !== 'info') ??
      (s.status === 'pass' || s.status === 'warn' ? undefined : findings[0]);
    const title = labelOf(id).padEnd(width);
    const verdict = verdictLine(id, s, lead?.message);
    out.push(`  ${MARK[s.status]} ${st.bold(title)}${statusLabel(s.status, st)}  ${verdict}`);
    const pad = ' '.repeat(width + 4);
    for (const l of detailLines(id, s as Section)) out.push(`${pad}${st.dim(l)}`);
    for (const f of findings) {
      // notes (info findings) and their fixes only with --verbose, as the summary line says
      if (f.severity === 'info' && !opts.verbose) continue;
      // the verdict line already says it: only the fix remains to be shown
      if (f === lead && verdict === f.message) {
        fixLine(f.fix, pad, st.cyan('fix:'));
        continue;
      }
      out.push(`${pad}${severityLabel(f, st)} ${indent(f.message, `${pad}        `)}`);
      fixLine(f.fix, `${pad}        `, st.cyan('fix:'));
    }
  }
  const s = report.summary;
  const counts = (['pass', 'warn', 'fail', 'absent', 'error', 'skipped'] as const)
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k}`);
  out.push(
    '',
    `  ${st.bold('Summary')}  ${counts.join(', ')}  ·  ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}, ${s.infos} note${s.infos === 1 ? '' : 's'}${opts.verbose ? '' : s.infos ? ' (--verbose shows notes)' : ''}`,
    '',
  );
  return out.join('\n');
}
