import type { Resolver } from '../../dns/types.ts';
import { createAddressPolicy } from '../../net/address-policy.ts';
import type { CheckOptions, GatherContext } from '../types.ts';

/** A GatherContext around a (zone-literal) resolver, for table tests of checks. */
export function testContext(
  resolver: Resolver,
  o: { validates?: boolean; allowPrivate?: string[]; options?: Partial<CheckOptions>; now?: Date } = {},
): GatherContext {
  return {
    resolver,
    addressPolicy: createAddressPolicy(o.allowPrivate ?? []),
    options: {
      selectors: [],
      selectorList: 'full',
      obsoleteSpfType: true,
      noSmtp: true,
      noHttp: true,
      ehlo: 'mailsec.invalid',
      smtpTimeoutMs: 1000,
      httpTimeoutMs: 1000,
      ...o.options,
    },
    now: () => o.now ?? new Date('2026-11-23T12:00:00Z'),
    signal: new AbortController().signal,
    resolverValidates: o.validates ?? true,
    resolverName: 'zone literal',
  };
}
