/**
 * DMARC record syntax, written (RFC 9989 §4.7): the inverse of parse.ts. Every DMARC record
 * mailsec proposes (findings' fixes, `mailsec generate dmarc|parked`) is built here. Removed tags
 * (pct, rf, ri) are never written. Pure.
 */
import type { DmarcPolicy, DmarcRecord } from './parse.ts';

/** A DMARC record as data; absent optional tags take their defaults (RFC 9989 §4.7). */
export interface DmarcSpec {
  readonly p: DmarcPolicy;
  readonly sp?: DmarcPolicy;
  readonly np?: DmarcPolicy;
  /** default r */
  readonly adkim?: 'r' | 's';
  /** default r */
  readonly aspf?: 'r' | 's';
  /** t=y */
  readonly testing?: boolean;
  /** default u */
  readonly psd?: 'y' | 'n';
  /** default ['0'] */
  readonly fo?: readonly string[];
  /** report URIs as published (mailto:…) */
  readonly rua?: readonly string[];
  readonly ruf?: readonly string[];
}

/**
 * A URI for rua/ruf: `,` and `;` (separators of the record) and `!` (the old size suffix) must
 * be percent-encoded inside it (RFC 9989 §4.7).
 */
export function encodeReportUri(uri: string): string {
  return uri.replace(/[,;!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The record text, tags in the customary order: v, p, sp, np, adkim, aspf, t, psd, fo, rua, ruf. */
export function serialiseDmarc(s: DmarcSpec): string {
  const tags = ['v=DMARC1', `p=${s.p}`];
  if (s.sp) tags.push(`sp=${s.sp}`);
  if (s.np) tags.push(`np=${s.np}`);
  if (s.adkim && s.adkim !== 'r') tags.push(`adkim=${s.adkim}`);
  if (s.aspf && s.aspf !== 'r') tags.push(`aspf=${s.aspf}`);
  if (s.testing) tags.push('t=y');
  if (s.psd) tags.push(`psd=${s.psd}`);
  if (s.fo && !(s.fo.length === 1 && s.fo[0] === '0')) tags.push(`fo=${s.fo.join(':')}`);
  if (s.rua?.length) tags.push(`rua=${s.rua.map(encodeReportUri).join(',')}`);
  if (s.ruf?.length) tags.push(`ruf=${s.ruf.map(encodeReportUri).join(',')}`);
  return tags.join('; ');
}

/** The spec of a parsed record (defaults left out); null without a valid p. */
export function dmarcSpecOf(r: DmarcRecord): DmarcSpec | null {
  if (!r.p) return null;
  return {
    p: r.p,
    ...(r.sp ? { sp: r.sp } : {}),
    ...(r.np ? { np: r.np } : {}),
    ...(r.adkim !== 'r' ? { adkim: r.adkim } : {}),
    ...(r.aspf !== 'r' ? { aspf: r.aspf } : {}),
    ...(r.testing ? { testing: true } : {}),
    ...(r.psd !== 'u' ? { psd: r.psd } : {}),
    ...(r.fo.length === 1 && r.fo[0] === '0' ? {} : { fo: [...r.fo] }),
    ...(r.rua.length ? { rua: r.rua.map((u) => u.uri) } : {}),
    ...(r.ruf.length ? { ruf: r.ruf.map((u) => u.uri) } : {}),
  };
}

/** The aggregate-report address mailsec proposes when none is known (the mailbox must exist). */
export const defaultDmarcRua = (domain: string) => `mailto:dmarc-reports@${domain}`;

/** Where a domain's policy record lives. */
export const dmarcName = (domain: string) => `_dmarc.${domain}`;

/**
 * The record that starts a rollout: p=none monitors only, and rua asks for the aggregate reports
 * that show who sends in the domain's name. The first stage of `mailsec generate dmarc --plan`.
 */
export function dmarcStartRecord(domain: string, rua: readonly string[] = [defaultDmarcRua(domain)]): string {
  return serialiseDmarc({ p: 'none', rua });
}

/** The rollout's goal: reject what fails, with aggregate reports. */
export function dmarcRejectRecord(
  domain: string,
  rua: readonly string[] = [defaultDmarcRua(domain)],
): string {
  return serialiseDmarc({ p: 'reject', rua });
}

/** The external report destination's authorisation record (RFC 9990 §3.2.3). */
export const dmarcAuthorisationName = (policyDomain: string, destinationHost: string) =>
  `${policyDomain}._report._dmarc.${destinationHost}`;
export const DMARC_AUTHORISATION_RECORD = 'v=DMARC1';
