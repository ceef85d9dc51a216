import { defineFindings } from '../../core/finding.ts';

const show = (r: { flags: number; tag: string; value: string }) => `${r.flags} ${r.tag} "${r.value}"`;
type R = { record: { flags: number; tag: string; value: string }; at: string };

export const caaFindings = defineFindings('caa', {
  missing: {
    severity: 'info',
    why: 'CAA tells certificate authorities which of them may issue certificates for your names (MX, mta-sts, web); without it any CA may.',
    message: (p: { domain: string }) => `No CAA record on ${p.domain} or any parent domain.`,
    fix: (p: { domain: string }) =>
      `${p.domain}. CAA 0 issue "letsencrypt.org"   (name your CA)\n${p.domain}. CAA 0 iodef "mailto:security@${p.domain}"`,
  },
  'unknown-critical-tag': {
    severity: 'error',
    why: 'RFC 8659 §4.1: a CA must refuse to issue when it meets a critical tag it does not understand, so no certificate can be issued.',
    message: (p: R) => `CAA at ${p.at} has the critical flag on an unknown tag: ${show(p.record)}.`,
    fix: (p: R) => `Remove the record or clear the flag: ${p.at}. CAA 0 ${p.record.tag} "${p.record.value}"`,
  },
  'reserved-flags': {
    severity: 'error',
    why: 'RFC 8659 §4.1 defines only the issuer-critical bit (128); other bits are reserved and CAs may reject the record.',
    message: (p: R) => `CAA at ${p.at} sets reserved flag bits: ${show(p.record)}.`,
    fix: (p: R) => `${p.at}. CAA 0 ${p.record.tag} "${p.record.value}"`,
  },
  'reserved-tag': {
    severity: 'error',
    why: 'The tags auth, path and policy are reserved (RFC 8659 §4.1.1) and must not be used.',
    message: (p: R) => `CAA at ${p.at} uses the reserved tag "${p.record.tag}".`,
    fix: () => 'Remove the record.',
  },
  'unknown-tag': {
    severity: 'warning',
    why: 'CAs ignore tags they do not know; a misspelt "issue" silently allows every CA.',
    message: (p: R) => `CAA at ${p.at} has an unknown tag: ${show(p.record)}.`,
    fix: () =>
      'Use issue, issuewild, iodef (RFC 8659), issuemail (RFC 9495), issuevmc, contactemail or contactphone.',
  },
  'bad-tag': {
    severity: 'error',
    why: 'A CAA tag is 1 to 15 letters and digits (RFC 8659 §4.1).',
    message: (p: R) => `CAA at ${p.at} has an invalid tag "${p.record.tag}".`,
    fix: () => 'Correct the tag, e.g. issue.',
  },
  'issue-syntax': {
    severity: 'error',
    why: 'A malformed issuer value is not understood by CAs (RFC 8659 §4.2), which then refuse or ignore it.',
    message: (p: R) => `CAA at ${p.at} has a malformed value: ${show(p.record)}.`,
    fix: (p: R) =>
      `Write the CA's domain, optionally with parameters: ${p.at}. CAA 0 ${p.record.tag} "letsencrypt.org"`,
  },
  'iodef-scheme': {
    severity: 'warning',
    why: 'iodef must be a mailto: or https: URL (RFC 8659 §4.4) or CAs cannot report refused requests.',
    message: (p: R) => `CAA iodef at ${p.at} is not a mailto: or https: URL: "${p.record.value}".`,
    fix: (p: R) => `${p.at}. CAA 0 iodef "mailto:security@${p.at}"`,
  },
  'no-issue': {
    severity: 'warning',
    why: 'Without an issue property, CAA restricts nothing for ordinary certificates (internet.nl requires at least one).',
    message: (p: { at: string }) => `The CAA set at ${p.at} has no "issue" record.`,
    fix: (p: { at: string }) => `${p.at}. CAA 0 issue "letsencrypt.org"   (name your CA)`,
  },
  'no-iodef': {
    severity: 'info',
    why: 'An iodef contact lets CAs tell you about refused certificate requests.',
    message: (p: { at: string }) => `The CAA set at ${p.at} has no iodef contact.`,
    fix: (p: { at: string }) => `${p.at}. CAA 0 iodef "mailto:security@${p.at}"`,
  },
  inherited: {
    severity: 'info',
    why: 'CAA applies to the whole subtree (RFC 8659 §3): the parent’s records govern this name.',
    message: (p: { domain: string; at: string }) =>
      `${p.domain} has no CAA of its own; the set at ${p.at} applies.`,
  },
});
