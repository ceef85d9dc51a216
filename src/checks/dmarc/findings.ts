import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import {
  DMARC_AUTHORISATION_RECORD,
  defaultDmarcRua,
  dmarcAuthorisationName,
  dmarcName,
  dmarcRejectRecord,
  dmarcStartRecord,
  serialiseDmarc,
} from './serialise.ts';

type D = { domain: string };
type Tag = D & { text: string; record: string };

const example = (d: string) => recordText(dmarcName(d), 'TXT', dmarcRejectRecord(d));

export const dmarcFindings = defineFindings('dmarc', {
  'not-found': {
    severity: 'info',
    why: 'Without DMARC, receivers cannot tell your real mail from spoofed mail using your domain, and you get no reports.',
    message: (p: D & { walked: string; org: string }) =>
      `No DMARC record found for ${p.domain} (looked at ${p.walked}).`,
    fix: (p: D & { org: string }) =>
      `Publish ${recordText(dmarcName(p.org), 'TXT', dmarcStartRecord(p.org))} to collect aggregate reports, then raise the policy step by step to p=reject (mailsec generate dmarc --plan).`,
  },
  'multiple-records': {
    severity: 'error',
    why: 'With more than one DMARC record, policy discovery ends with no policy (RFC 9989 §4.10, RFC 7489 §6.6.3): receivers apply no DMARC at all.',
    message: (p: D & { at: string; count: number; records: string }) =>
      `_dmarc.${p.at} holds ${p.count} DMARC records: ${p.records}.`,
    fix: (p: D & { at: string }) => `Keep exactly one record at _dmarc.${p.at}, merging the tags you need.`,
  },
  'version-invalid': {
    severity: 'error',
    why: 'A record must begin with exactly "v=DMARC1" (case-sensitive, RFC 9989 §4.7); anything else is ignored by receivers.',
    message: (p: D & { at: string; record: string }) =>
      `The TXT record at _dmarc.${p.at} looks like DMARC but does not begin with "v=DMARC1": "${p.record}".`,
    fix: (p: D & { at: string }) => `Rewrite it as ${example(p.at)}.`,
  },
  'spf-at-dmarc': {
    severity: 'error',
    why: 'An SPF record under _dmarc usually comes from a wildcard or a misplaced record; it is not a DMARC policy.',
    message: (p: D & { at: string; record: string }) => `_dmarc.${p.at} holds an SPF record: "${p.record}".`,
    fix: (p: D & { at: string }) => `Remove it and publish ${example(p.at)}.`,
  },
  'unrelated-txt': {
    severity: 'warning',
    why: 'Other TXT records at _dmarc are ignored, but they enlarge answers and often hide a typo.',
    message: (p: D & { at: string; record: string }) =>
      `_dmarc.${p.at} holds a non-DMARC TXT record: "${p.record}".`,
    fix: (p: D & { at: string }) => `Remove the record from _dmarc.${p.at}.`,
  },
  'wrong-location': {
    severity: 'error',
    why: 'Receivers look for DMARC only at _dmarc.<domain>; a record at the domain itself has no effect.',
    message: (p: D & { record: string }) =>
      `A DMARC record is published at ${p.domain} instead of _dmarc.${p.domain}: "${p.record}".`,
    fix: (p: D) => `Move it to _dmarc.${p.domain}: ${example(p.domain)}.`,
  },
  'tag-syntax': {
    severity: 'error',
    why: 'A tag that is not name=value breaks the record for strict receivers (RFC 9989 §4.7).',
    message: (p: Tag) => `The DMARC record of ${p.domain} has a malformed tag "${p.text}".`,
    fix: (p: Tag) => `Publish tags as name=value separated by ";", e.g. ${example(p.domain)}.`,
  },
  'empty-tag': {
    severity: 'warning',
    why: 'An empty tag (";;") is harmless for most receivers but not allowed by the grammar.',
    message: (p: Tag) => `The DMARC record of ${p.domain} has an empty tag (";;") near offset ${p.text}.`,
    fix: () => 'Remove the extra ";".',
  },
  'duplicate-tag': {
    severity: 'error',
    why: 'Receivers disagree on which copy of a duplicated tag counts; many treat the record as invalid.',
    message: (p: Tag) => `The DMARC record of ${p.domain} sets the tag "${p.text}" more than once.`,
    fix: () => 'Keep one copy of each tag.',
  },
  'unknown-tag': {
    severity: 'warning',
    why: 'Receivers ignore unknown tags (RFC 9989 §4.7); it is often a typo of a tag you meant to set.',
    message: (p: Tag) => `The DMARC record of ${p.domain} has an unknown tag "${p.text}".`,
    fix: () => 'Remove it or correct it (p, sp, np, adkim, aspf, fo, rua, ruf, t, psd).',
  },
  'removed-tag': {
    severity: 'warning',
    why: 'RFC 9989 removed pct, rf and ri (Appendix A.6): they have no effect for RFC 9989 receivers.',
    message: (p: Tag) =>
      `The DMARC record of ${p.domain} uses the removed tag "${p.text}", which has no effect for RFC 9989 receivers.`,
    fix: () => 'Remove pct, rf and ri; use t=y instead of pct=0 to test a stricter policy.',
  },
  'pct-partial': {
    severity: 'warning',
    why: 'Legacy (RFC 7489) receivers apply the policy to only part of the failing mail when pct is under 100.',
    message: (p: Tag) =>
      `The DMARC record of ${p.domain} has pct=${p.text}: only ${p.text}% of failing mail is subject to the policy for legacy receivers.`,
    fix: () => 'Remove pct (or set pct=100) once the reports look clean.',
  },
  'invalid-value': {
    severity: 'error',
    why: 'Receivers ignore a tag with an invalid value and fall back to its default, which may not be what you want.',
    message: (p: Tag) => `The DMARC record of ${p.domain} has an invalid value: "${p.text}".`,
    fix: () =>
      'Use the allowed values: p/sp/np none|quarantine|reject, adkim/aspf r|s, t y|n, psd y|n|u, fo 0|1|d|s (colon list).',
  },
  'p-missing': {
    severity: 'warning',
    why: 'Without a valid p tag receivers treat the record as p=none when it has a valid rua (RFC 9989 §4.7), otherwise ignore it.',
    message: (p: Tag) =>
      p.text
        ? `The DMARC record of ${p.domain} has an invalid p="${p.text}".`
        : `The DMARC record of ${p.domain} has no p tag.`,
    fix: (p: Tag) => `Add the policy: ${example(p.domain)}.`,
  },
  'p-missing-no-rua': {
    severity: 'error',
    why: 'A record without a valid p tag and without a valid rua is not a usable DMARC policy (RFC 9989 §4.7): receivers ignore it.',
    message: (p: Tag) =>
      `The DMARC record of ${p.domain} has neither a valid p nor a valid rua tag: "${p.record}".`,
    fix: (p: Tag) => `Publish ${example(p.domain)}.`,
  },
  'uri-invalid': {
    severity: 'error',
    why: 'Receivers cannot send reports to a URI they cannot parse.',
    message: (p: Tag) => `The DMARC record of ${p.domain} has an invalid report URI "${p.text}".`,
    fix: (p: Tag) => `Use mailto: URIs, e.g. rua=${defaultDmarcRua(p.domain)}.`,
  },
  'uri-scheme': {
    severity: 'warning',
    why: 'RFC 9990/9991 define report delivery by mailto: only; receivers ignore other schemes.',
    message: (p: Tag) => `The DMARC record of ${p.domain} has a non-mailto report URI "${p.text}".`,
    fix: (p: Tag) => `Use a mailto: URI, e.g. ${defaultDmarcRua(p.domain)}.`,
  },
  'uri-size-suffix': {
    severity: 'warning',
    why: 'The "!size" suffix of RFC 7489 is obsolete in RFC 9990/9991; some receivers reject the URI.',
    message: (p: Tag) =>
      `The report URI "${p.text}" in the DMARC record of ${p.domain} has an obsolete size limit.`,
    fix: () => 'Remove the "!…" suffix from the URI.',
  },
  'too-many-uris': {
    severity: 'warning',
    why: 'Receivers may send reports to only the first two URIs of a tag (RFC 9989 §4.7).',
    message: (p: Tag) => `The DMARC record of ${p.domain} lists more than 2 report URIs: "${p.text}".`,
    fix: () => 'Keep at most two URIs per tag.',
  },
  'fo-redundant': {
    severity: 'warning',
    why: 'fo=1 already includes the case of fo=0; listing both is redundant.',
    message: (p: Tag) => `The DMARC record of ${p.domain} has fo=${p.text}.`,
    fix: () => 'Use fo=1 alone.',
  },
  'policy-none': {
    severity: 'warning',
    why: 'p=none only monitors: spoofed mail using your domain is still delivered.',
    message: (p: D & { at: string }) =>
      `The DMARC policy that applies to ${p.domain} is none (record at _dmarc.${p.at}).`,
    fix: (p: D & { at: string }) =>
      `Once the aggregate reports show all your senders pass, publish ${recordText(dmarcName(p.at), 'TXT', serialiseDmarc({ p: 'quarantine', testing: true, rua: ['…'] }))}, then p=quarantine, then p=reject (mailsec generate dmarc --plan).`,
  },
  'subdomain-policy-none': {
    severity: 'warning',
    why: 'sp=none leaves every subdomain spoofable although the domain itself is protected.',
    message: (p: D & { at: string }) =>
      `The DMARC record at _dmarc.${p.at} enforces p but sets sp=none for subdomains.`,
    fix: () => 'Remove sp=none (sp defaults to p), or set sp=quarantine or sp=reject.',
  },
  'np-none': {
    severity: 'warning',
    why: 'np=none lets anyone spoof names under your domain that do not even exist.',
    message: (p: D & { at: string }) =>
      `The DMARC record at _dmarc.${p.at} enforces p but sets np=none for non-existent subdomains.`,
    fix: () => 'Remove np=none, or set np=reject.',
  },
  testing: {
    severity: 'warning',
    why: 't=y asks receivers to apply one step less (reject as quarantine, quarantine as none, RFC 9989 §4.7).',
    message: (p: D & { at: string }) => `The DMARC record at _dmarc.${p.at} is in test mode (t=y).`,
    fix: () => 'Remove t=y once the reports show your mail passes.',
  },
  'psd-on-registrable': {
    severity: 'warning',
    why: 'psd=y is meant for public suffix operators (RFC 9989 §4.7); on an ordinary domain it changes where receivers put the organisational domain.',
    message: (p: D & { at: string }) => `_dmarc.${p.at} sets psd=y, but ${p.at} is not a public suffix.`,
    fix: () => 'Remove psd=y (or set psd=n to mark the organisational domain).',
  },
  'inherited-policy': {
    severity: 'info',
    why: 'A subdomain without its own record takes the policy of its organisational domain (RFC 9989 §4.10).',
    message: (p: D & { at: string; policy: string; tag: string }) =>
      `${p.domain} has no DMARC record of its own; the record at _dmarc.${p.at} applies with ${p.tag}=${p.policy}.`,
  },
  'existence-undetermined': {
    severity: 'warning',
    why: 'RFC 9989 §4.7: np applies to a subdomain that does not exist, sp to one that does; when the existence lookup fails, which policy receivers apply is unknown.',
    message: (p: D & { at: string; np: string; sp: string; reason: string }) =>
      `Could not tell whether ${p.domain} exists (${p.reason}): _dmarc.${p.at} gives it np=${p.np} if it does not, sp=${p.sp} if it does.`,
    fix: () => 'Run the check again; if the lookup keeps failing, fix the name servers of the domain.',
  },
  'no-rua': {
    severity: 'info',
    why: 'Without rua you get no aggregate reports and cannot see who sends mail in your name.',
    message: (p: D & { at: string }) =>
      `The DMARC record at _dmarc.${p.at} requests no aggregate reports (no rua).`,
    fix: (p: D & { at: string }) => `Add rua=${defaultDmarcRua(p.at)} to the record.`,
  },
  'rua-not-authorised': {
    severity: 'warning',
    why: 'Receivers send reports to another organisation only when it publishes an authorisation record (RFC 9990 §3.2.3, RFC 7489 §7.1); otherwise the reports are silently dropped.',
    message: (p: D & { uri: string; host: string; at: string }) =>
      `The report destination ${p.uri} is external and ${p.host} does not authorise reports for ${p.at}.`,
    fix: (p: D & { uri: string; host: string; at: string }) =>
      `Ask the operator of ${p.host} to publish ${recordText(dmarcAuthorisationName(p.at, p.host), 'TXT', DMARC_AUTHORISATION_RECORD)} (or a wildcard *._report._dmarc.${p.host}).`,
  },
  'authorisation-undetermined': {
    severity: 'warning',
    why: 'A failed lookup says nothing about whether the destination accepts your reports.',
    message: (p: D & { host: string; reason: string }) =>
      `Could not check whether ${p.host} authorises DMARC reports: ${p.reason}.`,
    fix: () => 'Run the check again later.',
  },
  'destination-no-mail': {
    severity: 'warning',
    why: 'Reports sent to a domain that accepts no mail (no MX or address, or a Null MX) are lost.',
    message: (p: D & { host: string; uri: string }) =>
      `The report destination ${p.uri}: ${p.host} does not accept mail.`,
    fix: (p: D & { host: string; uri: string }) =>
      `Use an address whose domain has MX records, or publish MX records for ${p.host}.`,
  },
  'discovery-disagreement': {
    severity: 'info',
    why: 'RFC 9989 receivers find the organisational domain by a DNS tree walk, RFC 7489 receivers by the public suffix list; when they disagree, the two kinds of receiver apply different policies or alignment.',
    message: (p: D & { treewalk: string; psl: string; treewalkPolicy: string; pslPolicy: string }) =>
      `The organisational domain of ${p.domain} is ${p.treewalk} by the RFC 9989 tree walk (policy from ${p.treewalkPolicy}) but ${p.psl} by the public suffix list (policy from ${p.pslPolicy}).`,
    fix: (p: D & { psl: string }) =>
      `Publish a record of your own at _dmarc.${p.psl} (with psd=n to mark it as the organisational domain) so both kinds of receiver agree.`,
  },
});
