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
  readonly hosts: readonly HostAddresses[];
}

export interface NsEvidence {
  hosts: { name: string; addresses: string[] }[];
}

export function checkNs(g: NsGathered): CheckResult<NsEvidence> {
  const hosts = g.hosts.map((h) => ({ name: h.name, addresses: h.addresses }));
  const evidence: NsEvidence = { hosts };
  const findings: Finding[] = [];
  if (isFailure(g.ns)) {
    findings.push(undetermined('ns', failureReason(g.ns)));
    return { check: 'ns', status: statusFrom('unknown', findings), evidence, findings };
  }
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
