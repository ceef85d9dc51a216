import { defineFindings } from '../core/finding.ts';

/**
 * Findings about the name itself rather than one check (`check: "domain"`): they come from the
 * audit, before any check runs.
 */
export const domainFindings = defineFindings('domain', {
  'not-found': {
    severity: 'error',
    why: 'A name that does not exist (NXDOMAIN) has no mail, web or DNS records to judge: every check but DNSSEC is skipped, and nothing is proposed for publishing.',
    message: (p: { domain: string; proven: boolean }) =>
      `${p.domain} does not exist (NXDOMAIN${p.proven ? ', proven by a validated DNSSEC denial' : ''}).`,
    fix: (p: { domain: string }) =>
      `Check the spelling of ${p.domain}; if it is yours, register it and delegate it to your name servers.`,
  },
});
