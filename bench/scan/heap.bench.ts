/**
 * Reads what V8 says about a scan's memory, for the hunt for what survives its collections:
 *
 *   --trace FILE     the stdout of `node --trace-gc-nvp src/cli/main.ts scan …`: scavenges (count,
 *                    main-thread pauses, helper time, bytes allocated, surviving, promoted) and
 *                    mark-compacts (count, pauses, helper marking time)
 *   --snapshot FILE  a heap snapshot (`node --heapsnapshot-signal=SIGUSR2 …`, then `kill -USR2`):
 *                    live objects by node type and by object shape (property names), the count
 *                    of V8 cons strings (trees of concatenations), timers by callback name
 *
 * A scan's young generation once spent a quarter of its CPU copying what survived; these two views
 * found a settled promise holding every decoded response, 210,000 cons strings and an abort
 * listener left per wait (docs/benchmarks.md › "What survives a scavenge", "A heap snapshot").
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { skipBench } from '../machine.ts';

const { values } = parseArgs({
  options: {
    trace: { type: 'string' },
    snapshot: { type: 'string' },
    top: { type: 'string', default: '25' },
  },
});
if (!values.trace && !values.snapshot)
  skipBench('scan/heap', '--trace (a --trace-gc-nvp log) or --snapshot (a .heapsnapshot)');
const top = Number(values.top);
const out: Record<string, unknown> = { bench: 'scan/heap' };

/** The key=value pairs of one --trace-gc-nvp line. */
function fields(line: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const kv of line.split(' ')) {
    const i = kv.indexOf('=');
    if (i > 0) m.set(kv.slice(0, i), Number(kv.slice(i + 1)));
  }
  return m;
}

if (values.trace) {
  const sum = { count: 0, pauseMs: 0, helperMs: 0, allocatedMB: 0, survivedMB: 0, promotedMB: 0 };
  const major = { count: 0, pauseMs: 0, helperMarkMs: 0 };
  for (const line of readFileSync(values.trace, 'utf8').split('\n')) {
    if (line.includes(' gc=s ')) {
      const f = fields(line);
      sum.count++;
      sum.pauseMs += f.get('pause') ?? 0;
      sum.helperMs += f.get('background.scavenge.parallel') ?? 0;
      sum.allocatedMB += (f.get('allocated') ?? 0) / 1e6;
      sum.survivedMB += (f.get('new_space_survived') ?? 0) / 1e6;
      sum.promotedMB += (f.get('promoted') ?? 0) / 1e6;
    } else if (line.includes(' gc=mc ')) {
      const f = fields(line);
      major.count++;
      major.pauseMs += f.get('pause') ?? 0;
      major.helperMarkMs += f.get('background.mark') ?? 0;
    }
  }
  const round = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));
  out.scavenges = round(sum);
  out.markCompacts = round(major);
}

if (values.snapshot) {
  const s = JSON.parse(readFileSync(values.snapshot, 'utf8')) as {
    snapshot: {
      meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { meta } = s.snapshot;
  const F = meta.node_fields.length;
  const E = meta.edge_fields.length;
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    meta.node_fields.indexOf(f),
  ) as [number, number, number, number];
  const types = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const byType = new Map<string, [number, number]>();
  const byShape = new Map<string, [number, number]>();
  const timers = new Map<string, number>();
  let e = 0;
  for (let i = 0; i < s.nodes.length; i += F) {
    const type = types[s.nodes[i + iType] as number] as string;
    const name = s.strings[s.nodes[i + iName] as number] as string;
    const size = s.nodes[i + iSize] as number;
    const edgeCount = s.nodes[i + iEdges] as number;
    const props: string[] = [];
    let onTimeout: string | undefined;
    for (let k = 0; k < edgeCount; k++, e += E) {
      if (edgeTypes[s.edges[e] as number] !== 'property') continue;
      const prop = s.strings[s.edges[e + 1] as number] as string;
      props.push(prop);
      if (prop === '_onTimeout') onTimeout = s.strings[s.nodes[(s.edges[e + 2] as number) + iName] as number];
    }
    const t = type === 'object' || type === 'closure' ? `${type} ${name}` : type;
    const a = byType.get(t) ?? [0, 0];
    a[0]++;
    a[1] += size;
    byType.set(t, a);
    if (type === 'object') {
      const shape = `${name}{${props.slice(0, 8).join(',')}}`;
      const b = byShape.get(shape) ?? [0, 0];
      b[0]++;
      b[1] += size;
      byShape.set(shape, b);
      if (name === 'Timeout')
        timers.set(onTimeout || '(anonymous)', (timers.get(onTimeout || '(anonymous)') ?? 0) + 1);
    }
  }
  const list = (m: Map<string, [number, number]>) =>
    [...m]
      .sort((x, y) => y[1][1] - x[1][1])
      .slice(0, top)
      .map(([k, [count, bytes]]) => ({ what: k, count, kB: Math.round(bytes / 1000) }));
  out.nodes = s.nodes.length / F;
  out.byType = list(byType);
  out.byShape = list(byShape);
  out.consStrings = byType.get('concatenated string')?.[0] ?? 0;
  out.timersByCallback = Object.fromEntries(timers);
}

process.stdout.write(`${JSON.stringify(out)}\n`);
