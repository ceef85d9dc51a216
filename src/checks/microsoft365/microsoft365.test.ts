import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpResponse } from '../../net/https.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import { checkMicrosoft365 } from './check.ts';
import type { Microsoft365Gathered } from './gather.ts';

const GUID = '3f1c6a52-8d7e-4b1a-9c2f-5e6d7a8b9c01';
const res = (status: number, body: object): HttpResponse => ({
  url: 'https://login.microsoftonline.com/x',
  outcome: 'ok',
  status,
  headers: {},
  mediaType: 'application/json',
  charset: null,
  location: null,
  body: Buffer.from(JSON.stringify(body)),
  address: '192.0.2.1',
  error: null,
});
const tenant = res(200, { token_endpoint: `https://login.microsoftonline.com/${GUID}/oauth2/v2.0/token` });
const noTenant = res(400, { error: 'invalid_tenant' });
const managed = res(200, { NameSpaceType: 'Managed' });
const unknown = res(200, { NameSpaceType: 'Unknown' });
const g = (o: Partial<Microsoft365Gathered>): Microsoft365Gathered => ({
  domain: 'example.ch',
  openid: tenant,
  realm: managed,
  mx: ['example-ch.mail.protection.outlook.com'],
  autodiscover: 'autodiscover.outlook.com',
  dkimCnames: { selector1: 'selector1-example-ch._domainkey.t.onmicrosoft.com' },
  ...o,
});
const cases: [string, Microsoft365Gathered, string, string[], string | null][] = [
  ['managed tenant, EXO MX, autodiscover, DKIM: pass', g({}), 'pass', ['microsoft365.tenant'], GUID],
  [
    'tenant, EXO MX without autodiscover and DKIM: warn',
    g({ autodiscover: null, dkimCnames: {} }),
    'warn',
    ['microsoft365.tenant', 'microsoft365.autodiscover-missing', 'microsoft365.dkim-not-enabled'],
    GUID,
  ],
  [
    'no tenant, MX elsewhere: absent',
    g({ openid: noTenant, realm: unknown, mx: ['mx.example.ch'] }),
    'absent',
    [],
    null,
  ],
  [
    'no tenant but EXO MX: warn',
    g({ openid: noTenant, realm: unknown }),
    'warn',
    ['microsoft365.mx-without-tenant'],
    null,
  ],
  ['--no-http: skipped', g({ openid: null, realm: null }), 'skipped', [], null],
  [
    'HTTP 200 without a tenant id in token_endpoint: error, never absent',
    g({ openid: res(200, { token_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' }) }),
    'error',
    ['microsoft365.undetermined'],
    null,
  ],
  [
    'tenant known, the realm endpoint answers 503: error, the tenant id kept (m365.tenant counts it)',
    g({ realm: res(503, { error: 'service unavailable' }) }),
    'error',
    ['microsoft365.undetermined'],
    GUID,
  ],
  [
    'a GUID-like run inside a longer hex string is not a tenant id',
    g({
      openid: res(200, { token_endpoint: `https://login.microsoftonline.com/0${GUID}0/oauth2/v2.0/token` }),
    }),
    'error',
    ['microsoft365.undetermined'],
    null,
  ],
];
for (const [title, gathered, status, ids, tenantId] of cases) {
  test(title, () => {
    const r = checkMicrosoft365(gathered);
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
    assert.equal(r.evidence.tenantId, tenantId);
  });
}
