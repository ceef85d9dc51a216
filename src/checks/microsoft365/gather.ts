import type { HttpResponse } from '../../net/https.ts';
import type { DkimEvidence } from '../dkim/check.ts';
import type { EndpointEvidence } from '../microsoft-dns/check.ts';
import type { MxEvidence } from '../mx/check.ts';
import type { GatherContext, PriorResults } from '../types.ts';

/** Microsoft's login host (interface.md "Microsoft endpoints") */
export const LOGIN_HOST = 'login.microsoftonline.com';
export const openidUrl = (domain: string) =>
  `https://${LOGIN_HOST}/${encodeURIComponent(domain)}/v2.0/.well-known/openid-configuration`;
export const realmUrl = (domain: string) =>
  `https://${LOGIN_HOST}/getuserrealm.srf?login=${encodeURIComponent(`user@${domain}`)}&json=1`;
const MAX_BYTES = 64 * 1024;

export interface Microsoft365Gathered {
  readonly domain: string;
  /** null: not fetched (--no-http) */
  readonly openid: HttpResponse | null;
  readonly realm: HttpResponse | null;
  /** MX exchanges (null: unknown) */
  readonly mx: readonly string[] | null;
  /** the autodiscover target (null: none or unknown) */
  readonly autodiscover: string | null;
  /** DKIM selector CNAME targets, by selector */
  readonly dkimCnames: Readonly<Record<string, string>>;
}

/** The tenant endpoints (§4.11 of the validation rules), correlated with prior DNS results. */
export async function gatherMicrosoft365(
  domain: string,
  ctx: GatherContext,
  prior: PriorResults,
): Promise<Microsoft365Gathered> {
  const mxEv = prior.mx?.evidence as MxEvidence | undefined;
  const mx = prior.mx && prior.mx.status !== 'error' && mxEv ? mxEv.records.map((r) => r.exchange) : null;
  const auto = prior.autodiscover?.evidence as EndpointEvidence | undefined;
  const dkim = prior.dkim?.evidence as DkimEvidence | undefined;
  const dkimCnames: Record<string, string> = {};
  for (const s of dkim?.selectors ?? []) if (s.cname) dkimCnames[s.selector] = s.cname;
  for (const c of dkim?.cnameWithoutKey ?? []) dkimCnames[c.selector] = c.target;
  const base = { domain, mx, autodiscover: auto?.target ?? null, dkimCnames };
  if (!ctx.http || ctx.options.noHttp) return { ...base, openid: null, realm: null };
  const opts = { maxBytes: MAX_BYTES, signal: ctx.signal, accept: 'application/json' };
  const [openid, realm] = await Promise.all([
    ctx.http.fetch(openidUrl(domain), opts),
    ctx.http.fetch(realmUrl(domain), opts),
  ]);
  return { ...base, openid, realm };
}
