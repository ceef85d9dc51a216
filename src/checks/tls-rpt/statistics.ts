import { factOf, ofRecord, type StatisticsContribution } from '../../core/statistics.ts';
import type { TlsRptEvidence } from './check.ts';

export const tlsRptStatistics: StatisticsContribution<TlsRptEvidence> = {
  // the record: a report destination that could not be checked leaves it as it is
  keys: [
    factOf(
      'tlsRpt.present',
      'mx',
      ofRecord(() => true),
    ),
  ],
};
