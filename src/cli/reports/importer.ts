/**
 * The write side of `reports import`, shared by files and IMAP: takes the events of one input
 * (`streamReports`) and stores them in batches — small reports collected up to a batch, a large
 * aggregate report streamed record batch by record batch in its own transaction — so that memory
 * stays flat whatever the number of reports in an input (an mbox of 20,000) or the records in a
 * report (a million).
 */
import type {
  AggregateRecord,
  AggregateReport,
  FeedbackReport,
  ReadEvent,
  Unreadable,
} from '../../ingest/read.ts';
import type { AggregateWriter, InputMark, ReportStore } from '../../store/report-store.ts';
import type { CommandIo } from '../command.ts';

/** the summary of `reports import` (`--json` prints it as one object) */
export interface ImportSummary {
  db: string;
  /** input files read (whether or not they held a report); IMAP: `messages` instead */
  files?: number;
  messages?: number;
  /** reports found in them */
  reports: number;
  /** reports stored by this run */
  new: number;
  /** reports already stored (by an earlier run, another file, or earlier in this run) */
  duplicates: number;
  /** files or parts of files that held no readable report, and reports that could not be stored */
  unreadable: number;
}

/** reports per transaction */
const BATCH_REPORTS = 1000;
/** records per transaction (over the reports of a batch) */
const BATCH_RECORDS = 50_000;

export function warnUnreadable(shown: string, u: Unreadable, io: CommandIo): void {
  io.stderr.write(`mailsec: ${shown}${u.source.entry ? ` (${u.source.entry})` : ''}: ${u.reason}\n`);
}

export interface InputResult {
  /** reports found in the input (stored now, or duplicates) */
  reports: number;
  /** parts that held no readable report */
  unreadable: number;
  /** reports that could not be stored */
  failed: number;
  /** the input stopped at a cap */
  stopped: boolean;
}

export class Importer {
  store: ReportStore;
  private readonly io: CommandIo;
  readonly summary: ImportSummary;
  private pending: FeedbackReport[] = [];
  private pendingRecords = 0;
  private pendingInputs: InputMark[] = [];
  /** failures of the current batch are counted against the inputs that were not yet flushed */
  private failedInBatch = 0;

  constructor(store: ReportStore, io: CommandIo, summary: ImportSummary) {
    this.store = store;
    this.io = io;
    this.summary = summary;
  }

  /** Writes what is pending (one transaction). */
  async flush(): Promise<void> {
    if (!this.pending.length && !this.pendingInputs.length) return;
    const reports = this.pending;
    const inputs = this.pendingInputs;
    this.pending = [];
    this.pendingRecords = 0;
    this.pendingInputs = [];
    const counts = await this.store.importBatch(reports, inputs);
    this.summary.new += counts.added;
    this.summary.duplicates += counts.duplicates;
    this.summary.unreadable += counts.failed.length;
    this.failedInBatch += counts.failed.length;
    for (const f of counts.failed) {
      const entry = f.report.source.entry;
      this.io.stderr.write(`mailsec: ${f.report.source.file}${entry ? ` (${entry})` : ''}: ${f.reason}\n`);
    }
  }

  private async add(r: FeedbackReport): Promise<void> {
    this.pending.push(r);
    this.pendingRecords += r.kind === 'dmarc-aggregate' ? r.records.length : 1;
    if (this.pending.length >= BATCH_REPORTS || this.pendingRecords >= BATCH_RECORDS) await this.flush();
  }

  /** Counts a known input (skipped unread) with the reports stored from it before. */
  known(reports: number): void {
    this.summary.reports += reports;
    this.summary.duplicates += reports;
  }

  /**
   * Stores the reports of one input. `mark`: remember the input as read (a file's digest) once
   * its reports are stored; it is not remembered when a report could not be stored or a cap
   * stopped it, so the next run reads it again.
   */
  async input(
    events: AsyncIterable<ReadEvent>,
    shown: string,
    mark?: Omit<InputMark, 'reports'>,
  ): Promise<InputResult> {
    const result: InputResult = { reports: 0, unreadable: 0, failed: 0, stopped: false };
    const failedBefore = this.summary.unreadable;
    let head: AggregateReport | undefined;
    let writer: AggregateWriter | null | 'failed' | undefined;
    let messageReports = 0;
    let messageUnreadable = 0;
    const found = () => {
      result.reports++;
      messageReports++;
      this.summary.reports++;
    };
    for await (const e of events) {
      switch (e.type) {
        case 'report':
          found();
          await this.add(e.report);
          break;
        case 'unreadable':
          result.unreadable++;
          messageUnreadable++;
          this.summary.unreadable++;
          if (/cap|more than/.test(e.unreadable.reason)) result.stopped = true;
          warnUnreadable(shown, e.unreadable, this.io);
          break;
        case 'message':
          if (e.known !== undefined) this.known(e.known);
          else if (!messageUnreadable || messageReports) {
            this.pendingInputs.push({
              digest: e.digest,
              kind: 'message',
              name: `${shown} (${e.source.entry})`,
              reports: messageReports,
            });
          }
          messageReports = 0;
          messageUnreadable = 0;
          break;
        case 'aggregate-start':
          await this.flush();
          head = e.head;
          writer = undefined;
          break;
        case 'aggregate-records':
          writer = await this.records(head, writer, e.records);
          break;
        case 'aggregate-end':
          found();
          if (writer === undefined) writer = await this.records(e.report, undefined, []);
          if (writer === null) this.summary.duplicates++;
          else if (writer !== 'failed' && writer !== undefined) {
            try {
              await writer.finish(e.report);
              this.summary.new++;
            } catch (err) {
              this.summary.unreadable++;
              this.failedInBatch++;
              this.io.stderr.write(
                `mailsec: ${shown}${e.report.source.entry ? ` (${e.report.source.entry})` : ''}: not stored (${(err as Error).message.split('\n')[0]})\n`,
              );
            }
          }
          head = undefined;
          writer = undefined;
          break;
        case 'aggregate-abort':
          if (writer && writer !== 'failed') await writer.abort();
          head = undefined;
          writer = undefined;
          result.stopped = true;
          break;
      }
    }
    if (writer && writer !== 'failed') await writer.abort();
    result.failed = this.summary.unreadable - failedBefore - result.unreadable;
    if (mark && !result.stopped) this.pendingInputs.push({ ...mark, reports: result.reports });
    return result;
  }

  /** the writer of a streamed report, begun at its first records; null for a duplicate */
  private async records(
    head: AggregateReport | undefined,
    writer: AggregateWriter | null | 'failed' | undefined,
    records: AggregateRecord[],
  ): Promise<AggregateWriter | null | 'failed' | undefined> {
    if (!head || writer === 'failed') return writer;
    if (writer === undefined) writer = await this.store.beginAggregate(head, records);
    if (writer) {
      try {
        await writer.add(records);
      } catch (err) {
        this.io.stderr.write(
          `mailsec: ${head.source.file}${head.source.entry ? ` (${head.source.entry})` : ''}: not stored (${(err as Error).message.split('\n')[0]})\n`,
        );
        this.summary.unreadable++;
        this.failedInBatch++;
        return 'failed';
      }
    }
    return writer;
  }

  /** failures since the last call (for IMAP: a message with a failed report is not marked read) */
  takeFailures(): number {
    const n = this.failedInBatch;
    this.failedInBatch = 0;
    return n;
  }
}
