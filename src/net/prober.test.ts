import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestCa, type TestCa } from '../../testworld/ca.ts';
import { type RunningSmtpServer, type SmtpServerSpec, startSmtpServer } from '../../testworld/smtp/server.ts';
import { createAddressPolicy } from './address-policy.ts';
import { createProber } from './prober.ts';
import { probeSmtp } from './smtp.ts';

// Servers on 127.0.0.1 with system-chosen ports: no testworld slot needed.
const dir = mkdtempSync(join(tmpdir(), 'mailsec-prober-'));
let ca: TestCa;
const servers: Record<string, RunningSmtpServer> = {};
const loopback = createAddressPolicy(['127.0.0.0/8']);

before(async () => {
  ca = await createTestCa(dir);
  const good = await ca.issue('mx.good.test');
  const specs: Record<string, Omit<SmtpServerSpec, 'address' | 'port'>> = {
    good: { hostname: 'mx.good.test', starttls: 'yes', keyPem: good.keyPem, chainPem: good.chainPem },
    none: { hostname: 'mx.none.test', starttls: 'no' },
    refuse: { hostname: 'mx.refuse.test', starttls: 'refuse' },
    broken: { hostname: 'mx.broken.test', starttls: 'broken' },
    multi: {
      hostname: 'mx.multi.test',
      starttls: 'no',
      banner: ['mx.multi.test ESMTP', 'second line of the greeting', 'third line'],
    },
    slow: { hostname: 'mx.slow.test', starttls: 'no', bannerDelayMs: 400 },
  };
  for (const [k, s] of Object.entries(specs)) {
    servers[k] = await startSmtpServer({ ...s, address: '127.0.0.1', port: 0 });
  }
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const probe = (k: string, extra: { timeoutMs?: number; ca?: string[]; sni?: string } = {}) =>
  probeSmtp({
    address: '127.0.0.1',
    port: servers[k]!.port,
    sni: extra.sni ?? servers[k]!.spec.hostname,
    ehlo: 'probe.mailsec.invalid',
    timeoutMs: extra.timeoutMs ?? 2000,
    ...(extra.ca ? { ca: extra.ca } : {}),
  });

test('STARTTLS ok: version, cipher, chain, PKIX trust and name match as separate results', async () => {
  const r = await probe('good', { ca: [ca.rootPem] });
  assert.equal(r.outcome, 'ok', r.error ?? '');
  assert.equal(r.banner, 'mx.good.test ESMTP mailsec-testworld');
  assert.ok(r.ehlo.includes('STARTTLS'));
  assert.equal(r.tls?.version, 'TLSv1.3');
  assert.ok(r.tls?.cipher);
  // leaf + intermediate as sent, then the root Node completed from the store
  assert.deepEqual(
    r.tls?.chain.map((c) => c.presented),
    [true, true, false],
  );
  assert.deepEqual(r.tls?.chain[0]?.sans, ['DNS:mx.good.test']);
  assert.equal(r.tls?.chain[0]?.keyType, 'ec');
  assert.equal(r.tls?.chain[0]?.keyBits, 256);
  assert.match(r.tls?.chain[0]?.spkiSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(r.tls?.trusted, true);
  assert.equal(r.tls?.nameMatch, true);
  assert.ok(!servers.good!.commands.some((c) => /^MAIL/i.test(c)), 'never MAIL FROM');
  assert.equal(servers.good!.commands.at(-1), 'QUIT');
});

test('untrusted without the CA; name mismatch for another SNI', async () => {
  const r = await probe('good', { sni: 'other.test' });
  assert.equal(r.outcome, 'ok');
  assert.equal(r.tls?.trusted, false);
  assert.equal(r.tls?.nameMatch, false);
});

test('RFC 3207: no STARTTLS advertised → no-starttls', async () => {
  assert.equal((await probe('none')).outcome, 'no-starttls');
});
test('RFC 3207 §4: STARTTLS answered 454 → starttls-refused', async () => {
  const r = await probe('refuse');
  assert.equal(r.outcome, 'starttls-refused');
  assert.match(r.starttlsReply ?? '', /^454 /);
});
test('garbage instead of a handshake → handshake-failed', async () => {
  assert.equal((await probe('broken')).outcome, 'handshake-failed');
});
test('RFC 5321 §4.2 multi-line greeting kept whole', async () => {
  const r = await probe('multi');
  assert.equal(r.banner, 'mx.multi.test ESMTP\nsecond line of the greeting\nthird line');
});
test('greeting gets twice the command timeout', async () => {
  assert.equal((await probe('slow', { timeoutMs: 250 })).outcome, 'no-starttls');
  assert.equal((await probe('slow', { timeoutMs: 150 })).outcome, 'timeout');
});
test('closed port → refused', async () => {
  const port = servers.none!.port;
  const r = await probeSmtp({
    address: '127.0.0.1',
    port: port === 1 ? 2 : 1,
    sni: 'x',
    ehlo: 'x',
    timeoutMs: 500,
  });
  assert.equal(r.outcome, 'refused');
});

test('prober: one connection per (address, SNI); refused-address without a connection', async () => {
  const before = servers.multi!.connections;
  const p = createProber({
    addressPolicy: loopback,
    timeoutMs: 2000,
    ehlo: 'x.invalid',
    port: servers.multi!.port,
  });
  const rs = await Promise.all([1, 2, 3].map(() => p.probeSmtp('127.0.0.1', 'mx.multi.test')));
  assert.equal(servers.multi!.connections - before, 1);
  assert.equal(p.connections, 1);
  assert.ok(rs.every((r) => r === rs[0]));
  const strict = createProber({
    addressPolicy: createAddressPolicy([]),
    timeoutMs: 2000,
    ehlo: 'x',
    port: servers.multi!.port,
  });
  const r = await strict.probeSmtp('127.0.0.1', 'mx.multi.test');
  assert.equal(r.outcome, 'refused-address');
  assert.equal(servers.multi!.connections - before, 1);
  assert.equal(strict.connections, 0);
});

test('prober: caFile adds to the trust store', async () => {
  const p = createProber({
    addressPolicy: loopback,
    timeoutMs: 2000,
    ehlo: 'x.invalid',
    port: servers.good!.port,
    caFile: ca.rootFile,
  });
  const r = await p.probeSmtp('127.0.0.1', 'mx.good.test');
  assert.equal(r.tls?.trusted, true);
});

test('prober: at most perAddress connections in flight per address', async () => {
  const server = await startSmtpServer({
    hostname: 'mx.busy.test',
    address: '127.0.0.1',
    port: 0,
    starttls: 'no',
    bannerDelayMs: 100,
  });
  try {
    const p = createProber({
      addressPolicy: loopback,
      timeoutMs: 2000,
      ehlo: 'x.invalid',
      port: server.port,
      perAddress: 2,
    });
    const rs = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => p.probeSmtp('127.0.0.1', `mx.${n}.test`)),
    );
    assert.ok(rs.every((r) => r.outcome === 'no-starttls'));
    assert.equal(server.connections, 6);
    assert.equal(server.peak, 2);
  } finally {
    await server.close();
  }
});

test('an old server: TLS 1.0 is negotiated and reported, not a handshake failure', async () => {
  const leaf = await ca.issue('mx.old.test');
  const server = await startSmtpServer({
    hostname: 'mx.old.test',
    address: '127.0.0.1',
    port: 0,
    starttls: 'yes',
    keyPem: leaf.keyPem,
    chainPem: leaf.chainPem,
    maxTlsVersion: 'TLSv1',
  });
  try {
    const r = await probeSmtp({
      address: '127.0.0.1',
      port: server.port,
      sni: 'mx.old.test',
      ehlo: 'x',
      timeoutMs: 2000,
      ca: [ca.rootPem],
    });
    assert.equal(r.outcome, 'ok', r.error ?? '');
    assert.equal(r.tls?.version, 'TLSv1');
  } finally {
    await server.close();
  }
});

test('prober: the result cache keeps the most recently used entries', async () => {
  const before = servers.none!.connections;
  const p = createProber({
    addressPolicy: loopback,
    timeoutMs: 2000,
    ehlo: 'x',
    port: servers.none!.port,
    cacheSize: 2,
  });
  for (const n of ['a', 'b', 'a', 'c', 'a']) await p.probeSmtp('127.0.0.1', `mx.${n}.test`);
  // a, b, (a hit), c evicts b, (a hit)
  assert.equal(servers.none!.connections - before, 3);
  await p.probeSmtp('127.0.0.1', 'mx.b.test');
  assert.equal(servers.none!.connections - before, 4);
});

test('tolerant reader: bare LF, greeting split across packets, 421 greeting → refused', async () => {
  const { createServer } = await import('node:net');
  const raw = createServer((s) => {
    s.write('220-mx.raw.test first\n220-');
    setTimeout(() => s.write('second\r\n220 third\n'), 30);
    s.on('error', () => {});
    s.on('data', (d) => {
      if (s.writableEnded) return;
      const line = d.toString();
      if (line.startsWith('EHLO')) s.write('250-mx.raw.test\n250-starttls\n250 8BITMIME\n');
      else if (line.startsWith('STARTTLS')) s.end('454 4.7.0 not now\n');
      else s.end('221 bye\n');
    });
  });
  const refusing = createServer((s) => s.end('421 4.3.2 try later\r\n'));
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
  try {
    const port = (raw.address() as { port: number }).port;
    const r = await probeSmtp({ address: '127.0.0.1', port, sni: 'mx.raw.test', ehlo: 'x', timeoutMs: 1000 });
    assert.equal(r.banner, 'mx.raw.test first\nsecond\nthird');
    assert.deepEqual(r.ehlo, ['STARTTLS', '8BITMIME']);
    assert.equal(r.outcome, 'starttls-refused');
    const port2 = (refusing.address() as { port: number }).port;
    const r2 = await probeSmtp({ address: '127.0.0.1', port: port2, sni: 'x', ehlo: 'x', timeoutMs: 1000 });
    assert.equal(r2.outcome, 'refused');
    assert.equal(r2.banner, '4.3.2 try later');
  } finally {
    raw.close();
    refusing.close();
  }
});

test('RFC 5321 §4.2: EHLO answered 421/550 → refused (unknown), 502 (no ESMTP) → no-starttls', async () => {
  const { createServer } = await import('node:net');
  const server = (reply: string) =>
    createServer((s) => {
      s.on('error', () => {});
      s.write('220 mx.ehlo.test ESMTP\r\n');
      s.on('data', (d) => {
        if (s.writableEnded) return;
        if (d.toString().startsWith('EHLO')) s.write(`${reply}\r\n`);
        else s.end('221 bye\r\n');
      });
    });
  for (const [reply, outcome] of [
    ['421 4.7.0 too busy, try later', 'refused'],
    ['550 5.7.1 your EHLO name is not acceptable', 'refused'],
    ['502 5.5.1 command not implemented', 'no-starttls'],
    ['500 5.5.2 syntax error, command unrecognized', 'no-starttls'],
  ] as const) {
    const srv = server(reply);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as { port: number }).port;
      const r = await probeSmtp({
        address: '127.0.0.1',
        port,
        sni: 'mx.ehlo.test',
        ehlo: 'x',
        timeoutMs: 1000,
      });
      assert.equal(r.outcome, outcome, reply);
      assert.ok(r.error?.includes(reply.slice(0, 3)), r.error ?? '');
    } finally {
      srv.close();
    }
  }
});
