import { defineFindings } from '../../core/finding.ts';

type D = { domain: string };
type U = D & { url: string };
const example = (d: string) =>
  `Contact: mailto:security@${d}\nExpires: <a date less than a year ahead, e.g. 2027-01-01T00:00:00Z>\nCanonical: https://${d}/.well-known/security.txt`;

/** Ids follow the DigitalTrustCenter sectxt codes (also used by internet.nl), in kebab case. */
export const securityTxtFindings = defineFindings('securityTxt', {
  'not-found': {
    severity: 'info',
    why: 'security.txt (RFC 9116) tells researchers how to report a vulnerability to you.',
    message: (p: U & { reason: string }) => `No security.txt at ${p.url} (${p.reason}).`,
    fix: (p: D) => `Serve https://${p.domain}/.well-known/security.txt as text/plain:\n${example(p.domain)}`,
  },
  'soft-404': {
    severity: 'info',
    why: 'A page served for every path (an HTML catch-all) is not a security.txt (RFC 9116 §3).',
    message: (p: U & { mediaType: string }) =>
      `${p.url} answers 200 with ${p.mediaType}, which is not a security.txt (a catch-all page).`,
    fix: (p: D) => `Serve a text/plain security.txt at https://${p.domain}/.well-known/security.txt.`,
  },
  location: {
    severity: 'error',
    why: 'RFC 9116 §3 places the file at /.well-known/security.txt; the legacy /security.txt alone is not enough.',
    message: (p: U) => `security.txt is served only at the legacy location ${p.url}.`,
    fix: (p: D) => `Serve it (or redirect) at https://${p.domain}/.well-known/security.txt.`,
  },
  'invalid-cert': {
    severity: 'error',
    why: 'security.txt must be served over HTTPS with a valid certificate (RFC 9116 §3).',
    message: (p: U & { reason: string }) => `The certificate of ${p.url} is not valid: ${p.reason}.`,
    fix: (p: D) => `Install a certificate from a public CA naming ${p.domain}.`,
  },
  'not-fetched': {
    severity: 'info',
    why: 'The web host could not be asked, so whether a security.txt exists is not known.',
    message: (p: U & { reason: string }) => `${p.url} was not fetched: ${p.reason}.`,
  },
  'no-content-type': {
    severity: 'error',
    why: 'RFC 9116 §3 requires the file to be served as text/plain.',
    message: (p: U) => `${p.url} is served without a Content-Type.`,
    fix: () => 'Serve it with Content-Type: text/plain; charset=utf-8.',
  },
  'invalid-media': {
    severity: 'error',
    why: 'RFC 9116 §3 requires the file to be served as text/plain.',
    message: (p: U & { mediaType: string }) => `${p.url} is served as ${p.mediaType}, not text/plain.`,
    fix: () => 'Serve it with Content-Type: text/plain; charset=utf-8.',
  },
  'invalid-charset': {
    severity: 'error',
    why: 'RFC 9116 §3: the charset, when given, must be utf-8.',
    message: (p: U & { charset: string }) => `${p.url} is served with charset=${p.charset}.`,
    fix: () => 'Serve it with Content-Type: text/plain; charset=utf-8.',
  },
  'no-contact': {
    severity: 'error',
    why: 'Contact is required (RFC 9116 §2.5.3): without it nobody knows where to report.',
    message: (p: U) => `${p.url} has no Contact field.`,
    fix: (p: D) => `Add "Contact: mailto:security@${p.domain}" (or an https: form).`,
  },
  'no-expire': {
    severity: 'error',
    why: 'Expires is required (RFC 9116 §2.5.5) so that stale files are not trusted.',
    message: (p: U) => `${p.url} has no Expires field.`,
    fix: () => 'Add "Expires: <a date less than a year ahead>", e.g. Expires: 2027-01-01T00:00:00Z.',
  },
  'multi-expire': {
    severity: 'error',
    why: 'Expires must appear exactly once (RFC 9116 §2.5.5).',
    message: (p: U & { count: number }) => `${p.url} has ${p.count} Expires fields.`,
    fix: () => 'Keep exactly one Expires field.',
  },
  'invalid-expiry': {
    severity: 'error',
    why: 'Expires must be an RFC 3339 date-time (RFC 9116 §2.5.5).',
    message: (p: U & { value: string }) =>
      `The Expires value "${p.value}" of ${p.url} is not an RFC 3339 date-time.`,
    fix: () => 'Write it like 2027-01-01T00:00:00Z.',
  },
  expired: {
    severity: 'error',
    why: 'An expired security.txt must not be used (RFC 9116 §2.5.5).',
    message: (p: U & { expires: string }) => `The security.txt at ${p.url} expired on ${p.expires}.`,
    fix: () => 'Update the file and set Expires to a date less than a year ahead.',
  },
  'long-expiry': {
    severity: 'warning',
    why: 'RFC 9116 §2.5.5 recommends Expires less than a year ahead so the file is reviewed.',
    message: (p: U & { expires: string }) =>
      `The Expires of ${p.url} (${p.expires}) is more than a year ahead.`,
    fix: () => 'Set Expires less than a year ahead and renew it regularly.',
  },
  'no-canonical-match': {
    severity: 'error',
    why: 'When Canonical fields are present, the URL the file was fetched from must be one of them (RFC 9116 §2.5.2).',
    message: (p: U & { canonical: string }) => `${p.url} is not among its Canonical fields (${p.canonical}).`,
    fix: (p: U) => `Add "Canonical: ${p.url}".`,
  },
  'no-https': {
    severity: 'error',
    why: 'Web URIs in security.txt must be https (RFC 9116 §2.5).',
    message: (p: U & { text: string }) => `${p.url}: "${p.text}" is not an https: URI.`,
    fix: () => 'Use https:// URIs.',
  },
  'no-uri': {
    severity: 'error',
    why: 'This field takes a URI (RFC 9116 §2.5).',
    message: (p: U & { text: string }) => `${p.url}: "${p.text}" is not a URI.`,
    fix: () => 'Write a full URI, e.g. mailto:security@example.ch or https://example.ch/security.',
  },
  'line-format': {
    severity: 'error',
    why: 'Fields are "Name: value" with no space before the colon and one after (RFC 9116 §2.5).',
    message: (p: U & { code: string; text: string; line: number }) =>
      `${p.url} line ${p.line} is malformed (${p.code}): "${p.text}".`,
    fix: () => 'Write each field as "Name: value".',
  },
  'bom-in-file': {
    severity: 'error',
    why: 'RFC 9116 §3 requires UTF-8 without a byte order mark.',
    message: (p: U) => `${p.url} begins with a byte order mark.`,
    fix: () => 'Save the file as UTF-8 without BOM.',
  },
  'no-line-separators': {
    severity: 'error',
    why: 'Every line, the last included, ends with a line break (RFC 9116 §2.4).',
    message: (p: U) => `The last line of ${p.url} has no line break.`,
    fix: () => 'End the file with a newline.',
  },
  'multi-lang': {
    severity: 'error',
    why: 'Preferred-Languages may appear at most once (RFC 9116 §2.5.8).',
    message: (p: U) => `${p.url} has more than one Preferred-Languages field.`,
    fix: () => 'Merge them into one comma-separated field.',
  },
  'unknown-field': {
    severity: 'info',
    why: 'Unknown fields are ignored; it is often a typo.',
    message: (p: U & { name: string }) => `${p.url} has an unknown field "${p.name}".`,
  },
  'signed-format-issue': {
    severity: 'error',
    why: 'A signed security.txt must be a well-formed OpenPGP cleartext signature (RFC 9116 §2.3).',
    message: (p: U) => `The OpenPGP signature framing of ${p.url} is malformed.`,
    fix: () => 'Sign it with gpg --clearsign.',
  },
  'data-after-sig': {
    severity: 'error',
    why: 'Nothing may follow the signature (RFC 9116 §2.3).',
    message: (p: U) => `${p.url} has content after the OpenPGP signature.`,
    fix: () => 'Remove everything after -----END PGP SIGNATURE-----.',
  },
  'no-canonical': {
    severity: 'warning',
    why: 'A signed file should carry Canonical so the signature binds it to its location (RFC 9116 §2.5.2).',
    message: (p: U) => `The signed ${p.url} has no Canonical field.`,
    fix: (p: U) => `Add "Canonical: ${p.url}" and sign again.`,
  },
  'not-signed': {
    severity: 'info',
    why: 'RFC 9116 §2.3 recommends an OpenPGP cleartext signature.',
    message: (p: U) => `${p.url} is not signed.`,
    fix: () => 'Sign it with gpg --clearsign.',
  },
  'no-encryption': {
    severity: 'info',
    why: 'With an e-mail Contact, an Encryption key lets researchers send reports confidentially.',
    message: (p: U) => `${p.url} has an e-mail Contact but no Encryption field.`,
    fix: (p: D) => `Add "Encryption: https://${p.domain}/pgp-key.txt".`,
  },
});
