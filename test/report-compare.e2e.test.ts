/**
 * End to end (issue 11): two scans of one generated TLD (testworld/scale), before and after the
 * generator changed known domains (a mutation: facts changed, domains removed and added), then
 *
 * - `report --compare` equals the generator's deltas exactly: the population (added, removed,
 *   common), and per key the change over the common domains, the previous figure and the change;
 * - `report --domains KEY` lists exactly the domains the generator's truth counts in that key;
 * - `report --provider` restricts every statistic to one MX or DNS provider's domains, equal to the
 *   truth counted over those domains; an unknown provider is a usage error naming the real ones;
 * - `report --trend` carries both scans' statistics in scan order;
 * - `scan export`: csv, jsonl, parquet with one row per domain, and gmp-csv with
 *   Get-Mailprotection's header in its order.
 *
 * Small worlds (1,200 domains, 150 changes) keep it within the suite's budget; both are built once
 * and cached in .cache/scaleworld.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GMP_COLUMNS } from '../src/render/gmp.ts';
import { openScanSource } from '../src/scan/store.ts';
import { domainsIn, drillKey } from '../src/statistics/report.ts';
import { withDatabase } from '../src/store/duckdb.ts';
import { DNS_OPERATORS, type Profile, worldSpec } from '../testworld/scale/model.ts';
import { startScaleWorld } from '../testworld/scale/serve.ts';
import {
  counted,
  DNS_ONLY,
  type DomainTruth,
  domainTruth,
  type Key,
  TruthAccumulator,
  type Verdict,
} from '../testworld/scale/truth.ts';
import { type Deltas, World } from '../testworld/scale/world.ts';
import { LOOPBACK_V4, runCli } from './helpers.ts';

const SEED = 'cmp11';
const SIZE = 1200;
const MUTATION = { seed: 'm1', changes: 150 };
const SECTIONS = 'dnssec,ns,caa,mx,smtp,spf,dkim,dmarc,bimi,mtaSts,tlsRpt,securityTxt,microsoft365';

let dir: string;
let db: string;
let deltas: Deltas;
/** the truth of each domain of the mutated world (the "after" scan) */
let after_: DomainTruth[];
let profilesAfter: Profile[];
let truthBefore: ReturnType<TruthAccumulator['result']>;
let truthAfter: ReturnType<TruthAccumulator['result']>;

async function scanWorld(mutations: { seed: string; changes: number }[], scan: string): Promise<void> {
  const sw = await startScaleWorld({ seed: SEED, size: SIZE, mutations });
  try {
    const r = await runCli(
      [
        'scan',
        sw.world.domainsFile,
        '--db',
        db,
        '--scan',
        scan,
        '--no-smtp',
        '--no-http',
        '--only',
        SECTIONS,
        '--allow-private',
        LOOPBACK_V4,
        '--resolver',
        sw.tw.resolver,
        // a loaded machine may delay a loopback answer; the world's failures answer at once
        '--timeout',
        '5000',
        '--concurrency',
        '64',
      ],
      {},
      600_000,
    );
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await sw.stop();
  }
}

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailsec-compare-'));
    db = join(dir, 'scans.duckdb');
    const world = new World(worldSpec(SEED, SIZE, { mutations: [MUTATION] }));
    deltas = world.deltas(DNS_ONLY);
    profilesAfter = [...world.profiles()];
    after_ = profilesAfter.map((p) => domainTruth(p, DNS_ONLY));
    const a = new TruthAccumulator();
    for (const p of world.parent().profiles()) a.add(domainTruth(p, DNS_ONLY));
    truthBefore = a.result();
    const b = new TruthAccumulator();
    for (const t of after_) b.add(t);
    truthAfter = b.result();
    // one writer at a time; the "before" scan is begun first (scan order)
    const t0 = Date.now();
    await scanWorld([], 'before');
    const t1 = Date.now();
    await scanWorld([MUTATION], 'after');
    process.stderr.write(
      `# worlds served and scanned: before ${(t1 - t0) / 1000} s, after ${(Date.now() - t1) / 1000} s\n`,
    );
  },
  { timeout: 900_000 },
);
after(() => {
  if (dir && !process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(['report', '--db', db, ...args, '--json'], {}, 120_000);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

type Stat = { count: number; denominator: number; percent: number | null };
type Stats = Record<string, Stat & { previous?: Stat; change?: Stat; changeCommon?: { count: number } }>;

/** `<key>`, `<key>.error`, `<key>.skipped` → the key and the verdict counted */
function split(statsKey: string): [Key, Verdict] {
  const m = /^(.*?)(?:\.(error|skipped))?$/.exec(statsKey) as RegExpExecArray;
  return [m[1] as Key, (m[2] as Verdict | undefined) ?? 'yes'];
}

test('report --json of both scans equals the generator truth (the basis of the comparison)', async () => {
  for (const [scan, truth] of [
    ['before', truthBefore],
    ['after', truthAfter],
  ] as const) {
    const got = (await json(['--scan', scan])) as { stats: Stats; domains: number; providers: unknown };
    const diffs: string[] = [];
    for (const k of new Set([...Object.keys(truth.stats), ...Object.keys(got.stats)]))
      if (JSON.stringify(got.stats[k]) !== JSON.stringify(truth.stats[k]))
        diffs.push(
          `${scan} ${k}: report ${JSON.stringify(got.stats[k])}, truth ${JSON.stringify(truth.stats[k])}`,
        );
    assert.deepEqual(diffs, []);
    assert.equal(got.domains, truth.domains);
    assert.deepEqual(got.providers, truth.providers);
  }
});

test("report --compare equals the generator's deltas exactly: population, change over common domains, previous and change", async () => {
  const got = (await json(['--scan', 'after', '--compare', 'before'])) as {
    stats: Stats;
    compare: Record<string, unknown>;
  };
  assert.deepEqual(got.compare, {
    scan: 'before',
    domains: truthBefore.domains,
    added: deltas.added.length,
    removed: deltas.removed.length,
    common: truthBefore.domains - deltas.removed.length,
  });
  assert.ok(deltas.changed.length > 50, `${deltas.changed.length} changed domains`);
  const diffs: string[] = [];
  let nonZero = 0;
  for (const [k, s] of Object.entries(got.stats)) {
    const [key, v] = split(k);
    // the deltas: per changed domain, [before, after] of each key whose verdict changed
    let want = 0;
    for (const c of deltas.changed) {
      const d = c.keys[key];
      if (!d) continue;
      want += (d[1] === v ? 1 : 0) - (d[0] === v ? 1 : 0);
    }
    if (want !== 0) nonZero++;
    if (s.changeCommon?.count !== want)
      diffs.push(`${k} changeCommon ${s.changeCommon?.count}, deltas ${want}`);
    const prev = truthBefore.stats[k] ?? {
      count: 0,
      denominator: truthBefore.stats[key]?.denominator ?? 0,
      percent: truthBefore.stats[key]?.denominator ? 0 : null,
    };
    if (JSON.stringify(s.previous) !== JSON.stringify(prev))
      diffs.push(`${k} previous ${JSON.stringify(s.previous)}, truth ${JSON.stringify(prev)}`);
    const now = truthAfter.stats[k]?.count ?? 0;
    if (s.change?.count !== now - prev.count)
      diffs.push(`${k} change ${s.change?.count}, truth ${now - prev.count}`);
  }
  assert.deepEqual(diffs, []);
  assert.ok(nonZero >= 10, `only ${nonZero} keys changed over the common domains`);
  // every key of the truth has its comparison
  for (const k of Object.keys(truthAfter.stats)) assert.ok(got.stats[k]?.changeCommon, k);

  // the other formats carry it too
  const md = await runCli(['report', '--db', db, '--scan', 'after', '--compare', 'before', '--format', 'md']);
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /compared with before: \d+ domains then; \d+ added, \d+ removed, \d+ in both/);
  assert.match(md.stdout, /## Largest changes/);
  const csv = await runCli([
    'report',
    '--db',
    db,
    '--scan',
    'after',
    '--compare',
    'before',
    '--format',
    'csv',
  ]);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(
    lines[0],
    'scan,group,key,count,denominator,percent,previous_scan,previous_count,previous_denominator,previous_percent,change_count,change_percent_points,change_common_count',
  );
  const spf = lines.find((l) => l.startsWith('after,stats,spf.present,'))?.split(',');
  assert.equal(Number(spf?.[12]), got.stats['spf.present']?.changeCommon?.count);
  // comparing a scan with itself is a usage error
  const self = await runCli(['report', '--db', db, '--scan', 'after', '--compare', 'after']);
  assert.equal(self.code, 2, self.stderr);
  const none = await runCli(['report', '--db', db, '--compare', 'nosuch']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no scan "nosuch".*\n.*scans: before, after/);
});

/** the domains the truth counts with verdict `v` in key `k` (of the mutated world) */
function truthDomains(k: Key, v: Verdict): string[] {
  return after_
    .filter((t) => counted(t, k) && t.verdicts[k] === v)
    .map((t) => t.domain)
    .sort();
}

test('report --domains KEY lists exactly the domains the generator counts in that key', async () => {
  const cases: [string, Key, Verdict][] = [
    ['spf.passAll', 'spf.passAll', 'yes'],
    ['spf.softfail', 'spf.softfail', 'yes'],
    ['dmarc.none', 'dmarc.none', 'yes'],
    ['dmarc.present.no', 'dmarc.present', 'no'],
    ['mx.nullMx', 'mx.nullMx', 'yes'],
    ['spf.tooManyLookups', 'spf.tooManyLookups', 'yes'],
    ['dnssec.signed.error', 'dnssec.signed', 'error'],
    ['dane.present', 'dane.present', 'yes'],
    ['dane.valid.skipped', 'dane.valid', 'skipped'],
    ['mtaSts.enforceReady.skipped', 'mtaSts.enforceReady', 'skipped'],
  ];
  // the library the CLI and the dashboard share (one process: the cases cost no start-up each)
  const store = await openScanSource(db);
  try {
    for (const [arg, k, v] of cases) {
      const key = drillKey(arg);
      assert.ok(key, arg);
      const got: string[] = [];
      for await (const rows of domainsIn(store, 'after', key)) got.push(...rows.map((r) => r.domain));
      const want = truthDomains(k, v);
      assert.ok(want.length > 0, `${arg}: the world has no such domain (choose another key)`);
      assert.deepEqual(got, want, arg);
    }
  } finally {
    await store.close();
  }
  const r = await runCli(['report', '--db', db, '--scan', 'after', '--domains', 'dmarc.none']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), truthDomains('dmarc.none', 'yes'));
  const j = await runCli(['report', '--db', db, '--scan', 'after', '--domains', 'spf.passAll', '--json']);
  assert.equal(j.code, 0, j.stderr);
  const rows = j.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows,
    truthDomains('spf.passAll', 'yes').map((domain) => ({ domain, key: 'spf.passAll', section: 'spf' })),
  );
  const bad = await runCli(['report', '--db', db, '--domains', 'spf.plusAll']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--domains "spf\.plusAll" is not a statistic key[\s\S]*spf\.passAll/);
});

test('report --provider: every statistic over one provider’s domains equals the truth over them; unknown ones are named', async () => {
  // the largest MX provider and a DNS operator of the truth
  const mx = truthAfter.providers[0]?.name as string;
  const dnsOp = DNS_OPERATORS[1]!;
  const cases: [string, (t: DomainTruth, i: number) => boolean][] = [
    [`mx:${mx}`, (t) => t.providers.includes(mx)],
    // NS hosts answer only where the delegation works
    [`ns:${dnsOp.zone}`, (_t, i) => profilesAfter[i]!.dns === dnsOp.id && profilesAfter[i]!.fate === 'ok'],
  ];
  for (const [arg, member] of cases) {
    const acc = new TruthAccumulator();
    after_.forEach((t, i) => {
      if (member(t, i)) acc.add(t);
    });
    const want = acc.result();
    assert.ok(want.domains > 20, `${arg}: ${want.domains} domains`);
    const got = (await json(['--scan', 'after', '--provider', arg])) as {
      stats: Stats;
      domains: number;
      scope: unknown;
    };
    assert.equal(got.domains, want.domains, arg);
    const diffs = Object.keys(want.stats)
      .filter((k) => JSON.stringify(got.stats[k]) !== JSON.stringify(want.stats[k]))
      .map((k) => `${arg} ${k}: ${JSON.stringify(got.stats[k])} vs ${JSON.stringify(want.stats[k])}`);
    assert.deepEqual(diffs, []);
    assert.deepEqual(got.scope, { provider: arg.slice(3), kind: arg.slice(0, 2) });
  }
  // the HTML report says whose report it is
  const page = join(dir, 'provider.html');
  const h = await runCli([
    'report',
    '--db',
    db,
    '--scan',
    'after',
    '--provider',
    `mx:${mx}`,
    '--format',
    'html',
    '--out',
    page,
  ]);
  assert.equal(h.code, 0, h.stderr);
  assert.ok(readFileSync(page, 'utf8').includes(`id="scope">Only the domains with an MX host under ${mx}:`));
  // the drill-down within a provider
  const r = await runCli([
    'report',
    '--db',
    db,
    '--scan',
    'after',
    '--provider',
    `mx:${mx}`,
    '--domains',
    'dmarc.none',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.split('\n').filter(Boolean),
    after_
      .filter((t) => t.providers.includes(mx) && t.verdicts['dmarc.none'] === 'yes')
      .map((t) => t.domain)
      .sort(),
  );
  const unknown = await runCli(['report', '--db', db, '--provider', 'nosuch.example']);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    new RegExp(
      `no domain of scan "after" has the MX or DNS provider nosuch\\.example[\\s\\S]*mx:${mx.replace(/\./g, '\\.')} \\(\\d+\\)`,
    ),
  );
});

test('report --trend: one point per scan in scan order, each equal to that scan’s statistics', async () => {
  const got = (await json(['--trend'])) as {
    scan: string;
    trend: { scan: string; started: string; stats: Stats }[];
  };
  assert.equal(got.scan, 'after');
  assert.deepEqual(
    got.trend.map((t) => t.scan),
    ['before', 'after'],
  );
  assert.deepEqual(got.trend[0]?.stats, truthBefore.stats);
  assert.deepEqual(got.trend[1]?.stats, truthAfter.stats);
  const listed = (await json(['--scans', 'after,before'])) as { trend: { scan: string }[] };
  assert.deepEqual(
    listed.trend.map((t) => t.scan),
    ['before', 'after'],
  );
  const html = join(dir, 'trend.html');
  const r = await runCli([
    'report',
    '--db',
    db,
    '--compare',
    'before',
    '--trend',
    '--format',
    'html',
    '--out',
    html,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /Largest changes/i);
  assert.match(page, /[▲▼]/);
});

test('scan export: csv, jsonl and parquet one row per domain; gmp-csv with Get-Mailprotection’s header in its order', async () => {
  const domains = truthAfter.domains;
  const csvFile = join(dir, 'after.csv');
  const c = await runCli([
    'scan',
    'export',
    '--db',
    db,
    '--scan',
    'after',
    '--format',
    'csv',
    '--out',
    csvFile,
  ]);
  assert.equal(c.code, 0, c.stderr);
  const csv = readFileSync(csvFile, 'utf8').trim().split('\n');
  assert.equal(csv.length, domains + 1);
  const header = (csv[0] as string).split(',');
  for (const col of ['domain', 'checked_at', 'has_mx', 'status.spf', 'spf.present', 'share.providers'])
    assert.ok(header.includes(col), `csv column ${col}`);
  const jl = await runCli(['scan', 'export', '--db', db, '--scan', 'after', '--format', 'jsonl']);
  assert.equal(jl.code, 0, jl.stderr);
  const rows = jl.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, domains);
  const passAll = new Set(truthDomains('spf.passAll', 'yes'));
  assert.deepEqual(
    rows
      .filter((r) => r['spf.passAll'] === 'yes')
      .map((r) => r.domain)
      .sort(),
    [...passAll],
  );
  const pq = join(dir, 'after.parquet');
  const p = await runCli([
    'scan',
    'export',
    '--db',
    db,
    '--scan',
    'after',
    '--format',
    'parquet',
    '--out',
    pq,
  ]);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(readFileSync(pq).subarray(0, 4).toString('latin1'), 'PAR1');
  // read back: the same rows and verdicts as the jsonl export, lists kept as lists
  await withDatabase(':memory:', {}, async (mem) => {
    const [n] = await mem.all(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT domain)::INTEGER AS d FROM read_parquet('${pq}')`,
    );
    assert.deepEqual(n, { n: domains, d: domains });
    const yes = await mem.all(
      `SELECT domain FROM read_parquet('${pq}') WHERE "spf.passAll" = 'yes' ORDER BY domain`,
    );
    assert.deepEqual(
      yes.map((r) => r.domain),
      [...passAll],
    );
    const [t] = await mem.all(
      `SELECT typeof("share.providers") AS providers, typeof(findings) AS findings FROM read_parquet('${pq}') LIMIT 1`,
    );
    assert.deepEqual(t, { providers: 'VARCHAR[]', findings: 'VARCHAR[]' });
  });
  // the CSV says the same
  const col = header.indexOf('spf.passAll');
  assert.deepEqual(
    csv
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[col] === 'yes')
      .map((c) => c[0])
      .sort(),
    [...passAll],
  );
  const gmp = await runCli(['scan', 'export', '--db', db, '--scan', 'after', '--format', 'gmp-csv']);
  assert.equal(gmp.code, 0, gmp.stderr);
  const g = gmp.stdout.split('\r\n').filter(Boolean);
  // Get-Mailprotection v1.23 (get-mailprotection.md §3): Export-Csv quotes every header
  assert.equal(
    g[0],
    '"Domain","NameServer","ZoneDNSSigned","CAA","MXCount","MXRecord","MXIP","MXReverseLookup","StartTLSCount","StartTLSSupport","SMTPBanner","SMTPCertIssuer","SMTPError","SPFAvailable","SPFRecord","SPFLookupCount","DomainKeyAvailable","DomainKeySupport","DomainKeyRecord","DMARCAvailable","DMARCRecord","DMARCAuthorisationRecord","DANECount","DANESupport","DANERecord","BIMIAvailable","BIMIRecord","MTASTSAvailable","MTASTSWeb","TLSRPT","Autodiscover","LyncDiscover","SkypeFederation","M365","TenantID","M365NameSpaceType","M365FederatedAuthURL","SecurityTXT","DID","MCP"',
  );
  assert.equal(GMP_COLUMNS.length, 40);
  assert.equal(g.length, domains + 1);
  const missing = await runCli(['scan', 'export', '--db', db, '--scan', 'nosuch', '--format', 'csv']);
  assert.equal(missing.code, 2, missing.stderr);
});
