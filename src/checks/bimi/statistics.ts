import { hasRecord, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { BimiEvidence } from './check.ts';

export const bimiStatistics: StatisticsContribution<BimiEvidence> = {
  keys: [
    keyOf('bimi.present', 'mx', hasRecord),
    keyOf('bimi.withCertificate', 'mx', (s) => typeof s.authority === 'string' && s.authority !== ''),
  ],
};
