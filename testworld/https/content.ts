/**
 * What the testworld HTTPS hosts serve: MTA-STS policies, security.txt files, Microsoft login
 * endpoints and BIMI logos. Pure data and small builders; testworld/https/index.ts serves them.
 */

/** Microsoft 365 tenants the fake login.microsoftonline.com knows, by domain. */
export const M365_TENANTS: Readonly<
  Record<
    string,
    {
      tenantId: string;
      namespaceType: 'Managed' | 'Federated';
      authUrl?: string;
      brand: string;
      /** getuserrealm.srf answers 503 for it (the second endpoint is down) */
      realmDown?: boolean;
    }
  >
> = {
  'm365-tenant.test': {
    tenantId: '3f1c6a52-8d7e-4b1a-9c2f-5e6d7a8b9c01',
    namespaceType: 'Managed',
    brand: 'Testworld Managed',
  },
  'm365-fed.test': {
    tenantId: '7b2d9e14-0a3c-4f5b-8e6d-1c2b3a4f5e6d',
    namespaceType: 'Federated',
    authUrl: 'https://sts.m365-fed.test/adfs/ls/?username=user%40m365-fed.test&wa=wsignin1.0',
    brand: 'Testworld Federated',
  },
  'm365-realmdown.test': {
    tenantId: '0c4e8a16-2b5d-4e7f-9a1b-3c5d7e9f1a2b',
    namespaceType: 'Managed',
    brand: 'Testworld Realm Down',
    realmDown: true,
  },
};

export function openidConfiguration(tenantId: string): string {
  const base = `https://login.microsoftonline.com/${tenantId}`;
  return JSON.stringify({
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
  });
}

export const TENANT_NOT_FOUND = (domain: string) =>
  JSON.stringify({
    error: 'invalid_tenant',
    error_description: `AADSTS90002: Tenant '${domain}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    error_codes: [90002],
  });

export function userRealm(login: string, domain: string): string {
  const t = M365_TENANTS[domain];
  if (!t) return JSON.stringify({ State: 4, UserState: 1, Login: login, NameSpaceType: 'Unknown' });
  return JSON.stringify({
    State: 4,
    UserState: 1,
    Login: login,
    NameSpaceType: t.namespaceType,
    DomainName: domain,
    FederationBrandName: t.brand,
    CloudInstanceName: 'microsoftonline.com',
    ...(t.authUrl ? { AuthURL: t.authUrl, FederationGlobalVersion: -1 } : {}),
  });
}

export const stsPolicy = (mode: string, mx: readonly string[], maxAge = 604800) =>
  ['version: STSv1', `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${maxAge}`, ''].join('\r\n');

export function securityTxt(domain: string, expires: Date, extra: readonly string[] = []): string {
  return [
    `Contact: mailto:security@${domain}`,
    `Contact: https://${domain}/security`,
    `Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `Encryption: https://${domain}/pgp-key.txt`,
    'Preferred-Languages: en, de',
    `Canonical: https://${domain}/.well-known/security.txt`,
    ...extra,
    '',
  ].join('\n');
}

export const SOFT_404 =
  '<!doctype html><html><head><title>Welcome</title></head><body><h1>Welcome to our site</h1></body></html>\n';

/** A valid SVG Tiny Portable/Secure logo (square, titled, no scripts or references). */
export const SVG_VALID = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 100 100">
  <title>Testworld Brand</title>
  <rect width="100" height="100" fill="#1a73e8"/>
  <circle cx="50" cy="50" r="30" fill="#ffffff"/>
</svg>
`;

/** Breaks several SVG Tiny PS rules at once: profile, x/y, no title, script, animation, external reference, not square. */
export const SVG_INVALID = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" baseProfile="tiny" x="0" y="0" viewBox="0 0 200 100">
  <script>alert(1)</script>
  <rect width="200" height="100" fill="#e81a1a"><animate attributeName="fill" to="#000" dur="1s"/></rect>
  <image xlink:href="https://tracker.elsewhere.test/pixel.png" width="1" height="1"/>
</svg>
`;
