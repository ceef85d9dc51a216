/**
 * Typed errors with stable codes (the code is the API). An error means "cannot go on";
 * anything a domain does wrong is a Finding, never an error.
 */
export const ErrorCode = {
  Usage: 'MAILSEC_ERR_USAGE',
  InputUnreadable: 'MAILSEC_ERR_INPUT_UNREADABLE',
  InvalidName: 'MAILSEC_ERR_INVALID_NAME',
  ResolverUnreachable: 'MAILSEC_ERR_RESOLVER_UNREACHABLE',
  EgressDenied: 'MAILSEC_ERR_EGRESS_DENIED',
  /** another process holds the database (DuckDB allows one writer) */
  StoreLocked: 'MAILSEC_ERR_STORE_LOCKED',
  /** the database was written by a newer (or incompatible) mailsec */
  StoreVersion: 'MAILSEC_ERR_STORE_VERSION',
  TestworldFailed: 'MAILSEC_ERR_TESTWORLD_FAILED',
  /** the live state a command needs could not be determined (SERVFAIL, timeout …) */
  Undetermined: 'MAILSEC_ERR_UNDETERMINED',
  /** the IMAP server could not be used (connection, TLS, STARTTLS missing, authentication) */
  ImapFailed: 'MAILSEC_ERR_IMAP',
  /** Chromium (for `report --format pdf`) is not installed or did not start */
  BrowserUnavailable: 'MAILSEC_ERR_BROWSER_UNAVAILABLE',
  /** the queue (Redis) of a scale-out scan could not be used: unreachable, authentication, TLS */
  QueueFailed: 'MAILSEC_ERR_QUEUE',
  Internal: 'MAILSEC_ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const kMailsecError = Symbol.for('mailsec.error');

/**
 * What an error is about, for the caller to phrase in its own terms: below `src/cli/` no message
 * names a command-line flag; the CLI turns `option` into its flag (cli/exit.ts).
 */
export interface ErrorDetail {
  /** the configuration field at fault, as `AuditConfig` names it (e.g. 'caFile', 'allowPrivate') */
  readonly option?: string;
  /** the file it names */
  readonly path?: string;
  /** the value given */
  readonly value?: string;
  /** what is wrong with it, in words ("holds no PEM certificate") */
  readonly reason?: string;
  /** a value that would work */
  readonly example?: string;
}

export interface MailsecErrorOptions extends ErrorOptions {
  readonly detail?: ErrorDetail;
}

export class MailsecError extends Error {
  override readonly name = 'MailsecError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly detail: ErrorDetail | undefined;
  readonly [kMailsecError] = true;
  constructor(code: ErrorCode, message: string, hint?: string, options?: MailsecErrorOptions) {
    super(message, options);
    this.code = code;
    this.hint = hint;
    this.detail = options?.detail;
  }
}

/** Recognises a MailsecError even across two installed copies of the package. */
export function isMailsecError(e: unknown): e is MailsecError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[kMailsecError] === true;
}
