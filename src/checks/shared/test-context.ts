import { deepStrictEqual } from 'node:assert/strict';
import type { Finding } from '../../core/finding.ts';
import type { Status } from '../../core/status.ts';
import type { Resolver } from '../../dns/types.ts';
import { createAddressPolicy } from '../../net/address-policy.ts';
import { statusViolations } from '../consistency.ts';
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

/**
 * Fails the test when the result's status is better than its findings allow (core/status.ts),
 * or when a finding's params would not survive JSON (the document carries them).
 */
export function assertStatusAllowed(r: {
  readonly check: string;
  readonly status: Status;
  readonly findings: readonly Finding[];
}): void {
  const v = statusViolations([r]);
  if (v.length) throw new Error(`inconsistent status: ${v.join('; ')}`);
  for (const f of r.findings) {
    if (f.params) deepStrictEqual(JSON.parse(JSON.stringify(f.params)), f.params, `${f.id} params are JSON`);
  }
}
