import { ErrorCode, isMailsecError } from '../core/errors.ts';

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

export function describeError(e: unknown): string {
  if (isMailsecError(e)) return `mailsec: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`;
  const err = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return `mailsec: internal error (${ErrorCode.Internal}); please report it with this trace:\n${err}\n`;
}
