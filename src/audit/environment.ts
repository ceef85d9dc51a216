/**
 * The one builder of an audit's run environment: plain, serialisable configuration in (what a
 * command's flags, the library's options, a benchmark or a worker's job say), environment out
 * (resolver with its cache, address policy, SMTP prober, HTTPS fetcher, check options). Every
 * caller — `checkDomain`, `check`, `scan`, `spf`, `demo`, the benchmarks — builds it here, so they
 * cannot drift apart. Nothing here reads the process environment: the CLI resolves its flags and
 * variables into an `AuditConfig` first.
 */
import type { CheckId, CheckOptions, SelectorList } from '../checks/types.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { excludingNames } from '../dns/exclude.ts';
import { type CreateResolverOptions, createResolver, type ManagedResolver } from '../dns/index.ts';
import type { Resolver } from '../dns/types.ts';
import { createAddressPolicy } from '../net/address-policy.ts';
import { readCaFile } from '../net/ca.ts';
import { excludingAddresses, NO_EXCLUSIONS, parseExclusions } from '../net/exclusions.ts';
import type { HttpFetcher } from '../net/https.ts';
import { createHttpFetcher } from '../net/https.ts';
import type { SharedProbes, TargetLimits } from '../net/limits.ts';
import type { Prober } from '../net/prober.ts';
import { createProber } from '../net/prober.ts';
import { registrableDomain } from '../protocol/psl.ts';
import type { AuditEnvironment } from './audit.ts';

/** Plain data (JSON-serialisable): what to audit with. Every field but `resolver` has a default. */
export interface AuditConfig {
  /**
   * The resolver's address (interface.md forms: `127.0.0.1`, `127.0.0.1:5353`, `[::1]:53`,
   * `https://host/dns-query`). With a `Resolver` passed in `live`, only its name in the document.
   */
  readonly resolver?: string;
  /** per DNS attempt, in milliseconds (default 2000) */
  readonly timeoutMs?: number;
  /** DNS attempts per question (default 3) */
  readonly attempts?: number;
  /** DNS queries on the wire at once, at most (default 1000; more wait their turn) */
  readonly dnsInFlight?: number;
  /** special-purpose ranges mailsec may connect to (CIDR, e.g. `127.0.0.0/8`); default none */
  readonly allowPrivate?: readonly string[];
  /** extra trusted CA certificates (a PEM file) for SMTP, HTTPS and DoH */
  readonly caFile?: string;
  /** run only these checks (their prerequisites run too, but are not reported) */
  readonly only?: readonly CheckId[];
  /** DKIM selectors to try besides the built-in list */
  readonly selectors?: readonly string[];
  /** the built-in DKIM selector list: `full` (default; check) or `short` (scan) */
  readonly selectorList?: SelectorList;
  /** also ask the obsolete SPF RR type 99 (default true; a scan does not) */
  readonly obsoleteSpfType?: boolean;
  /**
   * never scanned, asked or connected to (`--exclude`): domains (with everything below them),
   * addresses and CIDRs, as the lines of an exclusion list
   */
  readonly exclude?: readonly string[];
  readonly bimiSelector?: string;
  /** PEM text of the trusted BIMI mark verifying authorities' roots (without: chains are not verified) */
  readonly vmcRoots?: string;
  /** no SMTP connections: smtp and DANE matching become skipped */
  readonly noSmtp?: boolean;
  /** no HTTPS fetches: MTA-STS policy, security.txt, BIMI assets, Microsoft endpoints become skipped */
  readonly noHttp?: boolean;
  /** EHLO name of SMTP probes (default `mailsec.invalid`) */
  readonly ehlo?: string;
  /** SMTP connect and each command, in milliseconds (default 10000) */
  readonly smtpTimeoutMs?: number;
  /** per HTTPS fetch, in milliseconds (default 10000) */
  readonly httpTimeoutMs?: number;
}

/** Live objects a caller may hand in instead of having them made (none of them is configuration). */
export interface AuditLive {
  /** a resolver to use as it is (not closed by the environment) */
  readonly resolver?: Resolver;
  /** an SMTP prober to share across environments (one probe per address and name) */
  readonly prober?: Prober;
  /** an HTTPS fetcher to share */
  readonly http?: HttpFetcher;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /**
   * where the per-target connection limits are held (SMTP per address, /24 or /48 and provider;
   * HTTPS per web address): default this process; scale-out workers pass Redis-backed ones
   */
  readonly limits?: TargetLimits;
  /** SMTP probe results shared with the other workers of a scan (one probe per address and name) */
  readonly sharedProbes?: SharedProbes;
}

export interface ResolverProbe {
  /** the resolver answered at all */
  readonly reachable: boolean;
  /** it sets the AD bit on the (signed) root */
  readonly validates: boolean;
  readonly detail?: string;
}

/** Asks the root's SOA with DO set: no answer → unreachable; AD set → validating. */
export async function probeResolver(resolver: Resolver, signal?: AbortSignal): Promise<ResolverProbe> {
  const a = await resolver.query('.', 'SOA', signal ? { signal } : undefined);
  const reachable = a.rcode !== 'TIMEOUT' && a.rcode !== 'NETERROR';
  return { reachable, validates: reachable && a.authenticated, ...(a.detail ? { detail: a.detail } : {}) };
}

/** An environment and what it was made with; `close()` releases what it opened. */
export interface OpenAuditEnvironment extends AuditEnvironment {
  /** the resolver's first answer (reachable, validating) */
  readonly probe: ResolverProbe;
  /** closes the resolver when the environment made it (a resolver passed in stays open) */
  close(): Promise<void>;
}

export const DEFAULTS = {
  timeoutMs: 2000,
  attempts: 3,
  /**
   * Queries on the wire at once. Unbound keeps 1,024 per thread by default (`num-queries-per-thread`)
   * and drops what overflows; a scan with 1,024 domains in flight asks several thousand at once.
   */
  dnsInFlight: 1000,
  ehlo: 'mailsec.invalid',
  smtpTimeoutMs: 10_000,
  httpTimeoutMs: 10_000,
} as const;

/** The options the checks read, from the configuration (defaults filled in). */
export function checkOptionsFrom(c: AuditConfig): CheckOptions {
  return {
    selectors: [...(c.selectors ?? [])],
    selectorList: c.selectorList ?? 'full',
    obsoleteSpfType: c.obsoleteSpfType ?? true,
    ...(c.bimiSelector ? { bimiSelector: c.bimiSelector } : {}),
    noSmtp: c.noSmtp ?? false,
    noHttp: c.noHttp ?? false,
    ehlo: c.ehlo ?? DEFAULTS.ehlo,
    smtpTimeoutMs: c.smtpTimeoutMs ?? DEFAULTS.smtpTimeoutMs,
    httpTimeoutMs: c.httpTimeoutMs ?? DEFAULTS.httpTimeoutMs,
    ...(c.vmcRoots ? { vmcRoots: c.vmcRoots } : {}),
  };
}

/**
 * The resolver the configuration names (address, timeouts, attempts, the CA file for DoH): the
 * one place a resolver is made from configuration. `createAuditEnvironment` uses it; so does a
 * command that only asks DNS (`spf`).
 */
export function openResolver(
  config: AuditConfig,
  extra: Pick<CreateResolverOptions, 'rate' | 'cache' | 'onQuery'> = {},
): ManagedResolver {
  if (!config.resolver) {
    throw new MailsecError(
      ErrorCode.Usage,
      'no resolver given',
      'pass a resolver address such as "127.0.0.1" or a Resolver',
      { detail: { option: 'resolver', reason: 'is missing', example: '127.0.0.1' } },
    );
  }
  const ca = config.caFile ? readCaFile(config.caFile) : undefined;
  return createResolver(config.resolver, {
    timeoutMs: config.timeoutMs ?? DEFAULTS.timeoutMs,
    attempts: config.attempts ?? DEFAULTS.attempts,
    maxInFlight: config.dnsInFlight ?? DEFAULTS.dnsInFlight,
    ...(ca ? { ca } : {}),
    ...extra,
  });
}

/**
 * Builds the environment from plain configuration: opens the resolver (unless one is passed in),
 * asks it once whether it answers and validates, and makes the address policy, the SMTP prober
 * and the HTTPS fetcher (none with `noSmtp` / `noHttp`). Errors carry structured detail
 * (`{ option: 'caFile', path }`, `{ option: 'allowPrivate', value }`, …) for the caller to phrase.
 */
export async function createAuditEnvironment(
  config: AuditConfig,
  live: AuditLive = {},
): Promise<OpenAuditEnvironment> {
  const exclusions = config.exclude?.length
    ? parseExclusions(config.exclude.join('\n'), 'exclude')
    : NO_EXCLUSIONS;
  const addressPolicy = excludingAddresses(createAddressPolicy(config.allowPrivate ?? []), exclusions);
  const owned = live.resolver ? null : openResolver(config);
  const given: Resolver = live.resolver ?? (owned as Resolver);
  const resolver = exclusions.domains ? excludingNames(given, (n) => exclusions.excludesName(n)) : given;
  try {
    const signal = live.signal ?? new AbortController().signal;
    const probe = await probeResolver(resolver, signal);
    const options = checkOptionsFrom(config);
    const prober =
      live.prober ??
      (options.noSmtp
        ? undefined
        : createProber({
            addressPolicy,
            timeoutMs: options.smtpTimeoutMs,
            ehlo: options.ehlo,
            providerOf: (sni) => registrableDomain(sni) ?? sni,
            ...(config.caFile ? { caFile: config.caFile } : {}),
            ...(live.limits ? { limits: live.limits } : {}),
            ...(live.sharedProbes ? { shared: live.sharedProbes } : {}),
          }));
    const http =
      live.http ??
      (options.noHttp
        ? undefined
        : createHttpFetcher({
            resolver,
            addressPolicy,
            timeoutMs: options.httpTimeoutMs,
            ...(config.caFile ? { caFile: config.caFile } : {}),
            ...(live.limits ? { limits: live.limits } : {}),
          }));
    return {
      resolver,
      resolverName: config.resolver ?? 'custom resolver',
      resolverValidates: probe.validates,
      addressPolicy,
      options,
      now: live.now ?? (() => new Date()),
      signal,
      ...(prober ? { prober } : {}),
      ...(http ? { http } : {}),
      ...(config.only?.length ? { only: config.only } : {}),
      probe,
      close: async () => {
        await owned?.close();
      },
    };
  } catch (e) {
    await owned?.close();
    throw e;
  }
}
