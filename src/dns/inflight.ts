/**
 * Shares identical queries in flight: the same name (normalised), type and CD bit asked while a
 * query is pending get the same answer from one packet. Each caller keeps its own abort signal;
 * the shared query runs on while anyone still waits for it.
 */
import { whenAborted } from '../core/abort.ts';
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
  lastKey = `${queryName(name)}\u0000${type}\u0000${cd ? 1 : 0}`;
  lastName = name;
  lastType = type;
  lastCd = cd;
  return lastKey;
}

export function sharingInFlight(inner: Resolver): Resolver & { sharedCount(): number } {
  const inflight = new Map<string, Promise<Answer<unknown>>>();
  let shared = 0;
  const query = <T extends RRType>(
    name: string,
    type: T,
    opts?: QueryOptions,
  ): Promise<Answer<RecordOf<T>>> => {
    const key = queryKey(name, type, opts?.checkingDisabled);
    let p = inflight.get(key) as Promise<Answer<RecordOf<T>>> | undefined;
    if (p) shared++;
    else {
      const cd = opts?.checkingDisabled === true;
      p = inner.query(name, type, cd ? { checkingDisabled: true } : undefined);
      inflight.set(key, p);
      const clear = () => {
        if (inflight.get(key) === p) inflight.delete(key);
      };
      p.then(clear, clear);
    }
    const signal = opts?.signal;
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<Answer<RecordOf<T>>>((resolve, reject) => {
      const unsubscribe = whenAborted(signal, () => reject(signal.reason));
      p.then(
        (a) => {
          unsubscribe();
          resolve(a);
        },
        (e) => {
          unsubscribe();
          reject(e);
        },
      );
    });
  };
  return { query, sharedCount: () => shared };
}
