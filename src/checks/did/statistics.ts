import { factOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { DidEvidence } from './check.ts';

const served = (s: { readonly url?: string | null }) => typeof s.url === 'string' && s.url !== '';

export const didStatistics: StatisticsContribution<DidEvidence> = {
  keys: [
    // a DID configuration is served at /.well-known/did-configuration.json (whether its DID
    // documents answered or not)
    factOf('did.present', 'all', (s) => (served(s) ? true : null)),
    // over the domains that serve one: every domain linkage verified against its did:web key
    {
      key: 'did.verified',
      over: 'all',
      within: 'did.present',
      verdict(s) {
        if (!s) return 'skipped';
        if (s.verified === true) return 'yes';
        if ((s.linkages ?? []).some((l) => l.undetermined) || (s.status === 'error' && !s.linkages?.length))
          return 'error';
        return 'no';
      },
    },
  ],
};
