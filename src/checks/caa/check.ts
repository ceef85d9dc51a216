import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { Answer, CaaRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import { caaFindings } from './findings.ts';
import { validateCaa } from './parse.ts';

export interface CaaGathered {
  readonly domain: string;
  /** the answers of the climb, in order, ending at the first non-empty set or failure */
  readonly climb: readonly Answer<CaaRecord>[];
}

export interface CaaEvidence {
  records: { flags: number; tag: string; value: string }[];
  foundAt: string | null;
  /** names asked during the climb (RFC 8659 §3) */
  tried: string[];
}

export function checkCaa(g: CaaGathered): CheckResult<CaaEvidence> {
  const last = g.climb[g.climb.length - 1];
  const found = last && !isFailure(last) && last.records.length ? last : undefined;
  const evidence: CaaEvidence = {
    records: (found?.records ?? []).map((r) => ({ flags: r.flags, tag: r.tag, value: r.value })),
    foundAt: found ? found.name : null,
    tried: g.climb.map((a) => a.name),
  };
  const findings: Finding[] = [];
  const failed = g.climb.find(isFailure);
  if (failed) {
    findings.push(undetermined('caa', failureReason(failed)));
    return { check: 'caa', status: statusFrom('unknown', findings), evidence, findings };
  }
  if (!found) {
    findings.push(caaFindings.make('missing', { domain: g.domain }));
    return { check: 'caa', status: statusFrom(false, findings), evidence, findings };
  }
  const at = found.name;
  if (at !== g.domain) findings.push(caaFindings.make('inherited', { domain: g.domain, at }));
  for (const p of validateCaa(found.records))
    findings.push(caaFindings.make(p.code, { record: p.record, at }));
  const tags = found.records.map((r) => r.tag.toLowerCase());
  if (!tags.includes('issue')) findings.push(caaFindings.make('no-issue', { at }));
  if (!tags.includes('iodef')) findings.push(caaFindings.make('no-iodef', { at }));
  return { check: 'caa', status: statusFrom(true, findings), evidence, findings };
}
