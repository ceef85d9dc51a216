import { keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { DkimEvidence } from './check.ts';

export const dkimStatistics: StatisticsContribution<DkimEvidence> = {
  keys: [
    keyOf('dkim.found', 'mx', (s) => (s.selectors?.length ?? 0) > 0),
    // `_domainkey.<domain>` exists (RFC 8020), or a key was found
    keyOf('dkim.maybe', 'mx', (s) => s.domainkeyNode === true || (s.selectors?.length ?? 0) > 0),
  ],
};
