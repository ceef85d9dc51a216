/**
 * A small answer cache in front of a Resolver: a bounded number of entries (least recently used out, approximated by a second chance: CLOCK), positive
 * answers kept for their TTL (capped), NXDOMAIN / NODATA for the SOA negative TTL (capped),
 * SERVFAIL / REFUSED / FORMERR / NOTIMP briefly, TIMEOUT and NETERROR never. A query with a
 * `scope` (an audit's domain) keeps the answers for names at or below that domain in the scope's
 * own table, under the same rules, instead of the shared one.
 */
import { oldestKeys } from '../core/oldest.ts';
import { queryKey } from './inflight.ts';
import type { Answer, QueryOptions, QueryScope, RecordOf, Resolver, RRType } from './types.ts';
import { queryName } from './wire.ts';

export interface CacheOptions {
  /** entries kept (default 10000) */
  readonly maxEntries?: number;
  /** approximate bytes kept (default 32 MiB): names and record data, the larger bound wins */
  readonly maxBytes?: number;
  /** cap on positive TTLs, seconds (default 3600) */
  readonly maxTtl?: number;
  /** cap on negative TTLs, seconds (default 900); without an SOA: `defaultNegativeTtl` */
  readonly maxNegativeTtl?: number;
  /** negative TTL when the answer has no SOA, seconds (default 60) */
  readonly defaultNegativeTtl?: number;
  /** how long SERVFAIL / REFUSED … are kept, seconds (default 5; 0: never) */
  readonly errorTtl?: number;
  /** clock in ms (tests) */
  readonly now?: () => number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
}

interface Entry {
  readonly answer: Answer<unknown>;
  readonly stored: number;
  readonly expires: number;
  readonly bytes: number;
  /** hit since it was stored or last passed over by the eviction (its second chance) */
  used: boolean;
  /**
   * what hits are handed, as a settled promise, and the age in whole seconds it shows (a new one
   * when the TTL shown changes): the answer itself in its first second or when it has no TTL, else
   * a copy with the TTL lowered by the age
   */
  shownP: Promise<Answer<unknown>> | undefined;
  shownAge: number;
}

/** A cheap estimate of an answer's heap size: names, texts, a fixed cost per record. */
function sizeOf(a: Answer<unknown>): number {
  let n = 160 + a.name.length * 2;
  for (const c of a.cnames) n += 40 + c.length * 2;
  for (const r of a.records) {
    if (typeof r === 'string') n += 40 + r.length * 2;
    else {
      n += 96;
      const t = (r as { text?: unknown }).text;
      if (typeof t === 'string') n += t.length * 2;
    }
  }
  return n;
}

export function withCache(
  inner: Resolver,
  options: CacheOptions = {},
): Resolver & { cacheStats(): CacheStats; clear(): void } {
  const maxEntries = Math.max(1, options.maxEntries ?? 10000);
  const maxBytes = Math.max(1, options.maxBytes ?? 32 * 2 ** 20);
  let bytes = 0;
  const maxTtl = options.maxTtl ?? 3600;
  const maxNeg = options.maxNegativeTtl ?? 900;
  const defaultNeg = options.defaultNegativeTtl ?? 60;
  const errorTtl = options.errorTtl ?? 5;
  // whole milliseconds since the cache was made: an entry's times stay small integers (a double in
  // an object field is a heap number of its own: two more objects per entry kept)
  const clock = options.now ?? (() => performance.now());
  const base = clock();
  const now = () => Math.floor(clock() - base);
  const map = new Map<string, Entry>();
  const oldest = oldestKeys(map);
  let hits = 0;
  let misses = 0;

  const lifetime = (a: Answer<unknown>): number => {
    switch (a.rcode) {
      case 'TIMEOUT':
      case 'NETERROR':
        return 0;
      case 'NOERROR':
        if (a.records.length > 0) return Math.min(a.ttl ?? 0, maxTtl);
        return Math.min(a.ttl ?? defaultNeg, maxNeg);
      case 'NXDOMAIN':
        return Math.min(a.ttl ?? defaultNeg, maxNeg);
      default:
        return errorTtl;
    }
  };

  return {
    // not async: a hit returns the entry's settled promise (no promise, async frame or microtask
    // of its own per hit — a scan's hosters' names are hit hundreds of times a second)
    query<T extends RRType>(name: string, type: T, opts?: QueryOptions): Promise<Answer<RecordOf<T>>> {
      let key: string;
      try {
        key = queryKey(name, type, opts?.checkingDisabled);
      } catch (e) {
        return Promise.reject(e);
      }
      const t = now();
      const local = opts?.scope ? scoped(opts.scope, key) : undefined;
      if (local) {
        const hit = local.get(key);
        if (hit && hit.expires > t) {
          hits++;
          return shown(hit, t) as Promise<Answer<RecordOf<T>>>;
        }
      }
      const hit = map.get(key);
      if (hit) {
        if (hit.expires > t) {
          // marked, not moved: a delete + set per hit cost more than the rest of the hit path;
          // the eviction gives a marked entry a second chance instead (CLOCK, close to LRU)
          hit.used = true;
          hits++;
          return shown(hit, t) as Promise<Answer<RecordOf<T>>>;
        }
        map.delete(key);
        bytes -= hit.bytes;
      }
      misses++;
      let p: Promise<Answer<RecordOf<T>>>;
      try {
        p = inner.query(name, type, opts);
      } catch (e) {
        return Promise.reject(e);
      }
      return local ? p.then((a) => keepIn(local, key, a)) : p.then((a) => store(key, a));
    },
    cacheStats: () => ({ hits, misses, entries: map.size }),
    clear: () => {
      map.clear();
      bytes = 0;
    },
  };

  /**
   * What a hit is handed, as a settled promise: one answer per entry and second of age, shared by
   * the hits in that second. Answers are never mutated (in-flight sharing hands one Answer to many
   * callers too), and a scan asks its hosters' names hundreds of times a second — a copy per hit
   * was an object per query that lived as long as its domain, through the young generation's
   * collections. In its first second (a domain's own repeats) the entry hands out the answer it keeps.
   */
  function shown(hit: Entry, t: number): Promise<Answer<unknown>> {
    const a = hit.answer;
    const age = a.ttl === undefined ? 0 : Math.floor((t - hit.stored) / 1000);
    if (hit.shownP === undefined || hit.shownAge !== age) {
      hit.shownAge = age;
      hit.shownP = Promise.resolve(
        age === 0 || a.ttl === undefined ? a : { ...a, ttl: Math.max(0, a.ttl - age) },
      );
    }
    return hit.shownP;
  }

  /** The scope's table when the key's name is the scope's domain or below it, else undefined. */
  function scoped(scope: QueryScope, key: string): Map<string, Entry> | undefined {
    let d = scope.name;
    if (d === undefined) {
      d = queryName(scope.domain);
      scope.name = d;
    }
    const end = key.indexOf('\u0000');
    const inside =
      end === d.length
        ? key.startsWith(d)
        : end > d.length && key.charCodeAt(end - d.length - 1) === 46 && key.startsWith(d, end - d.length);
    if (!inside || d === '') return undefined;
    let m = scope.answers as Map<string, Entry> | undefined;
    if (!m) {
      m = new Map();
      scope.answers = m;
    }
    return m;
  }

  /** Keeps a fresh answer in a scope's table for its lifetime (or the scope's) and returns it. */
  function keepIn<A extends Answer<unknown>>(local: Map<string, Entry>, key: string, a: A): A {
    const life = lifetime(a);
    if (life > 0) {
      const stored = now();
      local.set(key, {
        answer: a,
        stored,
        expires: stored + life * 1000,
        bytes: 0,
        used: false,
        shownP: undefined,
        shownAge: 0,
      });
    }
    return a;
  }

  /** Keeps a fresh answer for its lifetime (evicting the oldest unused entries) and returns it. */
  function store<A extends Answer<unknown>>(key: string, a: A): A {
    const life = lifetime(a);
    if (life > 0) {
      const stored = now();
      const prev = map.get(key);
      if (prev) {
        bytes -= prev.bytes;
        map.delete(key);
      }
      const entry: Entry = {
        answer: a,
        stored,
        expires: stored + life * 1000,
        bytes: sizeOf(a),
        used: false,
        shownP: undefined,
        shownAge: 0,
      };
      map.set(key, entry);
      bytes += entry.bytes;
      while (map.size > maxEntries || (bytes > maxBytes && map.size > 1)) {
        const k = oldest() as string;
        const e = map.get(k) as Entry;
        map.delete(k);
        if (e.used && e.expires > stored && k !== key) {
          e.used = false; // used since: goes to the back once, the next oldest is evicted
          map.set(k, e);
          continue;
        }
        bytes -= e.bytes;
      }
    }
    return a;
  }
}
