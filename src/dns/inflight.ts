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

interface Shared {
  readonly p: Promise<Answer<unknown>>;
  /** the abort-guarded promise handed to the callers with this signal (a scan's run-wide one) */
  signal?: AbortSignal;
  guarded?: Promise<Answer<unknown>>;
}

export function sharingInFlight(inner: Resolver): Resolver & { sharedCount(): number } {
  const inflight = new Map<string, Shared>();
  let shared = 0;
  const query = <T extends RRType>(
    name: string,
    type: T,
    opts?: QueryOptions,
  ): Promise<Answer<RecordOf<T>>> => {
    const key = queryKey(name, type, opts?.checkingDisabled);
    let e = inflight.get(key);
    if (e) shared++;
    else {
      const cd = opts?.checkingDisabled === true;
      const fresh: Shared = { p: inner.query(name, type, cd ? { checkingDisabled: true } : undefined) };
      inflight.set(key, fresh);
      const clear = () => {
        if (inflight.get(key) === fresh) inflight.delete(key);
      };
      fresh.p.then(clear, clear);
      e = fresh;
    }
    const p = e.p as Promise<Answer<RecordOf<T>>>;
    const signal = opts?.signal;
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(signal.reason);
    // callers with the same signal end the same way: one guard for them all
    if (e.signal === signal && e.guarded) return e.guarded as Promise<Answer<RecordOf<T>>>;
    const guarded = new Promise<Answer<RecordOf<T>>>((resolve, reject) => {
      const unsubscribe = whenAborted(signal, () => reject(signal.reason));
      p.then(
        (a) => {
          unsubscribe();
          resolve(a);
        },
        (err) => {
          unsubscribe();
          reject(err);
        },
      );
    });
    if (!e.guarded) {
      e.signal = signal;
      e.guarded = guarded;
    }
    return guarded;
  };
  return { query, sharedCount: () => shared };
}
