/**
 * Abort callbacks without one event listener each: a scan has thousands of queries in flight on
 * one AbortSignal, and EventTarget's addEventListener scans its listener list for duplicates, so
 * a listener per query costs time quadratic in the queries in flight (14 % of a scan's CPU).
 * Here each signal gets one listener and a Set of subscribers: `whenAborted` takes a callback and
 * returns its remover; `abortSubscribers` hands out the Set itself, for an object that is its own
 * subscriber (a DNS query in flight: no closure per query) and removes itself when it ends.
 */
export interface AbortSubscriber {
  onAbort(): void;
}

export type Subscriber = (() => void) | AbortSubscriber;

const hubs = new WeakMap<AbortSignal, Set<Subscriber>>();

export function abortSubscribers(signal: AbortSignal): Set<Subscriber> {
  let set = hubs.get(signal);
  if (!set) {
    const fresh = new Set<Subscriber>();
    hubs.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        for (const f of [...fresh]) typeof f === 'function' ? f() : f.onAbort();
        fresh.clear();
      },
      { once: true },
    );
    set = fresh;
  }
  return set;
}

export function whenAborted(signal: AbortSignal | undefined, cb: () => void): () => void {
  if (!signal) return () => {};
  const set = abortSubscribers(signal);
  set.add(cb);
  return () => {
    set.delete(cb);
  };
}
