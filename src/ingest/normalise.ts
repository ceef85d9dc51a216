import type { Problem } from '../core/parsed.ts';

/**
 * The normalised report objects of `mailsec reports parse --json` (interface.md "mailsec reports"):
 * one object per report, `kind` first, times as ISO 8601 UTC, enumerations lower-cased, absent
 * optional fields as null. `problems` lists what was tolerated (missing fields, caps hit).
 */

export type { Parsed, Problem } from '../core/parsed.ts';

export interface ReportSource {
  /** the file path as given */
  readonly file: string;
  /** inside an archive or mail: the entry (zip member, attachment, "message 3/…"); null for a plain file */
  readonly entry: string | null;
}

export interface AggregateRecord {
  sourceIp: string | null;
  count: number | null;
  disposition: string | null;
  /** policy-evaluated (aligned) DKIM and SPF results */
  dkim: string | null;
  spf: string | null;
  reasons: { type: string; comment: string | null }[];
  headerFrom: string | null;
  envelopeFrom: string | null;
  envelopeTo: string | null;
  authResults: {
    dkim: {
      domain: string | null;
      selector: string | null;
      result: string | null;
      humanResult: string | null;
    }[];
    spf: { domain: string | null; scope: string | null; result: string | null; humanResult: string | null }[];
  };
}

export interface AggregateReport {
  kind: 'dmarc-aggregate';
  source: ReportSource;
  /** `<version>` as written; null when missing (draft reports) */
  version: string | null;
  /** the XML namespace of `<feedback>` (RFC 9990: urn:ietf:params:xml:ns:dmarc-2.0), null when none */
  namespace: string | null;
  orgName: string | null;
  email: string | null;
  extraContactInfo: string | null;
  /** without the optional enclosing `<>` of RFC 9990 */
  reportId: string | null;
  begin: string | null;
  end: string | null;
  generator: string | null;
  errors: string[];
  policy: {
    domain: string | null;
    p: string | null;
    sp: string | null;
    np: string | null;
    adkim: string | null;
    aspf: string | null;
    pct: number | null;
    fo: string | null;
    testing: string | null;
    discoveryMethod: string | null;
  };
  /** number of `<record>` elements; more than `records.length` when the record cap was hit */
  recordCount: number;
  records: AggregateRecord[];
  problems: Problem[];
}

export interface TlsFailure {
  resultType: string | null;
  sendingMtaIp: string | null;
  receivingMxHostname: string | null;
  receivingMxHelo: string | null;
  receivingIp: string | null;
  failedSessions: number | null;
  additionalInformation: string | null;
  failureReasonCode: string | null;
}

export interface TlsPolicy {
  policyType: string | null;
  policyDomain: string | null;
  policyString: string[];
  mxHost: string[];
  successfulSessions: number | null;
  failedSessions: number | null;
  failures: TlsFailure[];
}

export interface TlsReport {
  kind: 'tls-rpt';
  source: ReportSource;
  organizationName: string | null;
  contactInfo: string | null;
  reportId: string | null;
  begin: string | null;
  end: string | null;
  policies: TlsPolicy[];
  problems: Problem[];
}

export interface FailureReport {
  kind: 'dmarc-failure';
  source: ReportSource;
  feedbackType: string | null;
  userAgent: string | null;
  version: string | null;
  /** RFC 6591 / RFC 9991: adsp, bodyhash, revoked, signature, spf, dmarc */
  authFailure: string[];
  identityAlignment: string[];
  reportedDomain: string | null;
  sourceIp: string | null;
  arrivalDate: string | null;
  originalMailFrom: string | null;
  originalRcptTo: string[];
  originalEnvelopeId: string | null;
  deliveryResult: string | null;
  authenticationResults: string[];
  dkimDomain: string | null;
  dkimIdentity: string | null;
  dkimSelector: string | null;
  /** From, Subject, Message-ID, Date of the original message when its headers were sent */
  original: {
    from: string | null;
    to: string | null;
    subject: string | null;
    messageId: string | null;
    date: string | null;
  } | null;
  problems: Problem[];
}

export type FeedbackReport = AggregateReport | TlsReport | FailureReport;

/** ISO 8601 UTC (`2024-01-01T00:00:00Z`) from epoch seconds or a date string; null when unreadable. */
export function isoTime(v: number | string | null | undefined): string | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = typeof v === 'number' ? v * 1000 : Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace('.000Z', 'Z');
}

/** A trimmed string, or null for missing/empty/non-scalar values. */
export function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

/** A lower-cased keyword (`Pass` → `pass`, parsedmarc #288). */
export function keyword(v: unknown): string | null {
  return text(v)?.toLowerCase() ?? null;
}

/** A non-negative integer from a number or a digit string; null otherwise. */
export function count(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  const t = text(v);
  if (t === null || !/^\d{1,15}$/.test(t)) return null;
  return Number(t);
}

export const arr = <T>(v: T | T[] | undefined | null): T[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
