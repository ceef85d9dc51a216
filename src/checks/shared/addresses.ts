import type { Answer, Resolver } from '../../dns/types.ts';
import { isFailure } from '../../dns/types.ts';

/** The A and AAAA of a host name, with how the lookups ended. */
export interface HostAddresses {
  readonly name: string;
  readonly addresses: string[];
  /** CNAME chain seen while resolving (non-empty: the name is an alias) */
  readonly cnames: readonly string[];
  /** ok: at least one address; absent: both NXDOMAIN/NODATA; error: a lookup failed and none found */
  readonly outcome: 'ok' | 'absent' | 'error';
  readonly failures: readonly Answer<unknown>[];
}

export async function lookupAddresses(
  resolver: Resolver,
  name: string,
  signal?: AbortSignal,
): Promise<HostAddresses> {
  const opts = signal ? { signal } : undefined;
  const [a, aaaa] = await Promise.all([resolver.query(name, 'A', opts), resolver.query(name, 'AAAA', opts)]);
  const addresses = [...a.records, ...aaaa.records];
  const failures = [a, aaaa].filter(isFailure);
  const cnames = a.cnames.length ? a.cnames : aaaa.cnames;
  const outcome = addresses.length ? 'ok' : failures.length ? 'error' : 'absent';
  return { name, addresses, cnames, outcome, failures };
}

/** in-addr.arpa / ip6.arpa name of an address (RFC 1035 §3.5, RFC 3596 §2.5). */
export function reverseName(address: string): string {
  if (address.includes(':')) {
    const full = expandIpv6(address);
    return `${full.replaceAll(':', '').split('').reverse().join('.')}.ip6.arpa`;
  }
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function expandIpv6(address: string): string {
  let a = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number);
    a =
      a.slice(0, -v4[1].length) +
      `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** Loopback: 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || expandIpv6Safe(address) === '0000:0000:0000:0000:0000:0000:0000:0001';
}
function expandIpv6Safe(a: string): string {
  return a.includes(':') ? expandIpv6(a) : '';
}
