/**
 * The reports page's view of one policy domain: DMARC volume and compliance over time (charts
 * from the HTML report's charting code), dispositions, sources with their identification
 * (failing first), TLS-RPT sessions and failure types, and the reports themselves. Also the XML
 * form of a stored aggregate report (RFC 7489 Appendix C element names), built with
 * fast-xml-parser's builder, which escapes every value.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { renderSvg, trendSpec, volumeSpec } from '../render/html/charts.ts';
import type { DomainSummary, ListedReport, ShownReport, SourceRow } from './reports.ts';

export interface ReportsView {
  readonly summary: DomainSummary;
  readonly charts: { volume: string | null; compliance: string | null };
  readonly sources: SourceRow[];
  readonly failureTypes: { type: string; count: number }[];
  readonly reports: ListedReport[];
}

const PASS = { name: 'DMARC pass', colour: '#2b8a3e' };
const FAIL = { name: 'DMARC fail', colour: '#e03131' };

const CLASS_ORDER: Record<SourceRow['class'], number> = {
  unauthorised: 0,
  unknown: 1,
  forwarder: 2,
  authorised: 3,
};

/** Sources failing first: by class (unauthorised, unknown, forwarder, authorised), then by failing messages. */
export function failingFirst(rows: readonly SourceRow[]): SourceRow[] {
  const failing = (r: SourceRow) => r.messages - r.dmarcPass.count;
  return [...rows].sort(
    (a, b) =>
      CLASS_ORDER[a.class] - CLASS_ORDER[b.class] ||
      failing(b) - failing(a) ||
      b.messages - a.messages ||
      a.ip.localeCompare(b.ip),
  );
}

export async function reportsView(
  summary: DomainSummary,
  sources: readonly SourceRow[],
  reports: readonly ListedReport[],
): Promise<ReportsView> {
  const trend = summary.trend ?? [];
  let volume: string | null = null;
  let compliance: string | null = null;
  if (trend.length) {
    volume = await renderSvg(
      volumeSpec(
        trend.flatMap((t, order) => {
          const fail = t.messages - t.dmarcPass.count;
          return [
            {
              period: t.period,
              order,
              segment: PASS.name,
              segmentOrder: 0,
              count: t.dmarcPass.count,
              description: `${t.period} dmarcPass: ${t.dmarcPass.count} of ${t.messages}`,
            },
            {
              period: t.period,
              order,
              segment: FAIL.name,
              segmentOrder: 1,
              count: fail,
              description: `${t.period} dmarcFail: ${fail} of ${t.messages}`,
            },
          ];
        }),
        [PASS, FAIL],
      ),
    );
    const points = trend.flatMap((t, order) =>
      (
        [
          ['DMARC pass', t.dmarcPass],
          ['SPF aligned', t.spfAligned],
          ['DKIM aligned', t.dkimAligned],
        ] as const
      )
        .filter(([, s]) => s.percent !== null)
        .map(([series, s]) => ({
          scan: t.period,
          order,
          series,
          percent: s.percent as number,
          description: `${t.period} ${series}: ${s.count} of ${t.messages} (${(s.percent as number).toFixed(1)} %)`,
        })),
    );
    if (points.length) compliance = await renderSvg(trendSpec(points));
  }
  const failureTypes = Object.entries(summary.tls?.failureTypes ?? {})
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
  return {
    summary,
    charts: { volume, compliance },
    sources: failingFirst(sources),
    failureTypes,
    reports: [...reports],
  };
}

const builder = new XMLBuilder({
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  processEntities: true,
  ignoreAttributes: false,
});

const unix = (iso: unknown) => {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
};

const v = (x: unknown) => (x === null || x === undefined ? undefined : x);

/** A stored aggregate report as RFC 7489 XML (the normalised fields, not the original bytes). */
export function shownReportXml(shown: ShownReport): string {
  const r = shown.report as unknown as Record<string, unknown> & {
    policy?: Record<string, unknown>;
    records?: Record<string, unknown>[];
  };
  const p = r.policy ?? {};
  const feedback = {
    version: v(r.version),
    report_metadata: {
      org_name: v(r.orgName),
      email: v(r.email),
      extra_contact_info: v(r.extraContactInfo),
      report_id: v(r.reportId),
      date_range: { begin: unix(r.begin), end: unix(r.end) },
      error: Array.isArray(r.errors) ? r.errors : undefined,
    },
    policy_published: {
      domain: v(p.domain),
      adkim: v(p.adkim),
      aspf: v(p.aspf),
      p: v(p.p),
      sp: v(p.sp),
      np: v(p.np),
      pct: v(p.pct),
      fo: v(p.fo),
    },
    record: (r.records ?? []).map((rec) => {
      const auth = (rec.authResults ?? {}) as {
        dkim?: Record<string, unknown>[];
        spf?: Record<string, unknown>[];
      };
      const reasons = (rec.reasons ?? []) as { type?: unknown; comment?: unknown }[];
      return {
        row: {
          source_ip: v(rec.sourceIp),
          count: v(rec.count),
          policy_evaluated: {
            disposition: v(rec.disposition),
            dkim: v(rec.dkim),
            spf: v(rec.spf),
            reason: reasons.map((x) => ({ type: v(x.type), comment: v(x.comment) })),
          },
        },
        identifiers: {
          envelope_to: v(rec.envelopeTo),
          envelope_from: v(rec.envelopeFrom),
          header_from: v(rec.headerFrom),
        },
        auth_results: {
          dkim: (auth.dkim ?? []).map((d) => ({
            domain: v(d.domain),
            selector: v(d.selector),
            result: v(d.result),
            human_result: v(d.humanResult),
          })),
          spf: (auth.spf ?? []).map((s) => ({
            domain: v(s.domain),
            scope: v(s.scope),
            result: v(s.result),
            human_result: v(s.humanResult),
          })),
        },
      };
    }),
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ feedback })}`;
}
