import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { Answer } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import type { HostAddresses } from '../shared/addresses.ts';
import { nsFindings } from './findings.ts';

export interface NsGathered {
  readonly domain: string;
  readonly ns: Answer<string>;
  /** the name servers judged: the domain's own, or (not an apex) its zone's */
  readonly hosts: readonly HostAddresses[];
  /**
   * set when the name has no NS of its own and no SOA (or is an alias): it lies inside the zone
   * `zone` (null: not found). `failure`: the SOA lookup that would tell failed.
   */
  readonly notApex?: { readonly zone: string | null; readonly failure?: Answer<unknown> };
}

export interface NsEvidence {
  hosts: { name: string; addresses: string[] }[];
  /** the zone the name belongs to (itself at an apex); null when unknown */
  zone: string | null;
  /** whether the name is a zone apex; null when unknown */
  apex: boolean | null;
}

export function checkNs(g: NsGathered): CheckResult<NsEvidence> {
  const hosts = g.hosts.map((h) => ({ name: h.name, addresses: h.addresses }));
  const findings: Finding[] = [];
  if (isFailure(g.ns)) {
    findings.push(undetermined('ns', failureReason(g.ns)));
    return {
      check: 'ns',
      status: statusFrom('unknown', findings),
      evidence: { hosts, zone: null, apex: null },
      findings,
    };
  }
  if (g.notApex?.failure) {
    findings.push(undetermined('ns', failureReason(g.notApex.failure)));
    return {
      check: 'ns',
      status: statusFrom('unknown', findings),
      evidence: { hosts, zone: null, apex: null },
      findings,
    };
  }
  if (g.notApex) {
    // interface.md: a name that is not a zone apex → skipped (not applicable), with its zone
    const { zone } = g.notApex;
    findings.push(
      nsFindings.make('not-zone-apex', {
        domain: g.domain,
        zone,
        hosts: hosts.map((h) => h.name).join(', '),
      }),
    );
    return {
      check: 'ns',
      status: statusFrom('skipped', findings),
      evidence: { hosts, zone, apex: false },
      findings,
    };
  }
  const evidence: NsEvidence = { hosts, zone: g.domain, apex: true };
  if (g.ns.records.length === 0) {
    // interface.md: none → error (a delegated domain always has NS)
    findings.push(nsFindings.make('not-delegated', { domain: g.domain, rcode: g.ns.rcode }));
    return { check: 'ns', status: statusFrom('unknown', findings), evidence, findings };
  }
  if (g.ns.records.length === 1) findings.push(nsFindings.make('single-ns', { host: g.ns.records[0]! }));
  for (const h of g.hosts) {
    if (h.outcome === 'absent') findings.push(nsFindings.make('ns-unresolvable', { host: h.name }));
    else if (h.outcome === 'error')
      findings.push(
        nsFindings.make('ns-undetermined', { host: h.name, reason: failureReason(h.failures[0]!) }),
      );
  }
  if (
    g.hosts.every((h) => h.outcome === 'ok') &&
    !g.hosts.some((h) => h.addresses.some((a) => a.includes(':')))
  ) {
    findings.push(nsFindings.make('no-ipv6'));
  }
  return { check: 'ns', status: statusFrom(true, findings), evidence, findings };
}
