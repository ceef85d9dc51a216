import { normaliseDomain } from '../core/names.ts';
import type { Answer, Rcode, RecordMap, RecordOf, Resolver, RRType } from './types.ts';

/**
 * A resolver over a zone literal, for table tests of checks (the "world" is faked, not the check):
 *
 *   staticResolver({
 *     'example.ch': { MX: [{ preference: 10, exchange: 'mx.example.ch' }], TXT: ['v=spf1 -all'] },
 *     'mx.example.ch': { A: ['192.0.2.1'] },
 *     'slow.example': 'TIMEOUT',            // every type of this name times out
 *     'odd.example': { TXT: 'SERVFAIL' },   // only TXT fails
 *     'alias.example': { CNAME: 'example.ch' },
 *   }, { authenticated: ['example.ch'] })
 *
 * Names not listed are NXDOMAIN; listed names without the asked type are NODATA. TXT may be given
 * as strings (one character-string each) or as string arrays. Every query is logged in `calls`.
 */
type Rdata<T extends RRType> = T extends 'TXT' | 'SPF' ? string | readonly string[] : RecordMap[T];
export type ZoneNode = { [T in Exclude<RRType, 'CNAME'>]?: readonly Rdata<T>[] | Rcode } & { CNAME?: string };
export type ZoneLiteral = Record<string, ZoneNode | Rcode>;

export interface StaticResolver extends Resolver {
  readonly calls: { name: string; type: RRType; checkingDisabled: boolean }[];
}

const norm = (n: string) => {
  const r = normaliseDomain(n);
  return r.ok ? r.name : n.toLowerCase().replace(/\.$/, '');
};

export function staticResolver(
  zone: ZoneLiteral,
  options: { authenticated?: readonly string[]; bogus?: readonly string[] } = {},
): StaticResolver {
  const nodes = new Map<string, ZoneNode | Rcode>();
  for (const [k, v] of Object.entries(zone)) nodes.set(norm(k), v);
  const secure = new Set((options.authenticated ?? []).map(norm));
  const bogus = new Set((options.bogus ?? []).map(norm));
  const calls: StaticResolver['calls'] = [];
  return {
    calls,
    async query<T extends RRType>(
      name: string,
      type: T,
      opts?: { checkingDisabled?: boolean },
    ): Promise<Answer<RecordOf<T>>> {
      const asked = norm(name);
      calls.push({ name: asked, type, checkingDisabled: opts?.checkingDisabled === true });
      const cnames: string[] = [];
      let current = asked;
      for (let hop = 0; hop < 16; hop++) {
        const base = { name: asked, type, cnames: [...cnames] };
        if (bogus.has(current) && !opts?.checkingDisabled) {
          return { ...base, rcode: 'SERVFAIL', records: [], authenticated: false };
        }
        const node = nodes.get(current);
        const authenticated = secure.has(current);
        if (node === undefined) return { ...base, rcode: 'NXDOMAIN', records: [], authenticated };
        if (typeof node === 'string') return { ...base, rcode: node, records: [], authenticated: false };
        if (node.CNAME !== undefined && type !== 'CNAME') {
          current = norm(node.CNAME);
          cnames.push(current);
          continue;
        }
        const data = (type === 'CNAME' && node.CNAME !== undefined ? [node.CNAME] : node[type]) as
          | readonly unknown[]
          | Rcode
          | undefined;
        if (typeof data === 'string') return { ...base, rcode: data, records: [], authenticated: false };
        const records = (data ?? []).map((r) => {
          if (type === 'TXT' || type === 'SPF') {
            const strings = typeof r === 'string' ? [r] : [...(r as string[])];
            return { strings, text: strings.join('') };
          }
          if (type === 'MX') {
            const mx = r as RecordMap['MX'];
            return { preference: mx.preference, exchange: mx.exchange === '.' ? '' : norm(mx.exchange) };
          }
          return r;
        }) as RecordOf<T>[];
        return { ...base, rcode: 'NOERROR', records, authenticated, ttl: 300 };
      }
      return { name: asked, type, cnames, rcode: 'SERVFAIL', records: [], authenticated: false };
    },
  };
}
