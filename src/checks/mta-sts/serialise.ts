/**
 * MTA-STS syntax, written (RFC 8461): the `_mta-sts` TXT record (§3.1) and the policy file (§3.2),
 * the inverses of parse.ts and policy.ts. Every MTA-STS record and policy mailsec proposes is
 * built here. Pure.
 */
import type { MtaStsTxt } from './parse.ts';
import type { MtaStsPolicyFile } from './policy.ts';

export const mtaStsName = (domain: string) => `_mta-sts.${domain}`;
export const policyHost = (domain: string) => `mta-sts.${domain}`;
export const POLICY_PATH = '/.well-known/mta-sts.txt';
export const POLICY_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** `v=STSv1; id=…` and any extension fields (`name=value`). */
export function serialiseMtaStsTxt(t: MtaStsTxt): string {
  return ['v=STSv1', `id=${t.id}`, ...t.extensions].join('; ');
}

/** The policy file: one `key: value` line each, CRLF line ends (RFC 8461 §3.2), mx lines in order. */
export function serialiseMtaStsPolicy(p: MtaStsPolicyFile): string {
  const lines = ['version: STSv1', `mode: ${p.mode}`, ...p.mx.map((m) => `mx: ${m}`), `max_age: ${p.maxAge}`];
  return lines.map((l) => `${l}\r\n`).join('');
}

/**
 * A policy id from a clock: 1–32 alphanumerics (§3.1); a UTC timestamp such as 20260101T120000
 * grows with every change, which is what receivers compare.
 */
export function policyIdAt(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:]/g, '');
}
