/**
 * Rendering of `reports summary|sources|list|show`: a terminal table, CSV (RFC 4180; a cell that
 * a spreadsheet would run as a formula is prefixed with `'`: report fields are attacker-chosen)
 * and JSON (JSON Lines: one object per domain, source or report; `show`: one object).
 */
import type { SourceRow } from '../ingest/sources.ts';
import type { DomainSummary, ListedReport, Share, ShownReport } from '../store/report-store.ts';

export type ViewFormat = 'table' | 'csv' | 'json';

const int = (n: number) => n.toLocaleString('en-US');
const pct = (s: Share) => (s.percent === null ? '–' : `${s.percent.toFixed(1)}%`);
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '?');
/** control characters of hostile strings never reach the terminal */
const clean = (s: string | null | undefined) => (s ?? '').replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

/** One CSV cell (RFC 4180), formula-safe. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return `${all
    .map((r) =>
      r
        .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

const jsonLines = (xs: readonly unknown[]) => xs.map((x) => `${JSON.stringify(x)}\n`).join('');

export function renderSummary(list: readonly DomainSummary[], format: ViewFormat): string {
  if (format === 'json') return jsonLines(list);
  if (format === 'csv') {
    return csv(
      [
        'domain',
        'begin',
        'end',
        'reports',
        'messages',
        'dmarc_pass',
        'dmarc_pass_percent',
        'spf_aligned',
        'spf_aligned_percent',
        'dkim_aligned',
        'dkim_aligned_percent',
        'disposition_none',
        'disposition_quarantine',
        'disposition_reject',
        'sources',
        'top_failing_sources',
        'failure_reports',
        'tls_reports',
        'tls_successful_sessions',
        'tls_failed_sessions',
        'tls_failure_types',
      ],
      list.map((s) => [
        s.domain,
        s.period.begin,
        s.period.end,
        s.reports,
        s.messages,
        s.dmarcPass.count,
        s.dmarcPass.percent,
        s.spfAligned.count,
        s.spfAligned.percent,
        s.dkimAligned.count,
        s.dkimAligned.percent,
        s.dispositions.none,
        s.dispositions.quarantine,
        s.dispositions.reject,
        s.sources,
        s.topFailingSources.map((x) => `${x.ip} (${x.messages})`).join('; '),
        s.failureReports,
        s.tls.reports,
        s.tls.successfulSessions,
        s.tls.failedSessions,
        Object.entries(s.tls.failureTypes)
          .map(([k, v]) => `${k} ${v}`)
          .join('; '),
      ]),
    );
  }
  if (!list.length)
    return 'no reports match (import some with: mailsec reports import <file|dir|imaps://…>)\n';
  const out: string[] = [];
  for (const s of list) {
    out.push(
      `${clean(s.domain)}  ${day(s.period.begin)} – ${day(s.period.end)}  ${int(s.reports)} aggregate ${s.reports === 1 ? 'report' : 'reports'}, ${int(s.messages)} messages`,
    );
    if (s.messages) {
      out.push(
        `  DMARC pass ${pct(s.dmarcPass)} (${int(s.dmarcPass.count)})  SPF aligned ${pct(s.spfAligned)}  DKIM aligned ${pct(s.dkimAligned)}`,
        `  dispositions: none ${int(s.dispositions.none)}, quarantine ${int(s.dispositions.quarantine)}, reject ${int(s.dispositions.reject)}`,
        `  ${int(s.sources)} sources${
          s.topFailingSources.length
            ? `; top failing: ${s.topFailingSources
                .slice(0, 5)
                .map((x) => `${x.ip} (${int(x.messages)})`)
                .join(', ')}`
            : ''
        }`,
      );
      if (s.organisations.length) {
        out.push(
          `  by reporter: ${s.organisations
            .slice(0, 6)
            .map((o) => `${clean(o.organisation) || '(none)'} ${int(o.messages)} (${pct(o.dmarcPass)})`)
            .join(', ')}${s.organisations.length > 6 ? ', …' : ''}`,
        );
      }
      if (s.trend.length > 1) {
        out.push(
          `  trend: ${s.trend
            .slice(-8)
            .map((t) => `${t.period.slice(5)} ${pct(t.dmarcPass)}`)
            .join('  ')}`,
        );
      }
    }
    if (s.failureReports) out.push(`  failure reports: ${int(s.failureReports)}`);
    if (s.tls.reports) {
      const types = Object.entries(s.tls.failureTypes)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${clean(k)} ${int(v)}`);
      out.push(
        `  TLS-RPT: ${int(s.tls.reports)} reports, ${int(s.tls.successfulSessions)} successful, ${int(s.tls.failedSessions)} failed sessions${types.length ? ` (${types.join(', ')})` : ''}`,
      );
      for (const m of s.tls.mx.slice(0, 5)) {
        out.push(`    ${clean(m.mx) || '(no MX named)'}: ${int(m.failedSessions)} failed`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

export function renderSources(rows: readonly SourceRow[], format: ViewFormat): string {
  if (format === 'json') return jsonLines(rows);
  const cells = (r: SourceRow) => [
    r.ip,
    r.ptr,
    r.ptrConfirmed,
    r.organisation,
    r.messages,
    r.dmarcPass.percent,
    r.spfAligned.percent,
    r.dkimAligned.percent,
    r.class,
    r.reason,
    r.firstSeen,
    r.lastSeen,
    r.new,
  ];
  const header = [
    'ip',
    'ptr',
    'ptr_confirmed',
    'organisation',
    'messages',
    'dmarc_pass_percent',
    'spf_aligned_percent',
    'dkim_aligned_percent',
    'class',
    'reason',
    'first_seen',
    'last_seen',
    'new',
  ];
  if (format === 'csv') return csv(header, rows.map(cells));
  if (!rows.length) return 'no sources for this domain in the stored reports\n';
  return table(
    ['IP', 'PTR', 'ORGANISATION', 'MESSAGES', 'DMARC', 'SPF', 'DKIM', 'CLASS', 'REASON'],
    rows.map((r) => [
      `${r.new ? '* ' : ''}${r.ip}`,
      r.ptr ? `${clean(r.ptr)}${r.ptrConfirmed === false ? ' (unconfirmed)' : ''}` : '–',
      clean(r.organisation) || '–',
      int(r.messages),
      pct(r.dmarcPass),
      pct(r.spfAligned),
      pct(r.dkimAligned),
      r.class,
      clean(r.reason),
    ]),
    new Set([3, 4, 5, 6]),
  );
}

export function renderList(rows: readonly ListedReport[], format: ViewFormat): string {
  if (format === 'json') return jsonLines(rows);
  const header = [
    'id',
    'kind',
    'organisation',
    'report_id',
    'domain',
    'begin',
    'end',
    'messages',
    'records',
    'problems',
    'source',
    'imported_at',
  ];
  const cells = (r: ListedReport) => [
    r.id,
    r.kind,
    r.organisation,
    r.reportId,
    r.domain,
    r.begin,
    r.end,
    r.messages,
    r.records,
    r.problems,
    r.source,
    r.importedAt,
  ];
  if (format === 'csv') return csv(header, rows.map(cells));
  if (!rows.length) return 'no reports match\n';
  return table(
    ['ID', 'KIND', 'FROM', 'DOMAIN', 'BEGIN', 'MESSAGES', 'RECORDS', 'SOURCE'],
    rows.map((r) => [
      r.id,
      r.kind,
      clean(r.organisation) || '–',
      clean(r.domain) || '–',
      r.begin ? r.begin.replace('T', ' ').replace('Z', '') : '?',
      int(r.messages),
      int(r.records),
      clean(r.source),
    ]),
    new Set([5, 6]),
  );
}

export function renderShow(
  s: ShownReport,
  format: ViewFormat,
  summarise: (r: ShownReport['report']) => string,
): string {
  if (format === 'json')
    return `${JSON.stringify({ id: s.id, importedAt: s.importedAt, moreRecords: s.moreRecords, ...s.report })}\n`;
  const r = s.report;
  if (format === 'csv') {
    if (r.kind === 'dmarc-aggregate') {
      return csv(
        [
          'source_ip',
          'count',
          'disposition',
          'dkim',
          'spf',
          'header_from',
          'envelope_from',
          'dkim_auth',
          'spf_auth',
          'reasons',
        ],
        r.records.map((x) => [
          x.sourceIp,
          x.count,
          x.disposition,
          x.dkim,
          x.spf,
          x.headerFrom,
          x.envelopeFrom,
          x.authResults.dkim.map((d) => `${d.domain ?? '?'}:${d.result ?? '?'}`).join('; '),
          x.authResults.spf.map((d) => `${d.domain ?? '?'}:${d.result ?? '?'}`).join('; '),
          x.reasons.map((y) => y.type).join('; '),
        ]),
      );
    }
    if (r.kind === 'tls-rpt') {
      return csv(
        [
          'policy_type',
          'policy_domain',
          'successful_sessions',
          'failed_sessions',
          'result_type',
          'receiving_mx',
          'sending_mta_ip',
          'failure_sessions',
        ],
        r.policies.flatMap((p) =>
          (p.failures.length ? p.failures : [null]).map((f) => [
            p.policyType,
            p.policyDomain,
            p.successfulSessions,
            p.failedSessions,
            f?.resultType,
            f?.receivingMxHostname,
            f?.sendingMtaIp,
            f?.failedSessions,
          ]),
        ),
      );
    }
    return csv(Object.keys(r), [Object.values(r)]);
  }
  const lines = [`id ${s.id}  imported ${s.importedAt}`, summarise(r).trimEnd()];
  if (r.kind === 'dmarc-aggregate' && r.records.length) {
    lines.push(
      '',
      table(
        ['SOURCE IP', 'COUNT', 'DISPOSITION', 'DKIM', 'SPF', 'HEADER FROM', 'AUTH (DKIM / SPF)'],
        r.records
          .slice(0, 200)
          .map((x) => [
            clean(x.sourceIp) || '?',
            x.count === null ? '?' : int(x.count),
            x.disposition ?? '?',
            x.dkim ?? '?',
            x.spf ?? '?',
            clean(x.headerFrom) || '?',
            `${x.authResults.dkim.map((d) => `${clean(d.domain)}=${d.result ?? '?'}`).join(',') || '–'} / ${x.authResults.spf.map((d) => `${clean(d.domain)}=${d.result ?? '?'}`).join(',') || '–'}`,
          ]),
        new Set([1]),
      ).trimEnd(),
    );
    const more = r.records.length - 200 + s.moreRecords;
    if (more > 0) lines.push(`… ${int(more)} more records (--format csv or --json lists them all)`);
  }
  return `${lines.join('\n')}\n`;
}
