import { factOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { DkimEvidence } from './check.ts';

const found = (s: { readonly selectors?: readonly unknown[] }) => (s.selectors?.length ?? 0) > 0;

export const dkimStatistics: StatisticsContribution<DkimEvidence> = {
  keys: [
    // a key found is found, whatever another selector's lookup did
    factOf('dkim.found', 'mx', (s) => (found(s) ? true : null)),
    // `_domainkey.<domain>` exists (RFC 8020), or a key was found
    factOf('dkim.maybe', 'mx', (s) => (s.domainkeyNode === true || found(s) ? true : null)),
  ],
};
