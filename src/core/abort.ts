/**
 * Abort callbacks without one event listener each: a scan has thousands of queries in flight on
 * one AbortSignal, and EventTarget's addEventListener scans its listener list for duplicates, so
 * a listener per query costs time quadratic in the queries in flight (14 % of a scan's CPU).
 * Here each signal gets one listener and a Set of callbacks; `whenAborted` returns the remover.
 */
const hubs = new WeakMap<AbortSignal, Set<() => void>>();

export function whenAborted(signal: AbortSignal | undefined, cb: () => void): () => void {
  if (!signal) return () => {};
  let set = hubs.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    hubs.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        for (const f of [...fresh]) f();
        fresh.clear();
      },
      { once: true },
    );
    set = fresh;
  }
  set.add(cb);
  return () => {
    set.delete(cb);
  };
}
