import { deployed, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { SecurityTxtEvidence } from './check.ts';

export const securityTxtStatistics: StatisticsContribution<SecurityTxtEvidence> = {
  keys: [
    keyOf('securityTxt.present', 'all', deployed),
    keyOf('securityTxt.valid', 'all', (s) => s.status === 'pass' || s.status === 'warn'),
  ],
};
