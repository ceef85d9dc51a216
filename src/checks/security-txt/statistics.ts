import { deployed, factOf, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { SecurityTxtEvidence } from './check.ts';

export const securityTxtStatistics: StatisticsContribution<SecurityTxtEvidence> = {
  keys: [
    // a file was found (its URL is known): present, even when another fetch of the section could
    // not be made (the well-known location answered 5xx and the file came from the legacy one)
    factOf('securityTxt.present', 'all', (s) =>
      typeof s.url === 'string' && s.url !== '' ? true : deployed(s) ? true : null,
    ),
    keyOf('securityTxt.valid', 'all', (s) => s.status === 'pass' || s.status === 'warn'),
  ],
};
