import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpResponse } from '../../net/https.ts';
import { checkMcp, type McpGathered } from './check.ts';

const URL_ = 'https://example.ch/.well-known/mcp.json';
const res = (r: Partial<HttpResponse>): HttpResponse => ({
  url: URL_,
  outcome: 'ok',
  status: 200,
  headers: {},
  mediaType: 'application/json',
  charset: null,
  location: null,
  body: null,
  address: '192.0.2.1',
  error: null,
  ...r,
});
const g = (r: Partial<HttpResponse> | null): McpGathered => ({
  domain: 'example.ch',
  url: URL_,
  response: r ? res(r) : null,
});
const body = (s: string, r: Partial<HttpResponse> = {}) => g({ body: Buffer.from(s), ...r });

test('mcp check: status per case', () => {
  const cases: [string, McpGathered, string, string[], boolean][] = [
    ['not fetched (--no-http): skipped', g(null), 'skipped', [], false],
    ['404: absent', g({ status: 404, body: Buffer.from('') }), 'absent', ['mcp.not-found'], false],
    ['no address: absent', g({ outcome: 'unresolvable', status: null }), 'absent', ['mcp.not-found'], false],
    ['no web server: absent', g({ outcome: 'refused', status: null }), 'absent', ['mcp.not-found'], false],
    [
      'HTML catch-all: absent',
      body('<html><body>hi', { mediaType: 'text/html' }),
      'absent',
      ['mcp.not-found'],
      false,
    ],
    ['timeout: error', g({ outcome: 'timeout', status: null }), 'error', ['mcp.undetermined'], false],
    ['500: error', g({ status: 500 }), 'error', ['mcp.undetermined'], false],
    ['DNS failure: error', g({ outcome: 'dns-error', status: null }), 'error', ['mcp.undetermined'], false],
    [
      'address policy: skipped',
      g({ outcome: 'refused-address', status: null }),
      'skipped',
      ['mcp.not-fetched'],
      false,
    ],
    [
      'JSON object: pass',
      body('{"name":"Example MCP","endpoint":"https://example.ch/mcp"}'),
      'pass',
      [],
      true,
    ],
    [
      'JSON object as text/plain: warn',
      body('{"name":"x"}', { mediaType: 'text/plain' }),
      'warn',
      ['mcp.media-type'],
      true,
    ],
    ['not JSON: fail', body('{name: oops'), 'fail', ['mcp.invalid-json'], false],
    ['JSON array: fail', body('[1,2]'), 'fail', ['mcp.not-object'], false],
    ['JSON string: fail', body('"hello"'), 'fail', ['mcp.not-object'], false],
    [
      'over the 64 KiB cap: fail',
      g({ outcome: 'too-large', mediaType: 'application/json' }),
      'fail',
      ['mcp.too-large'],
      false,
    ],
  ];
  for (const [title, gathered, status, ids, valid] of cases) {
    const r = checkMcp(gathered);
    assert.equal(r.status, status, title);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
      title,
    );
    assert.equal(r.evidence.valid, valid, title);
  }
  assert.equal(checkMcp(body('{"name":"Example MCP"}')).evidence.name, 'Example MCP');
  assert.equal(checkMcp(body('{"name":"Example MCP"}')).evidence.url, URL_);
  assert.equal(checkMcp(g({ status: 404 })).evidence.url, null);
  // the description as served, compact (Get-Mailprotection's MCP column); none when it is not valid
  assert.equal(
    checkMcp(body('{ "name": "Example MCP",\n  "endpoint": "https://example.ch/mcp" }')).evidence.description,
    '{"name":"Example MCP","endpoint":"https://example.ch/mcp"}',
  );
  assert.equal(checkMcp(body('{name: oops')).evidence.description, null);
  assert.equal(checkMcp(g({ status: 404 })).evidence.description, null);
});
