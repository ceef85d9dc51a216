import { readFileSync } from 'node:fs';
import type { AuditEnvironment } from '../audit/audit.ts';
import { checkOptionsFrom } from '../audit/check-domain.ts';
import type { CheckId, SelectorList } from '../checks/types.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { Resolver } from '../dns/types.ts';
import { createHttpFetcher } from '../net/https.ts';
import { createProber } from '../net/prober.ts';
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

/**
 * The environment `check` and `scan` share across their domains: one resolver (with its cache),
 * one SMTP prober (each address and name probed once per run) and one HTTPS fetcher, built from
 * the check options (`CHECK_OPTIONS`) and the network config.
 */
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

export function auditEnvironment(
  args: ParsedArgs,
  cfg: NetworkConfig,
  resolver: Resolver,
  run: {
    validates: boolean;
    signal: AbortSignal;
    only?: readonly CheckId[];
    selectorList?: SelectorList;
    /** a TLD scan: only the queries a statistic or finding of the scan needs */
    scan?: boolean;
    /** the EHLO name when --ehlo is not given (default mailsec.invalid) */
    ehlo?: string;
  },
): AuditEnvironment {
  const vmcRoots = readVmcRoots(str(args, 'vmc-roots'));
  const ehlo = str(args, 'ehlo') ?? run.ehlo;
  return {
    resolver,
    resolverName: cfg.resolver,
    resolverValidates: run.validates,
    addressPolicy: cfg.addressPolicy,
    options: checkOptionsFrom({
      selectors: list(args, 'selectors'),
      selectorList: selectorListOf(args, run.selectorList ?? 'full'),
      obsoleteSpfType: run.scan !== true,
      ...(str(args, 'bimi-selector') ? { bimiSelector: str(args, 'bimi-selector') } : {}),
      noSmtp: bool(args, 'no-smtp'),
      noHttp: bool(args, 'no-http'),
      ...(ehlo ? { ehlo } : {}),
      smtpTimeoutMs: cfg.smtpTimeoutMs,
      httpTimeoutMs: cfg.httpTimeoutMs,
      ...(vmcRoots !== undefined ? { vmcRoots } : {}),
    }),
    now: () => new Date(),
    signal: run.signal,
    ...(run.only ? { only: run.only } : {}),
    ...(bool(args, 'no-smtp')
      ? {}
      : {
          prober: createProber({
            addressPolicy: cfg.addressPolicy,
            timeoutMs: cfg.smtpTimeoutMs,
            ehlo: ehlo ?? 'mailsec.invalid',
            ...(cfg.caFile ? { caFile: cfg.caFile } : {}),
          }),
        }),
    ...(bool(args, 'no-http')
      ? {}
      : {
          http: createHttpFetcher({
            resolver,
            addressPolicy: cfg.addressPolicy,
            timeoutMs: cfg.httpTimeoutMs,
            ...(cfg.caFile ? { caFile: cfg.caFile } : {}),
          }),
        }),
  };
}
