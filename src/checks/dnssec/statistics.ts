import { keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { DnssecEvidence } from './check.ts';

const signed = keyOf<DnssecEvidence>('dnssec.signed', 'all', (s) => s.validation === 'secure');

export const dnssecStatistics: StatisticsContribution<DnssecEvidence> = {
  keys: [
    {
      key: 'dnssec.signed',
      over: 'all',
      // a name that does not exist (exists: false) has a validated denial at best, not a signed zone
      verdict: (s, doc) => (doc.exists === false ? 'skipped' : signed.verdict(s, doc)),
    },
    keyOf('dnssec.bogus', 'all', (s) => s.validation === 'bogus'),
  ],
};
