import type { DomainDocument, Section } from '../audit/document.ts';
import { sectionsOf } from '../audit/document.ts';
import type { Finding } from '../core/finding.ts';
import type { Status } from '../core/status.ts';
import type { Style } from './style.ts';
import { verdictLine } from './verdicts.ts';

const TITLES: Record<string, string> = {
  dnssec: 'DNSSEC',
  ns: 'NS',
  caa: 'CAA',
  mx: 'MX',
  smtp: 'SMTP',
  spf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  bimi: 'BIMI',
  mtaSts: 'MTA-STS',
  tlsRpt: 'TLS-RPT',
  autodiscover: 'Autodiscover',
  lyncdiscover: 'Lyncdiscover',
  sipFederation: 'SIP federation',
  microsoft365: 'Microsoft 365',
  securityTxt: 'security.txt',
  did: 'DID',
  mcp: 'MCP',
};

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
  const sections = sectionsOf(report);
  const width = Math.max(6, ...sections.map(([id]) => (TITLES[id] ?? id).length)) + 2;
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
    const title = (TITLES[id] ?? id).padEnd(width);
    const verdict = verdictLine(id, s as Section, lead?.message);
    out.push(`  ${MARK[s.status]} ${st.bold(title)}${statusLabel(s.status, st)}  ${verdict}`);
    const pad = ' '.repeat(width + 4);
    for (const f of findings) {
      if (f.severity === 'info' && !opts.verbose && s.status !== 'absent') continue;
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
