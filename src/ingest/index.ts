/**
 * FeedbackReport ingest, first part: the bytes of one input file → the normalised reports it holds, and
 * a reason for each part that holds none. No file system access here (the CLI reads files).
 */
import { parseAggregate } from './dmarc-aggregate.ts';
import { parseFailureReport } from './dmarc-failure.ts';
import type { FeedbackReport, Parsed, ReportSource } from './normalise.ts';
import { parseTlsRpt } from './tls-rpt.ts';
import type { UnpackLimits } from './unpack.ts';
import { unpack } from './unpack.ts';

export type { AggregateReport, FailureReport, FeedbackReport, ReportSource, TlsReport } from './normalise.ts';
export { summarise } from './summary.ts';
export type { UnpackLimits } from './unpack.ts';

export interface Unreadable {
  readonly source: ReportSource;
  readonly reason: string;
}

export interface ReadResult {
  readonly reports: FeedbackReport[];
  readonly unreadable: Unreadable[];
}

export interface ReadOptions {
  readonly limits?: Partial<UnpackLimits>;
  readonly maxRecords?: number;
}

export async function readReports(
  bytes: Uint8Array,
  file: string,
  options: ReadOptions = {},
): Promise<ReadResult> {
  const reports: FeedbackReport[] = [];
  const unreadable: Unreadable[] = [];
  let items: Awaited<ReturnType<typeof unpack>>;
  try {
    items = await unpack(bytes, options.limits);
  } catch (e) {
    // a bug or a library's surprise must not end the run: this file is reported unreadable
    const reason = `unexpected error while unpacking (${e instanceof Error ? e.message : String(e)})`;
    return { reports, unreadable: [{ source: { file, entry: null }, reason }] };
  }
  for (const item of items) {
    const source: ReportSource = { file, entry: item.entry ?? null };
    let parsed: Parsed<FeedbackReport> | undefined;
    if (item.type === 'unreadable') {
      unreadable.push({ source, reason: item.reason });
      continue;
    }
    if (item.type === 'xml') {
      const opts = options.maxRecords === undefined ? {} : { maxRecords: options.maxRecords };
      parsed = parseAggregate(item.text, source, opts);
    } else if (item.type === 'json') parsed = parseTlsRpt(item.text, source);
    else if (item.type === 'arf') parsed = parseFailureReport(item.feedback, item.originalHeaders, source);
    if (!parsed) continue;
    if (parsed.ok) {
      if (item.type !== 'arf')
        for (const text of item.notes) parsed.value.problems.push({ code: 'truncated', text });
      reports.push(parsed.value);
    } else unreadable.push({ source, reason: parsed.problems.map((p) => p.text ?? p.code).join('; ') });
  }
  return { reports, unreadable };
}
