/**
 * Whether the resolver validates DNSSEC: it sets the AD bit on the root's SOA, NS or DNSKEY (asked
 * with DO set, as every query of the client is). A resolver that cannot be reached does not.
 */
import type { Resolver } from './types.ts';

export async function detectValidation(
  resolver: Resolver,
  options: { signal?: AbortSignal } = {},
): Promise<boolean> {
  const opts = options.signal ? { signal: options.signal } : undefined;
  const answers = await Promise.all([
    resolver.query('.', 'SOA', opts),
    resolver.query('.', 'NS', opts),
    resolver.query('.', 'DNSKEY', opts),
  ]);
  return answers.some((a) => a.rcode === 'NOERROR' && a.authenticated && a.records.length > 0);
}
