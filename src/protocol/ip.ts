/**
 * IP addresses, shared by every protocol: bytes for prefix matching (RFC 7208 §5.6), the full
 * IPv6 form, reverse names (RFC 1035 §3.5, RFC 3596 §2.5), loopback. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Full 8-group lower-case form of an IPv6 address (embedded IPv4 converted). */
export function expandIp6(ip: string): string {
  let s = ip.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** Loopback: 127.0.0.0/8 and ::1 (also written in full or IPv4-mapped). */
export function isLoopback(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (ip.family === 4) return ip.bytes[0] === 127;
  return ip.bytes.subarray(0, 15).every((b) => b === 0) && ip.bytes[15] === 1;
}

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
export function reverseName(address: IpAddress | string): string {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) throw new TypeError(`reverseName: not an IP address: ${String(address)}`);
  if (ip.family === 4) return `${[...ip.bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of ip.bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
