import { hasRecord, keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { SpfEvidence } from './check.ts';

const all = (key: string, value: SpfEvidence['all']) => keyOf<SpfEvidence>(key, 'mx', (s) => s.all === value);

export const spfStatistics: StatisticsContribution<SpfEvidence> = {
  keys: [
    keyOf('spf.present', 'mx', hasRecord),
    all('spf.hardfail', '-all'),
    all('spf.softfail', '~all'),
    all('spf.neutral', '?all'),
    all('spf.passAll', '+all'),
    keyOf('spf.redirect', 'mx', (s) => typeof s.redirect === 'string' && s.redirect !== ''),
    // exactly `v=spf1 -all`, case and spacing ignored
    keyOf(
      'spf.denyAll',
      'mx',
      (s) =>
        typeof s.record === 'string' &&
        s.record.trim().toLowerCase().split(/\s+/).join(' ') === 'v=spf1 -all',
    ),
    keyOf('spf.multiple', 'mx', (s) => (s.records?.length ?? 0) > 1),
    keyOf(
      'spf.tooManyLookups',
      'mx',
      (s, doc) =>
        (typeof s.lookups === 'number' && s.lookups > 10) ||
        doc.findings.some((f) => f.id === 'spf.too-many-lookups'),
    ),
  ],
};
