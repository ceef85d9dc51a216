import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import type { HttpFetcher, HttpResponse } from '../../net/https.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import type { GatherContext } from '../types.ts';
import { mxCertificate } from './check.ts';
import { mtaStsCheck } from './index.ts';
import { parseMtaStsTxt } from './parse.ts';
import { mxMatches, parseMtaStsPolicy } from './policy.ts';

const parseCases: [title: string, record: string, codes: string[], id?: string][] = [
  ['8461 §3.1 minimal record', 'v=STSv1; id=20260101T000000;', [], '20260101T000000'],
  ['8461 §3.1 no trailing separator', 'v=STSv1; id=abc123', [], 'abc123'],
  ['8461 §3.1 extension field allowed', 'v=STSv1; id=1; ext.name=value', [], '1'],
  ['8461 §3.1 id missing', 'v=STSv1;', ['id-missing']],
  ['8461 §3.1 id with a dash', 'v=STSv1; id=2026-01-01', ['id-invalid']],
  ['8461 §3.1 id longer than 32', `v=STSv1; id=${'a'.repeat(33)}`, ['id-invalid']],
  ['8461 §3.1 version is case-sensitive', 'v=stsv1; id=1', ['version-invalid']],
  ['8461 §3.1 duplicate id', 'v=STSv1; id=1; id=2', ['duplicate-tag'], '1'],
];
for (const [title, record, codes, id] of parseCases) {
  test(`parse: ${title}`, () => {
    const r = parseMtaStsTxt(record);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      codes,
    );
    assert.equal(r.ok ? r.value.id : undefined, id);
  });
}

const ctx = (zone: ZoneLiteral): GatherContext =>
  ({ resolver: staticResolver(zone), signal: new AbortController().signal }) as unknown as GatherContext;
const D = 'example.ch';
const N = `_mta-sts.${D}`;
const runCases: [title: string, zone: ZoneLiteral, status: string, ids: string[], id?: string | null][] = [
  [
    '8461 §3.1 one valid record without HTTPS: pass, policy not fetched',
    { [N]: { TXT: ['v=STSv1; id=20260101;'] } },
    'pass',
    ['mtaSts.policy-not-fetched'],
    '20260101',
  ],
  ['8461 §3.1 no record: absent', {}, 'absent', ['mtaSts.not-found'], null],
  ['8461 §3.1 unrelated TXT only: absent', { [N]: { TXT: ['hello'] } }, 'absent', ['mtaSts.not-found'], null],
  [
    '8461 §3.1 two records: fail',
    { [N]: { TXT: ['v=STSv1; id=1;', 'v=STSv1; id=2;'] } },
    'fail',
    ['mtaSts.multiple-records'],
    null,
  ],
  [
    '8461 §3.1 malformed id: fail',
    { [N]: { TXT: ['v=STSv1; id=a-b;'] } },
    'fail',
    ['mtaSts.id-invalid'],
    null,
  ],
  ['SERVFAIL: error, not absent', { [N]: 'SERVFAIL' }, 'error', ['mtaSts.undetermined'], null],
];
for (const [title, zone, status, ids, id] of runCases) {
  test(`run: ${title}`, async () => {
    const r = await mtaStsCheck.run(D, ctx(zone), {});
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
    assert.equal(r.evidence.id, id);
    assert.equal(r.evidence.policyFetched, false);
    assert.equal(r.evidence.policy, null);
  });
}

const policy = (...lines: string[]) => ['version: STSv1', ...lines].join('\r\n');
const policyCases: [title: string, body: string, codes: string[]][] = [
  ['8461 §3.2 enforce policy', policy('mode: enforce', 'mx: mx.example.ch', 'max_age: 86400'), []],
  ['8461 §3.2 LF tolerated', ['version: STSv1', 'mode: none', 'max_age: 86400'].join('\n'), ['lf-only']],
  [
    '8461 §3.2 max_age range',
    policy('mode: testing', 'mx: mx.example.ch', 'max_age: 40000000'),
    ['max-age-range'],
  ],
  [
    '8461 §3.2 max_age not an integer',
    policy('mode: testing', 'mx: mx.example.ch', 'max_age: 1d'),
    ['max-age-invalid'],
  ],
  ['8461 §3.2 mx unless mode none', policy('mode: enforce', 'max_age: 600'), ['mx-missing']],
  ['8461 §3.2 mode invalid', policy('mode: strict', 'mx: a.example', 'max_age: 600'), ['mode-invalid']],
  ['8461 §3.2 version missing', 'mode: none\r\nmax_age: 600', ['version-missing']],
  [
    '8461 §3.2 duplicate mode',
    policy('mode: enforce', 'mode: testing', 'mx: a.example', 'max_age: 600'),
    ['duplicate-key'],
  ],
  ['8461 §3.2 unknown key', policy('mode: none', 'max_age: 600', 'foo: bar'), ['unknown-key']],
  ['8461 §3.2 line without colon', policy('mode: none', 'max_age: 600', 'garbage'), ['line-syntax']],
];
for (const [title, body, codes] of policyCases) {
  test(`policy: ${title}`, () =>
    assert.deepEqual(
      parseMtaStsPolicy(body).problems.map((p) => p.code),
      codes,
    ));
}

test('8461 §4.1 wildcard covers exactly one label', () => {
  assert.equal(mxMatches('*.example.com', 'mx1.example.com'), true);
  assert.equal(mxMatches('*.example.com', 'example.com'), false);
  assert.equal(mxMatches('*.example.com', 'a.b.example.com'), false);
  assert.equal(mxMatches('MX.example.com.', 'mx.EXAMPLE.com'), true);
});

const fakeHttp = (r: Partial<HttpResponse>): HttpFetcher => ({
  requests: 0,
  async fetch(url) {
    return {
      url,
      outcome: 'ok',
      status: 200,
      headers: {},
      mediaType: 'text/plain',
      charset: null,
      location: null,
      body: null,
      address: '192.0.2.1',
      error: null,
      ...r,
    };
  },
});
const httpCtx = (r: Partial<HttpResponse>): GatherContext =>
  ({
    resolver: staticResolver({ [N]: { TXT: ['v=STSv1; id=1;'] } }),
    signal: new AbortController().signal,
    options: { noHttp: false },
    http: fakeHttp(r),
  }) as unknown as GatherContext;
const mxPrior = {
  mx: {
    check: 'mx',
    status: 'pass',
    findings: [],
    evidence: { records: [{ exchange: 'mx.example.ch', kind: 'host' }] },
  },
} as never;
const fetchCases: [title: string, r: Partial<HttpResponse>, status: string, ids: string[]][] = [
  [
    '8461 §3.3 enforce, MX covered, not probed',
    { body: Buffer.from(policy('mode: enforce', 'mx: *.example.ch', 'max_age: 604800')) },
    'pass',
    ['mtaSts.enforce-unknown'],
  ],
  ['8461 §3.3 404: fail', { status: 404 }, 'fail', ['mtaSts.policy-status']],
  [
    '8461 §3.3 redirect: fail',
    { status: 301, location: 'https://elsewhere/' },
    'fail',
    ['mtaSts.policy-redirect'],
  ],
  [
    '8461 §3.3 certificate: fail',
    { outcome: 'certificate', status: null, error: 'x' },
    'fail',
    ['mtaSts.policy-certificate'],
  ],
  ['timeout: error', { outcome: 'timeout', status: null }, 'error', ['mtaSts.undetermined']],
  ['503 (the web server failed): error, never fail', { status: 503 }, 'error', ['mtaSts.undetermined']],
  ['429 (busy): error', { status: 429 }, 'error', ['mtaSts.undetermined']],
  [
    'no route from here (ENETUNREACH): error, never fail',
    { outcome: 'unreachable', status: null, error: 'connect ENETUNREACH 2001:db8::1:443' },
    'error',
    ['mtaSts.undetermined'],
  ],
  [
    '8461 §4.1 MX outside an enforce policy: fail',
    { body: Buffer.from(policy('mode: enforce', 'mx: other.example.net', 'max_age: 604800')) },
    'fail',
    ['mtaSts.mx-not-covered', 'mtaSts.pattern-unused'],
  ],
];
for (const [title, r, status, ids] of fetchCases) {
  test(`fetch: ${title}`, async () => {
    const res = await mtaStsCheck.run(D, httpCtx(r), mxPrior);
    assertStatusAllowed(res);
    assert.deepEqual(
      res.findings.map((f) => f.id),
      ids,
    );
    assert.equal(res.status, status);
  });
}

test('8461 §4.2 certificateOk judges the MX host name, not a DANE SNI (TLSA base) name', () => {
  const host = (sni: string, sans: string[], nameMatch: boolean) =>
    ({
      exchange: 'mx.example.ch',
      address: '192.0.2.25',
      sni,
      outcome: 'ok',
      tls: { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' },
      certificate: { sans, trusted: true, nameMatch, trustError: null, nameError: null },
    }) as never;
  // SNI was the CNAME-expanded TLSA base; the certificate names only that base, not the MX host
  assert.equal(
    mxCertificate('mx.example.ch', [host('mx.hoster.example', ['DNS:mx.hoster.example'], true)]).ok,
    false,
  );
  // SNI was the TLSA base; the certificate names the MX host (what MTA-STS checks)
  assert.equal(
    mxCertificate('mx.example.ch', [host('mx.hoster.example', ['DNS:*.example.ch'], false)]).ok,
    true,
  );
  // SNI was the MX host: the smtp check's name match stands
  assert.equal(mxCertificate('mx.example.ch', [host('mx.example.ch', ['DNS:mx.example.ch'], true)]).ok, true);
});
