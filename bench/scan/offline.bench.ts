/**
 * What a scan's domain costs without the network: the domains are audited once through the real
 * resolver (a running world's Unbound, mailsec's answer cache in front) with every answer recorded,
 * then audited again against the recorded answers alone — no socket, no wire decoding, no answer
 * cache, no store — each document made and turned into its stored row as the scan does
 * (`toDocument`, `toStored`, and the JSON text the part writer encodes). A first offline pass warms
 * the JIT; `--passes` more are timed. `--delay-ms` hands each replayed answer out that long after
 * it was asked (one FIFO drained by one timer): the audits' state then lives as long as in a scan,
 * which is what the garbage collector pays for. A scan's CPU per domain minus these is the DNS
 * path (client, transport, the kernel's loopback) and the store.
 *
 *   node testworld/scale/cli.ts serve --seed ch23 --size 200000 --state /tmp/sw.json
 *   node bench/scan/offline.bench.ts --state /tmp/sw.json --domains <names> [--count 5000]
 *     [--concurrency 64] [--delay-ms 30] [--passes 3] [--cpu-prof offline.cpuprofile]
 *
 * Prints one JSON line: CPU ms per domain of the recorded pass (real DNS, nothing stored) and of
 * the timed offline passes (process, main thread), queries asked per domain, answers recorded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { auditDomain } from '../../src/audit/audit.ts';
import { toDocument } from '../../src/audit/document.ts';
import { type AuditConfig, createAuditEnvironment, openResolver } from '../../src/audit/environment.ts';
import type { Answer, QueryOptions, RecordOf, Resolver, RRType } from '../../src/dns/types.ts';
import { toStored } from '../../src/scan/store.ts';
import { mainThreadCpu, skipBench } from '../machine.ts';

const { values } = parseArgs({
  options: {
    state: { type: 'string' },
    domains: { type: 'string' },
    count: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    'delay-ms': { type: 'string', default: '0' },
    passes: { type: 'string', default: '1' },
    /** a V8 CPU profile of the timed passes (not of the recorded one) */
    'cpu-prof': { type: 'string' },
  },
});
if (!values.state || !values.domains)
  skipBench('scan/offline', '--state (a served scale world) and --domains (a list of its names)');
const state = JSON.parse(readFileSync(values.state, 'utf8')) as { resolver: string };
const names = readFileSync(values.domains, 'utf8').split('\n').filter(Boolean).slice(0, Number(values.count));
const concurrency = Number(values.concurrency);
/** each replayed answer is handed out this long after it was asked (0: at once) */
const delayMs = Number(values['delay-ms']);

const config: AuditConfig = {
  resolver: state.resolver,
  allowPrivate: ['127.0.0.0/8'],
  noSmtp: true,
  noHttp: true,
  selectorList: 'short',
  obsoleteSpfType: false,
};
/** recorded answers by (type, CD bit), then by name as asked: no key string built per replayed query */
const recorded = new Map<string, Map<string, Answer<unknown>>>();
const byType = (t: string, o?: QueryOptions) => {
  const k = o?.checkingDisabled ? `${t}+cd` : t;
  let m = recorded.get(k);
  if (!m) {
    m = new Map();
    recorded.set(k, m);
  }
  return m;
};
let answersRecorded = 0;
const live = openResolver(config, { cache: { maxEntries: 50_000, maxBytes: 32 * 2 ** 20 } });
const recorder: Resolver = {
  query<T extends RRType>(name: string, type: T, o?: QueryOptions): Promise<Answer<RecordOf<T>>> {
    return live.query(name, type, o).then((a) => {
      const m = byType(type, o);
      if (!m.has(name)) answersRecorded++;
      m.set(name, a);
      return a;
    });
  },
};
/**
 * The answers held back by --delay-ms: one FIFO (every answer waits the same time) drained by one
 * interval timer, not a timer per answer, so what the delay adds is the audits' state living
 * longer (the garbage collector's share), not timer bookkeeping.
 */
const delayed = (() => {
  const due: number[] = [];
  const go: (() => void)[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  const drain = () => {
    const now = performance.now();
    while (head < due.length && (due[head] as number) <= now) (go[head++] as () => void)();
    if (head === due.length) {
      due.length = 0;
      go.length = 0;
      head = 0;
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    push(at: number, f: () => void) {
      due.push(at);
      go.push(f);
      timer ??= setInterval(drain, 2);
    },
  };
})();
let missing = 0;
const replay: Resolver = {
  query<T extends RRType>(name: string, type: T, o?: QueryOptions): Promise<Answer<RecordOf<T>>> {
    const a = byType(type, o).get(name);
    if (!a) missing++;
    const answer = (a ?? {
      name,
      type,
      rcode: 'TIMEOUT',
      records: [],
      cnames: [],
      authenticated: false,
    }) as Answer<RecordOf<T>>;
    if (delayMs <= 0) return Promise.resolve(answer);
    return new Promise((resolve) => delayed.push(performance.now() + delayMs, () => resolve(answer)));
  },
};

async function pass(resolver: Resolver): Promise<{ processMs: number; mainMs: number; queries: number }> {
  const env = await createAuditEnvironment(config, { resolver });
  let at = 0;
  let queries = 0;
  let sink = 0;
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpu();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (at < names.length) {
        const d = names[at++] as string;
        const audit = await auditDomain(d, { ...env, queryLog: false });
        for (const r of audit.results) queries += r.queryCount ?? 0;
        const doc = toDocument(audit, { address: state.resolver, validates: true });
        const row = toStored(doc as unknown as Record<string, unknown>);
        sink += JSON.stringify(row.doc).length;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  const m = mainThreadCpu() - m0;
  await env.close();
  if (sink === 0) throw new Error('no documents');
  return { processMs: (c.user + c.system) / 1000, mainMs: m * 1000, queries };
}

const first = await pass(recorder);
await (live as { close?: () => Promise<void> }).close?.();
const warm = await pass(replay);
const session = values['cpu-prof'] ? new Session() : undefined;
const post = (method: string, params?: object) =>
  new Promise<unknown>((res, rej) => session?.post(method, params ?? {}, (e, r) => (e ? rej(e) : res(r))));
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
}
let timed = { processMs: 0, mainMs: 0, queries: 0 };
const passes = Math.max(1, Number(values.passes));
for (let i = 0; i < passes; i++) {
  const t = await pass(replay);
  timed = {
    processMs: timed.processMs + t.processMs / passes,
    mainMs: timed.mainMs + t.mainMs / passes,
    queries: t.queries,
  };
}
if (session) {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(values['cpu-prof'] as string, JSON.stringify(profile));
  session.disconnect();
}
const n = names.length;
process.stdout.write(
  `${JSON.stringify({
    bench: 'scan/offline',
    date: new Date().toISOString(),
    domains: n,
    concurrency,
    delayMs,
    passes,
    recordedPass: {
      cpuMsPerDomain: +(first.processMs / n).toFixed(3),
      queriesPerDomain: +(first.queries / n).toFixed(1),
    },
    offline: {
      cpuMsPerDomain: +(timed.processMs / n).toFixed(3),
      mainThreadMsPerDomain: +(timed.mainMs / n).toFixed(3),
      warmupCpuMsPerDomain: +(warm.processMs / n).toFixed(3),
    },
    answersRecorded,
    missingInReplay: missing,
  })}\n`,
);
