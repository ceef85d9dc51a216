import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { type MiniDns, type MiniZone, startMiniDns, zoneFromRfc7208 } from './mini-dns.ts';

const ADDR = `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

const zone: MiniZone = {
  'example.com': {
    A: ['192.0.2.1'],
    MX: [[10, 'mx.example.com'], { preference: 0, exchange: '.' }],
    TXT: ['v=spf1 -all', ['a', 'b']],
    SOA: { mname: 'ns.example.com', rname: 'hostmaster.example.com', minimum: 120 },
  },
  'Mixed.Example.com.': { AAAA: ['2001:db8::1'] },
  'a.b.deep.example.com': { A: ['192.0.2.9'] },
  'www.example.com': { CNAME: 'example.com.' },
  'loop1.example.com': { CNAME: 'loop2.example.com' },
  'loop2.example.com': { CNAME: 'LOOP1.example.com' },
  'dangling.example.com': { CNAME: 'nowhere.example.com' },
  'slow.example.com': 'TIMEOUT',
  'fail.example.com': 'SERVFAIL',
  'refused.example.com': 'REFUSED',
  'part.example.com': { A: ['192.0.2.3'], TXT: 'SERVFAIL', '*': 'TIMEOUT' },
  'macro%percent  space%20url-space.example.com': { TXT: ['odd'] },
  'foo:bar/baz.example.com': { SPF: ['v=spf1 -all'] },
  'big.example.com': { TXT: Array.from({ length: 20 }, (_, i) => `${i} ${'x'.repeat(60)}`) },
  'secure.example.com': { A: ['192.0.2.7'], secure: true },
  '.': { SOA: { mname: 'a.root-servers.net', rname: 'nstld.verisign-grs.com' }, secure: true },
};

let dns: MiniDns;
before(async () => {
  dns = await startMiniDns({ address: ADDR, zone });
});
after(() => dns.stop());

function udpQuery(
  name: string,
  type: string,
  opts: { edns?: boolean; cd?: boolean; timeoutMs?: number } = {},
): Promise<dnsPacket.DecodedPacket & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const id = Math.floor(Math.random() * 65536);
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('timeout'));
    }, opts.timeoutMs ?? 2000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(dnsPacket.decode(m) as dnsPacket.DecodedPacket & { rcode?: string });
    });
    const packet = {
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED | (opts.cd ? dnsPacket.CHECKING_DISABLED : 0),
      questions: [{ name, type, class: 'IN' }],
      additionals: opts.edns
        ? [{ name: '.', type: 'OPT', udpPayloadSize: 1232, flags: dnsPacket.DNSSEC_OK }]
        : [],
    } as unknown as dnsPacket.Packet;
    s.send(dnsPacket.encode(packet), dns.port, ADDR);
  });
}

function tcpQuery(name: string, type: string): Promise<dnsPacket.DecodedPacket & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: ADDR, port: dns.port });
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as dnsPacket.DecodedPacket);
      }
    });
    sock.write(
      dnsPacket.streamEncode({
        type: 'query',
        id: 7,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ name, type: type as dnsPacket.RecordType }],
      }),
    );
  });
}

const answersOf = (p: dnsPacket.DecodedPacket) =>
  (p.answers ?? []).map((a) => `${a.name} ${a.type} ${JSON.stringify((a as { data?: unknown }).data)}`);

describe('mini-dns', () => {
  const cases: {
    name: string;
    type: string;
    rcode: string;
    answers?: number;
    check?: (p: dnsPacket.DecodedPacket) => void;
  }[] = [
    { name: 'example.com', type: 'A', rcode: 'NOERROR', answers: 1 },
    { name: 'EXAMPLE.COM.', type: 'MX', rcode: 'NOERROR', answers: 2 },
    { name: 'mixed.example.com', type: 'AAAA', rcode: 'NOERROR', answers: 1 },
    { name: 'example.com', type: 'AAAA', rcode: 'NOERROR', answers: 0 },
    { name: 'nope.example.com', type: 'A', rcode: 'NXDOMAIN', answers: 0 },
    { name: 'deep.example.com', type: 'A', rcode: 'NOERROR', answers: 0 }, // empty non-terminal
    { name: 'fail.example.com', type: 'A', rcode: 'SERVFAIL' },
    { name: 'refused.example.com', type: 'TXT', rcode: 'REFUSED' },
    { name: 'part.example.com', type: 'A', rcode: 'NOERROR', answers: 1 },
    { name: 'part.example.com', type: 'TXT', rcode: 'SERVFAIL' },
    { name: 'www.example.com', type: 'A', rcode: 'NOERROR', answers: 2 },
    { name: 'www.example.com', type: 'CNAME', rcode: 'NOERROR', answers: 1 },
    { name: 'dangling.example.com', type: 'A', rcode: 'NXDOMAIN', answers: 1 },
    { name: 'loop1.example.com', type: 'A', rcode: 'NOERROR', answers: 2 },
    { name: 'macro%percent  space%20url-space.example.com', type: 'TXT', rcode: 'NOERROR', answers: 1 },
    {
      name: 'FOO:bar/baz.example.com',
      type: 'SPF',
      rcode: 'NOERROR',
      answers: 1,
      check: (p) =>
        assert.equal(
          String((p.answers?.[0] as { data: Buffer } | undefined)?.data.subarray(1)),
          'v=spf1 -all',
        ),
    },
    {
      name: 'nope.example.com',
      type: 'A',
      rcode: 'NXDOMAIN',
      check: (p) => assert.equal(p.authorities?.[0]?.type, 'SOA'),
    },
    {
      name: 'example.com',
      type: 'TXT',
      rcode: 'NOERROR',
      check: (p) =>
        assert.deepEqual(
          answersOf(p).map((s) => s.replace(/^.* TXT /, '')),
          [
            JSON.stringify([Buffer.from('v=spf1 -all')]),
            JSON.stringify([Buffer.from('a'), Buffer.from('b')]),
          ],
        ),
    },
  ];
  for (const c of cases) {
    it(`${c.type} ${c.name} → ${c.rcode}`, async () => {
      const p = await udpQuery(c.name, c.type);
      assert.equal((p as { rcode?: string }).rcode, c.rcode);
      assert.equal(p.questions?.[0]?.name, c.name.replace(/\.$/, ''));
      if (c.answers !== undefined) assert.equal(p.answers?.length ?? 0, c.answers, answersOf(p).join('\n'));
      c.check?.(p);
    });
  }

  it('never answers TIMEOUT names and types', async () => {
    await assert.rejects(udpQuery('slow.example.com', 'A', { timeoutMs: 200 }), /timeout/);
    await assert.rejects(udpQuery('part.example.com', 'MX', { timeoutMs: 200 }), /timeout/);
  });

  it('truncates large UDP answers and answers them in full over TCP', async () => {
    const u = await udpQuery('big.example.com', 'TXT');
    assert.equal(u.flag_tc, true);
    assert.equal(u.answers?.length ?? 0, 0);
    const t = await tcpQuery('big.example.com', 'TXT');
    assert.equal(t.flag_tc, false);
    assert.equal(t.answers?.length, 20);
  });

  it('sets AD for secure nodes unless CD, and echoes EDNS', async () => {
    const a = await udpQuery('secure.example.com', 'A', { edns: true });
    assert.equal(a.flag_ad, true);
    assert.equal(a.additionals?.[0]?.type, 'OPT');
    const b = await udpQuery('secure.example.com', 'A', { edns: true, cd: true });
    assert.equal(b.flag_ad, false);
    assert.equal(b.flag_cd, true);
    const root = await udpQuery('.', 'SOA', { edns: true });
    assert.equal(root.flag_ad, true);
    assert.equal(root.answers?.length, 1);
    const c = await udpQuery('example.com', 'A');
    assert.equal(c.flag_ad, false);
  });

  it('logs every query and can switch zones', async () => {
    const before = dns.queries.length;
    await udpQuery('example.com', 'A', { edns: true, cd: true });
    const q = dns.queries.at(-1)!;
    assert.equal(dns.queries.length, before + 1);
    assert.deepEqual(
      [q.name, q.type, q.transport, q.cd, q.do, q.ednsPayload],
      ['example.com', 'A', 'udp', true, true, 1232],
    );
    dns.setZone({ 'example.com': { A: ['192.0.2.99'] } });
    const p = await udpQuery('example.com', 'A');
    assert.equal((p.answers?.[0] as { data: string } | undefined)?.data, '192.0.2.99');
    dns.setZone(zone);
  });
});

describe('mini-dns tcpOnly', () => {
  it('truncates every UDP answer', async () => {
    const s = await startMiniDns({ address: ADDR, zone: { 'x.test': { A: ['192.0.2.1'] } }, tcpOnly: true });
    try {
      const p = await new Promise<dnsPacket.DecodedPacket>((resolve) => {
        const c = createSocket('udp4');
        c.on('message', (m) => {
          c.close();
          resolve(dnsPacket.decode(m));
        });
        c.send(
          dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'x.test', type: 'A' }] }),
          s.port,
          ADDR,
        );
      });
      assert.equal(p.flag_tc, true);
    } finally {
      await s.stop();
    }
  });
});

describe('zoneFromRfc7208', () => {
  it('follows the reference harness semantics', () => {
    const z = zoneFromRfc7208({
      'both.example.net': [{ TXT: 'v=spf1 -all' }, { SPF: 'v=spf1 -all' }],
      'spfonly.example.net': [{ SPF: 'v=spf1 -all' }, { TXT: 'NONE' }],
      'gen.example.net': [{ SPF: ['v=spf1', 'mx'] }, { MX: [0, 'mail.example1.com'] }],
      'spftimeout.example.net': [{ TXT: 'v=spf1 -all' }, 'TIMEOUT'],
      'txttimeout.example.net': [{ SPF: 'v=spf1 -all' }, { TXT: 'NONE' }, 'TIMEOUT'],
      'alltimeout.example.net': ['TIMEOUT'],
      'gentimeout.example.net': [{ SPF: 'v=spf1 -all' }, 'TIMEOUT'],
    });
    assert.deepEqual(z, {
      'both.example.net': { TXT: ['v=spf1 -all'], SPF: ['v=spf1 -all'] },
      'spfonly.example.net': { SPF: ['v=spf1 -all'] },
      'gen.example.net': { SPF: [['v=spf1', 'mx']], MX: [[0, 'mail.example1.com']], TXT: [['v=spf1', 'mx']] },
      'spftimeout.example.net': { TXT: ['v=spf1 -all'], '*': 'TIMEOUT' },
      'txttimeout.example.net': { SPF: ['v=spf1 -all'], '*': 'TIMEOUT' },
      'alltimeout.example.net': { '*': 'TIMEOUT' },
      'gentimeout.example.net': { SPF: ['v=spf1 -all'], TXT: 'TIMEOUT', '*': 'TIMEOUT' },
    });
  });
});
