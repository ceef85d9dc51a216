import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type MiniDns, startMiniDns } from '../../testworld/mini-dns.ts';
import { createResolver } from './index.ts';

const HOST = `127.77.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

let dir: string;
let cert: string;
let dns: MiniDns;
let server: Server;
let url: string;
let requests = 0;
/** how the DoH server misbehaves for the next requests */
let mode: 'ok' | 'http500' | 'garbage' | 'silent' = 'ok';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-doh-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      `/CN=${HOST}`,
      '-addext',
      `subjectAltName=IP:${HOST}`,
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  dns = await startMiniDns({
    address: HOST,
    zone: {
      'example.com': {
        A: ['192.0.2.1'],
        TXT: Array.from({ length: 30 }, (_, i) => `${i} ${'z'.repeat(100)}`),
      },
      'fail.example.com': 'SERVFAIL',
      'www.example.com': { CNAME: 'example.com' },
    },
  });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/dns-query' ||
        req.headers['content-type'] !== 'application/dns-message'
      ) {
        res.writeHead(400).end();
        return;
      }
      if (mode === 'silent') return; // never answers
      if (mode === 'http500') {
        res.writeHead(500).end();
        return;
      }
      // forward to mini-dns (no UDP size limit over DoH)
      const answer = mode === 'garbage' ? Buffer.from('not dns') : dns.answer(Buffer.concat(chunks), 'tcp');
      if (!answer) {
        res.writeHead(502).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answer);
    });
  });
  await new Promise<void>((res) => server.listen(0, HOST, () => res()));
  const addr = server.address();
  url = `https://${HOST}:${typeof addr === 'object' && addr ? addr.port : 0}/dns-query`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((res) => server.close(() => res()));
  await dns.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('DNS over HTTPS', () => {
  it('answers through a DoH server trusted for this test only', async () => {
    mode = 'ok';
    const r = createResolver(url, { ca: cert, timeoutMs: 2000 });
    try {
      const cases = [
        { name: 'example.com', type: 'A', rcode: 'NOERROR', records: 1 },
        { name: 'example.com', type: 'TXT', rcode: 'NOERROR', records: 30 }, // > 512 octets, no truncation
        { name: 'www.example.com', type: 'A', rcode: 'NOERROR', records: 1 },
        { name: 'example.com', type: 'MX', rcode: 'NOERROR', records: 0 },
        { name: 'nope.example.com', type: 'A', rcode: 'NXDOMAIN', records: 0 },
        { name: 'fail.example.com', type: 'A', rcode: 'SERVFAIL', records: 0 },
      ] as const;
      for (const c of cases) {
        const a = await r.query(c.name, c.type);
        assert.deepEqual([a.rcode, a.records.length], [c.rcode, c.records], `${c.type} ${c.name}`);
      }
      const www = await r.query('www.example.com', 'A');
      assert.deepEqual(www.cnames, ['example.com']);
    } finally {
      await r.close();
    }
  });

  it('shares concurrent identical queries (one request)', async () => {
    mode = 'ok';
    const r = createResolver(url, { ca: cert, cache: false });
    try {
      const before = requests;
      const all = await Promise.all(Array.from({ length: 50 }, () => r.query('example.com', 'A')));
      assert.equal(
        all.every((a) => a.records[0] === '192.0.2.1'),
        true,
      );
      assert.equal(requests - before, 1);
    } finally {
      await r.close();
    }
  });

  const failures = [
    { what: 'an untrusted certificate', mode: 'ok', ca: false, rcode: 'NETERROR', detail: /certificate/i },
    { what: 'HTTP 500', mode: 'http500', ca: true, rcode: 'NETERROR', detail: /HTTP 500/ },
    { what: 'a body that is not DNS', mode: 'garbage', ca: true, rcode: 'NETERROR', detail: /malformed/ },
    { what: 'no answer', mode: 'silent', ca: true, rcode: 'TIMEOUT', detail: /no answer/ },
  ] as const;
  for (const f of failures) {
    it(`${f.what} → ${f.rcode}`, async () => {
      mode = f.mode;
      const r = createResolver(url, { ...(f.ca ? { ca: cert } : {}), timeoutMs: 300, attempts: 2 });
      try {
        const a = await r.query('example.com', 'A');
        assert.equal(a.rcode, f.rcode);
        assert.match(a.detail ?? '', f.detail);
      } finally {
        await r.close();
        mode = 'ok';
      }
    });
  }
});
