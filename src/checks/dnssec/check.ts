import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import type { Status } from '../../core/status.ts';
import { statusFrom } from '../../core/status.ts';
import type { Answer, DnskeyRecord, DsRecord, SoaRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import { dnssecFindings } from './findings.ts';

export type Validation = 'secure' | 'insecure' | 'bogus' | 'indeterminate';

export interface DnssecGathered {
  readonly domain: string;
  readonly resolver: string;
  readonly resolverValidates: boolean;
  readonly soa?: Answer<SoaRecord>;
  /** the same question with CD=1, asked only when the first one failed */
  readonly soaUnchecked?: Answer<SoaRecord>;
  readonly dnskey?: Answer<DnskeyRecord>;
  readonly ds?: Answer<DsRecord>;
}

export interface DnssecEvidence {
  validation: Validation | null;
  resolverValidates: boolean;
  /** the domain exists (SOA asked: NOERROR) */
  exists: boolean | null;
  dnskeys: number;
  ds: { keyTag: number; algorithm: number; digestType: number }[];
  algorithms: number[];
}

/** RFC 8624 §3.1: algorithms that must not or should not be used for signing. */
const DEPRECATED_ALGORITHMS: Record<number, string> = {
  1: 'RSAMD5',
  3: 'DSA',
  5: 'RSASHA1',
  6: 'DSA-NSEC3-SHA1',
  7: 'RSASHA1-NSEC3-SHA1',
  12: 'ECC-GOST',
};

const STATUS: Record<Validation, Status> = {
  secure: 'pass',
  insecure: 'absent',
  bogus: 'fail',
  indeterminate: 'error',
};

/** Classifies as RFC 4035 §4.3 does, from the AD bit and a CD=1 re-query. Pure. */
export function classify(g: DnssecGathered): Validation | null {
  if (!g.soa) return null;
  if (!g.resolverValidates)
    return g.soa.rcode === 'TIMEOUT' || g.soa.rcode === 'NETERROR' ? 'indeterminate' : null;
  if (g.soa.rcode === 'NOERROR' || g.soa.rcode === 'NXDOMAIN')
    return g.soa.authenticated ? 'secure' : 'insecure';
  if (g.soa.rcode === 'SERVFAIL' && g.soaUnchecked && !isFailure(g.soaUnchecked)) return 'bogus';
  return 'indeterminate';
}

export function checkDnssec(g: DnssecGathered): CheckResult<DnssecEvidence> {
  const validation = classify(g);
  const dnskeys = g.dnskey?.records ?? [];
  const ds = g.ds?.records ?? [];
  const algorithms = [...new Set([...dnskeys.map((k) => k.algorithm), ...ds.map((d) => d.algorithm)])].sort(
    (a, b) => a - b,
  );
  const soa = g.soa?.rcode === 'SERVFAIL' && g.soaUnchecked ? g.soaUnchecked : g.soa;
  const evidence: DnssecEvidence = {
    validation,
    resolverValidates: g.resolverValidates,
    exists: soa && !isFailure(soa) ? soa.rcode === 'NOERROR' : null,
    dnskeys: dnskeys.length,
    ds: ds.map((d) => ({ keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType })),
    algorithms,
  };
  const findings: Finding[] = [];
  if (validation === null) {
    findings.push(dnssecFindings.make('resolver-not-validating', { resolver: g.resolver }));
    return { check: 'dnssec', status: statusFrom('skipped', findings), evidence, findings };
  }
  // a name that does not exist is reported once, by the audit (domain.not-found); here only
  // whether its denial validates (a bogus answer proves nothing: its NXDOMAIN, seen with CD=1, is
  // not a validated denial)
  if (validation === 'indeterminate') {
    findings.push(undetermined('dnssec', g.soa ? failureReason(g.soa) : 'no answer'));
  } else if (validation === 'bogus') {
    findings.push(dnssecFindings.make('bogus', { domain: g.domain }));
  } else if (validation === 'insecure' && evidence.exists !== false) {
    if (dnskeys.length > 0 && g.ds && g.ds.rcode !== 'SERVFAIL' && ds.length === 0) {
      findings.push(dnssecFindings.make('dnskey-without-ds', { domain: g.domain, keys: dnskeys.length }));
    } else {
      findings.push(dnssecFindings.make('unsigned', { domain: g.domain }));
    }
  }
  const weak = algorithms.filter((a) => DEPRECATED_ALGORITHMS[a]);
  if (validation === 'secure' && weak.length) {
    findings.push(
      dnssecFindings.make('weak-algorithm', {
        algorithms: weak.map((a) => `${a} ${DEPRECATED_ALGORITHMS[a]}`).join(', '),
      }),
    );
  }
  // interface.md: secure → pass (for a name that does not exist: its denial is validated),
  // insecure → absent, bogus → fail (also when the unvalidated answer is NXDOMAIN)
  return { check: 'dnssec', status: statusFrom(STATUS[validation], findings), evidence, findings };
}
