/**
 * Abort callbacks without one event listener each: a scan has thousands of queries in flight on
 * one AbortSignal, and EventTarget's addEventListener scans its listener list for duplicates, so
 * a listener per query costs time quadratic in the queries in flight (14 % of a scan's CPU).
 * Here each signal gets one listener and a Set of callbacks: `whenAborted` takes a callback and
 * returns its remover. (The UDP transport subscribes once per signal, not once per query.)
 */
const hubs = new WeakMap<AbortSignal, Set<() => void>>();

function callbacksOf(signal: AbortSignal): Set<() => void> {
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
  return set;
}

export function whenAborted(signal: AbortSignal | undefined, cb: () => void): () => void {
  if (!signal) return () => {};
  const set = callbacksOf(signal);
  set.add(cb);
  return () => {
    set.delete(cb);
  };
}

/**
 * Waits `ms`; an abort of `signal` ends the wait at once, rejecting with the signal's reason. The
 * abort callback goes when the time is up: a listener left on a run-wide signal by each wait (as
 * the scan's operator gate, the SMTP backoff and the IMAP poll once did) kept a timer and a closure
 * per wait for the whole run, and made each later `addEventListener` slower.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
    const stop = whenAborted(signal, () => {
      clearTimeout(timer);
      reject(signal?.reason);
    });
  });
}
