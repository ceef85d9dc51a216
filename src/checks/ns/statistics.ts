import type { StatisticsContribution } from '../../core/statistics.ts';
import { registrableDomain } from '../../protocol/psl.ts';
import type { NsEvidence } from './check.ts';

export const nsStatistics: StatisticsContribution<NsEvidence> = {
  keys: [],
  shares: [
    {
      // the DNS operator: the registrable domain of each NS host, over all domains (the Swiss
      // report's "NS → Hostpoint")
      share: 'dnsProviders',
      over: 'all',
      names(s) {
        const out = new Set<string>();
        for (const h of s?.hosts ?? []) {
          const name = h.name.toLowerCase().replace(/\.$/, '');
          if (name) out.add(registrableDomain(name) ?? name);
        }
        return [...out];
      },
    },
  ],
};
