/**
 * ReportData over the report tables of src/store/report-store.ts (`mailsec reports import`), read
 * with parameterised SQL through src/store/duckdb.ts, the file opened read-only per call.
 *
 * Until `reports summary|sources` land as library functions, this computes the same figures
 * here: DMARC pass = aligned DKIM or aligned SPF (the policy-evaluated results), shares over
 * messages; a source's class is only what the report itself says (every message passed →
 * authorised, none → unauthorised, some → unknown), without PTR lookups.
 */
import { existsSync } from 'node:fs';
import { type Database, withDatabase } from '../store/duckdb.ts';
import type { DomainSummary, ListedReport, ReportData, Share, ShownReport, SourceRow } from './reports.ts';

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
const share = (count: number, of: number): Share => ({
  count,
  percent: of === 0 ? null : Math.round((count / of) * 1000) / 10,
});
const ISO = (col: string) => `strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ')`;

export function tableReportData(path: string, o: { lockWaitMs?: number } = {}): ReportData {
  const read = async <T>(body: (db: Database) => Promise<T>, empty: () => T): Promise<T> => {
    if (!existsSync(path)) return empty();
    return withDatabase(
      path,
      { readOnly: true, lockWaitMs: o.lockWaitMs ?? 10_000, memoryLimit: '256MB' },
      async (db) => ((await db.hasTable('dmarc_aggregate_reports')) ? body(db) : empty()),
    );
  };

  const summary: ReportData['summary'] = (filter = {}) =>
    read(
      async (db) => {
        const where: string[] = [];
        const params: string[] = [];
        const p = (v: string) => {
          params.push(v);
          return `$${params.length}`;
        };
        if (filter.domain) where.push(`policy_domain = ${p(filter.domain)}`);
        if (filter.since) where.push(`end_at >= TRY_CAST(${p(filter.since)} AS TIMESTAMPTZ)`);
        if (filter.until) where.push(`begin_at < TRY_CAST(${p(filter.until)} AS TIMESTAMPTZ)`);
        const agg = `(SELECT * FROM dmarc_aggregate_reports WHERE policy_domain IS NOT NULL${where.length ? ` AND ${where.join(' AND ')}` : ''})`;
        const pass = "(x.dkim = 'pass' OR x.spf = 'pass')";
        const heads = await db.all(
          `SELECT r.policy_domain AS domain, count(DISTINCT r.key) AS reports,
                ${ISO('min(r.begin_at)')} AS b, ${ISO('max(r.end_at)')} AS e,
                sum(x.count) AS messages,
                sum(x.count) FILTER (WHERE ${pass}) AS pass,
                sum(x.count) FILTER (WHERE x.spf = 'pass') AS spf,
                sum(x.count) FILTER (WHERE x.dkim = 'pass') AS dkim,
                sum(x.count) FILTER (WHERE x.disposition = 'none') AS d_none,
                sum(x.count) FILTER (WHERE x.disposition = 'quarantine') AS d_quarantine,
                sum(x.count) FILTER (WHERE x.disposition = 'reject') AS d_reject,
                count(DISTINCT x.source_ip) AS sources
         FROM ${agg} r LEFT JOIN dmarc_aggregate_records x ON x.report = r.key
         GROUP BY 1 ORDER BY 1`,
          params,
        );
        const failing = await db.all(
          `SELECT r.policy_domain AS domain, x.source_ip AS ip, sum(x.count) AS m
         FROM ${agg} r JOIN dmarc_aggregate_records x ON x.report = r.key
         WHERE NOT ${pass} AND x.source_ip IS NOT NULL
         GROUP BY 1, 2 ORDER BY 3 DESC, 2`,
          params,
        );
        const orgs = await db.all(
          `SELECT r.policy_domain AS domain, r.org_name AS org, count(DISTINCT r.key) AS reports,
                sum(x.count) AS messages, sum(x.count) FILTER (WHERE ${pass}) AS pass
         FROM ${agg} r LEFT JOIN dmarc_aggregate_records x ON x.report = r.key
         GROUP BY 1, 2 ORDER BY 4 DESC NULLS LAST, 2`,
          params,
        );
        const trend = await db.all(
          `SELECT r.policy_domain AS domain, strftime(date_trunc('day', r.begin_at AT TIME ZONE 'UTC'), '%Y-%m-%d') AS period,
                sum(x.count) AS messages, sum(x.count) FILTER (WHERE ${pass}) AS pass,
                sum(x.count) FILTER (WHERE x.spf = 'pass') AS spf, sum(x.count) FILTER (WHERE x.dkim = 'pass') AS dkim
         FROM ${agg} r JOIN dmarc_aggregate_records x ON x.report = r.key
         WHERE r.begin_at IS NOT NULL
         GROUP BY 1, 2 ORDER BY 2`,
          params,
        );
        const tlsWhere = filter.domain ? 'WHERE p.policy_domain = $1' : '';
        const tlsParams = filter.domain ? [filter.domain] : [];
        const tls = await db.all(
          `SELECT p.policy_domain AS domain, count(DISTINCT p.report) AS reports,
                sum(p.successful_sessions) AS ok, sum(p.failed_sessions) AS failed
         FROM tls_policies p ${tlsWhere} GROUP BY 1`,
          tlsParams,
        );
        const tlsTypes = await db.all(
          `SELECT p.policy_domain AS domain, f.result_type AS type, f.receiving_mx_hostname AS mx, sum(f.failed_sessions) AS failed
         FROM tls_failures f JOIN tls_policies p ON p.report = f.report AND p.n = f.policy ${tlsWhere}
         GROUP BY 1, 2, 3`,
          tlsParams,
        );
        const fr = await db.all(
          `SELECT reported_domain AS domain, count(*) AS c FROM dmarc_failure_reports ${filter.domain ? 'WHERE reported_domain = $1' : ''} GROUP BY 1`,
          tlsParams,
        );
        const domains = new Set<string>();
        for (const rows of [heads, tls, fr])
          for (const r of rows) if (r.domain !== null) domains.add(String(r.domain));
        const out: DomainSummary[] = [];
        for (const d of [...domains].sort()) {
          const h = heads.find((r) => r.domain === d) ?? {};
          const m = n(h.messages);
          const t = tls.find((r) => r.domain === d) ?? {};
          const failureTypes: Record<string, number> = {};
          const mx = new Map<string, { failed: number; types: Record<string, number> }>();
          for (const r of tlsTypes.filter((x) => x.domain === d)) {
            const type = s(r.type) ?? 'unknown';
            failureTypes[type] = (failureTypes[type] ?? 0) + n(r.failed);
            const key = s(r.mx) ?? '';
            const e = mx.get(key) ?? { failed: 0, types: {} };
            e.failed += n(r.failed);
            e.types[type] = (e.types[type] ?? 0) + n(r.failed);
            mx.set(key, e);
          }
          out.push({
            domain: d,
            period: { begin: s(h.b), end: s(h.e) },
            reports: n(h.reports),
            messages: m,
            dmarcPass: share(n(h.pass), m),
            spfAligned: share(n(h.spf), m),
            dkimAligned: share(n(h.dkim), m),
            dispositions: { none: n(h.d_none), quarantine: n(h.d_quarantine), reject: n(h.d_reject) },
            sources: n(h.sources),
            topFailingSources: failing
              .filter((r) => r.domain === d)
              .slice(0, 10)
              .map((r) => ({ ip: String(r.ip), messages: n(r.m) })),
            organisations: orgs
              .filter((r) => r.domain === d)
              .map((r) => ({
                organisation: s(r.org),
                reports: n(r.reports),
                messages: n(r.messages),
                dmarcPass: share(n(r.pass), n(r.messages)),
              })),
            trend: trend
              .filter((r) => r.domain === d)
              .map((r) => ({
                period: String(r.period),
                messages: n(r.messages),
                dmarcPass: share(n(r.pass), n(r.messages)),
                spfAligned: share(n(r.spf), n(r.messages)),
                dkimAligned: share(n(r.dkim), n(r.messages)),
              })),
            failureReports: n(fr.find((r) => r.domain === d)?.c),
            tls: {
              reports: n(t.reports),
              successfulSessions: n(t.ok),
              failedSessions: n(t.failed),
              failureTypes,
              policies: [],
              mx: [...mx].map(([k, e]) => ({
                mx: k || null,
                failedSessions: e.failed,
                failureTypes: e.types,
              })),
            },
          });
        }
        return out;
      },
      () => [],
    );

  const sources: ReportData['sources'] = (domain) =>
    read(
      async (db) => {
        const rows = await db.all(
          `SELECT x.source_ip AS ip, sum(x.count) AS m,
                sum(x.count) FILTER (WHERE x.dkim = 'pass' OR x.spf = 'pass') AS pass,
                sum(x.count) FILTER (WHERE x.spf = 'pass') AS spf, sum(x.count) FILTER (WHERE x.dkim = 'pass') AS dkim
         FROM dmarc_aggregate_reports r JOIN dmarc_aggregate_records x ON x.report = r.key
         WHERE r.policy_domain = $1 GROUP BY 1 ORDER BY 2 DESC, 1`,
          [domain],
        );
        return rows.map((r): SourceRow => {
          const m = n(r.m);
          const pass = n(r.pass);
          return {
            ip: s(r.ip) ?? '(none)',
            ptr: null,
            ptrConfirmed: false,
            organisation: null,
            messages: m,
            dmarcPass: share(pass, m),
            spfAligned: share(n(r.spf), m),
            dkimAligned: share(n(r.dkim), m),
            class: pass === m && m > 0 ? 'authorised' : pass === 0 ? 'unauthorised' : 'unknown',
            reason:
              pass === m && m > 0
                ? 'every message passed DMARC'
                : pass === 0
                  ? 'no message passed DMARC'
                  : 'some messages passed DMARC',
          };
        });
      },
      () => [],
    );

  const list: ReportData['list'] = (filter = {}, limit = 1000) =>
    read(
      async (db) => {
        const d = filter.domain ?? null;
        const rows = await db.all(
          `SELECT * FROM (
           SELECT key, 'dmarc-aggregate' AS kind, org_name AS org, report_id AS rid, policy_domain AS domain,
                  ${ISO('begin_at')} AS b, ${ISO('end_at')} AS e,
                  (SELECT coalesce(sum(count), 0) FROM dmarc_aggregate_records x WHERE x.report = r.key) AS messages,
                  record_count AS records, json_array_length(doc->'problems') AS problems, source_file AS src, ${ISO('imported_at')} AS imported
           FROM dmarc_aggregate_reports r
           UNION ALL
           SELECT key, 'tls-rpt', organization_name, report_id,
                  (SELECT string_agg(DISTINCT policy_domain, ', ') FROM tls_policies p WHERE p.report = t.key),
                  ${ISO('begin_at')}, ${ISO('end_at')},
                  (SELECT coalesce(sum(successful_sessions + failed_sessions), 0) FROM tls_policies p WHERE p.report = t.key),
                  (SELECT count(*) FROM tls_policies p WHERE p.report = t.key), json_array_length(doc->'problems'), source_file, ${ISO('imported_at')}
           FROM tls_reports t
           UNION ALL
           SELECT key, 'dmarc-failure', NULL, NULL, reported_domain, ${ISO('arrival_date')}, ${ISO('arrival_date')}, 1, 0,
                  json_array_length(doc->'problems'), source_file, ${ISO('imported_at')}
           FROM dmarc_failure_reports
         ) WHERE ($1 = '' OR domain = $1 OR list_contains(string_split(domain, ', '), $1))
         ORDER BY b DESC NULLS LAST, key LIMIT $2`,
          [d ?? '', limit],
        );
        return rows
          .filter((r) => filter.kind === undefined || r.kind === filter.kind)
          .map(
            (r): ListedReport => ({
              id: String(r.key).slice(0, 16),
              kind: String(r.kind) as ListedReport['kind'],
              organisation: s(r.org),
              reportId: s(r.rid),
              domain: s(r.domain),
              begin: s(r.b),
              end: s(r.e),
              messages: n(r.messages),
              records: n(r.records),
              problems: n(r.problems),
              source: String(r.src),
              importedAt: String(r.imported),
            }),
          );
      },
      () => [],
    );

  const show: ReportData['show'] = (id) =>
    read(
      async (db) => {
        if (!/^[0-9a-f]{6,64}$/.test(id)) return undefined;
        for (const [table, kind] of [
          ['dmarc_aggregate_reports', 'dmarc-aggregate'],
          ['tls_reports', 'tls-rpt'],
          ['dmarc_failure_reports', 'dmarc-failure'],
        ] as const) {
          const rows = await db.all(
            `SELECT key, CAST(doc AS VARCHAR) AS doc, ${ISO('imported_at')} AS imported FROM ${table} WHERE starts_with(key, $1) LIMIT 2`,
            [id],
          );
          if (rows.length !== 1) continue;
          const row = rows[0] as Record<string, unknown>;
          const report = JSON.parse(String(row.doc)) as Record<string, unknown>;
          const key = String(row.key);
          if (kind === 'dmarc-aggregate') {
            const recs = await db.all(
              'SELECT CAST(doc AS VARCHAR) AS doc FROM dmarc_aggregate_records WHERE report = $1 ORDER BY n LIMIT 10000',
              [key],
            );
            report.records = recs.map((r) => JSON.parse(String(r.doc)));
          } else if (kind === 'tls-rpt') {
            const pols = await db.all(
              'SELECT n, policy_type, policy_domain, CAST(policy_string AS VARCHAR) AS ps, CAST(mx_host AS VARCHAR) AS mx, successful_sessions, failed_sessions FROM tls_policies WHERE report = $1 ORDER BY n',
              [key],
            );
            const fails = await db.all('SELECT * FROM tls_failures WHERE report = $1 ORDER BY policy, n', [
              key,
            ]);
            report.policies = pols.map((p) => ({
              policyType: s(p.policy_type),
              policyDomain: s(p.policy_domain),
              policyString: JSON.parse(String(p.ps)),
              mxHost: JSON.parse(String(p.mx)),
              successfulSessions: p.successful_sessions === null ? null : n(p.successful_sessions),
              failedSessions: p.failed_sessions === null ? null : n(p.failed_sessions),
              failures: fails
                .filter((f) => n(f.policy) === n(p.n))
                .map((f) => ({
                  resultType: s(f.result_type),
                  sendingMtaIp: s(f.sending_mta_ip),
                  receivingMxHostname: s(f.receiving_mx_hostname),
                  receivingMxHelo: s(f.receiving_mx_helo),
                  receivingIp: s(f.receiving_ip),
                  failedSessions: f.failed_sessions === null ? null : n(f.failed_sessions),
                  additionalInformation: s(f.additional_information),
                  failureReasonCode: s(f.failure_reason_code),
                })),
            }));
          }
          return {
            id: key.slice(0, 16),
            kind,
            importedAt: String(row.imported),
            report,
            moreRecords: 0,
          } satisfies ShownReport;
        }
        return undefined;
      },
      () => undefined,
    );

  return { summary, sources, list, show };
}
