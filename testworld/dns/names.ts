/** Domain-name helpers for the zone generator. Names are lower case, without trailing dot; '' is the root. */

export function normName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  return n === '.' ? '' : n;
}

/** Absolute presentation form: 'a.b' → 'a.b.', '' → '.'. */
export function fqdn(name: string): string {
  return name === '' ? '.' : `${name}.`;
}

export function labels(name: string): string[] {
  return name === '' ? [] : name.split('.');
}

/** true when `name` equals `zone` or lies below it. */
export function isInZone(name: string, zone: string): boolean {
  return zone === '' || name === zone || name.endsWith(`.${zone}`);
}

/** Proper ancestors, nearest first: 'a.b.c' → ['b.c', 'c', '']. */
export function ancestors(name: string): string[] {
  const ls = labels(name);
  const out: string[] = [];
  for (let i = 1; i <= ls.length; i++) out.push(ls.slice(i).join('.'));
  return out;
}

/** Reverse-DNS name for an IPv4 or IPv6 address (no trailing dot). */
export function reverseName(address: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
    const parts = address.split('.');
    if (parts.some((p) => Number(p) > 255)) throw new Error(`bad IPv4 address ${address}`);
    return `${parts.reverse().join('.')}.in-addr.arpa`;
  }
  if (address.includes(':')) return `${expandIpv6(address).split('').reverse().join('.')}.ip6.arpa`;
  throw new Error(`not an IP address: ${address}`);
}

/** 32 hex nibbles of an IPv6 address. */
export function expandIpv6(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  if (tail === undefined && h.length !== 8) throw new Error(`bad IPv6 address ${address}`);
  const missing = 8 - h.length - t.length;
  if (missing < 0) throw new Error(`bad IPv6 address ${address}`);
  const groups = [...h, ...Array<string>(missing).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}
