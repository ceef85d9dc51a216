/**
 * The seams through which the network layer's per-target politeness is enforced: connections in
 * flight per target (an MX address, its /24 or /48, its provider, a web server's address), and a
 * probe result shared by everyone who asks for the same (MX address, SNI name) in a run.
 *
 * One process uses the local implementations here (a counting semaphore per key, the prober's own
 * cache). Workers of a scale-out scan (`mailsec worker`, src/queue/) pass Redis-backed ones, so a
 * limit holds across every process and machine of the scan, and a probe made by one worker is
 * not made again by another.
 */
import { whenAborted } from '../core/abort.ts';
import type { SmtpProbeResult } from './smtp.ts';

/** Connections in flight per target key. */
export interface TargetLimits {
  /**
   * Waits until fewer than `limit` holders of `key` are in flight, then holds one; the returned
   * function releases it (call it exactly once). Rejects when `signal` aborts.
   */
  acquire(key: string, limit: number, signal?: AbortSignal): Promise<() => void>;
}

/** The counting semaphore per key of one process. */
export function localTargetLimits(): TargetLimits {
  const state = new Map<string, { active: number; queue: (() => void)[] }>();
  return {
    async acquire(key, limit, signal) {
      signal?.throwIfAborted();
      let s = state.get(key);
      if (!s) {
        s = { active: 0, queue: [] };
        state.set(key, s);
      }
      const slot = s;
      if (slot.active >= limit) {
        // the run's signal is shared by every waiter: one callback each in its hub (core/abort.ts),
        // not an EventTarget listener (whose every add scans the listeners before it)
        await new Promise<void>((resolve, reject) => {
          const go = () => {
            stop();
            resolve();
          };
          const stop = whenAborted(signal, () => {
            const i = slot.queue.indexOf(go);
            if (i >= 0) slot.queue.splice(i, 1);
            reject(signal?.reason);
          });
          slot.queue.push(go);
        });
      }
      slot.active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        slot.active--;
        const next = slot.queue.shift();
        if (next) next();
        else if (slot.active === 0 && state.get(key) === slot) state.delete(key);
      };
    },
  };
}

/**
 * A probe result shared across processes: `run(key, probe)` returns the stored result of `key`
 * when there is one, else makes sure only one caller anywhere runs `probe` (a claim with a
 * time-to-live: a caller that dies frees it) while the others wait for its result.
 */
export interface SharedProbes {
  run(key: string, probe: () => Promise<SmtpProbeResult>, signal?: AbortSignal): Promise<SmtpProbeResult>;
}
