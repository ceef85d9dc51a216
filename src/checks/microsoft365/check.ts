import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { HttpResponse } from '../../net/https.ts';
import { microsoft365Findings as F } from './findings.ts';
import type { Microsoft365Gathered } from './gather.ts';

export interface Microsoft365Evidence {
  /** the Entra ID tenant GUID, from the openid-configuration token_endpoint */
  readonly tenantId: string | null;
  /** getuserrealm.srf NameSpaceType: Managed, Federated, Unknown */
  readonly namespaceType: string | null;
  /** the federation AuthURL (Federated only) */
  readonly federationUrl: string | null;
  readonly brandName: string | null;
  /** MX to *.mail.protection.outlook.com or *.mx.microsoft */
  readonly exchangeOnlineMx: boolean | null;
  /** autodiscover CNAME autodiscover.outlook.com */
  readonly autodiscover: boolean;
  /** selector1/selector2 CNAMEs into *.onmicrosoft.com */
  readonly dkimCnames: boolean;
}

export type Microsoft365Result = CheckResult<Microsoft365Evidence>;

const GUID = /(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])/i;
const EXO_MX = /(\.mail\.protection\.outlook\.com|\.mx\.microsoft)\.?$/i;

function json(r: HttpResponse | null): Record<string, unknown> | null {
  if (r?.outcome !== 'ok' || !r.body) return null;
  try {
    const v = JSON.parse(r.body.toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Tenant id and realm from Microsoft's login endpoints, correlated with MX, autodiscover and DKIM. */
export function checkMicrosoft365(g: Microsoft365Gathered): Microsoft365Result {
  const { domain } = g;
  const findings: Finding[] = [];
  const exchangeOnlineMx = g.mx ? g.mx.some((m) => EXO_MX.test(m)) : null;
  const autodiscover = (g.autodiscover ?? '').toLowerCase().replace(/\.$/, '') === 'autodiscover.outlook.com';
  const dkimCnames = ['selector1', 'selector2'].some((s) =>
    /\.onmicrosoft\.com\.?$/i.test(g.dkimCnames[s] ?? ''),
  );
  const evidence = {
    tenantId: null as string | null,
    namespaceType: null as string | null,
    federationUrl: null as string | null,
    brandName: null as string | null,
    exchangeOnlineMx,
    autodiscover,
    dkimCnames,
  };
  const done = (deployed: boolean | 'unknown' | 'skipped'): Microsoft365Result => ({
    check: 'microsoft365',
    status: statusFrom(deployed, findings),
    evidence,
    findings,
  });
  if (!g.openid || !g.realm) return done('skipped');
  for (const r of [g.openid, g.realm]) {
    if (r.outcome === 'refused-address') {
      findings.push(F.make('not-fetched', { domain, reason: r.error ?? 'address not allowed' }));
      return done('skipped');
    }
  }
  const failed = (r: HttpResponse): Microsoft365Result => {
    findings.push(undetermined('microsoft365', `${r.url}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`));
    return done('unknown');
  };
  if (g.openid.outcome !== 'ok') return failed(g.openid);
  const oidc = json(g.openid);
  const realm = json(g.realm);
  if (g.openid.status === 200 && oidc) {
    const m = GUID.exec(String(oidc.token_endpoint ?? oidc.issuer ?? ''));
    // a tenant's configuration always names it; a 200 without a tenant id says nothing either way
    if (!m) {
      findings.push(undetermined('microsoft365', `${g.openid.url} answered HTTP 200 without a tenant id`));
      return done('unknown');
    }
    evidence.tenantId = m[0].toLowerCase();
  } else if (g.openid.status !== 400 && g.openid.status !== 404) {
    findings.push(undetermined('microsoft365', `${g.openid.url} answered HTTP ${g.openid.status}`));
    return done('unknown');
  }
  // the tenant id stays in the evidence when the realm endpoint could not be asked: the section
  // could not be completed, but the tenant is known (the statistic m365.tenant counts it)
  if (g.realm.outcome !== 'ok') return failed(g.realm);
  // a realm endpoint that failed (5xx, 429 …) says nothing about the namespace
  if (g.realm.status !== 200) {
    findings.push(undetermined('microsoft365', `${g.realm.url} answered HTTP ${g.realm.status}`));
    return done('unknown');
  }
  if (realm) {
    evidence.namespaceType = typeof realm.NameSpaceType === 'string' ? realm.NameSpaceType : null;
    evidence.federationUrl = typeof realm.AuthURL === 'string' ? realm.AuthURL : null;
    evidence.brandName = typeof realm.FederationBrandName === 'string' ? realm.FederationBrandName : null;
  }
  const mxText = (g.mx ?? []).join(', ') || '(none)';
  if (!evidence.tenantId) {
    if (exchangeOnlineMx) findings.push(F.make('mx-without-tenant', { domain, mx: mxText }));
    return done(exchangeOnlineMx === true);
  }
  findings.push(
    F.make('tenant', {
      domain,
      tenantId: evidence.tenantId,
      namespaceType: evidence.namespaceType ?? 'unknown',
    }),
  );
  if (evidence.namespaceType === 'Federated' && evidence.federationUrl)
    findings.push(F.make('federated', { domain, url: evidence.federationUrl }));
  if (exchangeOnlineMx === false) findings.push(F.make('mx-elsewhere', { domain, mx: mxText }));
  if (exchangeOnlineMx) {
    if (!autodiscover)
      findings.push(F.make('autodiscover-missing', { domain, target: g.autodiscover ?? 'not published' }));
    if (!dkimCnames) findings.push(F.make('dkim-not-enabled', { domain }));
  }
  return done(true);
}
