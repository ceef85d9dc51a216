/**
 * BIMI assertion record syntax, written: the inverse of parse.ts. Every BIMI record mailsec
 * proposes is built here. Pure.
 */

export interface BimiSpec {
  /** l=: HTTPS URL of the SVG Tiny PS logo; null with authority null: a declination */
  readonly location: string | null;
  /** a=: HTTPS URL of the mark certificate (VMC/CMC PEM) */
  readonly authority: string | null;
  readonly lps?: readonly string[];
  readonly avp?: 'brand' | 'personal';
}

export const bimiName = (domain: string, selector = 'default') => `${selector}._bimi.${domain}`;

/** `v=BIMI1; l=…; a=…` (a= left out when there is no mark certificate, both empty to decline). */
export function serialiseBimi(s: BimiSpec): string {
  const tags = ['v=BIMI1', `l=${s.location ?? ''}`];
  if (s.authority !== null || s.location === null) tags.push(`a=${s.authority ?? ''}`);
  if (s.lps?.length) tags.push(`lps=${s.lps.join(',')}`);
  if (s.avp) tags.push(`avp=${s.avp}`);
  return tags.join('; ');
}
