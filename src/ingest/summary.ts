/** A short human summary of one normalised report (the default output of `mailsec reports parse`). */
import type {
  AggregateRecord,
  AggregateReport,
  FailureReport,
  FeedbackReport,
  TlsReport,
} from './normalise.ts';

/** Messages, DMARC passes and failing sources of an aggregate report, added up record by record. */
export class AggregateTotals {
  messages = 0;
  pass = 0;
  readonly failing = new Map<string, number>();
  add(records: readonly AggregateRecord[]): this {
    for (const rec of records) {
      const n = rec.count ?? 0;
      this.messages += n;
      if (rec.dkim === 'pass' || rec.spf === 'pass') this.pass += n;
      else {
        const ip = rec.sourceIp ?? '(no IP)';
        this.failing.set(ip, (this.failing.get(ip) ?? 0) + n);
      }
    }
    return this;
  }
}

const where = (r: FeedbackReport) =>
  r.source.entry ? `${r.source.file} → ${r.source.entry}` : r.source.file;
const range = (b: string | null, e: string | null) => `${b ?? '?'} – ${e ?? '?'}`;
const pct = (n: number, d: number) => (d === 0 ? '–' : `${(Math.round((n / d) * 1000) / 10).toFixed(1)}%`);

function aggregate(r: AggregateReport, totals: AggregateTotals): string[] {
  const { messages: total, pass, failing } = totals;
  const top = [...failing.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([ip, n]) => `${ip} (${n})`);
  return [
    `DMARC aggregate  ${r.policy.domain ?? '(no domain)'}  from ${r.orgName ?? '(no org_name)'}  report ${r.reportId ?? '(no id)'}`,
    `  ${range(r.begin, r.end)}  policy p=${r.policy.p ?? '?'}`,
    `  ${r.recordCount} ${r.recordCount === 1 ? 'record' : 'records'}, messages ${total}, DMARC pass ${pct(pass, total)} (${pass})${top.length ? `; top failing sources: ${top.join(', ')}` : ''}`,
  ];
}

function tls(r: TlsReport): string[] {
  const lines = [
    `TLS-RPT  from ${r.organizationName ?? '(no organization-name)'}  report ${r.reportId ?? '(no id)'}`,
    `  ${range(r.begin, r.end)}`,
  ];
  for (const p of r.policies) {
    const types = [...new Set(p.failures.map((f) => f.resultType ?? '?'))];
    lines.push(
      `  ${p.policyDomain ?? '?'} (${p.policyType ?? '?'}): ${p.successfulSessions ?? '?'} successful, ${p.failedSessions ?? '?'} failed sessions${types.length ? ` (${types.join(', ')})` : ''}`,
    );
  }
  return lines;
}

function failure(r: FailureReport): string[] {
  return [
    `DMARC failure  ${r.reportedDomain ?? '(no reported domain)'}  from ${r.sourceIp ?? '(no source IP)'}  at ${r.arrivalDate ?? '?'}`,
    `  auth failure: ${r.authFailure.join(', ') || '?'}${r.original?.from ? `; From: ${r.original.from}` : ''}`,
  ];
}

/** `totals`: for a streamed report whose records are not in `r.records` */
export function summarise(r: FeedbackReport, totals?: AggregateTotals): string {
  const body =
    r.kind === 'dmarc-aggregate'
      ? aggregate(r, totals ?? new AggregateTotals().add(r.records))
      : r.kind === 'tls-rpt'
        ? tls(r)
        : failure(r);
  const notes = r.problems.length ? [`  tolerated: ${r.problems.map((p) => p.code).join(', ')}`] : [];
  return [...body, ...notes, `  source: ${where(r)}`, ''].join('\n');
}
