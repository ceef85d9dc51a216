import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestCa } from '../../testworld/ca.ts';
import { staticResolver } from '../dns/static.ts';
import { createAddressPolicy } from './address-policy.ts';
import { classify, createHttpFetcher, type HttpFetcher } from './https.ts';

let dir: string;
let server: Server;
let port: number;
let caFile: string;
const hits: Record<string, number> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailsec-https-'));
  const ca = await createTestCa(dir);
  caFile = ca.rootFile;
  const leaf = await ca.issue('web.example.test', { sans: ['web.example.test'] });
  server = createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (req, res) => {
    hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
    if (req.url === '/ok') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end('hello');
    } else if (req.url === '/redirect') {
      res.writeHead(301, { location: 'https://web.example.test/ok' });
      res.end();
    } else if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => res.end('late'), 3000).unref();
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(Buffer.alloc(40_000, 'a'));
      res.end(Buffer.alloc(40_000, 'a'));
    } else {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const zone = {
  'web.example.test': { A: ['127.0.0.1'] },
  'other.example.test': { A: ['127.0.0.1'] },
  'fail.example.test': 'SERVFAIL' as const,
};
const fetcher = (allow = ['127.0.0.0/8'], withCa = true, timeoutMs = 5000): HttpFetcher =>
  createHttpFetcher({
    resolver: staticResolver(zone),
    addressPolicy: createAddressPolicy(allow),
    timeoutMs,
    port,
    ...(withCa ? { caFile } : {}),
  });

test('200 with media type and charset', async () => {
  const r = await fetcher().fetch('https://web.example.test/ok');
  assert.equal(r.outcome, 'ok');
  assert.equal(r.status, 200);
  assert.equal(r.mediaType, 'text/plain');
  assert.equal(r.charset, 'utf-8');
  assert.equal(r.body?.toString(), 'hello');
});

test('3xx is not followed; Location reported', async () => {
  const before = hits['/ok'] ?? 0;
  const r = await fetcher().fetch('https://web.example.test/redirect');
  assert.equal(r.status, 301);
  assert.equal(r.location, 'https://web.example.test/ok');
  assert.equal(hits['/ok'] ?? 0, before);
});

test('body over the cap: too-large', async () => {
  const r = await fetcher().fetch('https://web.example.test/big', { maxBytes: 32 * 1024 });
  assert.equal(r.outcome, 'too-large');
  assert.equal(r.body, null);
});

test('certificate for another name: certificate', async () => {
  const r = await fetcher().fetch('https://other.example.test/ok');
  assert.equal(r.outcome, 'certificate');
});

test('untrusted root: certificate', async () => {
  const r = await fetcher(['127.0.0.0/8'], false).fetch('https://web.example.test/ok');
  assert.equal(r.outcome, 'certificate');
});

test('loopback outside --allow-private: refused-address, nothing sent', async () => {
  const n = Object.values(hits).reduce((a, b) => a + b, 0);
  const f = fetcher([]);
  const r = await f.fetch('https://web.example.test/ok');
  assert.equal(r.outcome, 'refused-address');
  assert.equal(f.requests, 0);
  assert.equal(
    Object.values(hits).reduce((a, b) => a + b, 0),
    n,
  );
});

test('SERVFAIL: dns-error; NXDOMAIN: unresolvable; http: bad-url', async () => {
  assert.equal((await fetcher().fetch('https://fail.example.test/')).outcome, 'dns-error');
  assert.equal((await fetcher().fetch('https://none.example.test/')).outcome, 'unresolvable');
  assert.equal((await fetcher().fetch('http://web.example.test/')).outcome, 'bad-url');
});

test('--http-timeout bounds the whole fetch (a body that never ends): timeout', async () => {
  const t0 = performance.now();
  const r = await fetcher(['127.0.0.0/8'], true, 300).fetch('https://web.example.test/slow');
  assert.equal(r.outcome, 'timeout');
  assert.ok(performance.now() - t0 < 2500);
});

test('a URL naming a port other than 443 is never fetched (interface.md: HTTPS uses port 443)', async () => {
  const f = fetcher();
  for (const url of [
    'https://web.example.test:8443/ok',
    'https://127.0.0.1:25/ok',
    'https://[::1]:8443/ok',
  ]) {
    const r = await f.fetch(url);
    assert.equal(r.outcome, 'refused-address', url);
    assert.match(r.error ?? '', /port 443 only/);
  }
  assert.equal(f.requests, 0);
  // :443 written out is the default port
  assert.equal((await f.fetch('https://web.example.test:443/ok')).outcome, 'ok');
});

test('no route to the address (ENETUNREACH, EHOSTUNREACH) is unreachable, not a generic error', () => {
  assert.equal(
    classify(Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' })).outcome,
    'unreachable',
  );
  assert.equal(
    classify(Object.assign(new Error('fetch failed'), { cause: { code: 'EHOSTUNREACH' } })).outcome,
    'unreachable',
  );
  assert.equal(classify(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).outcome, 'refused');
  // a reset says nothing about whether a server is there: not "refused"
  assert.equal(classify(Object.assign(new Error('x'), { code: 'ECONNRESET' })).outcome, 'reset');
  assert.equal(
    classify(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })).outcome,
    'reset',
  );
});

test('every OpenSSL certificate verification failure is outcome certificate, not a generic error', () => {
  for (const code of ['INVALID_CA', 'CERT_SIGNATURE_FAILURE', 'INVALID_PURPOSE', 'PATH_LENGTH_EXCEEDED'])
    assert.equal(classify(Object.assign(new Error(code), { code })).outcome, 'certificate', code);
});
