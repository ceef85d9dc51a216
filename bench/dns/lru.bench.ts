/**
 * The answer cache's eviction: `map.keys().next()` (a fresh iterator each time, stepping over the
 * holes that deletes leave at the front of V8's table) against one iterator kept across evictions
 * (src/core/oldest.ts). A Map of 50,000 entries (the scan's answer cache), each step one insert,
 * one eviction and one refresh (delete + set) of a recent key, as a scan's cache does.
 *
 *   node bench/dns/lru.bench.ts [--steps 200000]
 */
import { parseArgs } from 'node:util';
import { oldestKeys } from '../../src/core/oldest.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '200000' } } });
const N = 50_000;
const steps = Number(values.steps);

function run(next: (m: Map<string, number>) => () => string | undefined): number {
  const m = new Map<string, number>();
  for (let i = 0; i < N; i++) m.set(`k${i}`, i);
  const oldest = next(m);
  const t = performance.now();
  for (let i = N; i < N + steps; i++) {
    m.set(`k${i}`, i);
    m.delete(oldest() as string);
    const h = `k${i - 1000}`;
    const v = m.get(h);
    if (v !== undefined) {
      m.delete(h);
      m.set(h, v);
    }
  }
  return ((performance.now() - t) / steps) * 1000;
}

const fresh = run((m) => () => m.keys().next().value);
const kept = run((m) => oldestKeys(m));
console.log(
  JSON.stringify({
    bench: 'dns/lru',
    entries: N,
    steps,
    freshIteratorUsPerStep: Math.round(fresh * 100) / 100,
    keptIteratorUsPerStep: Math.round(kept * 100) / 100,
    ratio: Math.round((fresh / kept) * 10) / 10,
  }),
);
