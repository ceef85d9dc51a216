import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didFixture } from '../../../testworld/https/did.ts';
import type { HttpResponse } from '../../net/https.ts';
import { checkDid } from './check.ts';
import type { DidGathered } from './gather.ts';
import { didWebUrl, findKey, inspectLinkageJwt } from './parse.ts';

const NOW = new Date('2026-11-01T00:00:00Z');
const D = 'example.ch';
const URL_ = `https://${D}/.well-known/did-configuration.json`;

const res = (url: string, r: Partial<HttpResponse>): HttpResponse => ({
  url,
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
const json = (body: string, r: Partial<HttpResponse> = {}) => ({ body: Buffer.from(body), ...r });

function g(
  config: Partial<HttpResponse> | null,
  docs: Record<string, Partial<HttpResponse>> = {},
): DidGathered {
  return {
    domain: D,
    url: URL_,
    response: config ? res(URL_, config) : null,
    documents: Object.fromEntries(
      Object.entries(docs).map(([did, r]) => {
        const u = didWebUrl(did)?.url ?? 'https://x.invalid/did.json';
        return [did, { url: u, response: res(u, r) }];
      }),
    ),
  };
}

test('did:web → DID document URL (did:web method §3.2)', () => {
  const cases: [string, string | null][] = [
    ['did:web:example.ch', 'https://example.ch/.well-known/did.json'],
    ['did:web:example.ch:user:alice', 'https://example.ch/user/alice/did.json'],
    ['did:web:example.ch%3A8443', 'https://example.ch:8443/.well-known/did.json'],
    ['did:web:example.ch:..:etc', null],
    ['did:web:exa%2Fmple.ch', null],
    ['did:key:z6Mk', null],
    ['did:web:', null],
    ['did:web:example.ch#frag', null],
  ];
  for (const [did, url] of cases) assert.equal(didWebUrl(did)?.url ?? null, url, did);
});

test('linkage JWT claims: iss = sub = credentialSubject.id, origin, type, validity', async () => {
  const good = await didFixture(D, NOW);
  assert.deepEqual(inspectLinkageJwt(good.jwt, `https://${D}`, NOW).problems, []);
  const other = await didFixture(D, NOW, { origin: 'https://elsewhere.ch' });
  assert.match(
    inspectLinkageJwt(other.jwt, `https://${D}`, NOW).problems.join(),
    /origin https:\/\/elsewhere\.ch/,
  );
  const expired = await didFixture(D, NOW, { nbf: -800 * 86_400, exp: -86_400 });
  assert.match(inspectLinkageJwt(expired.jwt, `https://${D}`, NOW).problems.join(), /expired/);
  const future = await didFixture(D, NOW, { nbf: 86_400 });
  assert.match(inspectLinkageJwt(future.jwt, `https://${D}`, NOW).problems.join(), /not valid before/);
  assert.match(inspectLinkageJwt('not.a.jwt', `https://${D}`, NOW).problems.join(), /not a JWT/);
  // alg none
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const none = `${b64({ alg: 'none', kid: 'did:web:example.ch#k' })}.${b64({ iss: 'did:web:example.ch' })}.`;
  assert.match(inspectLinkageJwt(none, `https://${D}`, NOW).problems.join(), /no signature algorithm/);
});

test('findKey: the kid in the DID document, absolute or relative; never a private key', () => {
  const did = 'did:web:example.ch';
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: 'abc' };
  const doc = { id: did, verificationMethod: [{ id: '#key-1', publicKeyJwk: jwk }] };
  assert.deepEqual(findKey(doc, did, `${did}#key-1`), { jwk });
  assert.deepEqual(findKey(doc, did, '#key-1'), { jwk });
  assert.ok('problem' in findKey(doc, did, '#key-2'));
  assert.ok('problem' in findKey({ ...doc, id: 'did:web:other.ch' }, did, '#key-1'));
  const priv = { id: did, verificationMethod: [{ id: '#key-1', publicKeyJwk: { ...jwk, d: 'secret' } }] };
  assert.match((findKey(priv, did, '#key-1') as { problem: string }).problem, /private key/);
});

test('did check: status per case (DIF Well-Known DID Configuration)', async () => {
  const good = await didFixture(D, NOW);
  const forged = await didFixture(D, NOW, { wrongKey: true });
  const keyDid = await didFixture(D, NOW, {
    did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  });
  const cases: [string, DidGathered, string, string[], boolean?][] = [
    ['no --http: skipped', g(null), 'skipped', []],
    [
      '404: absent',
      g({ status: 404, mediaType: 'text/plain', body: Buffer.from('nope') }),
      'absent',
      ['did.not-found'],
    ],
    [
      'no web server: absent',
      g({ outcome: 'refused', status: null, error: 'ECONNREFUSED' }),
      'absent',
      ['did.not-found'],
    ],
    [
      'redirect, not followed: absent',
      g({ status: 301, location: 'https://www.example.ch/x' }),
      'absent',
      ['did.not-found'],
    ],
    [
      'HTML catch-all: absent',
      g({ mediaType: 'text/html', body: Buffer.from('<!doctype html><p>hi') }),
      'absent',
      ['did.not-found'],
    ],
    ['timeout: error', g({ outcome: 'timeout', status: null }), 'error', ['did.undetermined']],
    ['5xx: error', g({ status: 503 }), 'error', ['did.undetermined']],
    [
      'certificate: error',
      g({ outcome: 'certificate', status: null, error: 'self-signed' }),
      'error',
      ['did.invalid-cert', 'did.undetermined'],
    ],
    [
      'address policy: skipped',
      g({ outcome: 'refused-address', status: null }),
      'skipped',
      ['did.not-fetched'],
    ],
    ['verified: pass', g(json(good.configuration), { [good.did]: json(good.document) }), 'pass', [], true],
    [
      'signed with another key: fail',
      g(json(forged.configuration), { [forged.did]: json(forged.document) }),
      'fail',
      ['did.signature-invalid', 'did.unverified'],
    ],
    [
      'DID document 404: fail',
      g(json(good.configuration), { [good.did]: { status: 404, body: Buffer.from('') } }),
      'fail',
      ['did.document-missing', 'did.unverified'],
    ],
    [
      'DID document timeout: error (could not test)',
      g(json(good.configuration), { [good.did]: { outcome: 'timeout', status: null } }),
      'error',
      ['did.linkage-undetermined', 'did.undetermined'],
    ],
    [
      'did:key only: fail (unverifiable)',
      g(json(keyDid.configuration)),
      'fail',
      ['did.did-unsupported', 'did.unverified'],
    ],
    ['not JSON: fail', g(json('{"linked_dids": [')), 'fail', ['did.invalid-json']],
    ['JSON array: fail', g(json('[]')), 'fail', ['did.not-object']],
    [
      'no linked_dids: fail',
      g(
        json(
          JSON.stringify({
            '@context': 'https://identity.foundation/.well-known/did-configuration/v1',
            linked_dids: [],
          }),
        ),
      ),
      'fail',
      ['did.no-linked-dids'],
    ],
    [
      'JSON-LD credential only: fail (not verified)',
      g(
        json(
          JSON.stringify({
            '@context': 'https://identity.foundation/.well-known/did-configuration/v1',
            linked_dids: [{ credentialSubject: { id: 'did:web:example.ch' } }],
          }),
        ),
      ),
      'fail',
      ['did.json-ld-unverified', 'did.unverified'],
    ],
    [
      'verified plus a did:key: warn',
      g(
        json(
          JSON.stringify({
            '@context': 'https://identity.foundation/.well-known/did-configuration/v1',
            linked_dids: [good.jwt, keyDid.jwt],
          }),
        ),
        { [good.did]: json(good.document) },
      ),
      'warn',
      ['did.did-unsupported'],
    ],
    [
      'served as text/plain: warn',
      g(json(good.configuration, { mediaType: 'text/plain' }), { [good.did]: json(good.document) }),
      'warn',
      ['did.media-type'],
      true,
    ],
    [
      'over the cap: fail',
      g({ outcome: 'too-large', mediaType: 'application/json' }),
      'fail',
      ['did.too-large'],
    ],
  ];
  for (const [title, gathered, status, ids, verified] of cases) {
    const r = await checkDid(gathered, NOW);
    assert.equal(r.status, status, `${title}: ${JSON.stringify(r.findings.map((f) => f.message))}`);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
      title,
    );
    assert.equal(r.evidence.verified, verified ?? false, title);
  }
});

test('did check: dids[] lists the linked DIDs; a hostile JWT is a problem, never a crash', async () => {
  const good = await didFixture(D, NOW);
  const r = await checkDid(g(json(good.configuration), { [good.did]: json(good.document) }), NOW);
  assert.deepEqual(r.evidence.dids, ['did:web:example.ch']);
  assert.equal(r.evidence.url, URL_);
  for (const bad of [
    '',
    'a.b.c',
    '...',
    'x'.repeat(10_000),
    `${good.jwt.split('.')[0]}.e30.`,
    '\u0000.\u0000.\u0000',
  ]) {
    const c = JSON.stringify({
      '@context': 'https://identity.foundation/.well-known/did-configuration/v1',
      linked_dids: [bad],
    });
    const x = await checkDid(g(json(c)), NOW);
    assert.equal(x.status, 'fail', bad.slice(0, 20));
    assert.ok(x.findings.some((f) => f.id === 'did.linkage-invalid'));
  }
});
