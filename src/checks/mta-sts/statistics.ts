import { hasRecord, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { MtaStsEvidence } from './check.ts';

const enforce = keyOf<MtaStsEvidence>('mtaSts.enforce', 'mx', (s) => s.policy?.mode === 'enforce');

export const mtaStsStatistics: StatisticsContribution<MtaStsEvidence> = {
  keys: [
    keyOf('mtaSts.present', 'mx', hasRecord),
    {
      key: enforce.key,
      over: 'mx',
      // a TXT record whose policy was not fetched (--no-http) is not tested, not "no"
      verdict: (s, doc) =>
        s && hasRecord(s) && s.policyFetched === false && s.status !== 'fail'
          ? 'skipped'
          : enforce.verdict(s, doc),
    },
  ],
};
