/**
 * The report's topics: which statistic keys each section shows, in which words, and which findings
 * of the catalogues say why the figure matters and what a domain owner should do. Keys not listed
 * in any topic still appear, under "Other statistics", so a key added to the statistics is never
 * dropped silently.
 */

/** A composition bar: mutually exclusive keys of one section (they share `.error` and `.skipped`). */
export interface Split {
  readonly label: string;
  readonly keys: readonly string[];
  /** what the domains in none of the keys are */
  readonly rest: string;
}

export interface Topic {
  readonly id: string;
  readonly title: string;
  /** keys charted one bar each: yes / no / could not test / not tested */
  readonly keys?: readonly string[];
  readonly split?: Split;
  /** a share list of the document instead of keys */
  readonly share?: 'providers' | 'issuers' | 'software';
  /** what the figure means, in one or two sentences */
  readonly meaning: string;
  /** finding ids whose why and fix tell the owner what to do */
  readonly advice: readonly string[];
}

/** Human labels of the statistic keys (docs/scan.md has the definitions). */
export const KEY_LABELS: Readonly<Record<string, string>> = {
  'dnssec.signed': 'signed and validating',
  'dnssec.bogus': 'bogus (signatures do not validate)',
  'caa.present': 'CAA records',
  idn: 'internationalised name (xn--)',
  'securityTxt.present': 'security.txt served',
  'securityTxt.valid': 'security.txt valid',
  'm365.tenant': 'Microsoft 365 tenant',
  'mx.present': 'MX records',
  'mx.nullMx': 'Null MX (no mail accepted)',
  'mx.localhost': 'MX pointing at localhost',
  'starttls.all': 'all MX hosts',
  'starttls.some': 'some MX hosts',
  'starttls.none': 'no MX host',
  'spf.present': 'SPF record',
  'spf.hardfail': '-all',
  'spf.softfail': '~all',
  'spf.neutral': '?all',
  'spf.passAll': '+all',
  'spf.redirect': 'redirect=',
  'spf.denyAll': 'exactly "v=spf1 -all"',
  'spf.multiple': 'several SPF records',
  'spf.tooManyLookups': 'over 10 DNS lookups',
  'dkim.found': 'DKIM key found',
  'dkim.maybe': 'DKIM key or _domainkey name',
  'dmarc.present': 'DMARC record',
  'dmarc.none': 'p=none',
  'dmarc.quarantine': 'p=quarantine',
  'dmarc.reject': 'p=reject',
  'dmarc.rua': 'aggregate reports (rua)',
  'dmarc.ruaUnauthorised': 'external rua not authorised',
  'dane.present': 'TLSA records',
  'dane.valid': 'DANE matches the certificate',
  'dane.invalid': 'TLSA matches no certificate',
  'mtaSts.present': 'MTA-STS record',
  'mtaSts.enforce': 'MTA-STS mode enforce',
  'mtaSts.enforceReady': 'would deliver under mode enforce',
  'tlsRpt.present': 'TLS-RPT record',
  'bimi.present': 'BIMI record',
  'bimi.withCertificate': 'BIMI with a mark certificate',
  'did.present': 'DID configuration served',
  'did.verified': 'every DID linkage verified',
  'mcp.present': 'MCP description served',
  'mcp.valid': 'MCP description valid',
};

export const label = (key: string): string => KEY_LABELS[key] ?? key;

export const TOPICS: readonly Topic[] = [
  {
    id: 'dnssec',
    title: 'DNSSEC',
    keys: ['dnssec.signed', 'dnssec.bogus'],
    meaning:
      'Domains whose answers validate from the root down (signed, with a DS in the parent), and domains whose signatures are broken: a validating resolver gives no answer at all for those.',
    advice: ['dnssec.unsigned', 'dnssec.bogus'],
  },
  {
    id: 'caa',
    title: 'CAA',
    keys: ['caa.present'],
    meaning: 'Domains that name the certificate authorities allowed to issue for them (RFC 8659).',
    advice: ['caa.missing'],
  },
  {
    id: 'idn',
    title: 'Internationalised names',
    keys: ['idn'],
    meaning:
      'Domains whose name has an xn-- label (an internationalised name, RFC 5890): the share of the zone whose owners and senders depend on IDNA-aware software.',
    advice: [],
  },
  {
    id: 'security-txt',
    title: 'security.txt',
    keys: ['securityTxt.present', 'securityTxt.valid'],
    meaning:
      'Domains that publish a vulnerability contact at /.well-known/security.txt (RFC 9116), and those whose file is valid.',
    advice: ['securityTxt.not-found', 'securityTxt.expired'],
  },
  {
    id: 'm365',
    title: 'Microsoft 365',
    keys: ['m365.tenant'],
    meaning: 'Domains registered with a Microsoft 365 (Entra ID) tenant, as Microsoft’s login endpoints say.',
    advice: ['microsoft365.mx-without-tenant', 'microsoft365.dkim-not-enabled'],
  },
  {
    id: 'mx',
    title: 'MX and Null MX',
    keys: ['mx.present', 'mx.nullMx', 'mx.localhost'],
    meaning:
      'Domains with MX records (over all domains); of those, domains that declare they accept no mail (Null MX, RFC 7505) and domains whose MX points at localhost.',
    advice: ['mx.no-mx', 'mx.null-mx-mixed', 'mx.localhost'],
  },
  {
    id: 'starttls',
    title: 'STARTTLS',
    split: {
      label: 'STARTTLS offered by',
      keys: ['starttls.all', 'starttls.some', 'starttls.none'],
      rest: 'other',
    },
    meaning:
      'Domains with MX whose mail servers all, some or none offer STARTTLS: without it, mail to the domain crosses the internet in clear text.',
    advice: ['smtp.starttls-missing', 'smtp.certificate-untrusted'],
  },
  {
    id: 'issuers',
    title: 'Certificate issuers',
    share: 'issuers',
    meaning:
      'Who issued the STARTTLS certificates of the MX hosts (the organisation of the issuer name), over domains with a certificate seen.',
    advice: ['smtp.certificate-untrusted', 'smtp.certificate-expired'],
  },
  {
    id: 'software',
    title: 'MTA software',
    share: 'software',
    meaning:
      'The mail server software the SMTP greeting names, over domains with a greeting seen; "unknown" when the banner names none.',
    advice: ['smtp.tls-version-old'],
  },
  {
    id: 'spf',
    title: 'SPF',
    keys: ['spf.present', 'spf.redirect', 'spf.denyAll', 'spf.multiple', 'spf.tooManyLookups'],
    split: {
      label: 'SPF policy for other hosts',
      keys: ['spf.hardfail', 'spf.softfail', 'spf.neutral', 'spf.passAll'],
      rest: 'no record or no all',
    },
    meaning:
      'Domains with MX that publish SPF (RFC 7208), and what their record says about hosts it does not list: -all rejects them, ~all marks them, ?all and +all let anyone send.',
    advice: ['spf.no-record', 'spf.plus-all', 'spf.too-many-lookups'],
  },
  {
    id: 'dkim',
    title: 'DKIM',
    keys: ['dkim.found', 'dkim.maybe'],
    meaning:
      'Domains with MX where a DKIM key was found under a known selector; a key under another selector cannot be seen from outside, so the second figure also counts domains whose _domainkey name exists.',
    advice: ['dkim.none-found', 'dkim.rsa-key-too-short'],
  },
  {
    id: 'dmarc',
    title: 'DMARC',
    keys: ['dmarc.present', 'dmarc.rua', 'dmarc.ruaUnauthorised'],
    split: {
      label: 'DMARC policy',
      keys: ['dmarc.none', 'dmarc.quarantine', 'dmarc.reject'],
      rest: 'no record or no policy',
    },
    meaning:
      'Domains with MX that publish DMARC, the policy they ask receivers to apply to mail failing SPF and DKIM alignment, and whether they ask for aggregate reports. Of those that ask, the domains naming an external destination that has not agreed to receive them (no authorisation record, RFC 7489 §7.1): receivers that check send those reports nowhere.',
    advice: ['dmarc.not-found', 'dmarc.policy-none', 'dmarc.no-rua', 'dmarc.rua-not-authorised'],
  },
  {
    id: 'dane',
    title: 'DANE',
    keys: ['dane.present', 'dane.valid', 'dane.invalid'],
    meaning:
      'Domains with MX whose mail servers publish TLSA records (RFC 7672), and those whose records match the certificate the server presents, checked against the live certificate. Of the domains with TLSA, those where a server’s records match none of its certificates: a DANE-validating sender does not deliver there.',
    advice: ['smtp.dane-invalid', 'smtp.dane-no-rollover'],
  },
  {
    id: 'mta-sts',
    title: 'MTA-STS and TLS-RPT',
    keys: ['mtaSts.present', 'mtaSts.enforce', 'mtaSts.enforceReady', 'tlsRpt.present'],
    meaning:
      'Domains with MX that publish an MTA-STS record (RFC 8461), those whose policy is in enforce mode, and those that ask for TLS reports (RFC 8460). Of the domains with an MTA-STS record, those whose policy would deliver mail under mode enforce today: fetched, every MX matched and presenting a certificate senders accept (whatever the mode is now).',
    advice: ['mtaSts.not-found', 'mtaSts.mode-testing', 'mtaSts.enforce-would-fail', 'tlsRpt.not-found'],
  },
  {
    id: 'bimi',
    title: 'BIMI',
    keys: ['bimi.present', 'bimi.withCertificate'],
    meaning: 'Domains with MX that publish a BIMI logo record, and those with a mark certificate (a=).',
    advice: ['bimi.dmarc-not-enforcing', 'bimi.svg-invalid'],
  },
  {
    id: 'did-mcp',
    title: 'DID and MCP',
    keys: ['did.present', 'did.verified', 'mcp.present', 'mcp.valid'],
    meaning:
      'Domains that link decentralised identifiers at /.well-known/did-configuration.json (DIF Well-Known DID Configuration) and, of those, the ones whose every linkage verifies against its did:web key; domains that describe an MCP server at /.well-known/mcp.json and, of those, the ones whose description is a JSON object within the size cap.',
    advice: ['did.linkage-invalid', 'mcp.invalid-json'],
  },
  {
    id: 'providers',
    title: 'Mail providers',
    share: 'providers',
    meaning:
      'The registrable domain of the MX hosts, over domains with MX: who receives the mail. A domain with MX hosts at two providers counts for both.',
    advice: [],
  },
];
