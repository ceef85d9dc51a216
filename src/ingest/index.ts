/**
 * FeedbackReport ingest: reading reports (`read.ts`: `streamReports`, `readReports`) and who sends
 * as a domain (`sources.ts`).
 */
export type {
  AggregateRecord,
  AggregateReport,
  FailureReport,
  FeedbackReport,
  ReportSource,
  TlsReport,
} from './normalise.ts';
export type { ReadEvent, ReadOptions, ReadResult, Unreadable } from './read.ts';
export { readReports, streamReports } from './read.ts';
export type { Catalogue, Sender, SenderKind, SourceClass, SourceRow, SourcesOptions } from './sources.ts';
export { BUILTIN_CATALOGUE, classifySource, parseCatalogue, reportSources } from './sources.ts';
export { AggregateTotals, summarise } from './summary.ts';
export type { Chunks, UnpackLimits } from './unpack.ts';
