/**
 * FeedbackReport ingest, first part (re-exported by `index.ts`; the CLI imports it alone, so that
 * reading reports does not load the sources' DNS stack): one input (bytes in chunks) → the normalised reports it
 * holds, streamed, and a reason for each part that holds none. No file system access here (the
 * CLI reads files, IMAP fetches messages).
 *
 * `streamReports` yields events in input order: a whole `report`; or, for an aggregate report
 * with many records, `aggregate-start` (the head), `aggregate-records` batches and
 * `aggregate-end` (the final count and problems) — or `aggregate-abort` when the input stopped
 * inside it (a cap: nothing of it may be stored); `unreadable` parts; and `message` after each
 * message of an mbox (for re-import bookkeeping).
 */
import { AggregateParser, parseAggregateWhole, WHOLE_CHARS } from './dmarc-aggregate.ts';
import { parseEximFailure, parseFailureReport } from './dmarc-failure.ts';
import type { AggregateRecord, AggregateReport, FeedbackReport, Parsed, ReportSource } from './normalise.ts';
import { parseTlsRpt } from './tls-rpt.ts';
import type { Chunks, UnpackLimits, UnpackOptions } from './unpack.ts';
import { unpackStream } from './unpack.ts';

export type {
  AggregateRecord,
  AggregateReport,
  FailureReport,
  FeedbackReport,
  ReportSource,
  TlsReport,
} from './normalise.ts';
export { AggregateTotals, summarise } from './summary.ts';
export type { Chunks, UnpackLimits } from './unpack.ts';

export interface Unreadable {
  readonly source: ReportSource;
  readonly reason: string;
}

export type ReadEvent =
  | { readonly type: 'report'; readonly report: FeedbackReport }
  | { readonly type: 'aggregate-start'; readonly head: AggregateReport }
  | { readonly type: 'aggregate-records'; readonly records: AggregateRecord[] }
  | { readonly type: 'aggregate-end'; readonly report: AggregateReport }
  | { readonly type: 'aggregate-abort'; readonly source: ReportSource; readonly reason: string }
  | { readonly type: 'unreadable'; readonly unreadable: Unreadable }
  | {
      readonly type: 'message';
      readonly source: ReportSource;
      readonly digest: string;
      readonly known?: number;
    };

export interface ReadOptions extends Omit<UnpackOptions, 'limits'> {
  readonly limits?: Partial<UnpackLimits>;
  /** records an aggregate report may hold and still come out whole (default 10,000) */
  readonly inlineRecords?: number;
}

function fromParsed(p: Parsed<FeedbackReport>, source: ReportSource): ReadEvent {
  return p.ok
    ? { type: 'report', report: p.value }
    : {
        type: 'unreadable',
        unreadable: { source, reason: p.problems.map((x) => x.text ?? x.code).join('; ') },
      };
}

/** Every report in one input, streamed (see the module comment). Never throws for bad input. */
export async function* streamReports(
  input: Uint8Array | Chunks,
  file: string,
  options: ReadOptions = {},
): AsyncGenerator<ReadEvent> {
  const items = unpackStream(input, options);
  for (;;) {
    let next: IteratorResult<Awaited<ReturnType<typeof items.next>>['value']>;
    try {
      next = await items.next();
    } catch (e) {
      // a bug or a library's surprise must not end the run: the rest of this input is unreadable
      const reason = `unexpected error while unpacking (${e instanceof Error ? e.message : String(e)})`;
      yield { type: 'unreadable', unreadable: { source: { file, entry: null }, reason } };
      return;
    }
    if (next.done) return;
    const item = next.value;
    const source: ReportSource = { file, entry: item.entry ?? null };
    switch (item.type) {
      case 'unreadable':
        yield { type: 'unreadable', unreadable: { source, reason: item.reason } };
        break;
      case 'message':
        yield {
          type: 'message',
          source,
          digest: item.digest,
          ...(item.known !== undefined ? { known: item.known } : {}),
        };
        break;
      case 'json': {
        const ev = fromParsed(parseTlsRpt(item.text, source), source);
        if (ev.type === 'report')
          for (const t of item.notes as string[]) ev.report.problems.push({ code: 'truncated', text: t });
        yield ev;
        break;
      }
      case 'arf':
        yield fromParsed(parseFailureReport(item.feedback, item.originalHeaders, source), source);
        break;
      case 'failure-text':
        yield fromParsed(parseEximFailure(item.text, source), source);
        break;
      case 'xml': {
        const p = new AggregateParser(source, options.inlineRecords ? { inline: options.inlineRecords } : {});
        let started = false;
        let done = false;
        const itemNotes: string[] = item.notes;
        const notes = () => itemNotes.map((t) => ({ code: 'truncated', text: t }));
        const handle = function* (events: ReturnType<AggregateParser['push']>): Generator<ReadEvent> {
          for (const e of events) {
            if (e.type === 'fail') {
              done = true;
              yield {
                type: 'unreadable',
                unreadable: { source, reason: e.problems.map((x) => x.text ?? x.code).join('; ') },
              };
            } else if (e.type === 'start') {
              started = true;
              yield { type: 'aggregate-start', head: e.head };
            } else if (e.type === 'records') yield { type: 'aggregate-records', records: e.records };
            else if (e.type === 'end') {
              done = true;
              e.report.problems.push(...notes());
              yield { type: 'aggregate-end', report: e.report };
            } else {
              done = true;
              e.report.problems.push(...notes());
              yield { type: 'report', report: e.report };
            }
          }
        };
        // a small document (nearly every report) is parsed in one call; a large one streams
        const it = item.text[Symbol.iterator]();
        let head = '';
        let ended = false;
        while (head.length <= WHOLE_CHARS) {
          const r = it.next();
          if (r.done) {
            ended = true;
            break;
          }
          head += r.value;
        }
        if (ended && !item.cut() && !item.notes.length) {
          const whole = parseAggregateWhole(head, source);
          if (whole) {
            yield fromParsed(whole, source);
            break;
          }
        }
        yield* handle(p.push(head));
        if (!done) {
          for (let r = it.next(); !r.done; r = it.next()) {
            yield* handle(p.push(r.value));
            if (done) break;
          }
        }
        if (done) break;
        if (item.cut()) {
          // the input's budget ran out inside this document: nothing of it is a whole report
          if (started)
            yield {
              type: 'aggregate-abort',
              source,
              reason: 'the input stopped at its cap inside this report',
            };
          break;
        }
        yield* handle(p.end(item.notes.length > 0));
        break;
      }
    }
  }
}

export interface ReadResult {
  readonly reports: FeedbackReport[];
  readonly unreadable: Unreadable[];
}

/** Every report in one input held in memory, records listed in full (for tests and small inputs). */
export async function readReports(
  bytes: Uint8Array | Chunks,
  file: string,
  options: ReadOptions = {},
): Promise<ReadResult> {
  const reports: FeedbackReport[] = [];
  const unreadable: Unreadable[] = [];
  let open: AggregateRecord[] | undefined;
  for await (const e of streamReports(bytes, file, options)) {
    if (e.type === 'report') reports.push(e.report);
    else if (e.type === 'unreadable') unreadable.push(e.unreadable);
    else if (e.type === 'aggregate-start') open = [];
    else if (e.type === 'aggregate-records') open?.push(...e.records);
    else if (e.type === 'aggregate-end') {
      reports.push({ ...e.report, records: open ?? [] });
      open = undefined;
    } else if (e.type === 'aggregate-abort') open = undefined;
  }
  return { reports, unreadable };
}
