/**
 * Public Suffix List look-ups (tldts), memoised in bounded caches: a scan asks the same MX and
 * provider names millions of times, and an unbounded cache would grow with the input.
 */
import { getDomain, getPublicSuffix } from 'tldts';
import { oldestKeys } from '../core/oldest.ts';

/** A least-recently-used map of at most `max` entries. */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  private readonly max: number;
  private readonly oldest = oldestKeys(this.map);
  constructor(max: number) {
    this.max = Math.max(1, max);
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.oldest() as K);
  }
  get size(): number {
    return this.map.size;
  }
}

const PSL_CACHE = 20_000;
const domains = new BoundedCache<string, string | null>(PSL_CACHE);
const suffixes = new BoundedCache<string, string | null>(PSL_CACHE);

/** The registrable domain (public suffix + one label), or null; `privateDomains` includes the list's PRIVATE section. */
export function registrableDomain(name: string, privateDomains = false): string | null {
  const key = privateDomains ? `p:${name}` : name;
  const hit = domains.get(key);
  if (hit !== undefined) return hit;
  const v = getDomain(name, { allowPrivateDomains: privateDomains }) ?? null;
  domains.set(key, v);
  return v;
}

/** The public suffix of a name, or null; `privateDomains` includes the list's PRIVATE section. */
export function publicSuffix(name: string, privateDomains = false): string | null {
  const key = privateDomains ? `p:${name}` : name;
  const hit = suffixes.get(key);
  if (hit !== undefined) return hit;
  const v = getPublicSuffix(name, { allowPrivateDomains: privateDomains }) ?? null;
  suffixes.set(key, v);
  return v;
}
