import { keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { DnssecEvidence } from './check.ts';

export const dnssecStatistics: StatisticsContribution<DnssecEvidence> = {
  keys: [
    keyOf('dnssec.signed', 'all', (s) => s.validation === 'secure'),
    keyOf('dnssec.bogus', 'all', (s) => s.validation === 'bogus'),
  ],
};
