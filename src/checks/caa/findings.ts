import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import { caaIodef, caaIssue, serialiseCaa } from './serialise.ts';

const show = (r: { flags: number; tag: string; value: string }) => serialiseCaa(r);
const caa = (at: string, r: { flags: number; tag: string; value: string }) =>
  recordText(`${at}.`, 'CAA', serialiseCaa(r));
/** the contact mailsec proposes (the mailbox must exist) */
const iodef = (d: string) => caaIodef(`mailto:security@${d}`);
type R = { record: { flags: number; tag: string; value: string }; at: string };

export const caaFindings = defineFindings('caa', {
  missing: {
    severity: 'info',
    why: 'CAA tells certificate authorities which of them may issue certificates for your names (MX, mta-sts, web); without it any CA may.',
    message: (p: { domain: string }) => `No CAA record on ${p.domain} or any parent domain.`,
    fix: (p: { domain: string }) =>
      `${caa(p.domain, caaIssue('letsencrypt.org'))}   (name your CA: mailsec generate caa --for ${p.domain} reads the certificates in use)\n${caa(p.domain, iodef(p.domain))}`,
  },
  'unknown-critical-tag': {
    severity: 'error',
    why: 'RFC 8659 §4.1: a CA must refuse to issue when it meets a critical tag it does not understand, so no certificate can be issued.',
    message: (p: R) => `CAA at ${p.at} has the critical flag on an unknown tag: ${show(p.record)}.`,
    fix: (p: R) => `Remove the record or clear the flag: ${caa(p.at, { ...p.record, flags: 0 })}`,
  },
  'reserved-flags': {
    severity: 'error',
    why: 'RFC 8659 §4.1 defines only the issuer-critical bit (128); other bits are reserved and CAs may reject the record.',
    message: (p: R) => `CAA at ${p.at} sets reserved flag bits: ${show(p.record)}.`,
    fix: (p: R) => caa(p.at, { ...p.record, flags: 0 }),
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
      `Write the CA's domain, optionally with parameters: ${caa(p.at, { flags: 0, tag: p.record.tag, value: 'letsencrypt.org' })}`,
  },
  'iodef-scheme': {
    severity: 'warning',
    why: 'iodef must be a mailto: or https: URL (RFC 8659 §4.4) or CAs cannot report refused requests.',
    message: (p: R) => `CAA iodef at ${p.at} is not a mailto: or https: URL: "${p.record.value}".`,
    fix: (p: R) => caa(p.at, iodef(p.at)),
  },
  'no-issue': {
    severity: 'warning',
    why: 'Without an issue property, CAA restricts nothing for ordinary certificates (internet.nl requires at least one).',
    message: (p: { at: string }) => `The CAA set at ${p.at} has no "issue" record.`,
    fix: (p: { at: string }) =>
      `${caa(p.at, caaIssue('letsencrypt.org'))}   (name your CA: mailsec generate caa --for ${p.at})`,
  },
  'no-iodef': {
    severity: 'info',
    why: 'An iodef contact lets CAs tell you about refused certificate requests.',
    message: (p: { at: string }) => `The CAA set at ${p.at} has no iodef contact.`,
    fix: (p: { at: string }) => caa(p.at, iodef(p.at)),
  },
  inherited: {
    severity: 'info',
    why: 'CAA applies to the whole subtree (RFC 8659 §3): the parent’s records govern this name.',
    message: (p: { domain: string; at: string }) =>
      `${p.domain} has no CAA of its own; the set at ${p.at} applies.`,
  },
});
