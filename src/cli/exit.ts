import type { DomainDocument } from '../audit/document.ts';
import { sectionsOf, worstSeverity } from '../audit/document.ts';
import { ErrorCode, isMailsecError, type MailsecError } from '../core/errors.ts';
import { SEVERITY_RANK, type Severity } from '../core/finding.ts';

/** The one place error codes become exit statuses (interface.md). */
export const EXIT = { ok: 0, findings: 1, usage: 2, cannotRun: 3 } as const;

/** interface.md's exit statuses, as --help shows them. */
export const EXIT_STATUS_HELP: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'with --fail-on: a finding at or above that severity, or a section that could not be determined',
  2: 'usage or input error (bad names are reported, the valid ones still checked)',
  3: 'could not run (e.g. the resolver does not answer)',
};

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

/**
 * interface.md: with --fail-on, exit 1 when a finding at or above that severity exists in any
 * domain, or when a section could not be determined (status error) — "could not test" must not
 * pass a gate that asks for "no errors". Without --fail-on: 0.
 */
export function findingsExit(docs: readonly DomainDocument[], failOn: Severity | undefined): number {
  if (!failOn) return EXIT.ok;
  if (worstSeverity(docs) >= SEVERITY_RANK[failOn]) return EXIT.findings;
  const undetermined = docs.some((d) => sectionsOf(d).some(([, s]) => s.status === 'error'));
  return undetermined ? EXIT.findings : EXIT.ok;
}
