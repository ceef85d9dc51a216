/** What every benchmark line records about where it ran (docs/benchmarks.md: date, machine). */
import { cpus } from 'node:os';

export function machine(): { date: string; node: string; cpus: number; cpu: string | undefined } {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
  };
}
