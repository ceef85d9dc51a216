/**
 * The DNS query-rate ceiling of a run (`--qps`) with backoff on failure storms: every packet the
 * client sends (retries included) takes a token. When more than `stormShare` of the recent
 * answers are SERVFAIL or timeouts, the ceiling drops to half the rate actually achieved and then
 * grows back by a tenth each second without a storm — so a struggling resolver or authoritative
 * server gets air, and a healthy one is not slowed.
 */

export interface RateGateOptions {
  /** queries per second at most (0: no fixed ceiling, only the storm backoff) */
  readonly qps: number;
  /** share of failures among the last `window` answers that counts as a storm (default 0.2) */
  readonly stormShare?: number;
  /** answers looked at (default 200) */
  readonly window?: number;
  /** lowest ceiling a storm can set (default 20 queries/s) */
  readonly floor?: number;
  /** clock in ms (tests) */
  readonly now?: () => number;
}

export interface RateGate {
  /** waits for a token (resolves at once below the ceiling) */
  acquire(signal?: AbortSignal): Promise<void>;
  /** takes a token now when one is free and nobody waits (no promise, no microtask); false: call acquire */
  tryTake?(): boolean;
  /** how a query ended: `fail` for SERVFAIL and timeouts */
  report(outcome: 'ok' | 'fail'): void;
  /** the ceiling in force (Infinity: none) */
  ceiling(): number;
  /** times a storm lowered the ceiling */
  readonly storms: number;
}

/**
 * A FIFO with a head index: `shift()` on an array of thousands of waiters (a scan's first burst)
 * moves the whole array each time; this compacts now and then instead.
 */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return x;
  }
}

export function createRateGate(o: RateGateOptions): RateGate {
  const now = o.now ?? (() => performance.now());
  const fixed = o.qps > 0 ? o.qps : Number.POSITIVE_INFINITY;
  const stormShare = o.stormShare ?? 0.2;
  const window = Math.max(10, o.window ?? 200);
  const floor = Math.max(1, o.floor ?? 20);
  let ceiling = fixed;
  let tokens = Number.isFinite(fixed) ? Math.min(fixed, 1000) : 0;
  let last = now();
  let storms = 0;
  // recent outcomes: a ring of booleans (true = failure)
  const ring = new Uint8Array(window);
  let at = 0;
  let seen = 0;
  let failures = 0;
  // achieved rate: tokens taken in the current second
  let secondStart = now();
  let takenThisSecond = 0;
  let achieved = 0;
  let lastStorm = Number.NEGATIVE_INFINITY;
  const waiters = new Fifo<{ resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal }>();
  const waiting = () => waiters.size;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const tick = () => {
    const t = now();
    if (t - secondStart >= 1000) {
      achieved = takenThisSecond / ((t - secondStart) / 1000);
      takenThisSecond = 0;
      secondStart = t;
      // recover by a tenth a second once the storm has passed
      if (ceiling < fixed && t - lastStorm > 1000) {
        ceiling = Math.min(fixed, ceiling * 1.1 + 1);
        if (!Number.isFinite(fixed) && ceiling > achieved * 4 + 1000) ceiling = fixed;
      }
    }
    if (Number.isFinite(ceiling)) {
      tokens = Math.min(Math.max(ceiling, 1), tokens + ((t - last) / 1000) * ceiling);
    }
    last = t;
  };

  const drain = () => {
    timer = null;
    tick();
    while (waiting() > 0 && (!Number.isFinite(ceiling) || tokens >= 1)) {
      const w = waiters.shift() as NonNullable<ReturnType<typeof waiters.shift>>;
      if (w.signal?.aborted) {
        w.reject(w.signal.reason);
        continue;
      }
      if (Number.isFinite(ceiling)) tokens -= 1;
      takenThisSecond++;
      w.resolve();
    }
    if (waiting() > 0 && !timer) {
      const wait = Math.max(1, Math.ceil(((1 - tokens) / Math.max(ceiling, 1)) * 1000));
      timer = setTimeout(drain, wait);
      timer.unref?.();
    }
  };

  const tryTake = (): boolean => {
    tick();
    if (waiting() === 0 && (!Number.isFinite(ceiling) || tokens >= 1)) {
      if (Number.isFinite(ceiling)) tokens -= 1;
      takenThisSecond++;
      return true;
    }
    return false;
  };

  return {
    tryTake,
    acquire(signal) {
      if (tryTake()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject, ...(signal ? { signal } : {}) });
        if (!timer) drain();
      });
    },
    report(outcome) {
      const fail = outcome === 'fail' ? 1 : 0;
      if (seen >= window) failures -= ring[at] as number;
      else seen++;
      ring[at] = fail;
      failures += fail;
      at = (at + 1) % window;
      if (seen >= Math.min(window, 50) && failures / seen > stormShare) {
        const t = now();
        if (t - lastStorm > 1000) {
          tick();
          const base = Number.isFinite(ceiling)
            ? Math.min(ceiling, Math.max(achieved, floor))
            : Math.max(achieved, floor);
          ceiling = Math.max(floor, base / 2);
          tokens = Math.min(tokens, ceiling);
          storms++;
          lastStorm = t;
        }
      }
    },
    ceiling: () => ceiling,
    get storms() {
      return storms;
    },
  };
}

/**
 * A ceiling on the queries on the wire at once (`--dns-in-flight`): a resolver keeps a bounded
 * request list (Unbound: `num-queries-per-thread`) and drops what overflows it, and each drop
 * costs the asker a whole timeout and a retry — a scan's first burst (every domain in flight
 * asking its first queries together) overflowed the testworld's Unbound that way, and the
 * timeouts it caused slowed the run down (storm backoff) and left sections undetermined. Past
 * the ceiling a query waits its turn (FIFO); the wait is not part of its timeout.
 */
export interface InFlightWindow {
  /** null: a slot was free and is now taken; otherwise a promise that resolves with the slot */
  enter(): Promise<void> | null;
  /** gives the slot back (to the next waiter, if any) */
  leave(): void;
  /** queries holding a slot, and waiting for one */
  readonly active: number;
  readonly waiting: number;
}

export function createInFlightWindow(max: number): InFlightWindow {
  const limit = Math.max(1, Math.floor(max));
  let active = 0;
  const waiters = new Fifo<() => void>();
  return {
    enter() {
      if (active < limit && waiters.size === 0) {
        active++;
        return null;
      }
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
      });
    },
    leave() {
      const next = waiters.shift();
      if (next) {
        next(); // the slot passes on: active stays
        return;
      }
      active = Math.max(0, active - 1);
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.size;
    },
  };
}
