import { setFlagsFromString } from 'node:v8';

/**
 * Long runs (`scan`, `worker`) keep V8's old generation at about twice its live data. After each
 * full collection V8 sets the next limit to the live size times a factor it picks from how fast
 * collecting is against the program (1.1 to 4): a scan allocates ~400 KB per domain while its live
 * data stays near 100 MB, so the factor crept to its maximum and the heap to 4–5 times the live
 * data (268 → 580 MB over 90,000 domains, RSS with it) with nothing retained. A fixed factor of 2
 * keeps the heap flat for a few per cent more CPU (docs/benchmarks.md › "Flat memory: V8's heap
 * growth"). A `--heap-growing-percent` given to node itself is left alone.
 */
export function boundHeapGrowth(execArgv: readonly string[]): void {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent')))
    return;
  setFlagsFromString('--heap-growing-percent=100');
}
