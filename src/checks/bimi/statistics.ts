import { factOf, ofRecord, type StatisticsContribution } from '../../core/statistics.ts';
import type { BimiEvidence } from './check.ts';

// both from the DNS record: a logo or certificate fetch that fails (the web host is down) makes
// the section "could not test", but the record is there and says what it says
export const bimiStatistics: StatisticsContribution<BimiEvidence> = {
  keys: [
    factOf(
      'bimi.present',
      'mx',
      ofRecord(() => true),
    ),
    factOf(
      'bimi.withCertificate',
      'mx',
      ofRecord((s) => typeof s.authority === 'string' && s.authority !== ''),
    ),
  ],
};
