import { defineFindings } from '../../core/finding.ts';

/** Facts about the Microsoft endpoint records; failures use `<check>.undetermined`. */
const facts = (check: string) =>
  defineFindings(check, {
    'microsoft-online': {
      severity: 'info',
      why: 'The record points to Microsoft’s online service, so this part of the domain is hosted by Microsoft 365.',
      message: (p: { name: string; target: string }) => `${p.name} points to ${p.target} (Microsoft 365).`,
    },
  });

export const autodiscoverFindings = facts('autodiscover');
export const lyncdiscoverFindings = facts('lyncdiscover');
export const sipFederationFindings = facts('sipFederation');
