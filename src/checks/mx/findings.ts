import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import { NULL_MX, serialiseMx } from './serialise.ts';

type Host = { exchange: string };

export const mxFindings = defineFindings('mx', {
  'no-mx': {
    severity: 'info',
    why: 'Without MX records senders deliver to the domain’s A/AAAA address (RFC 5321 §5.1), which is rarely a mail server.',
    message: (p: { domain: string; implicit: boolean }) =>
      p.implicit
        ? `${p.domain} has no MX records; mail goes to its A/AAAA address instead (implicit MX).`
        : `${p.domain} has no MX records and no address: it cannot receive mail.`,
    fix: (p: { domain: string }) =>
      `If ${p.domain} receives mail: ${recordText(`${p.domain}.`, 'MX', serialiseMx({ preference: 10, exchange: `mail.${p.domain}` }))}  If it never does: ${recordText(`${p.domain}.`, 'MX', serialiseMx(NULL_MX))}  (Null MX, RFC 7505; mailsec generate parked)`,
  },
  'domain-not-found': {
    severity: 'error',
    why: 'A name that does not exist cannot receive mail.',
    message: (p: { domain: string }) => `${p.domain} does not exist (NXDOMAIN).`,
    fix: () => 'Check the spelling, or register and delegate the domain.',
  },
  'null-mx-mixed': {
    severity: 'error',
    why: 'RFC 7505 §3: a Null MX says "no mail here" and must be the only MX; mixed with others, senders behave unpredictably.',
    message: (p: { others: string }) =>
      `A Null MX ("MX 0 .") is published beside other MX records: ${p.others}.`,
    fix: () =>
      'Remove the Null MX if the domain receives mail, or remove the other MX records if it does not.',
  },
  'null-mx-preference': {
    severity: 'warning',
    why: 'RFC 7505 §3 defines the Null MX with preference 0.',
    message: (p: { preference: number; domain: string }) =>
      `The Null MX has preference ${p.preference} instead of 0.`,
    fix: (p: { domain: string }) => recordText(`${p.domain}.`, 'MX', serialiseMx(NULL_MX)),
  },
  localhost: {
    severity: 'error',
    why: 'An MX pointing at localhost makes senders deliver to themselves: mail loops or bounces.',
    message: (p: Host & { addresses: string }) =>
      `The MX ${p.exchange} points to localhost${p.addresses ? ` (${p.addresses})` : ''}.`,
    fix: () =>
      'Point the MX at your real mail server, or publish a Null MX ("MX 0 .") if the domain takes no mail.',
  },
  private: {
    severity: 'error',
    why: 'A private or special-purpose address cannot be reached from the internet: mail to this MX fails.',
    message: (p: Host & { addresses: string }) =>
      `The MX ${p.exchange} resolves only to special-purpose addresses (${p.addresses}).`,
    fix: (p: Host) => `Publish the public address of ${p.exchange}.`,
  },
  'ip-literal': {
    severity: 'warning',
    why: 'RFC 5321 §5.1 and RFC 7505: an MX must name a host, not an address; most senders look the digits up as a name and fail.',
    message: (p: Host & { domain: string }) =>
      `The MX exchange "${p.exchange}" is an IP address, not a host name.`,
    fix: (p: Host & { domain: string }) =>
      `mail.${p.domain}. A <address>  and  ${p.domain}. MX 10 mail.${p.domain}.`,
  },
  cname: {
    severity: 'warning',
    why: 'RFC 2181 §10.3 forbids an MX that points to an alias (CNAME); some senders refuse it.',
    message: (p: Host & { target: string; domain: string; preference: number }) =>
      `The MX ${p.exchange} is an alias (CNAME to ${p.target}).`,
    fix: (p: Host & { target: string; domain: string; preference: number }) =>
      `${p.domain}. MX ${p.preference} ${p.target}.`,
  },
  unresolvable: {
    severity: 'error',
    why: 'An MX host without A/AAAA records cannot receive mail; senders try it, fail and move on (or bounce if it is the only one).',
    message: (p: Host) => `The MX ${p.exchange} has no A or AAAA record.`,
    fix: (p: Host) => `Publish an address for ${p.exchange}, or remove that MX record.`,
  },
  'address-undetermined': {
    severity: 'warning',
    why: 'A failed lookup says nothing about the host: it was not judged.',
    message: (p: Host & { reason: string }) =>
      `The addresses of MX ${p.exchange} could not be determined: ${p.reason}.`,
    fix: () => 'Run the check again; if it persists, check the zone that holds the MX host.',
  },
  'duplicate-exchange': {
    severity: 'warning',
    why: 'The same host listed twice adds no redundancy.',
    message: (p: Host) => `The MX host ${p.exchange} is listed more than once.`,
    fix: () => 'Remove the duplicate MX record.',
  },
  'no-deliverable-mx': {
    severity: 'error',
    why: 'None of the MX hosts can receive mail from the internet, so mail to this domain fails.',
    message: (p: { domain: string }) => `No MX host of ${p.domain} has a usable public address.`,
    fix: () => 'Publish at least one MX host with a public A/AAAA record.',
  },
  'no-ptr': {
    severity: 'info',
    why: 'A PTR record that points back to the MX name helps diagnosis, and many receivers expect one from mail servers that also send.',
    message: (p: Host & { address: string }) =>
      `The MX address ${p.address} (${p.exchange}) has no PTR record.`,
    fix: (p: Host & { address: string }) =>
      `Ask the owner of ${p.address} to publish a PTR for ${p.exchange}.`,
  },
  'ptr-not-confirmed': {
    severity: 'warning',
    why: 'Forward-confirmed reverse DNS (the PTR name resolves back to the address) is what receivers check; a mismatch looks forged.',
    message: (p: Host & { address: string; names: string }) =>
      `The PTR of ${p.address} (${p.exchange}) is ${p.names}, which does not resolve back to ${p.address}.`,
    fix: (p: Host & { address: string }) =>
      `Set the PTR of ${p.address} to ${p.exchange} (it resolves to ${p.address}).`,
  },
});
