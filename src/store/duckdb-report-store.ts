/**
 * The DuckDB `ReportStore` (see report-store.ts for the contract).
 *
 *   dmarc_aggregate_reports (key PK, org_name, report_id, policy_domain, begin_at, end_at, …, messages, doc JSON)
 *   dmarc_aggregate_records (report, n, source_ip, count, disposition, dkim, spf, …, doc VARCHAR, spf_auth, dkim_auth, reasons)
 *   tls_reports             (key PK, organization_name, report_id, begin_at, end_at, …, doc JSON)
 *   tls_policies            (report, n, policy_type, policy_domain, sessions …) PK (report, n)
 *   tls_failures            (report, policy, n, result_type, …) PK (report, policy, n)
 *   dmarc_failure_reports   (key PK, reported_domain, source_ip, arrival_date, …, doc JSON)
 *   report_inputs           (digest PK, kind, name, reports, imported_at): inputs read whole
 *   imap_folders            (mailbox PK, uid_validity, last_uid, updated_at)
 *   imap_messages           (mailbox, uid_validity, uid, message_id, size, reports) PK (mailbox, uid_validity, uid)
 *
 * Version 2 added the last three tables, `messages` of a report and the auth columns of a record
 * (`spf_auth`, `dkim_auth`, `reasons`), filled from `doc` for reports imported before. Version 3
 * rebuilt dmarc_aggregate_records without its primary key and with `doc` as VARCHAR (see there).
 */
import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type {
  AggregateRecord,
  AggregateReport,
  FailureReport,
  FeedbackReport,
  TlsPolicy,
  TlsReport,
} from '../ingest/normalise.ts';
import { Database, type OpenOptions } from './duckdb.ts';
import { aggregateKey, reportKey } from './report-key.ts';
import type {
  AggregateWriter,
  DomainSummary,
  ImapFolderState,
  ImapMessageMark,
  ImportCounts,
  InputMark,
  ListedReport,
  ReportFilter,
  ReportStore,
  Share,
  ShownReport,
  SourceStats,
  StoredCounts,
  TlsSummary,
} from './report-store.ts';

export const SCHEMA_TABLE = 'mailsec_reports_schema';

/** schema migrations of the report tables, applied in order; the index + 1 is the version */
export const MIGRATIONS: readonly string[] = [
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
  `CREATE TABLE report_inputs (
     digest VARCHAR PRIMARY KEY,
     kind VARCHAR NOT NULL,
     name VARCHAR,
     reports INTEGER NOT NULL,
     imported_at TIMESTAMPTZ NOT NULL
   );
   CREATE TABLE imap_folders (
     mailbox VARCHAR PRIMARY KEY,
     uid_validity BIGINT NOT NULL,
     last_uid BIGINT NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   );
   CREATE TABLE imap_messages (
     mailbox VARCHAR NOT NULL,
     uid_validity BIGINT NOT NULL,
     uid BIGINT NOT NULL,
     message_id VARCHAR,
     size BIGINT NOT NULL,
     reports INTEGER NOT NULL,
     PRIMARY KEY (mailbox, uid_validity, uid)
   );
   ALTER TABLE dmarc_aggregate_reports ADD COLUMN messages BIGINT;
   ALTER TABLE dmarc_aggregate_records ADD COLUMN spf_auth VARCHAR;
   ALTER TABLE dmarc_aggregate_records ADD COLUMN dkim_auth VARCHAR;
   ALTER TABLE dmarc_aggregate_records ADD COLUMN reasons VARCHAR;
   UPDATE dmarc_aggregate_records SET
     spf_auth = lower(json_extract_string(doc, '$.authResults.spf[0].result')),
     dkim_auth = CASE
       WHEN list_contains(json_extract_string(doc, '$.authResults.dkim[*].result'), 'pass') THEN 'pass'
       ELSE lower(json_extract_string(doc, '$.authResults.dkim[0].result')) END,
     reasons = nullif(array_to_string(list_transform(json_extract(doc, '$.reasons[*]'),
       x -> concat_ws(' ', json_extract_string(x, '$.type'), json_extract_string(x, '$.comment'))), '; '), '');
   UPDATE dmarc_aggregate_reports r SET messages = (
     SELECT coalesce(sum(c.count), 0) FROM dmarc_aggregate_records c WHERE c.report = r.key);`,
  // version 3: the records without a primary key (an ART entry of a 64-digit key per record: 1.9 s
  // CPU per million records; a report's records are written once, in the transaction that stores
  // its key, which keeps its own PK) and `doc` as VARCHAR (the appender would parse every record's
  // JSON again to check it)
  `CREATE TABLE dmarc_aggregate_records_v3 (
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
     doc VARCHAR NOT NULL,
     spf_auth VARCHAR,
     dkim_auth VARCHAR,
     reasons VARCHAR
   );
   INSERT INTO dmarc_aggregate_records_v3
     SELECT report, n, source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to,
            CAST(doc AS VARCHAR), spf_auth, dkim_auth, reasons
     FROM dmarc_aggregate_records ORDER BY report, n;
   DROP TABLE dmarc_aggregate_records;
   ALTER TABLE dmarc_aggregate_records_v3 RENAME TO dmarc_aggregate_records;`,
];

/** a time the database cannot hold (year 20000) is stored as NULL; `doc` keeps it as written */
const ts = (n: number) => `TRY_CAST($${n} AS TIMESTAMPTZ)`;
/** a time column as ISO 8601 UTC text */
const iso = (col: string) => `strftime(timezone('UTC', ${col}), '%Y-%m-%dT%H:%M:%SZ')`;

/** WAL size at which a writer checkpoints before it closes (see `open`) */
const CHECKPOINT_WAL = '256MB';
/** child rows per statement */
const CHUNK = 5000;
/** keys or digests per lookup statement */
const LOOKUP = 1000;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const share = (count: number, of: number): Share => ({
  count,
  percent: of > 0 ? Math.round((count / of) * 1000) / 10 : null,
});

/** the override reasons that say a forwarder or an ARC chain vouched for the message (RE2) */
const FORWARD_REASON = '(forwarded|mailing_list|trusted_forwarder|arc=pass)';

/** The auth columns of a record (version 2). */
function authColumns(r: AggregateRecord): {
  spfAuth: string | null;
  dkimAuth: string | null;
  reasons: string | null;
} {
  const dkim = r.authResults.dkim;
  return {
    spfAuth: r.authResults.spf[0]?.result ?? null,
    dkimAuth: dkim.some((d) => d.result === 'pass') ? 'pass' : (dkim[0]?.result ?? null),
    reasons: r.reasons.length
      ? r.reasons.map((x) => [x.type, x.comment].filter(Boolean).join(' ')).join('; ')
      : null,
  };
}

function messagesOf(records: readonly AggregateRecord[]): number {
  let n = 0;
  for (const r of records) n += r.count ?? 0;
  return n;
}

const varchar = (a: DuckDBAppender, v: string | null | undefined) => {
  if (v === null || v === undefined) a.appendNull();
  else a.appendVarchar(typeof v === 'string' ? v : String(v));
};
const INT64_MAX = 2n ** 63n - 1n;
/** a BIGINT column: an integer the column cannot hold fails the row (a NULL in its place would lie) */
const bigint = (a: DuckDBAppender, v: number | null | undefined) => {
  if (v === null || v === undefined) {
    a.appendNull();
    return;
  }
  if (!Number.isInteger(v)) throw new Error(`${v} is not an integer`);
  const b = BigInt(v);
  if (b > INT64_MAX || b < -INT64_MAX - 1n) throw new Error(`${v} is out of range for BIGINT`);
  a.appendBigInt(b);
};

/** ISO 8601 UTC as `isoTime` writes it, years 1000–9999, a real calendar day */
function plainIso(v: string): boolean {
  if (!/^[1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(v)) return false;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === v.slice(0, 19);
}

/** one row of dmarc_aggregate_records per record, numbered from `offset` */
function appendRecords(
  a: DuckDBAppender,
  key: string,
  records: readonly AggregateRecord[],
  offset: number,
): void {
  for (let i = 0; i < records.length; i++) {
    const d = records[i] as AggregateRecord;
    const auth = authColumns(d);
    a.appendVarchar(key);
    a.appendInteger(offset + i);
    varchar(a, d.sourceIp);
    bigint(a, d.count);
    varchar(a, d.disposition);
    varchar(a, d.dkim);
    varchar(a, d.spf);
    varchar(a, d.headerFrom);
    varchar(a, d.envelopeFrom);
    varchar(a, d.envelopeTo);
    a.appendVarchar(JSON.stringify(d));
    varchar(a, auth.spfAuth);
    varchar(a, auth.dkimAuth);
    varchar(a, auth.reasons);
    a.endRow();
  }
}

export class DuckDbReportStore implements ReportStore {
  private readonly db: Database;
  /** false when the file has no report tables (a scan-only file opened read-only): every read is empty */
  private readonly present: boolean;
  private constructor(db: Database, present: boolean) {
    this.db = db;
    this.present = present;
  }

  get path(): string {
    return this.db.path;
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<DuckDbReportStore> {
    const db = await Database.open(path, opts);
    try {
      await db.run("SET TimeZone = 'UTC'");
      if (!opts.readOnly) {
        // a checkpoint rewrites each table's last, growing row group: at DuckDB's default (16 MB
        // of WAL) an import of 20,000 small reports (51 MB of WAL in all) checkpointed three
        // times before the one at close, compressing the same rows again each time (≈ 10 % of
        // its CPU). The writer checkpoints when it closes (and every 256 MB of WAL); each commit
        // is durable in the WAL until then.
        await db.run(`SET checkpoint_threshold = '${CHECKPOINT_WAL}'`);
        await db.migrate(SCHEMA_TABLE, MIGRATIONS);
        return new DuckDbReportStore(db, true);
      }
      const v = await db.schemaVersion(SCHEMA_TABLE);
      if (v > MIGRATIONS.length) {
        throw new MailsecError(
          ErrorCode.StoreVersion,
          `${path}: ${SCHEMA_TABLE} is at schema version ${v}; this mailsec knows up to ${MIGRATIONS.length}`,
          'use the mailsec version that wrote it, or another database file',
          { detail: { option: 'db', path } },
        );
      }
      if (v > 0 && v < MIGRATIONS.length) {
        throw new MailsecError(
          ErrorCode.StoreVersion,
          `${path}: the report tables are at schema version ${v} (this mailsec uses ${MIGRATIONS.length})`,
          'run `mailsec reports import` on it once (it migrates the tables forward), then try again',
          { detail: { option: 'db', path } },
        );
      }
      return new DuckDbReportStore(db, v > 0);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  // ---------------------------------------------------------------- writing

  async importBatch(
    reports: readonly FeedbackReport[],
    inputs: readonly InputMark[] = [],
  ): Promise<ImportCounts> {
    if (!reports.length) {
      if (inputs.length) await this.markInputs(inputs);
      return { added: 0, duplicates: 0, failed: [] };
    }
    try {
      return await this.db.transaction(async () => {
        const counts: ImportCounts = { added: 0, duplicates: 0, failed: [] };
        const keys = reports.map((r) => reportKey(r));
        const stored = await this.storedKeys(keys);
        const fresh: { key: string; report: FeedbackReport }[] = [];
        for (const [i, r] of reports.entries()) {
          const key = keys[i] as string;
          if (stored.has(key)) {
            counts.duplicates++;
            continue;
          }
          stored.add(key);
          fresh.push({ key, report: r });
        }
        await this.insertMany(fresh);
        counts.added = fresh.length;
        await this.insertInputs(inputs);
        return counts;
      });
    } catch {
      const counts: ImportCounts = { added: 0, duplicates: 0, failed: [] };
      for (const r of reports) {
        try {
          const key = reportKey(r);
          const added = await this.db.transaction(async () => {
            if ((await this.storedKeys([key])).size) return false;
            await this.insertMany([{ key, report: r }]);
            return true;
          });
          if (added) counts.added++;
          else counts.duplicates++;
        } catch (e) {
          counts.failed.push({ report: r, reason: `not stored (${(e as Error).message.split('\n')[0]})` });
        }
      }
      // an input with a report that could not be stored is not remembered: the next run reads it again
      if (!counts.failed.length) await this.markInputs(inputs);
      return counts;
    }
  }

  async beginAggregate(
    head: AggregateReport,
    firstRecords: readonly AggregateRecord[],
  ): Promise<AggregateWriter | null> {
    const key = aggregateKey(head, firstRecords);
    if ((await this.storedKeys([key])).size) return null;
    await this.db.run('BEGIN TRANSACTION');
    let n = 0;
    let messages = 0;
    let open = true;
    const rollback = async () => {
      if (!open) return;
      open = false;
      await this.db.run('ROLLBACK');
    };
    return {
      add: async (records) => {
        try {
          await this.insertRecords(key, records, n);
        } catch (e) {
          await rollback();
          throw e;
        }
        n += records.length;
        messages += messagesOf(records);
      },
      finish: async (report) => {
        try {
          await this.insertAggregateHead(key, report, messages);
          await this.db.run('COMMIT');
          open = false;
        } catch (e) {
          await rollback();
          throw e;
        }
      },
      abort: rollback,
    };
  }

  private async storedKeys(keys: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let at = 0; at < keys.length; at += LOOKUP) {
      const list = JSON.stringify(keys.slice(at, at + LOOKUP));
      const rows = await this.db.all(
        `SELECT key FROM (
           SELECT key FROM dmarc_aggregate_reports UNION ALL SELECT key FROM tls_reports
           UNION ALL SELECT key FROM dmarc_failure_reports)
         WHERE key IN (SELECT unnest(CAST($1 AS VARCHAR[])))`,
        [list],
      );
      for (const r of rows) out.add(String(r.key));
    }
    return out;
  }

  async knownInputs(digests: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let at = 0; at < digests.length; at += LOOKUP) {
      const rows = await this.db.all(
        'SELECT digest, reports FROM report_inputs WHERE digest IN (SELECT unnest(CAST($1 AS VARCHAR[])))',
        [JSON.stringify(digests.slice(at, at + LOOKUP))],
      );
      for (const r of rows) out.set(String(r.digest), num(r.reports));
    }
    return out;
  }

  async markInputs(inputs: readonly InputMark[]): Promise<void> {
    if (inputs.length) await this.db.transaction(() => this.insertInputs(inputs));
  }

  private async insertInputs(inputs: readonly InputMark[]): Promise<void> {
    await this.insertTyped(
      'INSERT OR IGNORE INTO report_inputs',
      'r.digest, r.kind, r.name, r.reports, now()',
      { digest: 'VARCHAR', kind: 'VARCHAR', name: 'VARCHAR', reports: 'INTEGER' },
      inputs.map(({ digest, kind, name, reports }) => ({ digest, kind, name, reports })),
    );
  }

  async imapFolder(mailbox: string): Promise<ImapFolderState | undefined> {
    const r = (
      await this.db.all('SELECT uid_validity, last_uid FROM imap_folders WHERE mailbox = $1', [mailbox])
    )[0];
    return r ? { uidValidity: num(r.uid_validity), lastUid: num(r.last_uid) } : undefined;
  }

  async markImap(
    mailbox: string,
    state: ImapFolderState,
    messages: readonly ImapMessageMark[],
  ): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run(
        `INSERT INTO imap_folders VALUES ($1, $2, $3, now())
         ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
           updated_at = excluded.updated_at`,
        [mailbox, state.uidValidity, state.lastUid],
      );
      for (let at = 0; at < messages.length; at += CHUNK) {
        await this.db.run(
          `INSERT OR IGNORE INTO imap_messages
             SELECT $1, $2, CAST(j->>'uid' AS BIGINT), j->>'messageId', CAST(j->>'size' AS BIGINT),
                    CAST(j->>'reports' AS INTEGER)
             FROM (SELECT unnest(CAST($3 AS JSON[])) AS j)`,
          [mailbox, state.uidValidity, JSON.stringify(messages.slice(at, at + CHUNK))],
        );
      }
    });
  }

  async knownImapMessages(
    mailbox: string,
    ids: readonly { messageId: string; size: number }[],
  ): Promise<Set<string>> {
    const out = new Set<string>();
    for (let at = 0; at < ids.length; at += LOOKUP) {
      const rows = await this.db.all(
        `SELECT DISTINCT m.message_id AS id, m.size FROM imap_messages m
         JOIN (SELECT j->>'messageId' AS id, CAST(j->>'size' AS BIGINT) AS size
               FROM (SELECT unnest(CAST($2 AS JSON[])) AS j)) q ON q.id = m.message_id AND q.size = m.size
         WHERE m.mailbox = $1`,
        [mailbox, JSON.stringify(ids.slice(at, at + LOOKUP))],
      );
      for (const r of rows) out.add(`${r.id}\u0000${num(r.size)}`);
    }
    return out;
  }

  /**
   * Writes reports through DuckDB's appender (`createAppender`: typed values straight into the
   * table's column buffers, no SQL text or JSON for DuckDB to parse; a statement per report costs a
   * millisecond or two, an mbox holds tens of thousands, a report up to a million records).
   * Always inside the caller's transaction, so a failed row (a count beyond BIGINT, a time the
   * column cannot hold) rolls the whole batch back. The times are resolved first (`times`).
   */
  private async insertMany(items: readonly { key: string; report: FeedbackReport }[]): Promise<void> {
    const heads: { key: string; m: number; doc: Omit<AggregateReport, 'records'> }[] = [];
    const records: { key: string; records: readonly AggregateRecord[] }[] = [];
    const tls: { key: string; doc: Omit<TlsReport, 'policies'> }[] = [];
    const policies: { key: string; n: number; d: TlsPolicy }[] = [];
    const failures: { key: string; doc: FailureReport }[] = [];
    for (const { key, report: r } of items) {
      if (r.kind === 'dmarc-aggregate') {
        const { records: recs, ...head } = r;
        heads.push({ key, m: messagesOf(recs), doc: head });
        records.push({ key, records: recs });
      } else if (r.kind === 'tls-rpt') {
        const { policies: pols, ...head } = r;
        tls.push({ key, doc: head });
        for (const [n, d] of pols.entries()) policies.push({ key, n, d });
      } else failures.push({ key, doc: r });
    }
    const times = await this.times([
      ...heads.flatMap((h) => [h.doc.begin, h.doc.end]),
      ...tls.flatMap((t) => [t.doc.begin, t.doc.end]),
      ...failures.map((f) => f.doc.arrivalDate),
    ]);
    const now = new Date().toISOString();
    const time = (a: DuckDBAppender, v: string | null) => varchar(a, v === null ? null : times.get(v));
    await this.append('dmarc_aggregate_records', records, (a, { key, records: recs }) =>
      appendRecords(a, key, recs, 0),
    );
    await this.append('dmarc_aggregate_reports', heads, (a, { key, m, doc }) => {
      a.appendVarchar(key);
      varchar(a, doc.orgName);
      varchar(a, doc.reportId);
      varchar(a, doc.policy.domain);
      time(a, doc.begin);
      time(a, doc.end);
      varchar(a, doc.email);
      varchar(a, doc.policy.p);
      bigint(a, doc.recordCount);
      a.appendVarchar(doc.source.file);
      varchar(a, doc.source.entry);
      a.appendVarchar(now);
      a.appendVarchar(JSON.stringify(doc));
      bigint(a, m);
      a.endRow();
    });
    await this.append('tls_reports', tls, (a, { key, doc }) => {
      a.appendVarchar(key);
      varchar(a, doc.organizationName);
      varchar(a, doc.reportId);
      time(a, doc.begin);
      time(a, doc.end);
      varchar(a, doc.contactInfo);
      a.appendVarchar(doc.source.file);
      varchar(a, doc.source.entry);
      a.appendVarchar(now);
      a.appendVarchar(JSON.stringify(doc));
      a.endRow();
    });
    await this.append('tls_policies', policies, (a, { key, n, d }) => {
      a.appendVarchar(key);
      a.appendInteger(n);
      varchar(a, d.policyType);
      varchar(a, d.policyDomain);
      a.appendVarchar(JSON.stringify(d.policyString ?? null));
      a.appendVarchar(JSON.stringify(d.mxHost ?? null));
      bigint(a, d.successfulSessions);
      bigint(a, d.failedSessions);
      a.endRow();
    });
    await this.append('tls_failures', policies, (a, { key, n, d }) => {
      for (const [i, f] of d.failures.entries()) {
        a.appendVarchar(key);
        a.appendInteger(n);
        a.appendInteger(i);
        varchar(a, f.resultType);
        varchar(a, f.sendingMtaIp);
        varchar(a, f.receivingMxHostname);
        varchar(a, f.receivingMxHelo);
        varchar(a, f.receivingIp);
        bigint(a, f.failedSessions);
        varchar(a, f.additionalInformation);
        varchar(a, f.failureReasonCode);
        a.endRow();
      }
    });
    await this.append('dmarc_failure_reports', failures, (a, { key, doc }) => {
      a.appendVarchar(key);
      varchar(a, doc.feedbackType);
      varchar(a, doc.reportedDomain);
      varchar(a, doc.sourceIp);
      time(a, doc.arrivalDate);
      varchar(a, doc.originalMailFrom);
      a.appendVarchar(JSON.stringify(doc.authFailure ?? []));
      a.appendVarchar(doc.source.file);
      varchar(a, doc.source.entry);
      a.appendVarchar(now);
      a.appendVarchar(JSON.stringify(doc));
      a.endRow();
    });
  }

  /**
   * Appends the rows `write` makes of `items` (it ends each row) to a table, all columns in the
   * table's order. On any error the appender's rows are dropped before it is closed (closing
   * flushes), and the error goes to the caller, whose transaction rolls back what was flushed.
   */
  private async append<T>(
    table: string,
    items: readonly T[],
    write: (a: DuckDBAppender, item: T) => void,
  ): Promise<void> {
    if (!items.length) return;
    const a = await this.db.conn.createAppender(table);
    try {
      for (const item of items) write(a, item);
      a.closeSync();
    } catch (e) {
      try {
        a.clear();
        a.closeSync();
      } catch {
        // the first error is the one to report
      }
      throw e;
    }
  }

  /**
   * The times of `values` as the TIMESTAMPTZ columns take them: ISO 8601 UTC as `isoTime` writes
   * it passes as it is (DuckDB casts it on the way in); anything else is cast by DuckDB here
   * (`TRY_CAST`: a time it cannot hold, year 20000, is NULL; `doc` keeps it as written).
   */
  private async times(values: readonly (string | null)[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const other: string[] = [];
    for (const v of values) {
      if (v === null || out.has(v)) continue;
      if (plainIso(v)) out.set(v, v);
      else if (!other.includes(v)) other.push(v);
    }
    for (let at = 0; at < other.length; at += LOOKUP) {
      const rows = await this.db.all(
        `SELECT v, CAST(TRY_CAST(v AS TIMESTAMPTZ) AS VARCHAR) AS t FROM (SELECT unnest(CAST($1 AS VARCHAR[])) AS v)`,
        [JSON.stringify(other.slice(at, at + LOOKUP))],
      );
      for (const r of rows) out.set(String(r.v), strOrNull(r.t));
    }
    return out;
  }

  /**
   * Rows as one statement per 5,000 over a JSON array that DuckDB reads once into typed columns
   * (`json_transform_strict`; `r.<key>` in `select`), for the small tables that need SQL on the
   * way in (`INSERT OR IGNORE`).
   */
  private async insertTyped(
    into: string,
    select: string,
    types: Readonly<Record<string, string>>,
    rows: readonly object[],
  ): Promise<void> {
    const schema = JSON.stringify([types]);
    const keys = Object.keys(types);
    for (const row of rows as Record<string, unknown>[]) {
      for (const k of keys) if (row[k] === undefined) row[k] = null;
    }
    for (let at = 0; at < rows.length; at += CHUNK) {
      await this.db.run(
        `${into} SELECT ${select} FROM (SELECT unnest(json_transform_strict($1, '${schema}')) AS r)`,
        [JSON.stringify(rows.slice(at, at + CHUNK))],
      );
    }
  }

  private async insertRecords(
    key: string,
    records: readonly AggregateRecord[],
    offset: number,
  ): Promise<void> {
    await this.append('dmarc_aggregate_records', [records], (a, recs) => appendRecords(a, key, recs, offset));
  }

  private async insertAggregateHead(key: string, r: AggregateReport, messages: number): Promise<void> {
    const { records: _records, ...head } = r;
    await this.db.run(
      `INSERT INTO dmarc_aggregate_reports
         (key, org_name, report_id, policy_domain, begin_at, end_at, email, policy_p, record_count,
          source_file, source_entry, imported_at, doc, messages)
       VALUES ($1, $2, $3, $4, ${ts(5)}, ${ts(6)}, $7, $8, $9, $10, $11, now(), $12, $13)`,
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
        messages,
      ],
    );
  }

  // ---------------------------------------------------------------- reading

  async counts(): Promise<StoredCounts> {
    if (!this.present)
      return { aggregate: 0, aggregateRecords: 0, tls: 0, tlsPolicies: 0, tlsFailures: 0, failure: 0 };
    const n = async (t: string) => num((await this.db.all(`SELECT count(*) AS n FROM ${t}`))[0]?.n);
    return {
      aggregate: await n('dmarc_aggregate_reports'),
      aggregateRecords: await n('dmarc_aggregate_records'),
      tls: await n('tls_reports'),
      tlsPolicies: await n('tls_policies'),
      tlsFailures: await n('tls_failures'),
      failure: await n('dmarc_failure_reports'),
    };
  }

  async reportCount(): Promise<number> {
    const c = await this.counts();
    return c.aggregate + c.tls + c.failure;
  }

  /** WHERE clause over a report table's columns, and its parameters */
  private where(
    f: ReportFilter,
    cols: { time: string; domain?: string; org?: string },
    params: DuckDBValue[] = [],
  ): { sql: string; params: DuckDBValue[] } {
    const parts: string[] = [];
    const p = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.domain !== undefined && cols.domain) parts.push(`${cols.domain} = ${p(f.domain.toLowerCase())}`);
    if (f.org !== undefined && cols.org) parts.push(`lower(${cols.org}) = ${p(f.org.toLowerCase())}`);
    if (f.since !== undefined) parts.push(`${cols.time} >= CAST(${p(f.since)} AS TIMESTAMPTZ)`);
    if (f.until !== undefined) parts.push(`${cols.time} < CAST(${p(f.until)} AS TIMESTAMPTZ)`);
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
  }

  async summary(
    filter: ReportFilter = {},
    options: { trend?: 'day' | 'week' } = {},
  ): Promise<DomainSummary[]> {
    if (!this.present) return [];
    const agg = this.where(filter, { time: 'begin_at', domain: 'policy_domain', org: 'org_name' });
    const reports = `(SELECT key, policy_domain AS domain, org_name, begin_at, end_at FROM dmarc_aggregate_reports ${agg.sql})`;
    const PASS = "(c.dkim = 'pass' OR c.spf = 'pass')";
    const main = await this.db.all(
      `SELECT r.domain, count(DISTINCT r.key) AS reports, coalesce(sum(c.count), 0) AS messages,
              coalesce(sum(CASE WHEN ${PASS} THEN c.count END), 0) AS pass,
              coalesce(sum(CASE WHEN c.spf = 'pass' THEN c.count END), 0) AS spf,
              coalesce(sum(CASE WHEN c.dkim = 'pass' THEN c.count END), 0) AS dkim,
              coalesce(sum(CASE WHEN c.disposition = 'none' THEN c.count END), 0) AS d_none,
              coalesce(sum(CASE WHEN c.disposition = 'quarantine' THEN c.count END), 0) AS d_quarantine,
              coalesce(sum(CASE WHEN c.disposition = 'reject' THEN c.count END), 0) AS d_reject,
              count(DISTINCT c.source_ip) AS sources,
              ${iso('min(r.begin_at)')} AS first, ${iso('max(r.end_at)')} AS last
       FROM ${reports} r LEFT JOIN dmarc_aggregate_records c ON c.report = r.key
       WHERE r.domain IS NOT NULL GROUP BY r.domain ORDER BY r.domain`,
      agg.params,
    );
    const failing = await this.db.all(
      `SELECT domain, ip, n FROM (
         SELECT r.domain, c.source_ip AS ip, sum(c.count) AS n,
                row_number() OVER (PARTITION BY r.domain ORDER BY sum(c.count) DESC, c.source_ip) AS k
         FROM ${reports} r JOIN dmarc_aggregate_records c ON c.report = r.key
         WHERE NOT ${PASS} AND c.source_ip IS NOT NULL GROUP BY r.domain, c.source_ip)
       WHERE k <= 10 ORDER BY domain, k`,
      agg.params,
    );
    const orgs = await this.db.all(
      `SELECT r.domain, r.org_name AS org, count(DISTINCT r.key) AS reports, coalesce(sum(c.count), 0) AS messages,
              coalesce(sum(CASE WHEN ${PASS} THEN c.count END), 0) AS pass
       FROM ${reports} r LEFT JOIN dmarc_aggregate_records c ON c.report = r.key
       GROUP BY r.domain, r.org_name ORDER BY r.domain, messages DESC, org`,
      agg.params,
    );
    const unit = options.trend ?? 'day';
    const trend = await this.db.all(
      `SELECT r.domain, strftime(date_trunc('${unit === 'week' ? 'week' : 'day'}', timezone('UTC', r.begin_at)), '%Y-%m-%d') AS period,
              coalesce(sum(c.count), 0) AS messages,
              coalesce(sum(CASE WHEN ${PASS} THEN c.count END), 0) AS pass,
              coalesce(sum(CASE WHEN c.spf = 'pass' THEN c.count END), 0) AS spf,
              coalesce(sum(CASE WHEN c.dkim = 'pass' THEN c.count END), 0) AS dkim
       FROM ${reports} r LEFT JOIN dmarc_aggregate_records c ON c.report = r.key
       WHERE r.begin_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
      agg.params,
    );
    const fail = this.where(filter, { time: 'arrival_date', domain: 'reported_domain' });
    const failures = await this.db.all(
      `SELECT reported_domain AS domain, count(*) AS n FROM dmarc_failure_reports ${fail.sql} GROUP BY 1`,
      fail.params,
    );
    const tls = await this.tlsSummaries(filter);
    const domains = new Set<string>([
      ...main.map((r) => String(r.domain)),
      ...failures.filter((r) => r.domain !== null).map((r) => String(r.domain)),
      ...tls.keys(),
    ]);
    const byDomain = <T extends Record<string, unknown>>(rows: T[]) => {
      const m = new Map<string, T[]>();
      for (const r of rows) {
        const d = String(r.domain);
        m.set(d, [...(m.get(d) ?? []), r]);
      }
      return m;
    };
    const failingBy = byDomain(failing);
    const orgsBy = byDomain(orgs);
    const trendBy = byDomain(trend);
    const mainBy = new Map(main.map((r) => [String(r.domain), r]));
    const failuresBy = new Map(failures.map((r) => [String(r.domain), num(r.n)]));
    return [...domains].sort().map((domain): DomainSummary => {
      const m = mainBy.get(domain);
      const messages = num(m?.messages);
      return {
        domain,
        period: { begin: strOrNull(m?.first), end: strOrNull(m?.last) },
        reports: num(m?.reports),
        messages,
        dmarcPass: share(num(m?.pass), messages),
        spfAligned: share(num(m?.spf), messages),
        dkimAligned: share(num(m?.dkim), messages),
        dispositions: { none: num(m?.d_none), quarantine: num(m?.d_quarantine), reject: num(m?.d_reject) },
        sources: num(m?.sources),
        topFailingSources: (failingBy.get(domain) ?? []).map((r) => ({
          ip: String(r.ip),
          messages: num(r.n),
        })),
        organisations: (orgsBy.get(domain) ?? []).map((r) => ({
          organisation: strOrNull(r.org),
          reports: num(r.reports),
          messages: num(r.messages),
          dmarcPass: share(num(r.pass), num(r.messages)),
        })),
        trend: (trendBy.get(domain) ?? []).map((r) => ({
          period: String(r.period),
          messages: num(r.messages),
          dmarcPass: share(num(r.pass), num(r.messages)),
          spfAligned: share(num(r.spf), num(r.messages)),
          dkimAligned: share(num(r.dkim), num(r.messages)),
        })),
        failureReports: failuresBy.get(domain) ?? 0,
        tls: tls.get(domain) ?? {
          reports: 0,
          successfulSessions: 0,
          failedSessions: 0,
          failureTypes: {},
          policies: [],
          mx: [],
        },
      };
    });
  }

  private async tlsSummaries(filter: ReportFilter): Promise<Map<string, TlsSummary>> {
    const w = this.where(
      { ...filter, domain: undefined },
      { time: 't.begin_at', org: 't.organization_name' },
    );
    const params = [...w.params];
    let dom = '';
    if (filter.domain !== undefined) {
      params.push(filter.domain.toLowerCase());
      dom = `${w.sql ? ' AND' : 'WHERE'} p.policy_domain = $${params.length}`;
    }
    const join = 'tls_reports t JOIN tls_policies p ON p.report = t.key';
    const cond = `${w.sql}${dom}`;
    const from = `${join} ${cond}`;
    const policies = await this.db.all(
      `SELECT p.policy_domain AS domain, p.policy_type AS type, count(DISTINCT t.key) AS reports,
              coalesce(sum(p.successful_sessions), 0) AS ok, coalesce(sum(p.failed_sessions), 0) AS failed
       FROM ${from} GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    const failures = await this.db.all(
      `SELECT p.policy_domain AS domain, f.receiving_mx_hostname AS mx, coalesce(f.result_type, '(none)') AS type,
              coalesce(sum(f.failed_sessions), 0) AS n
       FROM ${join} JOIN tls_failures f ON f.report = p.report AND f.policy = p.n ${cond}
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      params,
    );
    const reportsPer = await this.db.all(
      `SELECT p.policy_domain AS domain, count(DISTINCT t.key) AS n FROM ${from} GROUP BY 1`,
      params,
    );
    const out = new Map<string, TlsSummary>();
    const get = (d: string) => {
      let s = out.get(d);
      if (!s) {
        s = { reports: 0, successfulSessions: 0, failedSessions: 0, failureTypes: {}, policies: [], mx: [] };
        out.set(d, s);
      }
      return s as { -readonly [K in keyof TlsSummary]: TlsSummary[K] };
    };
    for (const r of reportsPer) if (r.domain !== null) get(String(r.domain)).reports = num(r.n);
    for (const r of policies) {
      if (r.domain === null) continue;
      const s = get(String(r.domain));
      s.successfulSessions += num(r.ok);
      s.failedSessions += num(r.failed);
      s.policies.push({
        policyType: strOrNull(r.type),
        policyDomain: strOrNull(r.domain),
        successfulSessions: num(r.ok),
        failedSessions: num(r.failed),
      });
    }
    for (const r of failures) {
      if (r.domain === null) continue;
      const s = get(String(r.domain));
      const type = String(r.type);
      s.failureTypes[type] = (s.failureTypes[type] ?? 0) + num(r.n);
      const mx = strOrNull(r.mx);
      let row = s.mx.find((x) => x.mx === mx);
      if (!row) {
        row = { mx, failedSessions: 0, failureTypes: {} };
        s.mx.push(row);
      }
      (row as { failedSessions: number }).failedSessions += num(r.n);
      row.failureTypes[type] = (row.failureTypes[type] ?? 0) + num(r.n);
    }
    return out;
  }

  async sourceStats(filter: ReportFilter & { domain: string }): Promise<SourceStats[]> {
    if (!this.present) return [];
    const w = this.where(filter, { time: 'begin_at', domain: 'policy_domain', org: 'org_name' });
    const reports = `(SELECT key, begin_at, end_at FROM dmarc_aggregate_reports ${w.sql})`;
    const rows = await this.db.all(
      `SELECT c.source_ip AS ip, coalesce(sum(c.count), 0) AS messages,
              coalesce(sum(CASE WHEN c.dkim = 'pass' OR c.spf = 'pass' THEN c.count END), 0) AS pass,
              coalesce(sum(CASE WHEN c.spf = 'pass' THEN c.count END), 0) AS spf,
              coalesce(sum(CASE WHEN c.dkim = 'pass' THEN c.count END), 0) AS dkim,
              coalesce(sum(CASE WHEN c.spf_auth = 'pass' THEN c.count END), 0) AS spf_auth,
              coalesce(sum(CASE WHEN c.dkim_auth = 'pass' THEN c.count END), 0) AS dkim_auth,
              coalesce(sum(CASE WHEN regexp_matches(coalesce(c.reasons, ''), '${FORWARD_REASON}', 'i') THEN c.count END), 0) AS fwd,
              ${iso('min(r.begin_at)')} AS first, ${iso('max(r.end_at)')} AS last
       FROM ${reports} r JOIN dmarc_aggregate_records c ON c.report = r.key
       WHERE c.source_ip IS NOT NULL GROUP BY c.source_ip ORDER BY messages DESC, ip`,
      w.params,
    );
    const domains = async (expr: string) => {
      const m = new Map<string, string[]>();
      const d = await this.db.all(
        `SELECT ip, d FROM (
           SELECT c.source_ip AS ip, ${expr} AS d, sum(c.count) AS n,
                  row_number() OVER (PARTITION BY c.source_ip ORDER BY sum(c.count) DESC, ${expr}) AS k
           FROM ${reports} r JOIN dmarc_aggregate_records c ON c.report = r.key
           WHERE c.source_ip IS NOT NULL AND ${expr} IS NOT NULL GROUP BY 1, 2)
         WHERE k <= 5 ORDER BY ip, k`,
        w.params,
      );
      for (const r of d) m.set(String(r.ip), [...(m.get(String(r.ip)) ?? []), String(r.d)]);
      return m;
    };
    const env = await domains(
      "coalesce(c.envelope_from, json_extract_string(c.doc, '$.authResults.spf[0].domain'))",
    );
    const dk = await domains("json_extract_string(c.doc, '$.authResults.dkim[0].domain')");
    return rows.map((r) => ({
      ip: String(r.ip),
      messages: num(r.messages),
      dmarcPass: num(r.pass),
      spfAligned: num(r.spf),
      dkimAligned: num(r.dkim),
      spfAuthPass: num(r.spf_auth),
      dkimAuthPass: num(r.dkim_auth),
      forwardedReason: num(r.fwd),
      firstSeen: strOrNull(r.first),
      lastSeen: strOrNull(r.last),
      envelopeDomains: env.get(String(r.ip)) ?? [],
      dkimDomains: dk.get(String(r.ip)) ?? [],
    }));
  }

  async list(filter: ReportFilter = {}, options: { limit?: number } = {}): Promise<ListedReport[]> {
    if (!this.present) return [];
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1_000_000));
    const params: DuckDBValue[] = [];
    const parts: string[] = [];
    const want = (k: FeedbackReport['kind']) => filter.kind === undefined || filter.kind === k;
    if (want('dmarc-aggregate')) {
      const w = this.where(filter, { time: 'begin_at', domain: 'policy_domain', org: 'org_name' }, params);
      parts.push(`SELECT key, 'dmarc-aggregate' AS kind, org_name AS org, report_id, policy_domain AS domain,
                         begin_at, end_at, coalesce(messages, 0) AS messages, record_count AS records,
                         json_array_length(doc->'problems') AS problems, source_file, source_entry, imported_at
                  FROM dmarc_aggregate_reports ${w.sql}`);
    }
    if (want('tls-rpt')) {
      const base = this.where(
        { ...filter, domain: undefined },
        { time: 'begin_at', org: 'organization_name' },
        params,
      );
      let dom = '';
      if (filter.domain !== undefined) {
        params.push(filter.domain.toLowerCase());
        dom = `${base.sql ? ' AND' : 'WHERE'} key IN (SELECT report FROM tls_policies WHERE policy_domain = $${params.length})`;
      }
      parts.push(`SELECT key, 'tls-rpt' AS kind, organization_name AS org, report_id,
                         (SELECT string_agg(DISTINCT policy_domain, ',') FROM tls_policies p WHERE p.report = t.key) AS domain,
                         begin_at, end_at,
                         (SELECT coalesce(sum(successful_sessions), 0) + coalesce(sum(failed_sessions), 0) FROM tls_policies p WHERE p.report = t.key) AS messages,
                         (SELECT count(*) FROM tls_policies p WHERE p.report = t.key) AS records,
                         json_array_length(doc->'problems') AS problems, source_file, source_entry, imported_at
                  FROM tls_reports t ${base.sql}${dom}`);
    }
    if (want('dmarc-failure')) {
      const w = this.where(
        { ...filter, org: undefined },
        { time: 'arrival_date', domain: 'reported_domain' },
        params,
      );
      const org = filter.org !== undefined ? `${w.sql ? ' AND' : 'WHERE'} false` : '';
      parts.push(`SELECT key, 'dmarc-failure' AS kind, doc->>'userAgent' AS org, NULL AS report_id,
                         reported_domain AS domain, arrival_date AS begin_at, arrival_date AS end_at, 1 AS messages,
                         0 AS records, json_array_length(doc->'problems') AS problems, source_file, source_entry, imported_at
                  FROM dmarc_failure_reports ${w.sql}${org}`);
    }
    if (!parts.length) return [];
    const rows = await this.db.all(
      `SELECT key, kind, org, report_id, domain, ${iso('begin_at')} AS b, ${iso('end_at')} AS e, messages, records,
              problems, source_file, source_entry, ${iso('imported_at')} AS imported
       FROM (${parts.join(' UNION ALL ')}) ORDER BY begin_at DESC NULLS LAST, key LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.key).slice(0, 16),
      kind: String(r.kind) as FeedbackReport['kind'],
      organisation: strOrNull(r.org),
      reportId: strOrNull(r.report_id),
      domain: strOrNull(r.domain),
      begin: strOrNull(r.b),
      end: strOrNull(r.e),
      messages: num(r.messages),
      records: num(r.records),
      problems: num(r.problems),
      source: r.source_entry ? `${r.source_file} → ${r.source_entry}` : String(r.source_file),
      importedAt: String(r.imported),
    }));
  }

  async show(
    id: string,
    options: { recordLimit?: number } = {},
  ): Promise<ShownReport | 'ambiguous' | undefined> {
    if (!this.present || !/^[0-9a-f]{6,64}$/i.test(id)) return undefined;
    const prefix = `${id.toLowerCase()}%`;
    const rows = await this.db.all(
      `SELECT key, kind, doc, ${iso('imported_at')} AS imported FROM (
         SELECT key, 'dmarc-aggregate' AS kind, doc, imported_at FROM dmarc_aggregate_reports
         UNION ALL SELECT key, 'tls-rpt', doc, imported_at FROM tls_reports
         UNION ALL SELECT key, 'dmarc-failure', doc, imported_at FROM dmarc_failure_reports)
       WHERE key LIKE $1 LIMIT 2`,
      [prefix],
    );
    if (rows.length > 1) return 'ambiguous';
    const row = rows[0];
    if (!row) return undefined;
    const key = String(row.key);
    const kind = String(row.kind) as FeedbackReport['kind'];
    const doc = JSON.parse(String(row.doc)) as Record<string, unknown>;
    let moreRecords = 0;
    if (kind === 'dmarc-aggregate') {
      const limit = Math.max(0, Math.min(options.recordLimit ?? 1_000_000, 10_000_000));
      const recs = await this.db.all(
        `SELECT CAST(doc AS VARCHAR) AS d FROM dmarc_aggregate_records WHERE report = $1 ORDER BY n LIMIT ${limit}`,
        [key],
      );
      doc.records = recs.map((r) => JSON.parse(String(r.d)));
      moreRecords = Math.max(0, num(doc.recordCount) - recs.length);
    } else if (kind === 'tls-rpt') {
      const pols = await this.db.all(
        `SELECT n, policy_type, policy_domain, CAST(policy_string AS VARCHAR) AS ps, CAST(mx_host AS VARCHAR) AS mx,
                successful_sessions, failed_sessions FROM tls_policies WHERE report = $1 ORDER BY n`,
        [key],
      );
      const fails = await this.db.all('SELECT * FROM tls_failures WHERE report = $1 ORDER BY policy, n', [
        key,
      ]);
      doc.policies = pols.map((p) => ({
        policyType: strOrNull(p.policy_type),
        policyDomain: strOrNull(p.policy_domain),
        policyString: JSON.parse(String(p.ps)),
        mxHost: JSON.parse(String(p.mx)),
        successfulSessions: p.successful_sessions === null ? null : num(p.successful_sessions),
        failedSessions: p.failed_sessions === null ? null : num(p.failed_sessions),
        failures: fails
          .filter((f) => num(f.policy) === num(p.n))
          .map((f) => ({
            resultType: strOrNull(f.result_type),
            sendingMtaIp: strOrNull(f.sending_mta_ip),
            receivingMxHostname: strOrNull(f.receiving_mx_hostname),
            receivingMxHelo: strOrNull(f.receiving_mx_helo),
            receivingIp: strOrNull(f.receiving_ip),
            failedSessions: f.failed_sessions === null ? null : num(f.failed_sessions),
            additionalInformation: strOrNull(f.additional_information),
            failureReasonCode: strOrNull(f.failure_reason_code),
          })),
      }));
    }
    return {
      id: key.slice(0, 16),
      kind,
      importedAt: String(row.imported),
      report: doc as unknown as FeedbackReport,
      moreRecords,
    };
  }
}
