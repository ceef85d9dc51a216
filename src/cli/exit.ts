import { ErrorCode, isMailsecError, type MailsecError } from '../core/errors.ts';

/** The one place error codes become exit statuses (interface.md). */
export const EXIT = { ok: 0, findings: 1, usage: 2, cannotRun: 3 } as const;

export function exitStatusFor(e: unknown): number {
  if (!isMailsecError(e)) return EXIT.cannotRun;
  switch (e.code) {
    case ErrorCode.Usage:
    case ErrorCode.InputUnreadable:
    case ErrorCode.InvalidName:
    case ErrorCode.StoreVersion:
      return EXIT.usage;
    default:
      return EXIT.cannotRun;
  }
}

/**
 * The flag of each configuration field (`AuditConfig` names): errors below src/cli/ say which
 * field is at fault (`detail.option`), and the CLI says it with the flag the user typed.
 */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  resolver: '--resolver',
  timeoutMs: '--timeout',
  allowPrivate: '--allow-private',
  caFile: '--ca-file',
  only: '--only',
  selectors: '--selectors',
  bimiSelector: '--bimi-selector',
  vmcRoots: '--vmc-roots',
  noSmtp: '--no-smtp',
  noHttp: '--no-http',
  ehlo: '--ehlo',
  smtpTimeoutMs: '--smtp-timeout',
  httpTimeoutMs: '--http-timeout',
  db: '--db',
  chromium: '--chromium',
};

/** An error's message and hint in the CLI's words: with the flag, when the error names its field. */
export function phraseError(e: MailsecError): { message: string; hint: string | undefined } {
  const d = e.detail;
  const flag = d?.option ? OPTION_FLAGS[d.option] : undefined;
  if (!d || !flag || !d.reason) return { message: e.message, hint: e.hint };
  const subject = d.path ?? (d.value !== undefined ? `"${d.value}"` : undefined);
  return {
    message: subject ? `${flag} ${subject}: ${d.reason}` : `${flag} ${d.reason}`,
    hint: d.example !== undefined ? `try ${flag} ${d.example}` : e.hint,
  };
}

export function describeError(e: unknown): string {
  if (isMailsecError(e)) {
    const { message, hint } = phraseError(e);
    return `mailsec: ${message}\n${hint ? `  ${hint}\n` : ''}`;
  }
  const err = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return `mailsec: internal error (${ErrorCode.Internal}); please report it with this trace:\n${err}\n`;
}
