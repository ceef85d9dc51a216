/** Addresses as bytes for prefix matching (RFC 7208 §5.6), and their reverse names (§5.5). */
import { isIPv4, isIPv6 } from 'node:net';
import { expandIp6 } from './macro.ts';

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 octets */
  readonly bytes: Uint8Array;
  /** dotted quad, or RFC 5952 lower-case text */
  readonly text: string;
}

function bytes6(ip: string): Uint8Array {
  const groups = expandIp6(ip).split(':');
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function text6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: the longest run (length ≥ 2) of zero groups becomes '::'
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Parses an address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4, as receivers
 * treat it (suite `a-cidr6-0-ip4mapped`). Null when not an address.
 */
export function parseIp(ip: string): IpAddress | null {
  if (isIPv4(ip)) {
    const b = new Uint8Array(ip.split('.').map(Number));
    return { family: 4, bytes: b, text: [...b].join('.') };
  }
  if (!isIPv6(ip) || ip.includes('%')) return null;
  const b = bytes6(ip);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    const v4 = b.slice(12);
    return { family: 4, bytes: v4, text: [...v4].join('.') };
  }
  return { family: 6, bytes: b, text: text6(b) };
}

/** Whether `ip` lies in `net`/`prefix` (same family only). */
export function inPrefix(ip: IpAddress, net: IpAddress, prefix: number): boolean {
  if (ip.family !== net.family) return false;
  let bits = prefix;
  for (let i = 0; i < ip.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i]! & mask) !== (net.bytes[i]! & mask)) return false;
  }
  return true;
}

/** The PTR query name: d.c.b.a.in-addr.arpa or the 32 nibbles under ip6.arpa. */
export function reverseName(ip: IpAddress): string {
  if (ip.family === 4) return `${[...ip.bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of ip.bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
