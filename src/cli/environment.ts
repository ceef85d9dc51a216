import { readFileSync } from 'node:fs';
import type { AuditConfig } from '../audit/environment.ts';
import type { CheckId, SelectorList } from '../checks/types.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { ParsedArgs } from './command.ts';
import { bool, list, str } from './command.ts';
import type { NetworkConfig } from './options.ts';

/** --vmc-roots: the PEM of the trusted BIMI mark roots, read once. */
export function readVmcRoots(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--vmc-roots ${file}: ${(e as Error).message}`,
      'give a PEM file of the mark verifying authorities’ root certificates',
      { cause: e },
    );
  }
}

/** --selector-list short|full (the command's default when absent). */
export function selectorListOf(args: ParsedArgs, fallback: SelectorList): SelectorList {
  const v = str(args, 'selector-list');
  if (v === undefined) return fallback;
  if (v !== 'short' && v !== 'full') {
    throw new MailsecError(
      ErrorCode.Usage,
      `--selector-list "${v}" is not short or full`,
      'try --selector-list short',
    );
  }
  return v;
}

/** The network flags alone (`spf` and any command that only asks DNS): no SMTP, no HTTPS. */
export function networkAuditConfig(cfg: NetworkConfig): AuditConfig {
  return {
    resolver: cfg.resolver,
    timeoutMs: cfg.timeoutMs,
    attempts: cfg.attempts,
    allowPrivate: cfg.addressPolicy.allowPrivate,
    ...(cfg.caFile ? { caFile: cfg.caFile } : {}),
    smtpTimeoutMs: cfg.smtpTimeoutMs,
    httpTimeoutMs: cfg.httpTimeoutMs,
    noSmtp: true,
    noHttp: true,
  };
}

/**
 * The configuration `check` and `scan` audit with, from their flags (`CHECK_OPTIONS`) and the
 * network config: plain data for `createAuditEnvironment` (audit/environment.ts), which builds the
 * one resolver, SMTP prober and HTTPS fetcher they share across their domains.
 */
export function auditConfig(
  args: ParsedArgs,
  cfg: NetworkConfig,
  only?: readonly CheckId[],
  scan: { selectorList?: SelectorList; ehlo?: string; exclude?: readonly string[]; scan?: boolean } = {},
): AuditConfig {
  const vmcRoots = readVmcRoots(str(args, 'vmc-roots'));
  const ehlo = str(args, 'ehlo') ?? scan.ehlo;
  const bimiSelector = str(args, 'bimi-selector');
  return {
    ...networkAuditConfig(cfg),
    ...(only ? { only } : {}),
    selectors: list(args, 'selectors'),
    selectorList: selectorListOf(args, scan.selectorList ?? 'full'),
    // a TLD scan asks only what a statistic or finding of the scan needs
    obsoleteSpfType: scan.scan !== true,
    ...(scan.exclude?.length ? { exclude: scan.exclude } : {}),
    ...(bimiSelector ? { bimiSelector } : {}),
    noSmtp: bool(args, 'no-smtp'),
    noHttp: bool(args, 'no-http'),
    ...(ehlo ? { ehlo } : {}),
    ...(vmcRoots !== undefined ? { vmcRoots } : {}),
  };
}
