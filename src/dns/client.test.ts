import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { type MiniDns, type MiniZone, startMiniDns } from '../../testworld/mini-dns.ts';
import { ErrorCode } from '../core/errors.ts';
import { createClient } from './client.ts';
import { createRateGate, createResolver, detectValidation } from './index.ts';
import { parseResolverSpec } from './spec.ts';
import type { Answer, RRType } from './types.ts';

const NET = `127.77.${1 + Math.floor(Math.random() * 250)}`;
const ADDR = `${NET}.53`;

const KEY = Buffer.from('mailsec test key material').toString('base64');
const zone: MiniZone = {
  '.': {
    SOA: { mname: 'a.root-servers.net', rname: 'nstld.verisign-grs.com', minimum: 86400 },
    NS: ['a.root-servers.net'],
    DNSKEY: [{ flags: 257, algorithm: 8, key: KEY }],
    secure: true,
  },
  'example.com': {
    A: ['192.0.2.1', '192.0.2.2'],
    AAAA: ['2001:DB8::1'],
    MX: [
      [10, 'MX1.Example.COM.'],
      [20, 'mx2.example.com'],
    ],
    TXT: ['v=spf1 -all', ['part one ', 'part two'], 'grüezi'],
    CAA: [{ flags: 128, tag: 'issue', value: 'letsencrypt.org' }],
    NS: ['ns1.example.com.'],
    SOA: { mname: 'ns1.example.com', rname: 'hostmaster.example.com', serial: 7, minimum: 300 },
    DS: [{ keyTag: 12345, algorithm: 13, digestType: 2, digest: 'ABCDEF0123' }],
    DNSKEY: [{ flags: 256, algorithm: 13, key: KEY }],
    ttl: 600,
    secure: true,
  },
  'null.example.com': { MX: [[0, '.']] },
  '_25._tcp.mx1.example.com': { TLSA: [{ usage: 3, selector: 1, matchingType: 1, data: 'A1B2C3' }] },
  '_sip._tls.example.com': { SRV: [{ priority: 1, weight: 2, port: 5061, target: 'SIP.example.com.' }] },
  '4.3.2.1.in-addr.arpa': { PTR: ['Mail.example.com.'] },
  'spf.example.com': { SPF: ['v=spf1 ip4:192.0.2.0/24 -all'] },
  'www.example.com': { CNAME: 'alias.example.com', ttl: 60 },
  'alias.example.com': { CNAME: 'example.com.', ttl: 120 },
  'dangling.example.com': { CNAME: 'gone.example.com' },
  'servfail.example.com': 'SERVFAIL',
  'refused.example.com': 'REFUSED',
  'slow.example.com': 'TIMEOUT',
  'big.example.com': { TXT: Array.from({ length: 40 }, (_, i) => `record ${i} ${'y'.repeat(80)}`) },
  'macro%percent  space%20url-space.example.com': { TXT: ['odd name'] },
  'xn--bcher-kva.example.com': { A: ['192.0.2.44'] },
};
for (let i = 0; i < 2000; i++)
  (zone as Record<string, unknown>)[`h${i}.bulk.example`] = { A: [`10.${i >> 8}.${i & 255}.1`] };

let dns: MiniDns;
before(async () => {
  dns = await startMiniDns({ address: ADDR, zone });
});
after(() => dns.stop());

const fresh = (extra: Parameters<typeof createResolver>[1] = {}) =>
  createResolver(dns.spec, { timeoutMs: 1000, attempts: 2, ...extra });

describe('record decoding', () => {
  let r: ReturnType<typeof createClient>;
  before(() => {
    r = createClient(parseResolverSpec(dns.spec), { timeoutMs: 1000 });
  });
  after(() => r.close());
  const cases: { name: string; type: RRType; expect: (a: Answer<unknown>) => void }[] = [
    {
      name: 'example.com',
      type: 'A',
      expect: (a) => assert.deepEqual(a.records, ['192.0.2.1', '192.0.2.2']),
    },
    { name: 'example.com', type: 'AAAA', expect: (a) => assert.deepEqual(a.records, ['2001:db8::1']) },
    {
      name: 'Example.COM.',
      type: 'MX',
      expect: (a) => {
        assert.equal(a.name, 'example.com');
        assert.deepEqual(a.records, [
          { preference: 10, exchange: 'mx1.example.com' },
          { preference: 20, exchange: 'mx2.example.com' },
        ]);
      },
    },
    {
      name: 'null.example.com',
      type: 'MX',
      expect: (a) => assert.deepEqual(a.records, [{ preference: 0, exchange: '' }]),
    },
    {
      name: 'example.com',
      type: 'TXT',
      expect: (a) =>
        assert.deepEqual(a.records, [
          { strings: ['v=spf1 -all'], text: 'v=spf1 -all' },
          { strings: ['part one ', 'part two'], text: 'part one part two' },
          { strings: ['grüezi'], text: 'grüezi' },
        ]),
    },
    {
      name: 'spf.example.com',
      type: 'SPF',
      expect: (a) =>
        assert.deepEqual(a.records, [
          { strings: ['v=spf1 ip4:192.0.2.0/24 -all'], text: 'v=spf1 ip4:192.0.2.0/24 -all' },
        ]),
    },
    {
      name: 'big.example.com',
      type: 'TXT',
      expect: (a) => assert.equal(a.records.length, 40),
    },
    {
      name: 'example.com',
      type: 'CAA',
      expect: (a) => assert.deepEqual(a.records, [{ flags: 128, tag: 'issue', value: 'letsencrypt.org' }]),
    },
    {
      name: '_25._tcp.mx1.example.com',
      type: 'TLSA',
      expect: (a) =>
        assert.deepEqual(a.records, [{ usage: 3, selector: 1, matchingType: 1, data: 'a1b2c3' }]),
    },
    {
      name: '_sip._tls.example.com',
      type: 'SRV',
      expect: (a) =>
        assert.deepEqual(a.records, [{ priority: 1, weight: 2, port: 5061, target: 'sip.example.com' }]),
    },
    {
      name: 'example.com',
      type: 'SOA',
      expect: (a) =>
        assert.deepEqual(a.records, [
          {
            mname: 'ns1.example.com',
            rname: 'hostmaster.example.com',
            serial: 7,
            refresh: 3600,
            retry: 600,
            expire: 86400,
            minimum: 300,
          },
        ]),
    },
    { name: 'example.com', type: 'NS', expect: (a) => assert.deepEqual(a.records, ['ns1.example.com']) },
    {
      name: '4.3.2.1.in-addr.arpa',
      type: 'PTR',
      expect: (a) => assert.deepEqual(a.records, ['mail.example.com']),
    },
    {
      name: 'example.com',
      type: 'DS',
      expect: (a) =>
        assert.deepEqual(a.records, [{ keyTag: 12345, algorithm: 13, digestType: 2, digest: 'abcdef0123' }]),
    },
    {
      name: 'example.com',
      type: 'DNSKEY',
      expect: (a) => assert.deepEqual(a.records, [{ flags: 256, algorithm: 13, key: KEY }]),
    },
    {
      name: 'www.example.com',
      type: 'A',
      expect: (a) => {
        assert.deepEqual(a.cnames, ['alias.example.com', 'example.com']);
        assert.deepEqual(a.records, ['192.0.2.1', '192.0.2.2']);
        assert.equal(a.ttl, 60);
      },
    },
    {
      name: 'www.example.com',
      type: 'CNAME',
      expect: (a) => {
        assert.deepEqual(a.cnames, []);
        assert.deepEqual(a.records, ['alias.example.com']);
      },
    },
    {
      name: 'dangling.example.com',
      type: 'A',
      expect: (a) => {
        assert.equal(a.rcode, 'NXDOMAIN');
        assert.deepEqual(a.cnames, ['gone.example.com']);
      },
    },
    { name: 'bücher.example.com', type: 'A', expect: (a) => assert.deepEqual(a.records, ['192.0.2.44']) },
    {
      name: 'macro%percent  space%20url-space.example.com',
      type: 'TXT',
      expect: (a) => {
        assert.equal(a.name, 'macro%percent  space%20url-space.example.com');
        assert.equal((a.records[0] as { text: string }).text, 'odd name');
      },
    },
    {
      name: 'example.com',
      type: 'A',
      expect: (a) => {
        assert.equal(a.authenticated, true);
        assert.equal(a.ttl, 600);
      },
    },
    { name: 'null.example.com', type: 'A', expect: (a) => assert.equal(a.authenticated, false) },
  ];
  for (const c of cases) {
    it(`${c.type} ${c.name}`, async () => {
      const a = await r.query(c.name, c.type);
      if (c.name !== 'dangling.example.com') assert.equal(a.rcode, 'NOERROR');
      c.expect(a);
    });
  }
});

describe('rcodes stay distinct', () => {
  let r: ReturnType<typeof createClient>;
  before(() => {
    r = createClient(parseResolverSpec(dns.spec), { timeoutMs: 300, attempts: 2 });
  });
  after(() => r.close());
  const cases: { name: string; type: RRType; rcode: string; records: number }[] = [
    { name: 'example.com', type: 'A', rcode: 'NOERROR', records: 2 },
    { name: 'example.com', type: 'SRV', rcode: 'NOERROR', records: 0 }, // NODATA
    { name: 'nothing.example.com', type: 'A', rcode: 'NXDOMAIN', records: 0 },
    { name: 'servfail.example.com', type: 'A', rcode: 'SERVFAIL', records: 0 },
    { name: 'refused.example.com', type: 'TXT', rcode: 'REFUSED', records: 0 },
    { name: 'slow.example.com', type: 'A', rcode: 'TIMEOUT', records: 0 },
  ];
  for (const c of cases) {
    it(`${c.type} ${c.name} → ${c.rcode}${c.rcode === 'NOERROR' && c.records === 0 ? ' (NODATA)' : ''}`, async () => {
      const r2 = createClient(parseResolverSpec(dns.spec), { timeoutMs: 300, attempts: 2 });
      try {
        const a = await r2.query(c.name, c.type);
        assert.equal(a.rcode, c.rcode);
        assert.equal(a.records.length, c.records);
        if (c.rcode === 'TIMEOUT') {
          assert.match(a.detail ?? '', /no answer/);
          assert.equal(dns.queries.filter((q) => q.name === c.name).length >= 2, true, 'retried');
        }
      } finally {
        await r2.close();
      }
    });
  }

  it('names that cannot be encoded are FORMERR without a packet', async () => {
    const before = dns.queries.length;
    for (const name of [
      'mail.example...com',
      `${'a'.repeat(64)}.example.com`,
      `${'abcdefghi.'.repeat(26)}com`,
    ]) {
      const a = await r.query(name, 'A');
      assert.equal(a.rcode, 'FORMERR', name);
      assert.match(a.detail ?? '', /cannot be asked/);
    }
    assert.equal(dns.queries.length, before);
  });

  it('NODATA and NXDOMAIN carry the negative TTL from the SOA', async () => {
    const a = await r.query('nothing.example.com', 'A');
    assert.equal(a.ttl, 300);
  });

  it('a closed port is NETERROR with detail, not a timeout', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((res) => probe.bind(0, `${NET}.99`, () => res()));
    const port = probe.address().port;
    await new Promise<void>((res) => probe.close(() => res()));
    await assertRefused(`${NET}.99:${port}`);
  });
});

/** A query to a closed port is NETERROR naming ECONNREFUSED, not a timeout. */
async function assertRefused(spec: string): Promise<void> {
  const c = createClient(parseResolverSpec(spec), { timeoutMs: 1000, attempts: 2 });
  try {
    const a = await c.query('example.com', 'A');
    assert.equal(a.rcode, 'NETERROR');
    assert.match(a.detail ?? '', /ECONNREFUSED/);
  } finally {
    await c.close();
  }
}

describe('transport', () => {
  it('sends RD, EDNS0 1232 with DO, and CD when asked', async () => {
    const r = fresh({ cache: false });
    try {
      const before = dns.queries.length;
      await r.query('example.com', 'A');
      await r.query('example.com', 'A', { checkingDisabled: true });
      const [q1, q2] = dns.queries.slice(before);
      assert.deepEqual([q1?.rd, q1?.do, q1?.ednsPayload, q1?.cd], [true, true, 1232, false]);
      assert.equal(q2?.cd, true);
    } finally {
      await r.close();
    }
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    const tcpOnly = await startMiniDns({ address: `${NET}.54`, zone, tcpOnly: true });
    const r = createResolver(tcpOnly.spec, { timeoutMs: 1000 });
    try {
      const a = await r.query('example.com', 'MX');
      assert.equal(a.rcode, 'NOERROR');
      assert.equal(a.records.length, 2);
      assert.deepEqual(
        tcpOnly.queries.map((q) => q.transport),
        ['udp', 'tcp'],
      );
      assert.equal(r.stats().tcpFallbacks, 1);
    } finally {
      await r.close();
      await tcpOnly.stop();
    }
  });

  it('shares identical queries in flight: 100 concurrent → 1 packet', async () => {
    const r = fresh({ cache: false });
    try {
      const before = dns.queries.length;
      const answers = await Promise.all(Array.from({ length: 100 }, () => r.query('EXAMPLE.com', 'AAAA')));
      assert.equal(
        answers.every((a) => a.records[0] === '2001:db8::1'),
        true,
      );
      const sent = dns.queries
        .slice(before)
        .filter((q) => q.name.toLowerCase() === 'example.com' && q.type === 'AAAA');
      assert.equal(sent.length, 1);
      assert.equal(r.stats().shared, 99);
      // a different CD bit is a different query
      await Promise.all([
        r.query('example.com', 'AAAA'),
        r.query('example.com', 'AAAA', { checkingDisabled: true }),
      ]);
      assert.equal(dns.queries.length - before, 3);
    } finally {
      await r.close();
    }
  });

  it('answers from the cache the second time', async () => {
    const r = fresh();
    try {
      const before = dns.queries.length;
      const a1 = await r.query('example.com', 'TXT');
      const a2 = await r.query('example.com.', 'TXT');
      assert.deepEqual(a2.records, a1.records);
      assert.equal(dns.queries.length - before, 1);
      assert.equal(a2, a1, 'in its first second the cache hands out the answer it keeps');
      assert.deepEqual(
        [a1, a2].map((a) => ({ name: a.name, rcode: a.rcode, count: a.records.length })),
        [
          { name: 'example.com', rcode: 'NOERROR', count: 3 },
          { name: 'example.com', rcode: 'NOERROR', count: 3 },
        ],
      );
      assert.deepEqual(r.stats().cache, { hits: 1, misses: 1, entries: 1 });
    } finally {
      await r.close();
    }
  });

  it('answers 2000 concurrent distinct queries correctly', async () => {
    const r = fresh({ timeoutMs: 5000, attempts: 3 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => r.query(`h${i}.bulk.example`, 'A')),
      );
      answers.forEach((a, i) => {
        assert.equal(a.rcode, 'NOERROR', `h${i}`);
        assert.deepEqual(a.records, [`10.${i >> 8}.${i & 255}.1`]);
      });
      const s = r.stats();
      assert.equal(s.inFlight, 0);
    } finally {
      await r.close();
    }
  });

  it('ignores replies with the right id but the wrong question or source', async () => {
    const spoofer = createSocket('udp4');
    await new Promise<void>((res) => spoofer.bind(0, `${NET}.66`, () => res()));
    const spoofed = await startMiniDns({
      address: `${NET}.55`,
      zone,
      intercept: async (q, send) => {
        if (q.name !== 'example.com' || q.type !== 'A') return undefined;
        const lie = (name: string) =>
          dnsPacket.encode({
            type: 'response',
            id: q.id,
            flags: dnsPacket.RECURSION_AVAILABLE,
            questions: [{ name, type: 'A' }],
            answers: [{ name, type: 'A', ttl: 60, data: '203.0.113.66' }],
          });
        // right id and question, wrong source
        spoofer.send(lie('example.com'), q.from.port, q.from.address);
        // right source and id, wrong question
        send(lie('evil.example.com'));
        await new Promise((res) => setTimeout(res, 50));
        return undefined;
      },
    });
    const r = createResolver(spoofed.spec, { timeoutMs: 2000, cache: false });
    try {
      const a = await r.query('example.com', 'A');
      assert.deepEqual(a.records, ['192.0.2.1', '192.0.2.2']);
      assert.equal(r.stats().ignored >= 1, true); // the kernel drops the other-source packet on a connected socket
    } finally {
      await r.close();
      await spoofed.stop();
      spoofer.close();
    }
  });

  it('detects a validating resolver from the AD bit on the root', async () => {
    const r = fresh();
    try {
      assert.equal(await detectValidation(r), true);
      dns.setZone({ ...zone, '.': { SOA: { mname: 'a.root-servers.net', rname: 'x.example' } } });
      const r2 = fresh();
      assert.equal(await detectValidation(r2), false);
      await r2.close();
    } finally {
      dns.setZone(zone);
      await r.close();
    }
  });

  it('rejects with the caller’s abort reason', async () => {
    const r = fresh({ cache: false });
    try {
      const ac = new AbortController();
      const p = r.query('slow.example.com', 'TXT', { signal: ac.signal });
      ac.abort(new Error('stop'));
      await assert.rejects(p, /stop/);
    } finally {
      await r.close();
    }
  });
});

describe('egress guard', () => {
  it('rejects a query to an address outside MAILSEC_EGRESS_ALLOW and sends nothing', async () => {
    const saved = process.env.MAILSEC_EGRESS_ALLOW;
    process.env.MAILSEC_EGRESS_ALLOW = '127.0.0.0/8';
    const r = createResolver('10.0.0.1', { timeoutMs: 200, attempts: 1 });
    try {
      await assert.rejects(r.query('example.com', 'A'), (e: unknown) => {
        assert.equal((e as { code?: string }).code, ErrorCode.EgressDenied);
        return true;
      });
      assert.equal(r.stats().sent, 0);
      const doh = createResolver('https://10.0.0.1/dns-query', { timeoutMs: 200, attempts: 1 });
      await assert.rejects(doh.query('example.com', 'A'), { code: ErrorCode.EgressDenied });
      assert.equal(doh.stats().sent, 0);
      await doh.close();
    } finally {
      if (saved === undefined) delete process.env.MAILSEC_EGRESS_ALLOW;
      else process.env.MAILSEC_EGRESS_ALLOW = saved;
      await r.close();
    }
  });
});

describe('IPv6 resolver address', () => {
  it('queries [::1]:port', async (t) => {
    let v6: MiniDns;
    try {
      v6 = await startMiniDns({ address: '::1', zone: { 'six.test': { AAAA: ['2001:db8::6'] } } });
    } catch {
      t.skip('no ::1 here');
      return;
    }
    const r = createResolver(v6.spec, { timeoutMs: 1000 });
    try {
      assert.match(v6.spec, /^\[::1\]:\d+$/);
      const a = await r.query('six.test', 'AAAA');
      assert.deepEqual([a.rcode, a.records], ['NOERROR', ['2001:db8::6']]);
      assert.equal(r.label, v6.spec);
    } finally {
      await r.close();
      await v6.stop();
    }
  });
});

describe('timeouts: one timer for the queries in flight', () => {
  it('queries with different timeouts end at their own deadlines, answered ones are not timed out', async () => {
    const { UdpTransport } = await import('./udp.ts');
    const t = new UdpTransport(ADDR, dns.port);
    try {
      const ask = (name: string, ms: number) => {
        const t0 = performance.now();
        return t
          .exchange({ name, type: 'A', checkingDisabled: false }, true, ms)
          .then((o) => ({ kind: o.kind, ms: performance.now() - t0 }));
      };
      const [slow400, slow150, fast, slow250] = await Promise.all([
        ask('slow.example.com', 400),
        ask('slow.example.com', 150),
        ask('example.com', 150),
        ask('slow.example.com', 250),
      ]);
      assert.equal(fast.kind, 'response');
      for (const [o, ms] of [
        [slow150, 150],
        [slow250, 250],
        [slow400, 400],
      ] as const) {
        assert.equal(o.kind, 'timeout');
        assert.ok(o.ms >= ms - 2 && o.ms < ms + 400, `${ms}: ${o.ms}`);
      }
      assert.ok(slow150.ms < slow250.ms && slow250.ms < slow400.ms);
      assert.equal(t.stats().timeouts, 3);
      assert.equal(t.stats().inFlight, 0);
      // nothing in flight: no timer left to keep the process alive
      const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const again = await ask('example.com', 60_000);
      assert.equal(again.kind, 'response');
      assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timers);
    } finally {
      await t.close();
    }
  });

  it('a query that ended keeps nothing of its answer alive while other queries are in flight', async () => {
    // each query stays in its timeout's FIFO until the timer passes it; through its settled promise
    // it once kept its whole decoded response alive that long (a scan's GC copied every answer of
    // the last two seconds)
    const { UdpTransport } = await import('./udp.ts');
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const t = new UdpTransport(ADDR, dns.port);
    try {
      const slow = t.exchange({ name: 'slow.example.com', type: 'A', checkingDisabled: false }, true, 30_000);
      const answered = async () => {
        const o = await t.exchange({ name: 'example.com', type: 'A', checkingDisabled: false }, true, 30_000);
        assert.equal(o.kind, 'response');
        return new WeakRef(o.kind === 'response' ? o.response : {});
      };
      const ref = await answered();
      assert.equal(t.stats().inFlight, 1);
      for (let i = 0; i < 3 && ref.deref() !== undefined; i++) {
        await new Promise((r) => setImmediate(r));
        gc();
      }
      assert.equal(ref.deref(), undefined, 'the decoded response is still reachable');
      await t.close();
      assert.equal((await slow).kind, 'neterror');
    } finally {
      await t.close();
    }
  });

  it('an abort ends only its own query', async () => {
    const { UdpTransport } = await import('./udp.ts');
    const t = new UdpTransport(ADDR, dns.port);
    try {
      const ac = new AbortController();
      const a = t.exchange(
        { name: 'slow.example.com', type: 'A', checkingDisabled: false },
        true,
        300,
        ac.signal,
      );
      const b = t.exchange({ name: 'slow.example.com', type: 'TXT', checkingDisabled: false }, true, 300);
      ac.abort();
      assert.equal((await a).kind, 'aborted');
      assert.equal((await b).kind, 'timeout');
    } finally {
      await t.close();
    }
  });
});

describe('sending: the queries of one turn leave together', () => {
  it('a query aborted in the turn that asked it never reaches the wire', async () => {
    const { UdpTransport } = await import('./udp.ts');
    const t = new UdpTransport(ADDR, dns.port);
    try {
      const ask = (name: string, signal?: AbortSignal) =>
        t.exchange({ name, type: 'A', checkingDisabled: false }, true, 1000, signal);
      // every socket of the pool connected first (a query on a socket still connecting waits anyway)
      await Promise.all(['h4', 'h5', 'h6', 'h7'].map((h) => ask(`${h}.bulk.example`)));
      const before = dns.queries.length;
      const sentBefore = t.stats().sent;
      const ac = new AbortController();
      const a = ask('h1.bulk.example');
      const b = ask('h2.bulk.example', ac.signal);
      const c = ask('h3.bulk.example');
      ac.abort();
      assert.equal((await a).kind, 'response');
      assert.equal((await b).kind, 'aborted');
      assert.equal((await c).kind, 'response');
      const sent = dns.queries.slice(before).map((q) => q.name);
      assert.deepEqual(sent.sort(), ['h1.bulk.example', 'h3.bulk.example']);
      assert.equal(t.stats().inFlight, 0);
      assert.equal(t.stats().sent - sentBefore, 2);
    } finally {
      await t.close();
    }
  });
});

describe("the run's DNS load: in-flight ceiling and storm signal", () => {
  it('keeps at most maxInFlight queries on the wire; the rest wait their turn and are all answered', async () => {
    const c = createClient(parseResolverSpec(dns.spec), { timeoutMs: 2000, attempts: 1, maxInFlight: 7 });
    let peak = 0;
    let sampling = true;
    const sample = () => {
      peak = Math.max(peak, c.stats().inFlight);
      if (sampling) setImmediate(sample);
    };
    sample();
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => c.query(`h${i}.bulk.example`, 'A')),
      );
      for (const [i, a] of answers.entries())
        assert.deepEqual([a.rcode, a.records], ['NOERROR', [`10.${i >> 8}.${i & 255}.1`]]);
      assert.ok(peak >= 1 && peak <= 7, `peak in flight ${peak}`);
      assert.equal(c.stats().inFlight, 0);
    } finally {
      sampling = false;
      await c.close();
    }
  });

  it("SERVFAILs answered at once are the zone's verdict, not a storm; timeouts are", async () => {
    const rate = createRateGate({ qps: 0 });
    const c = createClient(parseResolverSpec(dns.spec), { timeoutMs: 1000, attempts: 1, rate });
    try {
      for (let i = 0; i < 300; i++)
        assert.equal((await c.query('servfail.example.com', 'A')).rcode, 'SERVFAIL');
      assert.equal(rate.storms, 0, 'fast SERVFAILs lowered the ceiling');
    } finally {
      await c.close();
    }
    const rate2 = createRateGate({ qps: 0 });
    const slow = createClient(parseResolverSpec(dns.spec), { timeoutMs: 20, attempts: 1, rate: rate2 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 60 }, () => slow.query('slow.example.com', 'A')),
      );
      assert.ok(answers.every((a) => a.rcode === 'TIMEOUT'));
      assert.ok(rate2.storms >= 1, 'timeouts did not lower the ceiling');
    } finally {
      await slow.close();
    }
  });
});

describe('pipelined TCP (tcp://)', () => {
  const tcpSpec = () => parseResolverSpec(`tcp://${dns.spec}`);

  it('asks 2000 distinct queries over at most 8 connections, every answer matched', async () => {
    const c = createClient(tcpSpec(), { timeoutMs: 2000, attempts: 1 });
    try {
      const before = dns.queries.length;
      const answers = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => c.query(`h${i}.bulk.example`, 'A')),
      );
      for (const [i, a] of answers.entries())
        assert.deepEqual([a.rcode, a.records], ['NOERROR', [`10.${i >> 8}.${i & 255}.1`]]);
      const sent = dns.queries.slice(before);
      assert.equal(sent.length, 2000);
      assert.ok(sent.every((q) => q.transport === 'tcp'));
      const connections = new Set(sent.map((q) => q.from.port));
      assert.equal(connections.size, 8, `${connections.size} connections`);
      assert.equal(c.label, dns.spec);
      assert.deepEqual([c.stats().sent, c.stats().received, c.stats().inFlight], [2000, 2000, 0]);
      // a big answer comes whole: no truncation, no fallback
      const big = await c.query('big.example.com', 'TXT');
      assert.equal(big.records.length, 40);
      assert.equal(c.stats().tcpFallbacks, 0);
    } finally {
      await c.close();
    }
  });

  it('opens another connection only when every open one carries 32 queries', async () => {
    for (const [n, want] of [
      [20, 1],
      [32, 1],
      [33, 2],
      [100, 4],
    ] as const) {
      const c = createClient(tcpSpec(), { timeoutMs: 2000, attempts: 1 });
      try {
        const before = dns.queries.length;
        await Promise.all(Array.from({ length: n }, (_, i) => c.query(`h${i}.bulk.example`, 'A')));
        const connections = new Set(dns.queries.slice(before).map((q) => q.from.port));
        assert.equal(connections.size, want, `${n} queries: ${connections.size} connections`);
      } finally {
        await c.close();
      }
    }
  });

  it('takes answers in any order (a slow answer does not hold back the ones after it)', async () => {
    const c = createClient(tcpSpec(), { timeoutMs: 2000, attempts: 1 });
    dns.setIntercept(async (q) => {
      if (q.name === 'h1.bulk.example') await new Promise((r) => setTimeout(r, 150));
      return undefined;
    });
    try {
      const order: string[] = [];
      const ask = (name: string) =>
        c.query(name, 'A').then((a) => {
          order.push(name);
          return a.rcode;
        });
      const rcodes = await Promise.all([
        ask('h1.bulk.example'),
        ask('h2.bulk.example'),
        ask('h3.bulk.example'),
      ]);
      assert.deepEqual(rcodes, ['NOERROR', 'NOERROR', 'NOERROR']);
      assert.equal(order[2], 'h1.bulk.example');
    } finally {
      dns.setIntercept(undefined);
      await c.close();
    }
  });

  it('a connection the server closes mid-flight: its queries are asked again on a new one', async () => {
    const c = createClient(tcpSpec(), { timeoutMs: 2000, attempts: 3, sockets: 1 });
    let closed = 0;
    dns.setIntercept((q) => {
      if (q.name === 'h7.bulk.example' && closed === 0) {
        closed = dns.closeTcpConnections();
        return 'drop';
      }
      return undefined;
    });
    try {
      assert.equal((await c.query('h6.bulk.example', 'A')).rcode, 'NOERROR');
      const a = await c.query('h7.bulk.example', 'A');
      assert.deepEqual([a.rcode, a.records], ['NOERROR', ['10.0.7.1']]);
      assert.equal(closed, 1);
      assert.equal(c.stats().netErrors, 1);
      // and the pool works on: an idle close (nothing in flight) costs nothing
      dns.closeTcpConnections();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal((await c.query('h8.bulk.example', 'A')).rcode, 'NOERROR');
      assert.equal(c.stats().netErrors, 1);
    } finally {
      dns.setIntercept(undefined);
      await c.close();
    }
  });

  it('a garbage frame or a mismatched answer is ignored; timeouts and aborts end only their query', async () => {
    const c = createClient(tcpSpec(), { timeoutMs: 300, attempts: 1 });
    dns.setIntercept((q, send) => {
      if (q.name === 'h9.bulk.example') {
        send(Buffer.from('not dns at all, but long enough'));
        send(Buffer.alloc(3));
      }
      return undefined;
    });
    try {
      const ac = new AbortController();
      const slow = c.query('slow.example.com', 'A');
      const aborted = c.query('slow.example.com', 'TXT', { signal: ac.signal });
      const ok = c.query('h9.bulk.example', 'A');
      ac.abort();
      await assert.rejects(aborted);
      assert.equal((await ok).rcode, 'NOERROR');
      assert.equal((await slow).rcode, 'TIMEOUT');
      assert.equal(c.stats().ignored, 2);
      assert.equal(c.stats().inFlight, 0);
    } finally {
      dns.setIntercept(undefined);
      await c.close();
    }
  });

  it('reads answers split across reads and several answers in one read', async () => {
    const { createServer } = await import('node:net');
    const server = createServer((sock) => {
      let buf = Buffer.alloc(0);
      const out: Buffer[] = [];
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + q.length);
          const r = Buffer.from(dns.answer(q, 'tcp')!);
          const head = Buffer.alloc(2);
          head.writeUInt16BE(r.length);
          out.push(head, r);
        }
        if (out.length < 6) return;
        // three answers: the first byte by byte, the other two in one write
        const all = Buffer.concat(out.splice(0));
        const firstLen = 2 + all.readUInt16BE(0);
        let i = 0;
        const drip = () => {
          if (i < firstLen) {
            sock.write(all.subarray(i, i + 1));
            i++;
            setTimeout(drip, 1);
          } else sock.write(all.subarray(firstLen));
        };
        drip();
      });
    });
    await new Promise<void>((r) => server.listen(0, `${NET}.61`, () => r()));
    const port = (server.address() as { port: number }).port;
    const c = createClient(parseResolverSpec(`tcp://${NET}.61:${port}`), {
      timeoutMs: 5000,
      attempts: 1,
      sockets: 1,
    });
    try {
      const answers = await Promise.all([
        c.query('example.com', 'MX'),
        c.query('big.example.com', 'TXT'),
        c.query('example.com', 'AAAA'),
      ]);
      assert.deepEqual(
        answers.map((a) => [a.rcode, a.records.length]),
        [
          ['NOERROR', 2],
          ['NOERROR', 40],
          ['NOERROR', 1],
        ],
      );
    } finally {
      await c.close();
      server.close();
    }
  });

  it('a closed port is NETERROR with detail; an address outside the egress allowance is refused', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, `${NET}.98`, () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assertRefused(`tcp://${NET}.98:${port}`);
    const saved = process.env.MAILSEC_EGRESS_ALLOW;
    process.env.MAILSEC_EGRESS_ALLOW = '127.0.0.0/8';
    const out = createClient(parseResolverSpec('tcp://10.0.0.1'), { timeoutMs: 200, attempts: 1 });
    try {
      await assert.rejects(out.query('example.com', 'A'), { code: ErrorCode.EgressDenied });
      assert.equal(out.stats().sent, 0);
    } finally {
      if (saved === undefined) delete process.env.MAILSEC_EGRESS_ALLOW;
      else process.env.MAILSEC_EGRESS_ALLOW = saved;
      await out.close();
    }
  });
});
