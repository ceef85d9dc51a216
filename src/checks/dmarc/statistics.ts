import { factOf, ofRecord, type StatisticsContribution } from '../../core/statistics.ts';
import type { DmarcEvidence, ReportDestination } from './check.ts';

// every key reads the record: a report-destination lookup that failed leaves the record as it is
const policy = (key: string, p: string) =>
  factOf<DmarcEvidence>(
    key,
    'mx',
    ofRecord((s) => s.policy === p),
  );

/** an external rua destination without its authorisation record (RFC 7489 §7.1); null: undetermined */
function unauthorised(rua: readonly ReportDestination[] | undefined): boolean | null {
  const external = (rua ?? []).filter((d) => d.external);
  if (external.some((d) => d.authorised === false)) return true;
  if (external.some((d) => d.authorised === null)) return null;
  return false;
}

export const dmarcStatistics: StatisticsContribution<DmarcEvidence> = {
  keys: [
    factOf(
      'dmarc.present',
      'mx',
      ofRecord(() => true),
    ),
    policy('dmarc.none', 'none'),
    policy('dmarc.quarantine', 'quarantine'),
    policy('dmarc.reject', 'reject'),
    factOf(
      'dmarc.rua',
      'mx',
      ofRecord((s) => (s.rua?.length ?? 0) > 0),
    ),
    // over the domains that ask for aggregate reports: an external destination that has not
    // agreed to receive them (its `<domain>._report._dmarc.<host>` record is missing), so
    // receivers that check send no reports there
    {
      key: 'dmarc.ruaUnauthorised',
      over: 'mx',
      within: 'dmarc.rua',
      verdict(s) {
        if (!s) return 'skipped';
        const u = unauthorised(s.rua);
        if (u !== null) return u ? 'yes' : 'no';
        return s.status === 'skipped' ? 'skipped' : 'error';
      },
    },
  ],
};
