import {
  factOf,
  hasRecord,
  keyOf,
  ofRecord,
  type StatisticsContribution,
  type StoredSection,
  type Verdict,
} from '../../core/statistics.ts';
import type { MtaStsEvidence } from './check.ts';

const enforce = keyOf<MtaStsEvidence>('mtaSts.enforce', 'mx', (s) => s.policy?.mode === 'enforce');

/** the findings that say the policy was not fetched for a reason of the domain's own (a "no") */
const POLICY_BROKEN =
  /^mtaSts\.(policy-(certificate|too-large|unreachable|redirect|status|syntax)|mx-not-covered|mx-certificate)/;

/**
 * `mtaSts.enforceReady`: the policy would deliver mail under `mode: enforce` today — fetched, every
 * MX matches a pattern and presents a certificate RFC 8461 §4.2 accepts (whatever the mode is now).
 */
function enforceReady(
  s: StoredSection<MtaStsEvidence> | undefined,
  findings: readonly { id: string }[],
): Verdict {
  if (!s) return 'skipped';
  if (s.enforceReady === true) return 'yes';
  if (s.enforceReady === false) return 'no';
  if (s.policyFetched && !s.policy) return 'no'; // fetched, not a valid policy
  if (findings.some((f) => POLICY_BROKEN.test(f.id))) return 'no';
  if (s.status === 'error') return 'error';
  // not fetched (--no-http), or the MX certificates not probed (--no-smtp)
  return 'skipped';
}

export const mtaStsStatistics: StatisticsContribution<MtaStsEvidence> = {
  keys: [
    // the TXT record: a policy host that is down does not remove it
    factOf(
      'mtaSts.present',
      'mx',
      ofRecord(() => true),
    ),
    {
      key: enforce.key,
      over: 'mx',
      // a TXT record whose policy was not fetched (--no-http) is not tested, not "no"
      verdict: (s, doc) =>
        s && hasRecord(s) && s.policyFetched === false && s.status !== 'fail' && s.status !== 'error'
          ? 'skipped'
          : enforce.verdict(s, doc),
    },
    {
      key: 'mtaSts.enforceReady',
      over: 'mx',
      within: 'mtaSts.present',
      verdict: (s, doc) => enforceReady(s, doc.findings),
    },
  ],
};
