/** What the TLD statistics read of an SMTP host: the MTA its banner names, the issuer of its certificate. */
const SOFTWARE: readonly [RegExp, string][] = [
  [/\bpostfix\b/i, 'Postfix'],
  [/\bexim\b/i, 'Exim'],
  [/microsoft esmtp|outlook\.com|protection\.outlook/i, 'Microsoft Exchange'],
  [/\bsendmail\b/i, 'Sendmail'],
  [/\bgoogle|gsmtp\b/i, 'Google'],
  [/\bharaka\b/i, 'Haraka'],
  [/\bopensmtpd\b/i, 'OpenSMTPD'],
  [/\bqmail\b/i, 'qmail'],
  [/\bkerio\b/i, 'Kerio'],
  [/\bmdaemon\b/i, 'MDaemon'],
  [/\bcommunigate\b/i, 'CommuniGate'],
  [/\bzimbra\b/i, 'Zimbra'],
  [/\bproofpoint|pphosted\b/i, 'Proofpoint'],
  [/\bmimecast\b/i, 'Mimecast'],
  [/\bchasquid\b/i, 'chasquid'],
  [/\bmailcleaner\b/i, 'MailCleaner'],
];

/** The MTA software a 220 banner names, or `unknown`. */
export function bannerSoftware(banner: string): string {
  for (const [re, name] of SOFTWARE) if (re.test(banner)) return name;
  return 'unknown';
}

/** The organisation part of a certificate issuer DN (`O=`), else its `CN=`, else the whole DN. */
export function issuerName(issuer: string): string {
  const o = /(?:^|[,/\n]\s*)O\s*=\s*("[^"]*"|[^,/\n]+)/.exec(issuer);
  const cn = /(?:^|[,/\n]\s*)CN\s*=\s*("[^"]*"|[^,/\n]+)/.exec(issuer);
  return (o?.[1] ?? cn?.[1] ?? issuer).replace(/^"|"$/g, '').trim();
}
