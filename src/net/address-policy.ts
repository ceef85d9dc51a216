import { BlockList, isIP } from 'node:net';
import { ErrorCode, MailsecError } from '../core/errors.ts';

/**
 * The one place that decides whether mailsec may connect to an address. IANA special-purpose
 * ranges (RFC 6890 and its registries) are refused unless inside --allow-private CIDRs.
 */
export const SPECIAL_PURPOSE_V4: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'this network (RFC 791)'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space / CGNAT (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback (RFC 1122)'],
  ['169.254.0.0', 16, 'link-local (RFC 3927)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0', 24, 'documentation TEST-NET-1 (RFC 5737)'],
  ['192.31.196.0', 24, 'AS112-v4 (RFC 7535)'],
  ['192.52.193.0', 24, 'AMT (RFC 7450)'],
  ['192.88.99.0', 24, 'deprecated 6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['192.175.48.0', 24, 'direct delegation AS112 service (RFC 7534)'],
  ['198.18.0.0', 15, 'benchmarking (RFC 2544)'],
  ['198.51.100.0', 24, 'documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0', 24, 'documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0', 4, 'multicast (RFC 5771)'],
  ['240.0.0.0', 4, 'reserved (RFC 1112)'],
  ['255.255.255.255', 32, 'limited broadcast (RFC 919)'],
];
export const SPECIAL_PURPOSE_V6: readonly [string, number, string][] = [
  ['::', 128, 'unspecified address (RFC 4291)'],
  ['::1', 128, 'loopback (RFC 4291)'],
  ['::ffff:0:0', 96, 'IPv4-mapped (RFC 4291)'],
  ['::', 96, 'IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)'],
  ['64:ff9b:1::', 48, 'local-use IPv4/IPv6 translation (RFC 8215)'],
  ['100::', 64, 'discard-only (RFC 6666)'],
  ['2001::', 23, 'IETF protocol assignments (RFC 2928)'],
  ['2001:db8::', 32, 'documentation (RFC 3849)'],
  ['2002::', 16, '6to4 (RFC 3056)'],
  ['3fff::', 20, 'documentation (RFC 9637)'],
  ['5f00::', 16, 'segment routing SIDs (RFC 9602)'],
  ['fc00::', 7, 'unique local (RFC 4193)'],
  ['fe80::', 10, 'link-local (RFC 4291)'],
  ['ff00::', 8, 'multicast (RFC 4291)'],
];

export interface AddressVerdict {
  readonly allowed: boolean;
  /** the special-purpose range the address is in, if any */
  readonly range?: string;
  readonly reason?: string;
}

export interface AddressPolicy {
  /** CIDRs given with --allow-private */
  readonly allowPrivate: readonly string[];
  verdict(address: string): AddressVerdict;
  /** whether the address is special-purpose and not allowed (a finding, e.g. MX kind 'private') */
  isSpecial(address: string): boolean;
}

export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const m = /^\s*\[?([0-9a-fA-F:.]+)\]?(?:\/(\d{1,3}))?\s*$/.exec(text);
  const address = m?.[1] ?? '';
  const v = isIP(address);
  if (!m || v === 0) {
    throw new MailsecError(ErrorCode.Usage, `"${text}" is not an address range`, 'e.g. 127.0.0.0/8,::1/128', {
      detail: {
        option: 'allowPrivate',
        value: text,
        reason: 'is not an address range',
        example: '127.0.0.0/8,::1/128',
      },
    });
  }
  const max = v === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) {
    const reason = `prefix /${prefix} is longer than ${max}`;
    throw new MailsecError(ErrorCode.Usage, `"${text}": ${reason}`, 'e.g. 127.0.0.0/8', {
      detail: { option: 'allowPrivate', value: text, reason, example: '127.0.0.0/8' },
    });
  }
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

function blockListOf(
  ranges: readonly { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[],
): BlockList {
  const bl = new BlockList();
  for (const r of ranges) bl.addSubnet(r.address, r.prefix, r.family);
  return bl;
}

const specialRanges = [
  ...SPECIAL_PURPOSE_V4.map(([address, prefix, label]) => ({
    address,
    prefix,
    label,
    family: 'ipv4' as const,
  })),
  ...SPECIAL_PURPOSE_V6.map(([address, prefix, label]) => ({
    address,
    prefix,
    label,
    family: 'ipv6' as const,
  })),
];
const specialLists = specialRanges.map((r) => ({ r, list: blockListOf([r]) }));

const NAT64 = blockListOf([{ address: '64:ff9b::', prefix: 96, family: 'ipv6' }]);

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function embeddedIpv4(address: string): string {
  const groups = new URL(`http://[${address}]/`).hostname.slice(1, -1).split(':');
  const last = groups.at(-1) ?? '';
  if (last.includes('.')) return last;
  const hi = Number.parseInt(groups.at(-2) || '0', 16);
  const lo = Number.parseInt(last || '0', 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Verdicts by address: a scan asks about the same MX and web addresses for thousands of domains.
 * Bounded; the oldest goes first.
 */
const rangeByAddress = new Map<string, string | undefined>();
const RANGE_ENTRIES = 4096;

/** The special-purpose range an address falls in, or undefined for an ordinary address. */
export function specialPurposeRange(address: string): string | undefined {
  const known = rangeByAddress.get(address);
  if (known !== undefined || rangeByAddress.has(address)) return known;
  const range = rangeOf(address);
  if (rangeByAddress.size >= RANGE_ENTRIES)
    rangeByAddress.delete(rangeByAddress.keys().next().value as string);
  rangeByAddress.set(address, range);
  return range;
}

function rangeOf(address: string): string | undefined {
  const fam = isIP(address);
  if (fam === 0) return 'not an IP address';
  const family = fam === 4 ? 'ipv4' : 'ipv6';
  for (const { r, list } of specialLists) {
    if (r.family === family && list.check(address, family)) return r.label;
  }
  // RFC 6052 well-known NAT64 prefix: judge the IPv4 address it wraps (64:ff9b::a00:1 is 10.0.0.1)
  if (family === 'ipv6' && NAT64.check(address, 'ipv6')) {
    const inner = specialPurposeRange(embeddedIpv4(address));
    if (inner) return `NAT64 (RFC 6052) of ${inner}`;
  }
  return undefined;
}

export function createAddressPolicy(allowPrivate: readonly string[] = []): AddressPolicy {
  const parsed = allowPrivate.map(parseCidr);
  const allowed = blockListOf(parsed);
  const inAllowed = (address: string) => {
    const fam = isIP(address);
    return fam !== 0 && allowed.check(address, fam === 4 ? 'ipv4' : 'ipv6');
  };
  return {
    allowPrivate: [...allowPrivate],
    verdict(address) {
      const range = specialPurposeRange(address);
      if (range === undefined || inAllowed(address)) return { allowed: true };
      return {
        allowed: false,
        range,
        reason: `${address} is a special-purpose address (${range}); mailsec does not connect there unless it is inside --allow-private`,
      };
    },
    isSpecial(address) {
      return specialPurposeRange(address) !== undefined && !inAllowed(address);
    },
  };
}
