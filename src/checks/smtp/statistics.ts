import type {
  DocumentView,
  StatisticKey,
  StatisticsContribution,
  StoredSection,
  Verdict,
} from '../../core/statistics.ts';
import type { SmtpEvidence, StarttlsSupport } from './check.ts';
import { bannerSoftware, issuerName } from './software.ts';

type S = StoredSection<SmtpEvidence> | undefined;

function starttls(key: string, v: StarttlsSupport): StatisticKey<SmtpEvidence> {
  return {
    key,
    over: 'mx',
    verdict(s: S): Verdict {
      if (!s || s.starttlsSupport === 'skipped' || s.status === 'skipped') return 'skipped';
      if (s.starttlsSupport === 'error' || s.status === 'error') return 'error';
      return s.starttlsSupport === v ? 'yes' : 'no';
    },
  };
}

/** The MX RRset names no host mail could be delivered to: only Null MX and localhost targets. */
function noMxHost(doc: DocumentView): boolean {
  const records = ((doc.mx as { records?: unknown } | undefined)?.records ?? []) as { kind?: string }[];
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => r.kind === 'null' || r.kind === 'localhost')
  );
}

/** `dane.present`: an MX host has TLSA records; `dane.valid`: among those, one valid and none invalid. */
function dane(valid: boolean): StatisticKey<SmtpEvidence> {
  return {
    key: valid ? 'dane.valid' : 'dane.present',
    over: 'mx',
    verdict(s: S, doc: DocumentView): Verdict {
      if (!s) return 'skipped';
      const hosts = s.hosts ?? [];
      const withTlsa = hosts.filter((h) => (h.dane?.records?.length ?? 0) > 0);
      if (!valid) {
        // a DNS fact: the TLSA lookups decide, not the SMTP connections (an MX host that refused
        // or timed out still has or lacks TLSA records; issue 11)
        if (withTlsa.length) return 'yes';
        if (hosts.some((h) => h.dane?.dnssec === 'error')) return 'error';
        if (hosts.length === 0) {
          // a Null MX or localhost-only domain has no MX host that could publish TLSA: "no", not
          // "not tested" (it is in the denominator, and dane.valid already says "no" for it)
          if (noMxHost(doc)) return 'no';
          if (s.status === 'error') return 'error';
          if (s.status === 'skipped') return 'skipped';
        }
        return 'no';
      }
      // no TLSA records (the lookups answered): no DANE, whatever the connections did
      if (!withTlsa.length) return hosts.some((h) => h.dane?.dnssec === 'error') ? 'error' : 'no';
      const st = withTlsa.map((h) => h.dane?.status);
      if (st.includes('invalid')) return 'no';
      if (st.includes('error')) return 'error';
      if (st.every((x) => x === 'skipped')) return 'skipped';
      return st.includes('valid') ? 'yes' : 'no';
    },
  };
}

/**
 * `dane.invalid`, over the domains with TLSA: an MX host's TLSA records match none of the
 * certificates it presents, so a DANE-validating sender (RFC 7672 §2.2) does not deliver to it.
 */
const daneInvalid: StatisticKey<SmtpEvidence> = {
  key: 'dane.invalid',
  over: 'mx',
  within: 'dane.present',
  verdict(s: S): Verdict {
    if (!s) return 'skipped';
    const st = (s.hosts ?? []).filter((h) => (h.dane?.records?.length ?? 0) > 0).map((h) => h.dane?.status);
    if (st.includes('invalid')) return 'yes';
    if (st.includes('error')) return 'error';
    if (!st.length || st.every((x) => x === 'skipped')) return s.status === 'error' ? 'error' : 'skipped';
    return 'no';
  },
};

export const smtpStatistics: StatisticsContribution<SmtpEvidence> = {
  keys: [
    starttls('starttls.all', 'all'),
    starttls('starttls.some', 'some'),
    starttls('starttls.none', 'none'),
    dane(false),
    dane(true),
    daneInvalid,
  ],
  shares: [
    {
      // the certificate issuer's organisation seen on the domain's MX hosts
      share: 'issuers',
      over: 'seen',
      names: (s) => [
        ...new Set(
          (s?.hosts ?? []).flatMap((h) => (h.certificate?.issuer ? [issuerName(h.certificate.issuer)] : [])),
        ),
      ],
    },
    {
      // the MTA named by the 220 banner
      share: 'software',
      over: 'seen',
      names: (s) => [
        ...new Set(
          (s?.hosts ?? []).flatMap((h) =>
            typeof h.banner === 'string' && h.banner !== '' ? [bannerSoftware(h.banner)] : [],
          ),
        ),
      ],
    },
  ],
};
