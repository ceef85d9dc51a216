import { hasRecord, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { DmarcEvidence } from './check.ts';

const policy = (key: string, p: string) => keyOf<DmarcEvidence>(key, 'mx', (s) => s.policy === p);

export const dmarcStatistics: StatisticsContribution<DmarcEvidence> = {
  keys: [
    keyOf('dmarc.present', 'mx', hasRecord),
    policy('dmarc.none', 'none'),
    policy('dmarc.quarantine', 'quarantine'),
    policy('dmarc.reject', 'reject'),
    keyOf('dmarc.rua', 'mx', (s) => (s.rua?.length ?? 0) > 0),
  ],
};
