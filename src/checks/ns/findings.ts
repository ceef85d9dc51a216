import { defineFindings } from '../../core/finding.ts';

export const nsFindings = defineFindings('ns', {
  'not-delegated': {
    severity: 'error',
    why: 'Without NS records at the domain nothing below it can be found reliably; a delegated domain always has them.',
    message: (p: { domain: string; rcode: string }) =>
      p.rcode === 'NXDOMAIN'
        ? `${p.domain} does not exist (NXDOMAIN), so it has no name servers.`
        : `${p.domain} has no NS records: it is not a zone apex (not delegated), or the delegation is broken.`,
    fix: () => 'Check the delegation at your registrar: it must name at least two working name servers.',
  },
  'not-zone-apex': {
    severity: 'info',
    why: 'NS records belong to a zone apex; a name inside a zone (a host or subdomain without its own delegation) is served by its zone’s name servers, which are judged when the zone itself is checked.',
    message: (p: { domain: string; zone: string | null; hosts: string }) =>
      p.zone
        ? `${p.domain} is not a zone apex: it belongs to the zone ${p.zone}${p.hosts ? `, served by ${p.hosts}` : ''}.`
        : `${p.domain} is not a zone apex, and the zone it belongs to could not be found.`,
    fix: (p: { zone: string | null }) =>
      p.zone ? `Check the zone itself: mailsec check ${p.zone} --only ns.` : 'Run the check again later.',
  },
  'single-ns': {
    severity: 'warning',
    why: 'With one name server, a single outage makes the whole domain, and its mail, unreachable (RFC 2182 §5 asks for at least two).',
    message: (p: { host: string }) => `Only one name server is published: ${p.host}.`,
    fix: () => 'Add a second name server, ideally in another network, and list both at the registrar.',
  },
  'ns-unresolvable': {
    severity: 'warning',
    why: 'A name server whose name has no address cannot answer; resolvers waste time on it or fail.',
    message: (p: { host: string }) => `The name server ${p.host} has no A or AAAA record.`,
    fix: (p: { host: string }) =>
      `Publish an address for ${p.host} or remove it from the NS set and the delegation.`,
  },
  'ns-undetermined': {
    severity: 'warning',
    why: 'A failed lookup tells nothing about the name server; it was not judged.',
    message: (p: { host: string; reason: string }) =>
      `The addresses of name server ${p.host} could not be determined: ${p.reason}.`,
    fix: () => 'Run the check again; if it persists, check the name server’s own zone.',
  },
  'no-ipv6': {
    severity: 'info',
    why: 'Name servers reachable over IPv6 keep the domain resolvable for IPv6-only networks.',
    message: () => 'None of the name servers has an IPv6 address.',
    fix: () => 'Ask your DNS host for name servers with AAAA records.',
  },
});
