import { factOf, hasRecord, ofRecord, type StatisticsContribution } from '../../core/statistics.ts';
import type { SpfEvidence } from './check.ts';

/**
 * The `all` that ends the evaluated path: read from the record (and an evaluated redirect's
 * target). Undecided only when it is unknown — a redirect whose target could not be looked up.
 */
const all = (key: string, value: SpfEvidence['all']) =>
  factOf<SpfEvidence>(key, 'mx', (s) => {
    if (!hasRecord(s)) return null;
    if (s.all !== null && s.all !== undefined) return s.all === value;
    return s.status === 'error' && typeof s.redirect === 'string' ? null : false;
  });

// every key reads the record: an include whose lookup fails leaves the record as it is
export const spfStatistics: StatisticsContribution<SpfEvidence> = {
  keys: [
    factOf(
      'spf.present',
      'mx',
      ofRecord(() => true),
    ),
    all('spf.hardfail', '-all'),
    all('spf.softfail', '~all'),
    all('spf.neutral', '?all'),
    all('spf.passAll', '+all'),
    factOf(
      'spf.redirect',
      'mx',
      ofRecord((s) => typeof s.redirect === 'string' && s.redirect !== ''),
    ),
    // exactly `v=spf1 -all`, case and spacing ignored
    factOf(
      'spf.denyAll',
      'mx',
      ofRecord(
        (s) =>
          typeof s.record === 'string' &&
          s.record.trim().toLowerCase().split(/\s+/).join(' ') === 'v=spf1 -all',
      ),
    ),
    factOf(
      'spf.multiple',
      'mx',
      ofRecord((s) => (s.records?.length ?? 0) > 1),
    ),
    // over the limit is decided once 10 are counted; below it, a lookup that failed leaves the count unknown
    factOf('spf.tooManyLookups', 'mx', (s, doc) =>
      (typeof s.lookups === 'number' && s.lookups > 10) ||
      doc.findings.some((f) => f.id === 'spf.too-many-lookups')
        ? true
        : null,
    ),
  ],
};
