import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { autodiscoverFindings, lyncdiscoverFindings, sipFederationFindings } from './findings.ts';
import type { EndpointLookup } from './gather.ts';

export type EndpointCheckId = 'autodiscover' | 'lyncdiscover' | 'sipFederation';

export interface EndpointEvidence {
  /** where the endpoint points: CNAME or SRV target, or the name itself when it has addresses */
  readonly target: string | null;
  /** how it is published */
  readonly kind: 'cname' | 'address' | 'srv' | null;
  /** SRV port when published by SRV */
  readonly port: number | null;
  readonly lookups: readonly { name: string; type: string; outcome: string; values: readonly string[] }[];
}

export type EndpointResult = CheckResult<EndpointEvidence>;

/** Microsoft 365 service names (rules §4.11). */
const MICROSOFT_TARGETS = /(^|\.)(outlook\.com|lync\.com|microsoft\.com|office365\.com|onmicrosoft\.com)$/;

const CATALOGUES = {
  autodiscover: autodiscoverFindings,
  lyncdiscover: lyncdiscoverFindings,
  sipFederation: sipFederationFindings,
};

/** present → pass, absent → absent, a failed lookup with nothing found → error. */
export function checkEndpoint(check: EndpointCheckId, lookups: readonly EndpointLookup[]): EndpointResult {
  const findings: Finding[] = [];
  const found = lookups.find((l) => l.outcome === 'found');
  let target: string | null = null;
  let kind: EndpointEvidence['kind'] = null;
  let port: number | null = null;
  if (found?.type === 'CNAME') {
    target = found.values[0] ?? null;
    kind = 'cname';
  } else if (found?.type === 'SRV') {
    const best = [...(found.srv ?? [])].sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
    target = best ? best.target.toLowerCase().replace(/\.$/, '') : null;
    port = best?.port ?? null;
    kind = 'srv';
  } else if (found) {
    target = found.name;
    kind = 'address';
  }
  if (found && target && kind !== 'address' && MICROSOFT_TARGETS.test(target)) {
    findings.push(CATALOGUES[check].make('microsoft-online', { name: found.name, target }));
  }
  const failed = lookups.find((l) => l.outcome === 'error');
  let deployed: boolean | 'unknown' = found !== undefined;
  if (!found && failed) {
    deployed = 'unknown';
    findings.push(undetermined(check, failed.reason ?? 'lookup failed'));
  }
  const evidence: EndpointEvidence = {
    target,
    kind,
    port,
    lookups: lookups.map((l) => ({ name: l.name, type: l.type, outcome: l.outcome, values: l.values })),
  };
  return { check, status: statusFrom(deployed, findings), evidence, findings };
}
