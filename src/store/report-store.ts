/**
 * The report store of `mailsec reports import`: normalised DMARC aggregate, DMARC failure and
 * SMTP TLS reports in the same embedded DuckDB file as the scan store (its own schema table, so
 * the two never disturb each other's migrations).
 *
 *   dmarc_aggregate_reports (key PK, org_name, report_id, policy_domain, begin_at, end_at, …, doc JSON)
 *   dmarc_aggregate_records (report, n, source_ip, count, disposition, dkim, spf, …) PK (report, n)
 *   tls_reports             (key PK, organization_name, report_id, begin_at, end_at, …, doc JSON)
 *   tls_policies            (report, n, policy_type, policy_domain, sessions …) PK (report, n)
 *   tls_failures            (report, policy, n, result_type, …) PK (report, policy, n)
 *   dmarc_failure_reports   (key PK, reported_domain, source_ip, arrival_date, …, doc JSON)
 *
 * Dedupe keys (sha256 of a JSON array, so missing values never collide with strings):
 *   aggregate: (orgName, reportId, policy.domain, begin, end)
 *   TLS-RPT:   (organizationName, reportId)
 *   failure:   the normalised object without `source` and `problems`, keys sorted
 * A report whose key is stored is a duplicate and left as it is (the first import wins), wherever
 * it comes from. A batch is one transaction; when it fails, each report is written in its own
 * transaction, so a report is stored whole or not at all and one bad report loses only itself.
 */

import { createHash } from 'node:crypto';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AggregateReport, FailureReport, FeedbackReport, TlsReport } from '../ingest/normalise.ts';
import { Database, type OpenOptions } from './duckdb.ts';

/** schema migrations of the report tables, applied in order; the index + 1 is the version */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE dmarc_aggregate_reports (
     key VARCHAR PRIMARY KEY,
     org_name VARCHAR,
     report_id VARCHAR,
     policy_domain VARCHAR,
     begin_at TIMESTAMPTZ,
     end_at TIMESTAMPTZ,
     email VARCHAR,
     policy_p VARCHAR,
     record_count BIGINT NOT NULL,
     source_file VARCHAR NOT NULL,
     source_entry VARCHAR,
     imported_at TIMESTAMPTZ NOT NULL,
     doc JSON NOT NULL
   );
   CREATE TABLE dmarc_aggregate_records (
     report VARCHAR NOT NULL,
     n INTEGER NOT NULL,
     source_ip VARCHAR,
     count BIGINT,
     disposition VARCHAR,
     dkim VARCHAR,
     spf VARCHAR,
     header_from VARCHAR,
     envelope_from VARCHAR,
     envelope_to VARCHAR,
     doc JSON NOT NULL,
     PRIMARY KEY (report, n)
   );
   CREATE TABLE tls_reports (
     key VARCHAR PRIMARY KEY,
     organization_name VARCHAR,
     report_id VARCHAR,
     begin_at TIMESTAMPTZ,
     end_at TIMESTAMPTZ,
     contact_info VARCHAR,
     source_file VARCHAR NOT NULL,
     source_entry VARCHAR,
     imported_at TIMESTAMPTZ NOT NULL,
     doc JSON NOT NULL
   );
   CREATE TABLE tls_policies (
     report VARCHAR NOT NULL,
     n INTEGER NOT NULL,
     policy_type VARCHAR,
     policy_domain VARCHAR,
     policy_string JSON NOT NULL,
     mx_host JSON NOT NULL,
     successful_sessions BIGINT,
     failed_sessions BIGINT,
     PRIMARY KEY (report, n)
   );
   CREATE TABLE tls_failures (
     report VARCHAR NOT NULL,
     policy INTEGER NOT NULL,
     n INTEGER NOT NULL,
     result_type VARCHAR,
     sending_mta_ip VARCHAR,
     receiving_mx_hostname VARCHAR,
     receiving_mx_helo VARCHAR,
     receiving_ip VARCHAR,
     failed_sessions BIGINT,
     additional_information VARCHAR,
     failure_reason_code VARCHAR,
     PRIMARY KEY (report, policy, n)
   );
   CREATE TABLE dmarc_failure_reports (
     key VARCHAR PRIMARY KEY,
     feedback_type VARCHAR,
     reported_domain VARCHAR,
     source_ip VARCHAR,
     arrival_date TIMESTAMPTZ,
     original_mail_from VARCHAR,
     auth_failure JSON NOT NULL,
     source_file VARCHAR NOT NULL,
     source_entry VARCHAR,
     imported_at TIMESTAMPTZ NOT NULL,
     doc JSON NOT NULL
   );`,
];

/** JSON with object keys sorted: the same value always gives the same text */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The stable dedupe key of a report (see the module comment). */
export function reportKey(r: FeedbackReport): string {
  if (r.kind === 'dmarc-aggregate')
    return sha256(canonical(['dmarc-aggregate', r.orgName, r.reportId, r.policy.domain, r.begin, r.end]));
  if (r.kind === 'tls-rpt') return sha256(canonical(['tls-rpt', r.organizationName, r.reportId]));
  const { source: _s, problems: _p, ...rest } = r;
  return sha256(canonical(['dmarc-failure', rest]));
}

export interface ImportCounts {
  /** reports written now */
  added: number;
  /** reports whose key was already stored (or came twice in the batch) */
  duplicates: number;
  /** reports that could not be written, with the reason */
  failed: { report: FeedbackReport; reason: string }[];
}

export interface StoredCounts {
  aggregate: number;
  aggregateRecords: number;
  tls: number;
  tlsPolicies: number;
  tlsFailures: number;
  failure: number;
}

/** a time the database cannot hold (year 20000) is stored as NULL; `doc` keeps it as written */
const TIME = 'TRY_CAST($%d AS TIMESTAMPTZ)';
const ts = (n: number) => TIME.replace('%d', String(n));

/** placeholder of `insertRows` */
const ROWS = '$ROWS';
/** child rows per statement */
const CHUNK = 5000;

export class ReportStore {
  private readonly db: Database;
  private readonly conn: DuckDBConnection;
  private constructor(db: Database) {
    this.db = db;
    this.conn = db.conn;
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<ReportStore> {
    const db = await Database.open(path, opts);
    try {
      if (!opts.readOnly) await db.migrate('mailsec_reports_schema', MIGRATIONS);
    } catch (e) {
      db.close();
      throw e;
    }
    return new ReportStore(db);
  }

  /**
   * Writes a batch (the reports of one input file) in one transaction; stored keys are skipped.
   * When the batch fails, each report is retried in its own transaction.
   */
  async importBatch(reports: readonly FeedbackReport[]): Promise<ImportCounts> {
    if (!reports.length) return { added: 0, duplicates: 0, failed: [] };
    try {
      return await this.transaction(async () => {
        const counts: ImportCounts = { added: 0, duplicates: 0, failed: [] };
        for (const r of reports) {
          if (await this.insert(r)) counts.added++;
          else counts.duplicates++;
        }
        return counts;
      });
    } catch {
      const counts: ImportCounts = { added: 0, duplicates: 0, failed: [] };
      for (const r of reports) {
        try {
          if (await this.transaction(() => this.insert(r))) counts.added++;
          else counts.duplicates++;
        } catch (e) {
          counts.failed.push({ report: r, reason: `not stored (${(e as Error).message.split('\n')[0]})` });
        }
      }
      return counts;
    }
  }

  private transaction<T>(body: () => Promise<T>): Promise<T> {
    return this.db.transaction(body);
  }

  /** inserts one report and its rows; false when its key is already stored */
  private async insert(r: FeedbackReport): Promise<boolean> {
    const key = reportKey(r);
    const table =
      r.kind === 'dmarc-aggregate'
        ? 'dmarc_aggregate_reports'
        : r.kind === 'tls-rpt'
          ? 'tls_reports'
          : 'dmarc_failure_reports';
    const seen = await this.conn.runAndReadAll(`SELECT 1 FROM ${table} WHERE key = $1`, [key]);
    if (seen.getRows().length) return false;
    if (r.kind === 'dmarc-aggregate') await this.insertAggregate(key, r);
    else if (r.kind === 'tls-rpt') await this.insertTls(key, r);
    else await this.insertFailure(key, r);
    return true;
  }

  /**
   * Child rows in chunks, each one statement over a JSON array (`ROWS` gives `j`, the row, and `n`,
   * its index): a row at a time costs milliseconds, and a report may hold 100,000 records.
   * `sql` takes the fixed parameters first; the chunk and its offset are appended.
   */
  private async insertRows(sql: string, fixed: DuckDBValue[], rows: readonly unknown[]): Promise<void> {
    const a = fixed.length + 1;
    const text = sql.replace(
      ROWS,
      () =>
        `(SELECT unnest(l) AS j, generate_subscripts(l, 1) - 1 + $${a + 1} AS n FROM (SELECT CAST($${a} AS JSON[]) AS l))`,
    );
    for (let at = 0; at < rows.length; at += CHUNK) {
      await this.conn.run(text, [...fixed, JSON.stringify(rows.slice(at, at + CHUNK)), at]);
    }
  }

  private async insertAggregate(key: string, r: AggregateReport): Promise<void> {
    const { records, ...head } = r;
    await this.conn.run(
      `INSERT OR IGNORE INTO dmarc_aggregate_reports VALUES ($1, $2, $3, $4, ${ts(5)}, ${ts(6)}, $7, $8, $9, $10, $11, now(), $12)`,
      [
        key,
        r.orgName,
        r.reportId,
        r.policy.domain,
        r.begin,
        r.end,
        r.email,
        r.policy.p,
        r.recordCount,
        r.source.file,
        r.source.entry,
        JSON.stringify(head),
      ],
    );
    await this.insertRows(
      `INSERT OR IGNORE INTO dmarc_aggregate_records
         SELECT $1, n, j->>'sourceIp', CAST(j->>'count' AS BIGINT), j->>'disposition', j->>'dkim',
                j->>'spf', j->>'headerFrom', j->>'envelopeFrom', j->>'envelopeTo', j
         FROM ${ROWS}`,
      [key],
      records,
    );
  }

  private async insertTls(key: string, r: TlsReport): Promise<void> {
    const { policies, ...head } = r;
    await this.conn.run(
      `INSERT OR IGNORE INTO tls_reports VALUES ($1, $2, $3, ${ts(4)}, ${ts(5)}, $6, $7, $8, now(), $9)`,
      [
        key,
        r.organizationName,
        r.reportId,
        r.begin,
        r.end,
        r.contactInfo,
        r.source.file,
        r.source.entry,
        JSON.stringify(head),
      ],
    );
    for (const [p, pol] of policies.entries()) {
      await this.conn.run('INSERT OR IGNORE INTO tls_policies VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        key,
        p,
        pol.policyType,
        pol.policyDomain,
        JSON.stringify(pol.policyString),
        JSON.stringify(pol.mxHost),
        pol.successfulSessions,
        pol.failedSessions,
      ]);
      await this.insertRows(
        `INSERT OR IGNORE INTO tls_failures
           SELECT $1, $2, n, j->>'resultType', j->>'sendingMtaIp', j->>'receivingMxHostname',
                  j->>'receivingMxHelo', j->>'receivingIp', CAST(j->>'failedSessions' AS BIGINT),
                  j->>'additionalInformation', j->>'failureReasonCode'
           FROM ${ROWS}`,
        [key, p],
        pol.failures,
      );
    }
  }

  private async insertFailure(key: string, r: FailureReport): Promise<void> {
    await this.conn.run(
      `INSERT OR IGNORE INTO dmarc_failure_reports VALUES ($1, $2, $3, $4, ${ts(5)}, $6, $7, $8, $9, now(), $10)`,
      [
        key,
        r.feedbackType,
        r.reportedDomain,
        r.sourceIp,
        r.arrivalDate,
        r.originalMailFrom,
        JSON.stringify(r.authFailure),
        r.source.file,
        r.source.entry,
        JSON.stringify(r),
      ],
    );
  }

  /** row counts of every report table */
  async counts(): Promise<StoredCounts> {
    const n = async (t: string) =>
      Number((await this.conn.runAndReadAll(`SELECT count(*) AS n FROM ${t}`)).getRowObjects()[0]?.n ?? 0);
    return {
      aggregate: await n('dmarc_aggregate_reports'),
      aggregateRecords: await n('dmarc_aggregate_records'),
      tls: await n('tls_reports'),
      tlsPolicies: await n('tls_policies'),
      tlsFailures: await n('tls_failures'),
      failure: await n('dmarc_failure_reports'),
    };
  }

  close(): void {
    this.db.close();
  }
}
