/** mailsec as a library: the same typed objects the CLI prints with --json. */
export type { AuditEnvironment, DomainAudit } from './audit/audit.ts';
export { auditDomain } from './audit/audit.ts';
export type { CheckDomainOptions } from './audit/check-domain.ts';
export { checkDomain } from './audit/check-domain.ts';
export type { DomainDocument, Section } from './audit/document.ts';
export { SCHEMA_VERSION } from './audit/document.ts';
export type { AuditConfig, AuditLive, OpenAuditEnvironment, ResolverProbe } from './audit/environment.ts';
export { createAuditEnvironment, probeResolver } from './audit/environment.ts';
export { CHECK_IDS, CHECKS } from './checks/index.ts';
export type { CheckDefinition, CheckId, CheckOptions, GatherContext } from './checks/types.ts';
export * from './core/index.ts';
export type { Answer, Rcode, Resolver, RRType } from './dns/types.ts';
export type {
  AggregateReport,
  Catalogue,
  FailureReport,
  FeedbackReport,
  ReadEvent,
  ReadResult,
  SourceRow,
  SourcesOptions,
  TlsReport,
} from './ingest/index.ts';
export {
  BUILTIN_CATALOGUE,
  parseCatalogue,
  readReports,
  reportSources,
  streamReports,
} from './ingest/index.ts';
export type { AnalyseMessageOptions, MessageAnalysis } from './message/index.ts';
export { analyseMessage, MessageInputError } from './message/index.ts';
export { buildMessageSchema } from './message/schema.ts';
export { createAddressPolicy } from './net/address-policy.ts';
export { renderHuman } from './render/human.ts';
export { renderJson, renderJsonDocument } from './render/json.ts';
export type {
  DomainSummary,
  ReportFilter,
  ReportReader,
  ReportStore,
  ReportWriter,
} from './store/report-store.ts';
export { openReportStore } from './store/report-store.ts';
