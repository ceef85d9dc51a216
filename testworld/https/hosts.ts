/** What each testworld HTTPS host is (addresses {net}.8.*; names in testworld/scenarios/https.ts). */
import type { IssueOptions } from '../ca.ts';
import {
  M365_TENANTS,
  openidConfiguration,
  SOFT_404,
  SVG_INVALID,
  SVG_VALID,
  securityTxt,
  stsPolicy,
  TENANT_NOT_FOUND,
  userRealm,
} from './content.ts';
import type { DidFixture } from './did.ts';

export interface Reply {
  readonly status: number;
  readonly type?: string;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** no Content-Length (the body streams) */
  readonly chunked?: boolean;
}

export interface RouteContext {
  /** the Host header (lower case, no port) */
  readonly host: string;
  /** the clock at start-up (Expires fields) */
  readonly now: Date;
  /** the mark certificate chain (PEM) */
  readonly markPem: string;
  /** DID configurations and documents (testworld/https/did.ts), by host */
  readonly did: Readonly<Record<string, DidFixture>>;
}

export interface HttpsHostDef {
  /** names served (the first is the key for requests()); the certificate's SANs unless cert.sans */
  readonly names: readonly string[];
  /** address suffix after {net} */
  readonly suffix: string;
  readonly cert?: { readonly cn?: string } & IssueOptions;
  route(path: string, ctx: RouteContext): Reply | undefined;
}

const STS = '/.well-known/mta-sts.txt';
const DID_CONFIG = '/.well-known/did-configuration.json';
const DID_DOC = '/.well-known/did.json';
const MCP = '/.well-known/mcp.json';
const json = (body: string): Reply => ({ status: 200, type: 'application/json', body });

/** hosts whose DID fixtures startHttpsHosts makes: `forged` signs with a key other than the published one */
export const DID_HOSTS: Readonly<Record<string, { readonly forged?: boolean }>> = {
  'did-good.test': {},
  'did-forged.test': { forged: true },
};

/** DID configuration, DID document and MCP description of a DID host */
function didRoute(p: string, c: RouteContext, mcp: string): Reply | undefined {
  const f = c.did[c.host];
  if (p === DID_CONFIG && f) return json(f.configuration);
  if (p === DID_DOC && f) return json(f.document);
  if (p === MCP) return json(mcp);
  return undefined;
}
const SEC = '/.well-known/security.txt';
const text = (body: string): Reply => ({ status: 200, type: 'text/plain; charset=utf-8', body });
const DAY = 86_400_000;

/** a web server that fails every request */
const DOWN: Reply = { status: 503, type: 'text/plain; charset=utf-8', body: 'Service Unavailable\n' };

const only = (path: string, want: string, reply: () => Reply) => (path === want ? reply() : undefined);

export const HTTPS_HOSTS: readonly HttpsHostDef[] = [
  {
    names: ['mta-sts.sts-good.test'],
    suffix: '8.10',
    route: (p) => only(p, STS, () => text(stsPolicy('enforce', ['mx.smtp-good.test']))),
  },
  {
    names: ['mta-sts.sts-redirect.test'],
    suffix: '8.11',
    route: (p) =>
      only(p, STS, () => ({
        status: 301,
        type: 'text/html',
        headers: { location: `https://sts-target.test${STS}` },
        body: '<a href="https://sts-target.test/.well-known/mta-sts.txt">moved</a>\n',
      })),
  },
  { names: ['mta-sts.sts-404.test'], suffix: '8.12', route: () => undefined },
  {
    names: ['mta-sts.sts-mediatype.test'],
    suffix: '8.13',
    route: (p) =>
      only(p, STS, () => ({
        status: 200,
        type: 'text/html; charset=utf-8',
        body: stsPolicy('testing', ['mx.smtp-good.test']),
      })),
  },
  {
    names: ['mta-sts.sts-big.test'],
    suffix: '8.14',
    route: (p) =>
      only(p, STS, () => ({
        status: 200,
        type: 'text/plain',
        chunked: true,
        body: stsPolicy('enforce', ['mx.smtp-good.test']) + `${'# padding\r\n'.repeat(10_000)}`,
      })),
  },
  {
    names: ['mta-sts.sts-badcert.test'],
    suffix: '8.15',
    cert: { cn: 'www.elsewhere.test', sans: ['www.elsewhere.test'] },
    route: (p) => only(p, STS, () => text(stsPolicy('enforce', ['mx.smtp-good.test']))),
  },
  {
    names: ['mta-sts.sts-mxout.test'],
    suffix: '8.16',
    route: (p) => only(p, STS, () => text(stsPolicy('enforce', ['mx.elsewhere.test']))),
  },
  {
    names: ['sts-target.test'],
    suffix: '8.19',
    route: (p) => only(p, STS, () => text(stsPolicy('enforce', ['mx.smtp-good.test']))),
  },
  {
    names: ['sectxt-good.test'],
    suffix: '8.20',
    route: (p, c) =>
      only(p, SEC, () => text(securityTxt('sectxt-good.test', new Date(c.now.getTime() + 180 * DAY)))),
  },
  {
    names: ['sectxt-expired.test'],
    suffix: '8.21',
    route: (p) =>
      only(p, SEC, () => text(securityTxt('sectxt-expired.test', new Date('2024-01-01T00:00:00Z')))),
  },
  {
    names: ['sectxt-html.test'],
    suffix: '8.22',
    // a catch-all web server: every path is 200 text/html (a soft 404)
    route: () => ({ status: 200, type: 'text/html; charset=utf-8', body: SOFT_404 }),
  },
  {
    names: ['sectxt-503.test'],
    suffix: '8.25',
    // a web server that fails every request (5xx): could not test, never absent
    route: () => ({ status: 503, type: 'text/plain; charset=utf-8', body: 'Service Unavailable\n' }),
  },
  {
    names: ['mta-sts.sts-down.test'],
    suffix: '8.17',
    // the policy host is down (5xx to every request); the TXT record stays (issue 11)
    route: () => DOWN,
  },
  {
    names: ['sectxt-half.test'],
    suffix: '8.26',
    // the well-known location fails (5xx), the legacy /security.txt answers: a file was found
    route: (p, c) =>
      p === '/security.txt'
        ? text(securityTxt('sectxt-half.test', new Date(c.now.getTime() + 90 * DAY)))
        : DOWN,
  },
  {
    names: ['bimi-down.test'],
    suffix: '8.42',
    // the logo and mark certificate host is down (5xx); the BIMI record stays (issue 11)
    route: () => DOWN,
  },
  {
    names: ['sectxt-legacy.test'],
    suffix: '8.23',
    route: (p, c) =>
      only(p, '/security.txt', () =>
        text(securityTxt('sectxt-legacy.test', new Date(c.now.getTime() + 90 * DAY))),
      ),
  },
  {
    names: ['login.microsoftonline.com'],
    suffix: '8.30',
    route: (p) => {
      const u = new URL(p, 'https://login.microsoftonline.com');
      const json = (status: number, body: string): Reply => ({
        status,
        type: 'application/json; charset=utf-8',
        body,
      });
      const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(u.pathname);
      if (oidc) {
        const domain = decodeURIComponent(oidc[1]!).toLowerCase();
        const t = M365_TENANTS[domain];
        return t ? json(200, openidConfiguration(t.tenantId)) : json(400, TENANT_NOT_FOUND(domain));
      }
      if (u.pathname === '/getuserrealm.srf') {
        const login = u.searchParams.get('login') ?? '';
        if (M365_TENANTS[login.split('@')[1]?.toLowerCase() ?? '']?.realmDown)
          return json(503, '{"error":"service unavailable"}');
        return json(200, userRealm(login, login.split('@')[1]?.toLowerCase() ?? ''));
      }
      return undefined;
    },
  },
  {
    names: ['bimi-good.test'],
    suffix: '8.40',
    route: (p, c) =>
      p === '/logo.svg'
        ? { status: 200, type: 'image/svg+xml', body: SVG_VALID }
        : p === '/vmc.pem'
          ? { status: 200, type: 'application/pem-certificate-chain', body: c.markPem }
          : undefined,
  },
  {
    names: ['bimi-badsvg.test'],
    suffix: '8.41',
    route: (p) => only(p, '/logo.svg', () => ({ status: 200, type: 'image/svg+xml', body: SVG_INVALID })),
  },
  {
    // testworld/scenarios/generate.ts: mta-sts serves only what a test publishes (HttpsHostsOptions.files)
    names: ['gen-mail.test', 'www.gen-mail.test', 'mta-sts.gen-mail.test', 'gen-bimi.test'],
    suffix: '9.20',
    route: (p, c) => {
      if (c.host === 'gen-bimi.test' && p === '/logo.svg')
        return { status: 200, type: 'image/svg+xml', body: SVG_VALID };
      if (p === '/' && c.host !== 'mta-sts.gen-mail.test') return text(`${c.host}\n`);
      return undefined;
    },
  },
  {
    names: ['did-good.test'],
    suffix: '8.60',
    route: (p, c) =>
      didRoute(p, c, JSON.stringify({ name: 'Testworld MCP', endpoint: 'https://did-good.test/mcp' })),
  },
  {
    names: ['did-forged.test'],
    suffix: '8.61',
    // the linkage is signed with another key than did.json publishes; mcp.json is not JSON
    route: (p, c) => didRoute(p, c, '{"name": "broken", endpoint: '),
  },
  {
    // full.test (testworld/scenarios/records.ts): apex, www and mta-sts on one web host
    names: ['full.test', 'www.full.test', 'mta-sts.full.test'],
    suffix: '8.50',
    route: (p, c) => {
      if (c.host === 'mta-sts.full.test')
        return only(p, STS, () => text(stsPolicy('enforce', ['mx1.full.test'])));
      if (p === SEC) return text(securityTxt('full.test', new Date(c.now.getTime() + 180 * DAY)));
      if (p === '/bimi/logo.svg') return { status: 200, type: 'image/svg+xml', body: SVG_VALID };
      return undefined;
    },
  },
];
