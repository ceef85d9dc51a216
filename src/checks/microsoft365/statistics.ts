import { factOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { Microsoft365Evidence } from './check.ts';

export const microsoft365Statistics: StatisticsContribution<Microsoft365Evidence> = {
  // the tenant id Microsoft's OpenID configuration names: known even when the realm lookup (the
  // second endpoint) could not be made
  keys: [
    factOf('m365.tenant', 'all', (s) => (typeof s.tenantId === 'string' && s.tenantId !== '' ? true : null)),
  ],
};
