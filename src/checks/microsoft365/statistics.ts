import { keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { Microsoft365Evidence } from './check.ts';

export const microsoft365Statistics: StatisticsContribution<Microsoft365Evidence> = {
  keys: [keyOf('m365.tenant', 'all', (s) => typeof s.tenantId === 'string' && s.tenantId !== '')],
};
