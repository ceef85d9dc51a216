/**
 * The scale world's generator: deterministic, close to the .ch 2023 figures, zones that ldns
 * verifies (and bogus ones it rejects), mutations whose deltas match the truth of both worlds,
 * the latency relay.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { probe } from '../dns/probe.ts';
import { startRelay } from '../dns/relay.ts';
import { startMiniDns } from '../mini-dns.ts';
import { type BuiltWorld, buildWorld } from './build.ts';
import { baseProfile, GENERATOR_VERSION, worldKey, worldSpec } from './model.ts';
import { zoneRecords } from './records.ts';
import { ALL_DOMAIN_KEYS, DNS_ONLY, domainTruth, MX_DOMAIN_KEYS, TruthAccumulator } from './truth.ts';
import { World } from './world.ts';

let cache: string;
let built: BuiltWorld;

before(async () => {
  cache = mkdtempSync(join(tmpdir(), 'mailsec-scaleworld-unit-'));
  built = await buildWorld(worldSpec('unit', 600), { cacheDir: cache });
});
after(() => {
  if (cache) rmSync(cache, { recursive: true, force: true });
});

test('profiles are deterministic per (seed, index) and differ between seeds; the key names version, seed, size', () => {
  const w = worldSpec('a', 1000);
  assert.deepEqual(baseProfile(w, 17), baseProfile(w, 17));
  assert.notDeepEqual(baseProfile(w, 17), baseProfile(worldSpec('b', 1000), 17));
  assert.equal(worldKey(w), `v${GENERATOR_VERSION}-scale-sa-n1000`);
  assert.equal(
    worldKey(worldSpec('a', 1000, { mutations: [{ seed: 'm', changes: 5 }] })),
    `v${GENERATOR_VERSION}-scale-sa-n1000-mmx5`,
  );
  // unique also where a syllable could run into a base-36 index (a 1M world once had two)
  const big = worldSpec('ch23', 400_000);
  const names = new Set<string>();
  for (let i = 0; i < big.size; i += 1) names.add(baseProfile(big, i).name);
  assert.equal(names.size, big.size, 'domain names are unique');
});

test('the distribution follows the .ch Q4 2023 figures (get-mailprotection.md §5.2)', () => {
  const acc = new TruthAccumulator();
  for (const p of new World(worldSpec('figures', 60_000)).profiles()) acc.add(domainTruth(p, DNS_ONLY));
  const r = acc.result();
  const pct = (k: string) => r.stats[k]!.percent!;
  // [key, .ch 2023 figure, tolerance in points]; domains whose servers fail are in .error, so
  // the "all domains" shares sit a little below the figure
  const figures: [string, number, number][] = [
    ['dnssec.signed', 48.34, 2],
    ['mx.present', 70.76, 2],
    ['idn', 2.66, 0.5],
    ['caa.present', 1.36, 0.4],
    ['mx.nullMx', 1.62, 0.4],
    ['mx.localhost', 1.59, 0.4],
    ['spf.present', 78.13, 2],
    ['spf.redirect', 17.15, 2],
    ['spf.denyAll', 2.99, 0.6],
    ['spf.multiple', 0.36, 0.2],
    ['dkim.found', 7.08, 1.5],
    ['dkim.maybe', 64.54, 4],
    ['dmarc.present', 11.26, 1.5],
    ['dmarc.none', 5.78, 1],
    ['dmarc.quarantine', 2.68, 0.7],
    ['dmarc.reject', 2.97, 0.7],
    ['dmarc.rua', 3.51, 1],
    ['dane.present', 30.07, 4],
  ];
  for (const [k, want, tol] of figures) {
    assert.ok(Math.abs(pct(k) - want) <= tol, `${k}: ${pct(k)} % vs .ch ${want} % (±${tol})`);
  }
  const share = (name: string) => r.providers.find((p) => p.name === name)?.percent ?? 0;
  assert.ok(Math.abs(share('alpinehost.test') - 18.78) < 1.5, `MX → alpinehost ${share('alpinehost.test')}`);
  assert.ok(Math.abs(share('outlook.test') - 7.02) < 1, `MX → outlook ${share('outlook.test')}`);
  // every count with its error and skipped counts stays within the denominator
  for (const [k, s] of Object.entries(r.stats)) {
    if (k.endsWith('.error') || k.endsWith('.skipped')) continue;
    const total = s.count + (r.stats[`${k}.error`]?.count ?? 0) + (r.stats[`${k}.skipped`]?.count ?? 0);
    assert.ok(total <= s.denominator, k);
  }
});

test('build: zones are cached by key; a second call takes them from the cache', async () => {
  assert.equal(built.built, true);
  assert.equal(built.domains, 600);
  const again = await buildWorld(worldSpec('unit', 600), { cacheDir: cache });
  assert.equal(again.built, false);
  assert.deepEqual(again.truth, built.truth);
  assert.equal(readFileSync(built.domainsFile, 'utf8').trim().split('\n').length, 600);
});

test('build: ldns-verify-zone verifies the signed TLD and signed domain zones, and rejects the expired ones', () => {
  const tld = join(built.dir, 'zones', 'tld.zone');
  assert.match(execFileSync('ldns-verify-zone', [tld], { encoding: 'utf8' }), /verified/);
  const world = new World(built.spec);
  const signed = [...world.profiles()].filter((p) => p.signed && p.fate === 'ok').slice(0, 5);
  const conf = readFileSync(built.nsdInclude, 'utf8');
  const fileOf = (name: string) =>
    new RegExp(`name: "${name}\\.".*\\n\\tzonefile: "([^"]+)"`).exec(conf)?.[1];
  for (const p of signed) {
    const f = fileOf(p.name);
    assert.ok(f, p.name);
    assert.match(execFileSync('ldns-verify-zone', [f], { encoding: 'utf8' }), /verified/, p.name);
    // the published data is what the profile says
    const text = readFileSync(f, 'utf8');
    for (const r of zoneRecords(p))
      assert.ok(text.includes(`${r.name}.\t${r.ttl}\tIN\t${r.type}\t`), `${p.name} ${r.type}`);
  }
  const expired = [...world.profiles()].find((p) => p.fate === 'bogus-expired');
  if (expired) {
    const f = fileOf(expired.name)!;
    assert.throws(() => execFileSync('ldns-verify-zone', [f], { encoding: 'utf8', stdio: 'pipe' }));
  }
});

test('mutations: deterministic; deltas name the added, removed and changed domains with the statistics that moved', () => {
  const spec = worldSpec('unit', 600, { mutations: [{ seed: 'm1', changes: 40 }] });
  const a = new World(spec);
  const b = new World(spec);
  assert.deepEqual(a.changes, b.changes);
  assert.ok(a.changes.length >= 35, `${a.changes.length} changes`);
  const d = a.deltas();
  const before = new Set([...a.parent().profiles()].map((p) => p.name));
  const after = new Set([...a.profiles()].map((p) => p.name));
  for (const x of d.added) assert.ok(after.has(x) && !before.has(x), x);
  for (const x of d.removed) assert.ok(before.has(x) && !after.has(x), x);
  assert.equal(after.size, before.size + d.added.length - d.removed.length);
  // the truths of the two worlds differ by exactly the deltas
  const count = (w: World) => {
    const acc = new TruthAccumulator();
    for (const p of w.profiles()) acc.add(domainTruth(p, DNS_ONLY));
    return acc.result();
  };
  const ra = count(a.parent());
  const rb = count(a);
  let moved = 0;
  for (const c of d.changed) {
    for (const [k, [x, y]] of Object.entries(c.keys)) {
      if (x === 'yes') moved--;
      if (y === 'yes') moved++;
      assert.notEqual(x, y, `${c.domain} ${k}`);
    }
  }
  assert.ok(d.changed.length > 0);
  const yesTotal = (r: typeof ra) =>
    Object.entries(r.stats)
      .filter(([k]) => !k.endsWith('.error') && !k.endsWith('.skipped'))
      .reduce((s, [, v]) => s + v.count, 0);
  const yesOf = (names: readonly string[], w: World) => {
    let n = 0;
    for (const p of w.profiles()) {
      if (!names.includes(p.name)) continue;
      const t = domainTruth(p, DNS_ONLY);
      for (const k of t.hasMx ? [...ALL_DOMAIN_KEYS, ...MX_DOMAIN_KEYS] : ALL_DOMAIN_KEYS)
        if (t.verdicts[k] === 'yes') n++;
    }
    return n;
  };
  assert.equal(
    yesTotal(rb) - yesTotal(ra),
    moved + yesOf(d.added, a) - yesOf(d.removed, a.parent()),
    'the yes counts move by the deltas',
  );
});

test('relay: answers arrive through it, about the configured round trip later', async () => {
  const dns = await startMiniDns({ address: '127.0.0.1', zone: { 'r.test': { A: ['192.0.2.1'] } } });
  const stop = await startRelay({ listen: ['127.0.0.2'], backend: '127.0.0.1', delayMs: 60, port: dns.port });
  try {
    const t0 = performance.now();
    const a = await probe('127.0.0.2', 'r.test', 'A', { port: dns.port });
    const ms = performance.now() - t0;
    assert.equal(a.rcode, 'NOERROR');
    assert.ok(ms >= 55, `round trip ${ms} ms`);
  } finally {
    stop();
    await dns.stop();
  }
});
