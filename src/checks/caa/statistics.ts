import { factOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { CaaEvidence } from './check.ts';

export const caaStatistics: StatisticsContribution<CaaEvidence> = {
  keys: [factOf('caa.present', 'all', (s) => ((s.records?.length ?? 0) > 0 ? true : null))],
};
