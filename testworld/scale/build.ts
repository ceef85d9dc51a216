/**
 * Builds a scale world's zones once and caches them on disk, keyed by generator version, seed,
 * size, TLD and mutations (`worldKey`): one zone file per served domain (DNSSEC-signed ones signed
 * in-process, see dnssec.ts), the signed TLD zone with every delegation and DS, an NSD config
 * fragment listing them, the domain list (the scan input) and the ground truth. Nothing in the
 * cache depends on the testworld slot, so any testworld can serve it (testworld/scale/serve.ts).
 *
 * Work is spread over worker threads (one per core): domain zones by index range, then the TLD's
 * NSEC chain by sorted chunks.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { dsOf, signRRset, signZone, type Validity, zoneKey } from './dnssec.ts';
import { DNS_OPERATORS, GENERATOR_VERSION, type WorldSpec, worldKey } from './model.ts';
import { LAME_NS, served, zoneRecords } from './records.ts';
import { line, NEG_TTL, type RR, rr } from './rr.ts';
import {
  DNS_ONLY,
  domainTruth,
  type ExpectedReport,
  TRUTH_VERSION,
  TruthAccumulator,
  type TruthCounts,
} from './truth.ts';
import { World } from './world.ts';

/** The repository's git-ignored cache (`.cache/scaleworld`). */
export const DEFAULT_CACHE = fileURLToPath(new URL('../../.cache/scaleworld/', import.meta.url));

/** Signatures are valid this long from the build; a cache entry closer than 30 days to it is rebuilt. */
const VALID_DAYS = 400;
const REBUILD_DAYS = 30;
const DAY = 86400;

export interface BuiltWorld {
  readonly key: string;
  readonly dir: string;
  readonly spec: WorldSpec;
  readonly tld: string;
  /** every domain of the world, one a line (the scan input) */
  readonly domainsFile: string;
  /** NSD `zone:` entries for the TLD and every served domain zone (absolute paths) */
  readonly nsdInclude: string;
  /** the TLD's DS records (presentation lines) for the root */
  readonly tldDs: string[];
  readonly domains: number;
  /** the expected `mailsec report --json` of a `--no-smtp --no-http` scan of the whole world */
  readonly truth: ExpectedReport;
  readonly truthFile: string;
  readonly manifest: Manifest;
  /** true when this call built it (false: taken from the cache) */
  readonly built: boolean;
}

export interface Manifest {
  readonly generator: 'mailsec-scaleworld';
  readonly version: number;
  readonly key: string;
  readonly spec: WorldSpec;
  readonly builtAt: string;
  readonly validity: Validity;
  readonly buildSeconds: number;
  readonly workers: number;
  readonly domains: number;
  readonly servedZones: number;
  readonly signedZones: number;
  readonly tldDs: string[];
  readonly facts: Record<string, number>;
}

export interface BuildOptions {
  /** cache root (default `.cache/scaleworld` in the repository) */
  readonly cacheDir?: string;
  /** worker threads (default: the machine's cores) */
  readonly workers?: number;
  /** progress lines */
  readonly log?: (line: string) => void;
  /** rebuild even when cached */
  readonly force?: boolean;
}

const secretOf = (spec: WorldSpec) => `mailsec-scaleworld:${spec.seed}`;

function zonePath(zonesDir: string, name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) & 0xff;
  return join(zonesDir, h.toString(16).padStart(2, '0'), `${name}.zone`);
}

function zoneFileText(apex: string, records: readonly RR[]): string {
  return `$ORIGIN ${apex}.\n${records.map(line).join('\n')}\n`;
}

interface DomainsTask {
  readonly kind: 'domains';
  readonly spec: WorldSpec;
  readonly from: number;
  readonly to: number;
  readonly zonesDir: string;
  readonly validity: Validity;
  readonly expired: Validity;
}

interface DomainsResult {
  /** per profile, in index order: label \t NS code (operator index, -1 REFUSED) \t DS rdata (or '') */
  readonly delegations: string[];
  /** NSD zone entries */
  readonly conf: string;
  readonly served: number;
  readonly signed: number;
  /** the domains, in index order */
  readonly names: string[];
  readonly truth: TruthCounts;
  readonly facts: Record<string, number>;
}

function runDomains(t: DomainsTask): DomainsResult {
  const world = new World(t.spec);
  const secret = secretOf(t.spec);
  const delegations: string[] = [];
  const conf: string[] = [];
  const made = new Set<string>();
  let nServed = 0;
  let nSigned = 0;
  const tldDot = `.${t.spec.tld}`;
  const names: string[] = [];
  const truth = new TruthAccumulator();
  const facts: Record<string, number> = {};
  const count = (k: string) => {
    facts[k] = (facts[k] ?? 0) + 1;
  };
  for (const p of world.profiles(t.from, t.to)) {
    names.push(p.name);
    truth.add(domainTruth(p, DNS_ONLY));
    count(`fate.${p.fate}`);
    if (p.signed) count('signed');
    count(`dns.${p.dns.startsWith('host') ? 'long-tail' : p.dns}`);
    const m = p.mail;
    count(
      `mail.${m.kind === 'provider' ? (m.provider.startsWith('host') ? 'long-tail' : m.provider) : m.kind}`,
    );
    const nsCode =
      p.fate === 'refused' ? -1 : p.fate === 'lame' ? -2 : DNS_OPERATORS.findIndex((o) => o.id === p.dns);
    let ds = '';
    if (p.signed) {
      const key = zoneKey(secret, p.name);
      const d = dsOf(key, p.fate === 'bogus-ds').data;
      ds = `${d.keyTag} ${d.algorithm} ${d.digestType} ${(d.digest as Buffer).toString('hex').toUpperCase()}`;
      if (served(p)) {
        const signedRecords = signZone(
          p.name,
          zoneRecords(p),
          key,
          p.fate === 'bogus-expired' ? t.expired : t.validity,
        );
        write(zonePath(t.zonesDir, p.name), zoneFileText(p.name, signedRecords));
        nSigned++;
      }
    } else if (served(p)) write(zonePath(t.zonesDir, p.name), zoneFileText(p.name, zoneRecords(p)));
    if (served(p)) {
      nServed++;
      conf.push(`zone:\n\tname: "${p.name}."\n\tzonefile: "${zonePath(t.zonesDir, p.name)}"\n`);
    }
    delegations.push(`${p.name.slice(0, -tldDot.length)}\t${nsCode}\t${ds}`);
  }
  return {
    delegations,
    conf: conf.join(''),
    served: nServed,
    signed: nSigned,
    names,
    truth: truth.dump(),
    facts,
  };

  function write(file: string, text: string) {
    const d = dirname(file);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(file, text);
  }
}

interface TldTask {
  readonly kind: 'tld';
  readonly spec: WorldSpec;
  /** sorted delegation lines (see DomainsResult) */
  readonly chunk: string[];
  /** the label after the chunk ('' = back to the apex) */
  readonly next: string;
  readonly validity: Validity;
  readonly out: string;
}

const TLD_TTL = 3600;

function runTld(t: TldTask): number {
  const tld = t.spec.tld;
  const key = zoneKey(secretOf(t.spec), tld);
  const lines: string[] = [];
  const name = (label: string) => (label === '' ? tld : `${label}.${tld}`);
  for (let i = 0; i < t.chunk.length; i++) {
    const [label, code, ds] = t.chunk[i]!.split('\t') as [string, string, string];
    const owner = name(label);
    const ns =
      code === '-1' ? ['ns.refused.nic.test'] : code === '-2' ? LAME_NS : DNS_OPERATORS[Number(code)]!.ns;
    for (const n of ns) lines.push(line(rr(owner, 'NS', n, TLD_TTL)));
    const next = i + 1 < t.chunk.length ? t.chunk[i + 1]!.slice(0, t.chunk[i + 1]!.indexOf('\t')) : t.next;
    const types = ds ? ['NS', 'DS', 'RRSIG', 'NSEC'] : ['NS', 'RRSIG', 'NSEC'];
    const nsec = rr(owner, 'NSEC', { nextDomain: name(next), rrtypes: types }, NEG_TTL);
    lines.push(line(nsec), line(signRRset([nsec], key, t.validity)));
    if (ds) {
      const [keyTag, algorithm, digestType, digest] = ds.split(' ');
      const dsRr = rr(
        owner,
        'DS',
        {
          keyTag: Number(keyTag),
          algorithm: Number(algorithm),
          digestType: Number(digestType),
          digest: Buffer.from(digest!, 'hex'),
        },
        TLD_TTL,
      );
      lines.push(line(dsRr), line(signRRset([dsRr], key, t.validity)));
    }
  }
  writeFileSync(t.out, lines.length ? `${lines.join('\n')}\n` : '');
  return t.chunk.length;
}

if (!isMainThread && (workerData as { scaleBuild?: boolean } | null)?.scaleBuild) {
  parentPort!.on('message', (task: DomainsTask | TldTask) => {
    try {
      parentPort!.postMessage({ ok: task.kind === 'domains' ? runDomains(task) : runTld(task) });
    } catch (e) {
      parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
    }
  });
}

class Pool {
  private readonly workers: Worker[];
  constructor(n: number) {
    this.workers = Array.from(
      { length: n },
      () => new Worker(new URL(import.meta.url), { workerData: { scaleBuild: true } }),
    );
  }
  get size() {
    return this.workers.length;
  }
  run<T>(i: number, task: DomainsTask | TldTask): Promise<T> {
    const w = this.workers[i % this.workers.length]!;
    return new Promise((resolve, reject) => {
      const onMsg = (m: { ok?: T; error?: string }) => {
        w.off('error', onErr);
        if (m.error) reject(new Error(`scale world build worker: ${m.error}`));
        else resolve(m.ok as T);
      };
      const onErr = (e: Error) => {
        w.off('message', onMsg);
        reject(e);
      };
      w.once('message', onMsg);
      w.once('error', onErr);
      w.postMessage(task);
    });
  }
  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function loadCached(dir: string, spec: WorldSpec): BuiltWorld | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.version !== GENERATOR_VERSION || manifest.key !== worldKey(spec)) return null;
    if (manifest.validity.expiration - Date.now() / 1000 < REBUILD_DAYS * DAY) return null;
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as {
      truthVersion?: number;
      modes: { 'dns-only': ExpectedReport };
    };
    // the rules of the truth changed since the world was built: count it again (the zones stay)
    if (truth.truthVersion !== TRUTH_VERSION)
      return describe(dir, spec, manifest, recountTruth(dir, manifest, spec), false);
    return describe(dir, spec, manifest, truth.modes['dns-only'], false);
  } catch {
    return null;
  }
}

function truthFileText(manifest: Manifest, key: string, spec: WorldSpec, truth: ExpectedReport): string {
  return `${JSON.stringify({ generator: manifest.generator, version: GENERATOR_VERSION, truthVersion: TRUTH_VERSION, key, spec, modes: { 'dns-only': truth } }, null, 1)}\n`;
}

/** The truth of a cached world counted again from its profiles (in this thread), written beside its zones. */
function recountTruth(dir: string, manifest: Manifest, spec: WorldSpec): ExpectedReport {
  const acc = new TruthAccumulator();
  for (const p of new World(spec).profiles()) acc.add(domainTruth(p, DNS_ONLY));
  const truth = acc.result();
  const tmp = join(dir, `truth.json.${process.pid}.tmp`);
  writeFileSync(tmp, truthFileText(manifest, manifest.key, spec, truth));
  renameSync(tmp, join(dir, 'truth.json'));
  return truth;
}

function describe(
  dir: string,
  spec: WorldSpec,
  manifest: Manifest,
  truth: ExpectedReport,
  built: boolean,
): BuiltWorld {
  return {
    key: manifest.key,
    dir,
    spec,
    tld: spec.tld,
    domainsFile: join(dir, 'domains.txt'),
    nsdInclude: join(dir, 'nsd-zones.conf'),
    tldDs: manifest.tldDs,
    domains: manifest.domains,
    truth,
    truthFile: join(dir, 'truth.json'),
    manifest,
    built,
  };
}

/** The built world (from the cache, or built now). */
export async function buildWorld(spec: WorldSpec, options: BuildOptions = {}): Promise<BuiltWorld> {
  const root = options.cacheDir ?? DEFAULT_CACHE;
  const key = worldKey(spec);
  const dir = join(root, key);
  if (!options.force) {
    const cached = loadCached(dir, spec);
    if (cached) return cached;
  }
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  mkdirSync(root, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  const zonesDir = join(dir, 'zones');
  const tmpZones = join(tmp, 'zones');
  mkdirSync(tmpZones, { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  const validity: Validity = { inception: now - DAY, expiration: now + VALID_DAYS * DAY };
  const expired: Validity = { inception: now - 60 * DAY, expiration: now - 2 * DAY };
  const world = new World(spec);
  const n = Math.max(1, Math.min(options.workers ?? availableParallelism(), 16));
  const pool = new Pool(n);
  try {
    // 1. domain zones, by index range (file paths point at the final dir: the tmp dir is renamed)
    const chunk = Math.ceil(world.indexCount / (n * 8));
    const ranges: [number, number][] = [];
    for (let f = 0; f < world.indexCount; f += chunk) ranges.push([f, Math.min(world.indexCount, f + chunk)]);
    const results: DomainsResult[] = new Array(ranges.length);
    let nextRange = 0;
    let done = 0;
    const confOut = createWriteStream(join(tmp, 'nsd-zones.conf'));
    const truthAcc = new TruthAccumulator();
    const facts: Record<string, number> = {};
    const tmpDirOf = (task: DomainsTask) => ({ ...task, zonesDir: tmpZones });
    await Promise.all(
      Array.from({ length: n }, async (_, w) => {
        while (nextRange < ranges.length) {
          const r = nextRange++;
          const [from, to] = ranges[r]!;
          results[r] = await pool.run<DomainsResult>(
            w,
            tmpDirOf({ kind: 'domains', spec, from, to, zonesDir, validity, expired }),
          );
          done += to - from;
          log(`scale world ${key}: domain zones ${done}/${world.indexCount}`);
        }
      }),
    );
    // the worker wrote under tmpZones but NSD must read the final paths
    for (const r of results) confOut.write(r.conf.replaceAll(tmpZones, zonesDir));
    // truth, facts and the domain list, merged from the workers in index order
    const domainsOut = createWriteStream(join(tmp, 'domains.txt'));
    let domains = 0;
    for (const r of results) {
      domains += r.names.length;
      if (r.names.length) domainsOut.write(`${r.names.join('\n')}\n`);
      truthAcc.merge(r.truth);
      for (const [k, v] of Object.entries(r.facts)) facts[k] = (facts[k] ?? 0) + v;
    }
    await new Promise<void>((r) => domainsOut.end(r));

    // 2. the TLD zone: delegations sorted (one label each, lower-case ASCII: code-unit order is
    // the canonical order), NSEC chain by chunks
    const delegations = results
      .flatMap((r) => r.delegations)
      .sort((a, b) => {
        const x = a.slice(0, a.indexOf('\t'));
        const y = b.slice(0, b.indexOf('\t'));
        return x < y ? -1 : x > y ? 1 : 0;
      });
    const tldKey = zoneKey(secretOf(spec), spec.tld);
    const apexRecords = [
      rr(spec.tld, 'SOA', {
        mname: 'ns1.nic.test',
        rname: 'hostmaster.nic.test',
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: NEG_TTL,
      }),
      rr(spec.tld, 'NS', 'ns1.nic.test', TLD_TTL),
      rr(spec.tld, 'NS', 'ns2.nic.test', TLD_TTL),
    ];
    const first = delegations[0]?.slice(0, delegations[0].indexOf('\t'));
    const apexSigned = signZone(spec.tld, apexRecords, tldKey, validity).map((r) =>
      r.type === 'NSEC'
        ? { ...r, data: { ...r.data, nextDomain: first ? `${first}.${spec.tld}` : spec.tld } }
        : r,
    );
    // the apex NSEC changed: sign it again
    const apexNsec = apexSigned.find((r) => r.type === 'NSEC')!;
    const apexLines = apexSigned
      .filter((r) => !(r.type === 'RRSIG' && r.data.typeCovered === 'NSEC'))
      .concat([signRRset([apexNsec], tldKey, validity)])
      .map(line);
    const per = Math.ceil(delegations.length / (n * 4)) || 1;
    const parts: string[] = [];
    const tasks: TldTask[] = [];
    for (let f = 0, k = 0; f < delegations.length; f += per, k++) {
      const chunkLines = delegations.slice(f, f + per);
      const after = delegations[f + per];
      const out = join(tmp, `tld.part${k}`);
      parts.push(out);
      tasks.push({
        kind: 'tld',
        spec,
        chunk: chunkLines,
        next: after ? after.slice(0, after.indexOf('\t')) : '',
        validity,
        out,
      });
    }
    let nextTask = 0;
    await Promise.all(
      Array.from({ length: n }, async (_, w) => {
        while (nextTask < tasks.length) await pool.run<number>(w, tasks[nextTask++]!);
      }),
    );
    const tldFile = join(zonesDir, 'tld.zone');
    const tldOut = createWriteStream(join(tmpZones, 'tld.zone'));
    tldOut.write(`$ORIGIN ${spec.tld}.\n${apexLines.join('\n')}\n`);
    for (const part of parts) {
      tldOut.write(readFileSync(part));
      rmSync(part);
    }
    await new Promise<void>((r) => tldOut.end(r));
    confOut.write(`zone:\n\tname: "${spec.tld}."\n\tzonefile: "${tldFile}"\n`);
    await new Promise<void>((r) => confOut.end(r));
    log(`scale world ${key}: TLD zone with ${delegations.length} delegations`);

    const ds = dsOf(tldKey).data;
    const tldDs = [
      `${spec.tld}.\t${TLD_TTL}\tIN\tDS\t${ds.keyTag} ${ds.algorithm} ${ds.digestType} ${(ds.digest as Buffer).toString('hex').toUpperCase()}`,
    ];
    const truth = truthAcc.result();
    const manifest: Manifest = {
      generator: 'mailsec-scaleworld',
      version: GENERATOR_VERSION,
      key,
      spec,
      builtAt: new Date().toISOString(),
      validity,
      buildSeconds: Math.round((performance.now() - t0) / 100) / 10,
      workers: n,
      domains,
      servedZones: results.reduce((a, r) => a + r.served, 0),
      signedZones: results.reduce((a, r) => a + r.signed, 0),
      tldDs,
      facts,
    };
    writeFileSync(join(tmp, 'truth.json'), truthFileText(manifest, key, spec, truth));
    writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // another process built the same world meanwhile: use that one
      rmSync(tmp, { recursive: true, force: true });
      const other = loadCached(dir, spec);
      if (other) return other;
      throw e;
    }
    log(`scale world ${key}: built in ${manifest.buildSeconds} s`);
    return describe(dir, spec, manifest, truth, true);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await pool.close();
  }
}
