import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import { SPF_SENDS_NOTHING, serialiseSpf, spfTerm } from './serialise.ts';

/** The SPF finding catalogue (RFC 7208). Ids are stable: never rename, only retire. */
export const spfFindings = defineFindings('spf', {
  'no-record': {
    severity: 'warning',
    why: 'Without SPF, receivers cannot tell your servers from forgers, and DMARC can only rely on DKIM.',
    message: (p: { domain: string }) =>
      `${p.domain} publishes no SPF record (no TXT record starting with "v=spf1").`,
    fix: (p: { domain: string }) =>
      `Publish the servers that send for ${p.domain}, e.g. ${recordText(`${p.domain}.`, 'TXT', serialiseSpf({ terms: [spfTerm.mx(), spfTerm.all('-')] }))} (mailsec generate spf --for ${p.domain} --reports DB lists them from DMARC reports); if it never sends mail: ${recordText(`${p.domain}.`, 'TXT', SPF_SENDS_NOTHING)}.`,
  },
  'multiple-records': {
    severity: 'error',
    why: 'RFC 7208 §4.5: more than one SPF record is a permerror; receivers treat SPF as broken for all your mail.',
    message: (p: { domain: string; count: number; records: string }) =>
      `${p.domain} publishes ${p.count} SPF records: ${p.records}.`,
    fix: () => 'Merge them into one TXT record starting with "v=spf1" and delete the others.',
  },
  syntax: {
    severity: 'error',
    why: 'RFC 7208 §4.6: a syntax error anywhere in the record makes every check a permerror.',
    message: (p: {
      domain: string;
      record: string;
      at: number;
      text: string;
      problem: string;
      hint: string;
    }) =>
      `The SPF record of ${p.domain} has a syntax error at position ${p.at + 1} (${p.problem}: "${p.text}") in "${p.record}".`,
    fix: (p: { hint: string }) => p.hint,
  },
  'unknown-modifier': {
    severity: 'info',
    why: 'RFC 7208 §6: receivers ignore unknown modifiers; it may be a typo of redirect= or exp=.',
    message: (p: { domain: string; term: string }) =>
      `The SPF record of ${p.domain} holds the unknown modifier "${p.term}".`,
    fix: (p: { term: string }) => `Remove "${p.term}" unless a tool of yours reads it.`,
  },
  'too-many-lookups': {
    severity: 'error',
    why: 'RFC 7208 §4.6.4: receivers stop after 10 DNS-querying terms and treat SPF as broken (permerror) for all your mail.',
    message: (p: { count: number | string; worst: string }) =>
      `SPF needs ${p.count} DNS lookups; the limit is 10 (RFC 7208 §4.6.4).`,
    fix: (p: { worst: string }) =>
      `Remove or flatten includes, starting with ${p.worst}; ip4:/ip6: terms cost no lookup, and a, mx, ptr and exists each cost one.`,
  },
  'void-lookups': {
    severity: 'error',
    why: 'RFC 7208 §4.6.4: more than two lookups that find nothing (NXDOMAIN or no records) make SPF a permerror.',
    message: (p: { count: number; terms: string }) =>
      `SPF has ${p.count} void lookups (the limit is 2): ${p.terms}.`,
    fix: (p: { terms: string }) => `Remove the terms whose names do not exist or hold no record: ${p.terms}.`,
  },
  'void-lookups-within-limit': {
    severity: 'info',
    why: 'A term whose name does not exist or holds no record (a void lookup, RFC 7208 §4.6.4) authorises nothing: it is usually left over from a former provider, costs a lookup, and two more make SPF a permerror.',
    message: (p: { count: number; terms: string }) =>
      `SPF has ${p.count} void lookup${p.count === 1 ? '' : 's'} (within the limit of 2): ${p.terms}.`,
    fix: (p: { terms: string }) => `Remove the terms whose names do not exist or hold no record: ${p.terms}.`,
  },
  'include-no-spf': {
    severity: 'error',
    why: 'RFC 7208 §5.2: an include of a domain without exactly one SPF record is a permerror for every check.',
    message: (p: { term: string; target: string; what: string }) =>
      `"${p.term}" points to ${p.target}, which ${p.what}.`,
    fix: (p: { term: string }) =>
      `Remove "${p.term}", or correct the name to the provider’s documented SPF include.`,
  },
  'redirect-no-spf': {
    severity: 'error',
    why: 'RFC 7208 §6.1: a redirect to a domain without exactly one SPF record is a permerror.',
    message: (p: { term: string; target: string; what: string }) =>
      `"${p.term}" points to ${p.target}, which ${p.what}.`,
    fix: (p: { term: string }) => `Point "${p.term}" at a domain that publishes one SPF record.`,
  },
  'include-loop': {
    severity: 'error',
    why: 'An include or redirect that leads back to a domain already on the path never ends: receivers hit the 10-lookup limit (permerror).',
    message: (p: { path: string; term: string }) => `SPF includes loop: ${p.path}.`,
    fix: (p: { term: string }) => `Remove "${p.term}" from the record that closes the loop.`,
  },
  'mx-too-many-hosts': {
    severity: 'error',
    why: 'RFC 7208 §4.6.4: an mx term whose MX set has more than 10 hosts is a permerror.',
    message: (p: { term: string; domain: string; count: number }) =>
      `"${p.term}" in ${p.domain} covers ${p.count} MX hosts; the limit is 10.`,
    fix: (p: { term: string }) => `Replace "${p.term}" with ip4:/ip6: terms for the sending hosts.`,
  },
  'plus-all': {
    severity: 'error',
    why: '"+all" authorises every address on the internet to send as you: SPF then protects nothing.',
    message: (p: { domain: string; all: string }) => `The SPF policy of ${p.domain} ends in "${p.all}".`,
    fix: () => 'End the record with "-all" (or "~all" while you collect DMARC reports).',
  },
  'passes-everyone': {
    severity: 'error',
    why: 'RFC 7208 §5.2: an included record that passes every address (its "+all", or a /0 network) makes the include match every address, so every host on the internet passes the SPF check, whatever "all" ends your record.',
    message: (p: { term: string; domain: string; root: string }) =>
      `"${p.term}" in ${p.domain} matches every address, so the SPF policy of ${p.root} passes mail from any host.`,
    fix: (p: { term: string; domain: string; root: string }) =>
      p.domain === p.root
        ? `Replace "${p.term}" with ip4:/ip6: terms for the hosts that send your mail.`
        : `Remove the include that reaches ${p.domain}, or have its owner replace "${p.term}" with "~all" or "-all".`,
  },
  'neutral-all': {
    severity: 'warning',
    why: '"?all" says nothing about unlisted senders: forged mail gets a neutral result and is rarely rejected.',
    message: (p: { domain: string }) => `The SPF policy of ${p.domain} ends in "?all" (neutral).`,
    fix: () => 'End the record with "-all" (or "~all" while you collect DMARC reports).',
  },
  'no-all': {
    severity: 'warning',
    why: 'RFC 7208 §4.7: without "all" or "redirect=", unlisted senders get neutral, as with "?all".',
    message: (p: { domain: string; record: string }) =>
      `The SPF record of ${p.domain} ends without "all": "${p.record}".`,
    fix: (p: { record: string }) => `Append "-all": "${p.record} -all".`,
  },
  ptr: {
    severity: 'warning',
    why: 'RFC 7208 §5.5: "ptr" is slow, unreliable and SHOULD NOT be published; some receivers ignore it.',
    message: (p: { domain: string; term: string }) => `The SPF record of ${p.domain} uses "${p.term}".`,
    fix: (p: { term: string }) => `Replace "${p.term}" with ip4:/ip6: terms or "a:" for the sending hosts.`,
  },
  'p-macro': {
    severity: 'warning',
    why: 'RFC 7208 §7.3: %{p} needs slow reverse lookups and SHOULD NOT be used.',
    message: (p: { domain: string; term: string }) =>
      `The SPF record of ${p.domain} uses %{p} in "${p.term}".`,
    fix: () => 'Use %{i} (the client address) or list the hosts explicitly.',
  },
  'redirect-ignored': {
    severity: 'warning',
    why: 'RFC 7208 §6.1: "redirect=" applies only when no mechanism matches, and "all" always matches: the redirect is dead.',
    message: (p: { domain: string; term: string }) =>
      `In the SPF record of ${p.domain}, "${p.term}" is ignored because the record has "all".`,
    fix: (p: { term: string }) => `Remove "${p.term}", or remove "all" if the redirect target should decide.`,
  },
  'terms-after-all': {
    severity: 'warning',
    why: 'Evaluation stops at "all", so terms after it never apply.',
    message: (p: { domain: string; terms: string }) =>
      `In the SPF record of ${p.domain}, these terms follow "all" and never apply: ${p.terms}.`,
    fix: () => 'Move them before "all", or remove them.',
  },
  'duplicate-include': {
    severity: 'warning',
    why: 'The same include twice costs lookups (RFC 7208 §4.6.4) and changes nothing.',
    message: (p: { domain: string; term: string }) =>
      `The SPF record of ${p.domain} holds "${p.term}" more than once.`,
    fix: (p: { term: string }) => `Keep one "${p.term}".`,
  },
  'record-too-long': {
    severity: 'warning',
    why: 'Answers above 512 octets need EDNS or TCP; some receivers then fail to get the record (keep SPF under about 450 octets).',
    message: (p: { domain: string; size: number }) =>
      `The SPF record of ${p.domain} is ${p.size} octets long.`,
    fix: () => 'Shorten it: replace lists of ip4: terms by an include of a subdomain that holds them.',
  },
  'spf-rr-type': {
    severity: 'warning',
    why: 'RFC 7208 §3.1 and §14.1: the SPF record type (99) is obsolete and receivers do not read it; only the TXT record counts, and two copies drift apart.',
    message: (p: { domain: string; record: string }) =>
      `${p.domain} publishes an SPF-type (99) record "${p.record}".`,
    fix: () => 'Delete the SPF-type record and keep the policy in one TXT record.',
  },
  'not-selected': {
    severity: 'warning',
    why: 'RFC 7208 §4.5: only a TXT record that starts exactly with "v=spf1" followed by a space (or nothing) is SPF; receivers ignore this one.',
    message: (p: { domain: string; record: string }) =>
      `${p.domain} publishes "${p.record}", which looks like SPF but is not read as SPF.`,
    fix: () => 'Start the record exactly with "v=spf1 " (no leading space or quote, not "v=spf10").',
  },
  'sender-id': {
    severity: 'info',
    why: 'Sender ID (spf2.0, RFC 4406) is experimental and abandoned; receivers ignore it.',
    message: (p: { domain: string; record: string }) =>
      `${p.domain} still publishes the Sender ID record "${p.record}".`,
    fix: () => 'Delete the spf2.0 record; the v=spf1 record is what receivers read.',
  },
  'unresolved-macro': {
    severity: 'info',
    why: 'Macro targets depend on the sender or client address; they are counted as one lookup each and their subtree is not followed.',
    message: (p: { domain: string; term: string; letters: string }) =>
      `"${p.term}" in ${p.domain} depends on ${p.letters}, known only when mail arrives.`,
  },
});
