/**
 * The scale world from the command line (root needed for `serve`, as for the testworld):
 *
 *   node testworld/scale/cli.ts build  --seed ch23 --size 1000000          # build (or reuse) and describe
 *   node testworld/scale/cli.ts truth  --seed ch23 --size 20000 [--mode dns-only|full]
 *   node testworld/scale/cli.ts mutate --seed ch23 --size 20000 --mutation m1:200 [--out deltas.json]
 *   node testworld/scale/cli.ts serve  --seed ch23 --size 100000 --state /tmp/sw.json [--latency 30]
 *   node testworld/scale/cli.ts stop   --state /tmp/sw.json
 *
 * `--mutation SEED:N` (repeatable) applies N changes drawn from SEED; `mutate` builds the mutated
 * world and prints what its last mutation changed: added and removed domains, and for each
 * modified domain the statistics whose verdict changed ([before, after]). JSON on stdout.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stopTestworldByState } from '../dns/world.ts';
import { buildWorld } from './build.ts';
import { type MutationSpec, worldSpec } from './model.ts';
import { startScaleWorld } from './serve.ts';
import { DNS_ONLY, domainTruth, type ScanMode, TruthAccumulator } from './truth.ts';
import { World } from './world.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: 'ch23' },
    size: { type: 'string', default: '20000' },
    tld: { type: 'string' },
    mutation: { type: 'string', multiple: true },
    mode: { type: 'string', default: 'dns-only' },
    out: { type: 'string' },
    state: { type: 'string' },
    latency: { type: 'string' },
    cache: { type: 'string' },
    workers: { type: 'string' },
    force: { type: 'boolean' },
  },
});

function mutations(): MutationSpec[] {
  return (values.mutation ?? []).map((m) => {
    const [seed, n] = m.split(':');
    if (!seed || !n || !/^\d+$/.test(n)) throw new Error(`--mutation ${m}: give SEED:N, e.g. m1:200`);
    return { seed, changes: Number(n) };
  });
}

function mode(): ScanMode {
  if (values.mode === 'dns-only') return DNS_ONLY;
  if (values.mode === 'full') return { smtp: true, http: true };
  throw new Error(`--mode ${values.mode}: dns-only or full`);
}

const spec = () =>
  worldSpec(values.seed!, Number(values.size), {
    ...(values.tld ? { tld: values.tld } : {}),
    mutations: mutations(),
  });
const buildOptions = () => ({
  ...(values.cache ? { cacheDir: values.cache } : {}),
  ...(values.workers ? { workers: Number(values.workers) } : {}),
  ...(values.force ? { force: true } : {}),
  log: (l: string) => process.stderr.write(`${l}\n`),
});
const print = (v: unknown) => {
  const text = `${JSON.stringify(v, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
};

const command = positionals[0];
switch (command) {
  case 'build': {
    const t0 = performance.now();
    const w = await buildWorld(spec(), buildOptions());
    print({
      key: w.key,
      dir: w.dir,
      domainsFile: w.domainsFile,
      truthFile: w.truthFile,
      domains: w.domains,
      built: w.built,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      manifest: w.manifest,
    });
    break;
  }
  case 'truth': {
    const acc = new TruthAccumulator();
    for (const p of new World(spec()).profiles()) acc.add(domainTruth(p, mode()));
    print(acc.result());
    break;
  }
  case 'mutate': {
    const s = spec();
    if (s.mutations.length === 0) throw new Error('mutate needs at least one --mutation SEED:N');
    const w = await buildWorld(s, buildOptions());
    print({ world: w.key, domainsFile: w.domainsFile, ...new World(s).deltas(mode()) });
    break;
  }
  case 'serve': {
    if (!values.state) throw new Error('serve needs --state FILE (stop it later with: stop --state FILE)');
    const sw = await startScaleWorld({
      seed: values.seed!,
      size: Number(values.size),
      ...(values.tld ? { tld: values.tld } : {}),
      mutations: mutations(),
      ...(values.latency ? { latencyMs: Number(values.latency) } : {}),
      ...buildOptions(),
      detached: true,
    });
    sw.tw.saveState(values.state);
    print({
      state: values.state,
      resolver: sw.tw.resolver,
      domainsFile: sw.world.domainsFile,
      truthFile: sw.world.truthFile,
      timings: sw.timings,
      scan: `mailsec scan ${sw.world.domainsFile} --resolver ${sw.tw.resolver} --allow-private 127.0.0.0/8 --no-smtp --no-http`,
    });
    break;
  }
  case 'stop':
    if (!values.state) throw new Error('stop needs --state FILE');
    await stopTestworldByState(values.state);
    break;
  default:
    process.stderr.write(
      'usage: node testworld/scale/cli.ts build|truth|mutate|serve|stop [--seed S] [--size N] …\n',
    );
    process.exit(2);
}
