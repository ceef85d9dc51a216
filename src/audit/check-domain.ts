import { ErrorCode, MailsecError } from '../core/errors.ts';
import { domainOrThrow } from '../core/names.ts';
import type { Resolver } from '../dns/types.ts';
import { auditDomain } from './audit.ts';
import type { DomainDocument } from './document.ts';
import { toDocument } from './document.ts';
import type { AuditConfig, AuditLive } from './environment.ts';
import { createAuditEnvironment } from './environment.ts';

/** The library's options: the environment's configuration, with the resolver as an address or a Resolver. */
export interface CheckDomainOptions extends Omit<AuditConfig, 'resolver'>, Omit<AuditLive, 'resolver'> {
  /** a resolver address (interface.md forms, e.g. "127.0.0.1", "https://host/dns-query") or a Resolver */
  readonly resolver: string | Resolver;
}

/**
 * The library entry: audits one domain and returns the same document `mailsec check --json`
 * prints.  `import { checkDomain } from 'mailsec'`. The resolver is always given: the library
 * reads no environment variable and never falls back to the system's resolver.
 */
export async function checkDomain(domain: string, options: CheckDomainOptions): Promise<DomainDocument> {
  const name = domainOrThrow(domain);
  const { resolver, prober, http, now, signal, ...config } = options ?? ({} as CheckDomainOptions);
  const live: AuditLive = {
    ...(typeof resolver === 'object' && resolver !== null ? { resolver } : {}),
    ...(prober ? { prober } : {}),
    ...(http ? { http } : {}),
    ...(now ? { now } : {}),
    ...(signal ? { signal } : {}),
  };
  const env = await createAuditEnvironment(
    { ...config, ...(typeof resolver === 'string' ? { resolver } : {}) },
    live,
  );
  try {
    // nothing can be checked through a resolver that does not answer: say so after the first
    // question's timeout budget instead of reporting every section as error after many
    if (!env.probe.reachable) {
      throw new MailsecError(
        ErrorCode.ResolverUnreachable,
        `the resolver ${env.resolverName} does not answer${env.probe.detail ? ` (${env.probe.detail})` : ''}`,
        'use a resolver that answers',
        { detail: { option: 'resolver', value: env.resolverName, reason: 'does not answer' } },
      );
    }
    const audit = await auditDomain(name, env);
    return toDocument(audit, { address: env.resolverName, validates: env.probe.validates });
  } finally {
    await env.close();
  }
}
