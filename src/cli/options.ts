import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { Severity } from '../core/finding.ts';
import { systemResolverSpec } from '../dns/spec.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import { createAddressPolicy } from '../net/address-policy.ts';
import { bool, list, type OptionDef, type ParsedArgs, str } from './command.ts';

/** The DNS options: every command that resolves names takes them (interface.md, "Global options"). */
export const RESOLVER_OPTIONS: Record<string, OptionDef> = {
  resolver: {
    type: 'string',
    value: 'addr',
    description:
      'recursive resolver: 127.0.0.1, 127.0.0.1:5353, [::1]:53, tcp://127.0.0.1 (pipelined TCP) or https://host/dns-query (env MAILSEC_RESOLVER)',
    default: 'the first nameserver of /etc/resolv.conf',
    example: '127.0.0.1',
  },
  timeout: {
    type: 'string',
    value: 'ms',
    description: 'per DNS attempt, 3 attempts',
    default: '2000',
    example: '2000',
  },
  'ca-file': {
    type: 'string',
    value: 'pem',
    description: 'extra trusted CA certificates (beside NODE_EXTRA_CA_CERTS)',
    example: 'roots.pem',
  },
};

/** The options of commands that connect to the hosts they find (SMTP, HTTPS). */
export const CONNECT_OPTIONS: Record<string, OptionDef> = {
  'smtp-timeout': {
    type: 'string',
    value: 'ms',
    description: 'SMTP connect and each command',
    default: '10000',
    example: '10000',
  },
  'http-timeout': {
    type: 'string',
    value: 'ms',
    description: 'per HTTPS fetch',
    default: '10000',
    example: '10000',
  },
  'allow-private': {
    type: 'string',
    multiple: true,
    value: 'cidr,…',
    description:
      'special-purpose ranges mailsec may connect to, e.g. 127.0.0.0/8,::1/128 (env MAILSEC_ALLOW_PRIVATE)',
    default: 'none',
    example: '127.0.0.0/8,::1/128',
  },
};

export const JSON_OPTION: Record<string, OptionDef> = {
  json: { type: 'boolean', description: 'machine output on stdout (JSON Lines for several domains)' },
};

export const FAIL_ON_OPTION: Record<string, OptionDef> = {
  'fail-on': {
    type: 'string',
    value: 'severity',
    description:
      'exit 1 when a finding at or above error|warning|info exists, or a section could not be determined',
    default: 'never',
    example: 'warning',
  },
};

/** Every network option, for commands that take them all (check). */
export const NETWORK_OPTIONS: Record<string, OptionDef> = {
  ...RESOLVER_OPTIONS,
  ...CONNECT_OPTIONS,
  ...JSON_OPTION,
  ...FAIL_ON_OPTION,
};

export interface NetworkConfig {
  readonly resolver: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly smtpTimeoutMs: number;
  readonly httpTimeoutMs: number;
  readonly addressPolicy: AddressPolicy;
  readonly caFile?: string;
  readonly json: boolean;
  readonly failOn?: Severity;
}

function duration(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n > 0 && n <= 600_000)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--${flag} "${raw}" is not a duration in milliseconds`,
      `try --${flag} ${fallback}`,
    );
  }
  return n;
}

/** The first nameserver of /etc/resolv.conf (the system's resolver), read only when needed. */
async function systemResolver(): Promise<string> {
  try {
    return systemResolverSpec().text;
  } catch (e) {
    throw new MailsecError(
      ErrorCode.ResolverUnreachable,
      'no resolver given and /etc/resolv.conf names none',
      'pass --resolver 127.0.0.1 (or set MAILSEC_RESOLVER)',
      { cause: e },
    );
  }
}

/** --allow-private, else MAILSEC_ALLOW_PRIVATE (comma-separated CIDRs), else none. */
export function allowPrivate(args: ParsedArgs, env: NodeJS.ProcessEnv): string[] {
  const given = list(args, 'allow-private');
  if (given.length || args.values['allow-private'] !== undefined) return given;
  return (env.MAILSEC_ALLOW_PRIVATE ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

export async function networkConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<NetworkConfig> {
  const failOn = str(args, 'fail-on');
  if (failOn !== undefined && !['error', 'warning', 'info'].includes(failOn)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--fail-on "${failOn}" is not a severity`,
      'try --fail-on warning',
    );
  }
  const cfg: NetworkConfig = {
    resolver: str(args, 'resolver') ?? env.MAILSEC_RESOLVER ?? (await systemResolver()),
    timeoutMs: duration(str(args, 'timeout'), 'timeout', 2000),
    attempts: 3,
    smtpTimeoutMs: duration(str(args, 'smtp-timeout'), 'smtp-timeout', 10_000),
    httpTimeoutMs: duration(str(args, 'http-timeout'), 'http-timeout', 10_000),
    addressPolicy: createAddressPolicy(allowPrivate(args, env)),
    json: bool(args, 'json'),
  };
  return Object.freeze({
    ...cfg,
    ...(str(args, 'ca-file') ? { caFile: str(args, 'ca-file') } : {}),
    ...(failOn ? { failOn: failOn as Severity } : {}),
  });
}
