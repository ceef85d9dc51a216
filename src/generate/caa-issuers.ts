/**
 * Certificate issuers → CAA issuer domain names (RFC 8659 §4.2), for `mailsec generate caa`.
 *
 * An issuer is recognised by the organisation (O=) of the certificate that issued the leaf, as
 * the CAs write it in their intermediates; the identifier is the one each CA documents in its
 * CP/CPS (section 4.2, "CAA records") and in the CCADB. An issuer that is not in this table is
 * listed as unknown, never guessed: a wrong identifier would let the wrong CA issue, a missing
 * one would stop the right CA from renewing. `--issuer-map "ORG=id"` adds one for a run.
 * docs/generate.md shows this table.
 */
export interface CaaIssuer {
  /** the issuer's organisation, as in O= (compared case-insensitively) */
  readonly organisations: readonly string[];
  /** the CAA issuer domain name to publish */
  readonly caa: string;
  /** where the identifier is documented */
  readonly source: string;
}

export const CAA_ISSUERS: readonly CaaIssuer[] = [
  { organisations: ["Let's Encrypt"], caa: 'letsencrypt.org', source: 'letsencrypt.org/docs/caa' },
  {
    organisations: ['Google Trust Services', 'Google Trust Services LLC'],
    caa: 'pki.goog',
    source: 'pki.goog/faq',
  },
  { organisations: ['DigiCert Inc', 'DigiCert, Inc.'], caa: 'digicert.com', source: 'digicert.com CPS §4.2' },
  { organisations: ['Sectigo Limited'], caa: 'sectigo.com', source: 'sectigo.com CPS §4.2' },
  {
    organisations: ['ZeroSSL'],
    caa: 'sectigo.com',
    source: 'zerossl.com help: CAA (issued through Sectigo)',
  },
  { organisations: ['GlobalSign nv-sa'], caa: 'globalsign.com', source: 'globalsign.com CPS §4.2' },
  { organisations: ['Amazon'], caa: 'amazon.com', source: 'docs.aws.amazon.com/acm: CAA' },
  { organisations: ['Buypass AS-983163327'], caa: 'buypass.com', source: 'buypass.com CPS §4.2' },
  { organisations: ['SSL Corporation', 'SSL.com'], caa: 'ssl.com', source: 'ssl.com CPS §4.2' },
  { organisations: ['Entrust, Inc.', 'Entrust Limited'], caa: 'entrust.net', source: 'entrust.com CPS §4.2' },
  { organisations: ['GoDaddy.com, Inc.'], caa: 'godaddy.com', source: 'godaddy.com CPS §4.2' },
  {
    organisations: ['Starfield Technologies, Inc.'],
    caa: 'starfieldtech.com',
    source: 'starfieldtech.com CPS §4.2',
  },
  { organisations: ['SwissSign AG'], caa: 'swisssign.com', source: 'swisssign.com CPS §4.2' },
  { organisations: ['Actalis S.p.A.'], caa: 'actalis.it', source: 'actalis.it CPS §4.2' },
  {
    organisations: [
      'Hellenic Academic and Research Institutions CA',
      'Hellenic Academic and Research Institutions Cert. Authority',
    ],
    caa: 'harica.gr',
    source: 'harica.gr CPS §4.2',
  },
  {
    organisations: ['Asseco Data Systems S.A.', 'Unizeto Technologies S.A.'],
    caa: 'certum.pl',
    source: 'certum.eu CPS §4.2',
  },
  { organisations: ['IdenTrust'], caa: 'identrust.com', source: 'identrust.com CPS §4.2' },
];

/** The O= value of a distinguished name (`O=Let's Encrypt, CN=R11` → `Let's Encrypt`). */
export function organisationOf(dn: string): string | null {
  for (const part of dn.split(/,\s*(?=[A-Za-z.0-9]+=)|\n/)) {
    const m = /^\s*O\s*=\s*(.+?)\s*$/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

/** The CAA identifier for an issuer DN: the table, then the run's own map (`--issuer-map`). */
export function caaIdentifierOf(
  issuerDn: string,
  extra: Readonly<Record<string, string>> = {},
): { organisation: string | null; caa: string | null } {
  const organisation = organisationOf(issuerDn);
  if (!organisation) return { organisation: null, caa: null };
  const o = organisation.toLowerCase();
  for (const [k, v] of Object.entries(extra)) if (k.toLowerCase() === o) return { organisation, caa: v };
  const hit = CAA_ISSUERS.find((i) => i.organisations.some((x) => x.toLowerCase() === o));
  return { organisation, caa: hit?.caa ?? null };
}
