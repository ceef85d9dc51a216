import type { CheckId, CheckOptions, SelectorList } from '../checks/types.ts';
import { domainOrThrow } from '../core/names.ts';
import { createResolver } from '../dns/index.ts';
import type { Resolver } from '../dns/types.ts';
import { createAddressPolicy } from '../net/address-policy.ts';
import { createHttpFetcher } from '../net/https.ts';
import type { Prober } from '../net/prober.ts';
import { createProber } from '../net/prober.ts';
import type { AuditEnvironment } from './audit.ts';
import { auditDomain } from './audit.ts';
import type { DomainDocument } from './document.ts';
import { toDocument } from './document.ts';

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

export interface CheckDomainOptions {
  /** a resolver address (interface.md forms) or a Resolver; default MAILSEC_RESOLVER */
  readonly resolver?: string | Resolver;
  readonly only?: readonly CheckId[];
  readonly selectors?: readonly string[];
  /** the built-in DKIM selector list (default full) */
  readonly selectorList?: SelectorList;
  /** ask the obsolete SPF RR type 99 too (default true; a scan does not) */
  readonly obsoleteSpfType?: boolean;
  readonly bimiSelector?: string;
  readonly noSmtp?: boolean;
  readonly noHttp?: boolean;
  readonly ehlo?: string;
  readonly allowPrivate?: readonly string[];
  readonly timeoutMs?: number;
  readonly smtpTimeoutMs?: number;
  readonly httpTimeoutMs?: number;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** extra trusted CA certificates (PEM file) for SMTP and HTTPS */
  readonly caFile?: string;
  /** an SMTP prober to share across calls (one probe per address and name); default: a new one */
  readonly prober?: Prober;
  /** PEM text of the trusted BIMI mark verifying authorities' roots (mark certificates are not verified without) */
  readonly vmcRoots?: string;
}

export function checkOptionsFrom(o: CheckDomainOptions): CheckOptions {
  return {
    selectors: [...(o.selectors ?? [])],
    selectorList: o.selectorList ?? 'full',
    obsoleteSpfType: o.obsoleteSpfType ?? true,
    ...(o.bimiSelector ? { bimiSelector: o.bimiSelector } : {}),
    noSmtp: o.noSmtp ?? false,
    noHttp: o.noHttp ?? false,
    ehlo: o.ehlo ?? 'mailsec.invalid',
    smtpTimeoutMs: o.smtpTimeoutMs ?? 10_000,
    httpTimeoutMs: o.httpTimeoutMs ?? 10_000,
    ...(o.vmcRoots ? { vmcRoots: o.vmcRoots } : {}),
  };
}

/**
 * The library entry: audits one domain and returns the same document `mailsec check --json`
 * prints.  `import { checkDomain } from 'mailsec'`.
 */
export async function checkDomain(domain: string, options: CheckDomainOptions = {}): Promise<DomainDocument> {
  const name = domainOrThrow(domain);
  const spec = options.resolver ?? process.env.MAILSEC_RESOLVER;
  if (spec === undefined) {
    throw new TypeError('checkDomain: pass options.resolver (an address such as "127.0.0.1" or a Resolver)');
  }
  const owned =
    typeof spec === 'string'
      ? createResolver(spec, { timeoutMs: options.timeoutMs ?? 2000, attempts: 3 })
      : null;
  const resolver: Resolver = owned ?? (spec as Resolver);
  try {
    const signal = options.signal ?? new AbortController().signal;
    const probe = await probeResolver(resolver, signal);
    const addressPolicy = createAddressPolicy(options.allowPrivate ?? []);
    const checkOptions = checkOptionsFrom(options);
    const prober =
      options.prober ??
      (checkOptions.noSmtp
        ? undefined
        : createProber({
            addressPolicy,
            timeoutMs: checkOptions.smtpTimeoutMs,
            ehlo: checkOptions.ehlo,
            ...(options.caFile ? { caFile: options.caFile } : {}),
          }));
    const http = checkOptions.noHttp
      ? undefined
      : createHttpFetcher({
          resolver,
          addressPolicy,
          timeoutMs: checkOptions.httpTimeoutMs,
          ...(options.caFile ? { caFile: options.caFile } : {}),
        });
    const env: AuditEnvironment = {
      resolver,
      ...(prober ? { prober } : {}),
      ...(http ? { http } : {}),
      resolverName: typeof spec === 'string' ? spec : 'custom resolver',
      resolverValidates: probe.validates,
      addressPolicy,
      options: checkOptions,
      now: options.now ?? (() => new Date()),
      signal,
      ...(options.only ? { only: options.only } : {}),
    };
    const audit = await auditDomain(name, env);
    return toDocument(audit, { address: env.resolverName, validates: probe.validates });
  } finally {
    await owned?.close();
  }
}
