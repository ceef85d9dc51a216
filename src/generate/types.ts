/**
 * `mailsec generate`: the records (and files) to publish, derived from options alone or from the
 * live state of a domain as mailsec's own checks see it. The contract (interface.md):
 * `{ kind, domain, records: [{ name, type, ttl, value }], files: [{ url, contentType, body }], notes }`.
 */
import type { BimiEvidence } from '../checks/bimi/check.ts';
import type { CaaEvidence } from '../checks/caa/check.ts';
import type { DkimEvidence } from '../checks/dkim/check.ts';
import type { DmarcEvidence } from '../checks/dmarc/check.ts';
import type { DnssecEvidence } from '../checks/dnssec/check.ts';
import type { MtaStsEvidence } from '../checks/mta-sts/check.ts';
import type { MxEvidence } from '../checks/mx/check.ts';
import type { SmtpEvidence } from '../checks/smtp/check.ts';
import type { SpfEvidence } from '../checks/spf/check.ts';
import type { TlsRptEvidence } from '../checks/tls-rpt/check.ts';
import type { CheckId, CheckOptions } from '../checks/types.ts';
import type { Finding } from '../core/finding.ts';
import type { CheckResult } from '../core/result.ts';
import type { Status } from '../core/status.ts';
import type { HttpResponse } from '../net/https.ts';
import type { PresentedRecord } from '../protocol/presentation.ts';

export const GENERATE_KINDS = [
  'spf',
  'dmarc',
  'mta-sts',
  'tls-rpt',
  'tlsa',
  'caa',
  'bimi',
  'parked',
] as const;
export type GenerateKind = (typeof GENERATE_KINDS)[number];

/** How a record relates to what is published now (only known with --for). */
export type RecordChange = 'new' | 'replace' | 'unchanged';

export interface GeneratedRecord extends PresentedRecord {
  /** with --for: whether publishing it adds, replaces or keeps a record */
  readonly change?: RecordChange;
}

export interface GeneratedFile {
  readonly url: string;
  readonly contentType: string;
  readonly body: string;
}

/** One step of a rollout (`generate dmarc --plan`, `generate tlsa --next-key`). */
export interface PlanStep {
  readonly step: number;
  readonly title: string;
  /** what to do, in one or two sentences */
  readonly action: string;
  /** the records of this step (the complete set at their names) */
  readonly records: readonly GeneratedRecord[];
  /** DMARC: the share of messages that must pass DMARC in the reports before this step */
  readonly requires?: { readonly dmarcPass: number; readonly days: number } | null;
  /** DMARC with --reports: the share seen (null: no reports) */
  readonly observed?: { readonly dmarcPass: number | null; readonly messages: number } | null;
  /** DMARC with --reports: whether the reports allow this step now (null: unknown) */
  readonly ready?: boolean | null;
  /** the step that is live now */
  readonly current?: boolean;
}

/** What mailsec's checks say about the domain once the records are published (the dry run). */
export interface Verification {
  readonly sections: Readonly<Partial<Record<CheckId, { status: Status; findings: readonly string[] }>>>;
  /** error and warning findings of those sections, with their messages */
  readonly findings: readonly Pick<Finding, 'id' | 'severity' | 'message'>[];
}

export interface GenerateResult {
  readonly kind: GenerateKind;
  readonly domain: string;
  /** 'live': derived from the domain's state (--for); 'options': from the options alone */
  readonly source: 'live' | 'options';
  readonly records: readonly GeneratedRecord[];
  readonly files: readonly GeneratedFile[];
  /** why each part is there */
  readonly notes: readonly string[];
  /** what stays risky or needs care (maintenance, mailboxes that must exist, …) */
  readonly warnings: readonly string[];
  /** set when the generator refuses (records and files are then empty): why, and what to do next */
  readonly refused: { readonly reason: string; readonly next: string } | null;
  /** rollout steps (dmarc --plan, tlsa --next-key) */
  readonly plan?: readonly PlanStep[];
  /** with --for: the dry run of mailsec's checks with these records published */
  readonly verified?: Verification;
  /** kind-specific details (caa: issuers; spf: sources, flattened includes) */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A certificate chain presented for one of the domain's own names (CAA evidence). */
export interface PresentedCertificate {
  /** the host name, e.g. www.example.ch or mx1.example.ch */
  readonly host: string;
  /** where it was seen */
  readonly via: 'https' | 'smtp';
  /** issuer DN of the leaf (`O=Let's Encrypt, CN=R11`) */
  readonly issuer: string | null;
  /** why no certificate was read (no address, connection refused, invalid certificate …) */
  readonly problem: string | null;
}

/** Aggregate-report figures for a domain (from `mailsec reports import`d data). */
export interface ReportEvidence {
  readonly messages: number;
  /** share of messages passing DMARC, 0–100 (null when no messages) */
  readonly dmarcPass: number | null;
  readonly days: number;
  /** per source, when the store can classify them */
  readonly sources?: readonly ReportSource[];
}

/** One sending source as `mailsec reports sources` classifies it. */
export interface ReportSource {
  readonly ip: string;
  readonly ptr: string | null;
  readonly organisation: string | null;
  readonly messages: number;
  /** messages that passed DMARC / were DKIM-aligned / SPF-aligned (counts) */
  readonly dmarcPass: number;
  readonly dkimAligned: number;
  readonly spfAligned: number;
  readonly class: 'authorised' | 'forwarder' | 'unauthorised' | 'unknown';
  /** the SPF include the service asks its customers to publish (from the catalogue), if known */
  readonly spfInclude: string | null;
}

/** The live state of a domain as mailsec's checks saw it (each section only when gathered). */
export interface LiveEvidence {
  readonly domain: string;
  readonly now: Date;
  readonly results: {
    readonly dnssec?: CheckResult<DnssecEvidence>;
    readonly mx?: CheckResult<MxEvidence>;
    readonly smtp?: CheckResult<SmtpEvidence>;
    readonly spf?: CheckResult<SpfEvidence>;
    readonly dkim?: CheckResult<DkimEvidence>;
    readonly dmarc?: CheckResult<DmarcEvidence>;
    readonly mtaSts?: CheckResult<MtaStsEvidence>;
    readonly tlsRpt?: CheckResult<TlsRptEvidence>;
    readonly caa?: CheckResult<CaaEvidence>;
    readonly bimi?: CheckResult<BimiEvidence>;
  };
  /** certificates of the domain's own HTTPS hosts (apex, www, mta-sts), when gathered */
  readonly web?: readonly (PresentedCertificate & { readonly response: HttpResponse | null })[];
  /** imported DMARC reports, when --reports was given */
  readonly reports?: ReportEvidence;
}

/** Options every kind takes. */
export interface CommonOptions {
  readonly ttl: number;
  readonly force: boolean;
}

/** What a kind's generator gets: the domain, its options, and the live state with --for. */
export interface GenerateInput<O> {
  readonly domain: string;
  readonly options: O & CommonOptions;
  readonly live: LiveEvidence | null;
  readonly now: Date;
}

/** The proposal of a kind, before the dry run. */
export type Proposal = Omit<GenerateResult, 'kind' | 'domain' | 'source' | 'verified'>;

export interface GeneratorDef<O> {
  readonly kind: GenerateKind;
  /** checks whose results the generator reads with --for */
  readonly live: readonly CheckId[];
  /** also gather the certificates of the domain's own HTTPS hosts */
  readonly web?: boolean;
  /** the sections the dry run judges */
  readonly sections: readonly CheckId[];
  /** finding ids the dry run may show without refusing, given the options (e.g. p=none's warning) */
  expected?(options: O): readonly string[];
  /** pure: options and evidence → records, files, notes */
  propose(input: GenerateInput<O>): Proposal;
  /** pure, after the dry run: a second proposal from what the checks saw (spf: lookups → flatten) */
  revise?(input: GenerateInput<O>, proposal: Proposal, dry: LiveEvidence['results']): Proposal;
  /** check options the dry run needs (bimi: the selector) */
  checkOptions?(options: O): Partial<CheckOptions>;
}
