import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withCache } from './cache.ts';
import { sharingInFlight } from './inflight.ts';
import type { Answer, QueryScope, Rcode, Resolver, RRType } from './types.ts';

/** A fake resolver whose answers the test sets, counting calls. */
function fake(table: Record<string, Partial<Answer<unknown>> & { rcode: Rcode }>) {
  const calls: string[] = [];
  const r: Resolver = {
    async query(name: string, type: RRType) {
      calls.push(`${name} ${type}`);
      const t = table[name] ?? { rcode: 'NXDOMAIN' };
      return { name, type, records: [], authenticated: false, cnames: [], ...t } as never;
    },
  };
  return { r, calls };
}

describe('withCache', () => {
  const table = {
    'pos.test': { rcode: 'NOERROR', records: ['192.0.2.1'], ttl: 30 },
    'long.test': { rcode: 'NOERROR', records: ['192.0.2.2'], ttl: 86400 },
    'zero.test': { rcode: 'NOERROR', records: ['192.0.2.3'], ttl: 0 },
    'nodata.test': { rcode: 'NOERROR', ttl: 20 },
    'nx.test': { rcode: 'NXDOMAIN', ttl: 5000 },
    'nx-nosoa.test': { rcode: 'NXDOMAIN' },
    'servfail.test': { rcode: 'SERVFAIL' },
    'timeout.test': { rcode: 'TIMEOUT' },
    'neterror.test': { rcode: 'NETERROR' },
  } as const;
  // [name, seconds later, asked again → from cache?]
  const cases: [keyof typeof table, number, boolean][] = [
    ['pos.test', 29, true],
    ['pos.test', 31, false],
    ['long.test', 3599, true],
    ['long.test', 3601, false], // capped at 1 h
    ['zero.test', 0, false],
    ['nodata.test', 19, true],
    ['nodata.test', 21, false],
    ['nx.test', 899, true],
    ['nx.test', 901, false], // negative TTL capped at 15 min
    ['nx-nosoa.test', 59, true],
    ['nx-nosoa.test', 61, false],
    ['servfail.test', 4, true],
    ['servfail.test', 6, false],
    ['timeout.test', 0, false],
    ['neterror.test', 0, false],
  ];
  for (const [name, later, hit] of cases) {
    it(`${name} asked again after ${later} s: ${hit ? 'cached' : 'asked again'}`, async () => {
      let now = 1_000_000;
      const { r, calls } = fake(table);
      const c = withCache(r, { now: () => now });
      const a1 = await c.query(name, 'A');
      now += later * 1000;
      const a2 = await c.query(name, 'A');
      assert.equal(calls.length, hit ? 1 : 2);
      if (!hit) assert.notEqual(a2, a1);
      if (hit && a1.ttl !== undefined) assert.equal(a2.ttl, Math.max(0, a1.ttl - later));
    });
  }

  it('hits in the same second of age share one copy; the next second shows the TTL one lower', async () => {
    let now = 1_000_000;
    const { r } = fake(table);
    const c = withCache(r, { now: () => now });
    const first = await c.query('long.test', 'A');
    now += 900; // its first second: the answer kept, no copy
    assert.equal(await c.query('long.test', 'A'), first);
    now += 1_200;
    const a = await c.query('long.test', 'A');
    now += 800; // still 2 s old
    const b = await c.query('long.test', 'A');
    now += 200; // 3 s old
    const d = await c.query('long.test', 'A');
    assert.equal(a, b);
    assert.notEqual(a, first);
    assert.deepEqual([first.ttl, a.ttl, d.ttl], [86400, 86398, 86397]);
    assert.notEqual(d, a);
    assert.deepEqual(d.records, first.records);
  });

  it('keys on name (normalised), type and CD bit', async () => {
    const { r, calls } = fake(table);
    const c = withCache(r);
    await c.query('pos.test', 'A');
    await c.query('POS.test.', 'A');
    await c.query('pos.test', 'AAAA');
    await c.query('pos.test', 'A', { checkingDisabled: true });
    assert.equal(calls.length, 3);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { r, calls } = fake(table);
    const c = withCache(r, { maxEntries: 2 });
    await c.query('pos.test', 'A');
    await c.query('long.test', 'A');
    await c.query('pos.test', 'A'); // hit: pos is now the most recent
    await c.query('nodata.test', 'A'); // evicts long
    await c.query('pos.test', 'A'); // hit
    await c.query('long.test', 'A'); // miss
    assert.deepEqual(calls, ['pos.test A', 'long.test A', 'nodata.test A', 'long.test A']);
    assert.equal(c.cacheStats().entries, 2);
  });

  it('does not cache rejections', async () => {
    let n = 0;
    const r: Resolver = {
      query: async () => {
        n++;
        throw new Error('egress');
      },
    };
    const c = withCache(r);
    await assert.rejects(c.query('x.test', 'A'));
    await assert.rejects(c.query('x.test', 'A'));
    assert.equal(n, 2);
  });
});

describe('sharingInFlight', () => {
  it('one inner query for identical concurrent queries; a new one once it settled', async () => {
    const { r, calls } = fake({ 'a.test': { rcode: 'NOERROR', records: ['192.0.2.1'] } });
    const s = sharingInFlight(r);
    await Promise.all([s.query('a.test', 'A'), s.query('A.TEST', 'A'), s.query('a.test', 'A')]);
    assert.equal(calls.length, 1);
    assert.equal(s.sharedCount(), 2);
    await s.query('a.test', 'A');
    assert.equal(calls.length, 2);
  });
  /** a resolver that honours its callers' signals, as the client does; answers once released */
  function gated() {
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const calls: (AbortSignal | undefined)[] = [];
    const r: Resolver = {
      query: (name, type, opts) => {
        calls.push(opts?.signal);
        return new Promise((resolve, reject) => {
          opts?.signal?.addEventListener('abort', () => reject(opts.signal?.reason));
          gate.then(() =>
            resolve({ name, type, rcode: 'NOERROR', records: [], authenticated: false, cnames: [] }),
          );
        });
      },
    };
    return { r, calls, release: () => release() };
  }
  it('an aborted caller does not abort the others: callers with another signal ask on their own', async () => {
    const { r, calls, release } = gated();
    const s = sharingInFlight(r);
    const ac = new AbortController();
    const p1 = s.query('a.test', 'A', { signal: ac.signal });
    const p2 = s.query('a.test', 'A');
    assert.equal(calls.length, 2);
    ac.abort(new Error('gone'));
    release();
    await assert.rejects(p1, /gone/);
    assert.equal((await p2).rcode, 'NOERROR');
  });
  it('callers with the same signal share one query, asked with that signal; another signal aborts only its own', async () => {
    const { r, calls, release } = gated();
    const s = sharingInFlight(r);
    const run = new AbortController();
    const other = new AbortController();
    const a = s.query('a.test', 'A', { signal: run.signal });
    const b = s.query('a.test', 'A', { signal: run.signal });
    const c = s.query('a.test', 'A', { signal: other.signal });
    assert.equal(a, b, 'one query for one signal');
    assert.deepEqual(calls, [run.signal, other.signal], 'each asked with its signal');
    other.abort(new Error('other gone'));
    await assert.rejects(c, /other gone/);
    release();
    assert.equal((await a).rcode, 'NOERROR');
    assert.equal((await b).rcode, 'NOERROR');
    const late = new AbortController();
    late.abort(new Error('already'));
    await assert.rejects(s.query('a.test', 'A', { signal: late.signal }), /already/);
    assert.equal(calls.length, 2, 'an aborted signal asks nothing');
  });
  it('aborting the shared signal ends every caller of it', async () => {
    const { r, release } = gated();
    const s = sharingInFlight(r);
    const run = new AbortController();
    const a = s.query('a.test', 'A', { signal: run.signal });
    const b = s.query('a.test', 'A', { signal: run.signal });
    run.abort(new Error('stop'));
    await assert.rejects(a, /stop/);
    await assert.rejects(b, /stop/);
    release();
    // settled: the next query asks again
    const c = s.query('a.test', 'A');
    assert.equal((await c).rcode, 'NOERROR');
  });
});

describe('withCache: an audit scope', () => {
  const table = {
    'example.test': { rcode: 'NOERROR', records: ['192.0.2.1'], ttl: 300 },
    '_dmarc.example.test': { rcode: 'NOERROR', records: ['v=DMARC1; p=none'], ttl: 300 },
    'mx.hoster.test': { rcode: 'NOERROR', records: ['192.0.2.25'], ttl: 300 },
    'notexample.test': { rcode: 'NOERROR', records: ['192.0.2.9'], ttl: 300 },
    'timeout.example.test': { rcode: 'TIMEOUT' },
  } as const;
  // [name, kept with the scope (true) or in the run's cache (false)]
  const cases: [keyof typeof table, boolean][] = [
    ['example.test', true],
    ['_dmarc.example.test', true],
    ['mx.hoster.test', false],
    ['notexample.test', false], // a suffix of the name, not a label boundary
  ];
  for (const [name, inScope] of cases) {
    it(`${name} under the scope example.test: ${inScope ? 'kept with the scope' : 'kept run-wide'}`, async () => {
      const { r, calls } = fake(table);
      const c = withCache(r);
      const scope: QueryScope = { domain: 'Example.TEST.' };
      const a1 = await c.query(name, 'A', { scope });
      // reused within the scope either way
      assert.equal(await c.query(name.toUpperCase(), 'A', { scope }), a1);
      assert.equal(calls.length, 1);
      assert.equal(c.cacheStats().entries, inScope ? 0 : 1);
      assert.equal(scope.answers?.size ?? 0, inScope ? 1 : 0);
      // another audit finds it only when it was kept run-wide
      await c.query(name, 'A', { scope: { domain: 'other.test' } });
      assert.equal(calls.length, inScope ? 2 : 1);
    });
  }

  it('keeps in a scope what the run-wide cache would keep, and nothing else', async () => {
    const { r, calls } = fake(table);
    const c = withCache(r);
    const scope: QueryScope = { domain: 'example.test' };
    await c.query('timeout.example.test', 'A', { scope });
    await c.query('timeout.example.test', 'A', { scope });
    assert.equal(calls.length, 2);
    assert.equal(scope.answers?.size ?? 0, 0);
  });
});
