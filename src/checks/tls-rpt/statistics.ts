import { hasRecord, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { TlsRptEvidence } from './check.ts';

export const tlsRptStatistics: StatisticsContribution<TlsRptEvidence> = {
  keys: [keyOf('tlsRpt.present', 'mx', hasRecord)],
};
