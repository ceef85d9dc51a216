/**
 * Shares identical queries in flight: the same name (normalised), type and CD bit asked while a
 * query is pending get the same answer from one packet. Queries are shared among callers with the
 * same abort signal (a scan passes its run-wide one to every query, so all of them share), and
 * the shared query is asked with that signal: the resolver below (the client) ends it when the
 * signal aborts, so no caller waits on a query another caller's abort ended, and no guard promise
 * per query is needed. Callers with another signal, or none, ask on their own.
 */
import type { Answer, QueryOptions, RecordOf, Resolver, RRType } from './types.ts';
import { queryName } from './wire.ts';

let lastName: string | undefined;
let lastType: RRType | undefined;
let lastCd = false;
let lastKey = '';

/**
 * The key of a query. The cache and the in-flight sharing ask for the same key one after the other
 * (the cache's miss calls straight through): the last one is kept, so both get the same string
 * object and V8 hashes it once.
 */
export function queryKey(name: string, type: RRType, checkingDisabled: boolean | undefined): string {
  const cd = checkingDisabled === true;
  if (name === lastName && type === lastType && cd === lastCd) return lastKey;
  // joined, not a template literal: one flat string, not a tree of four more (core/flat.ts), kept
  // as long as the cache keeps its entry
  lastKey = [queryName(name), type, cd ? '1' : '0'].join('\u0000');
  lastName = name;
  lastType = type;
  lastCd = cd;
  return lastKey;
}

/** The queries in flight of one signal (or of none), by key. */
class InFlight extends Map<string, Promise<Answer<unknown>>> {
  /** removes a settled query (unless a newer one took its key) */
  clear1(key: string, p: Promise<Answer<unknown>>): void {
    if (this.get(key) === p) this.delete(key);
  }
}

export function sharingInFlight(inner: Resolver): Resolver & { sharedCount(): number } {
  const unsignalled = new InFlight();
  const bySignal = new WeakMap<AbortSignal, InFlight>();
  let shared = 0;
  const query = <T extends RRType>(
    name: string,
    type: T,
    opts?: QueryOptions,
  ): Promise<Answer<RecordOf<T>>> => {
    const key = queryKey(name, type, opts?.checkingDisabled);
    const signal = opts?.signal;
    let inflight = unsignalled;
    if (signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const own = bySignal.get(signal);
      if (own) inflight = own;
      else {
        inflight = new InFlight();
        bySignal.set(signal, inflight);
      }
    }
    const e = inflight.get(key);
    if (e) {
      shared++;
      return e as Promise<Answer<RecordOf<T>>>;
    }
    const p = inner.query(name, type, opts);
    inflight.set(key, p);
    const clear = () => inflight.clear1(key, p);
    p.then(clear, clear);
    return p;
  };
  return { query, sharedCount: () => shared };
}
