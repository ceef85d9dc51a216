import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { mtaStsFindings as F } from './findings.ts';
import type { MtaStsGathered } from './gather.ts';
import { isMtaStsRecord, looksLikeMtaSts, parseMtaStsTxt } from './parse.ts';

export interface MtaStsPolicy {
  readonly mode: 'enforce' | 'testing' | 'none';
  readonly mx: string[];
  readonly maxAge: number;
}

export interface MtaStsEvidence {
  /** the record when exactly one MTA-STS record exists, else null */
  readonly record: string | null;
  readonly records: readonly string[];
  readonly id: string | null;
  /** the policy from https://mta-sts.<domain>/.well-known/mta-sts.txt; null while not fetched */
  readonly policy: MtaStsPolicy | null;
  readonly mxMatch: { exchange: string; matched: boolean; certificateOk: boolean | null }[];
  /** whether the policy was fetched (the HTTPS fetch is a separate step, not done here) */
  readonly policyFetched: boolean;
}

export type MtaStsResult = CheckResult<MtaStsEvidence>;

/** Judges the `_mta-sts` TXT record (RFC 8461 §3.1). */
export function checkMtaStsTxt(g: MtaStsGathered): MtaStsResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const sts = g.records.filter(isMtaStsRecord);
  for (const r of g.records.filter(looksLikeMtaSts))
    findings.push(F.make('version-invalid', { domain, record: r }));
  let id: string | null = null;
  if (sts.length > 1) {
    findings.push(
      F.make('multiple-records', { domain, count: sts.length, records: sts.map((r) => `"${r}"`).join(', ') }),
    );
  } else if (sts.length === 1) {
    const record = sts[0]!;
    const r = parseMtaStsTxt(record);
    if (r.ok) id = r.value.id;
    for (const p of r.problems) {
      if (p.code === 'id-missing') findings.push(F.make('id-missing', { domain, record }));
      else if (p.code === 'id-invalid') findings.push(F.make('id-invalid', { domain, id: p.text ?? '' }));
      else {
        const problem = `${p.code}${p.text ? ` "${p.text}"` : ''}${p.at !== undefined ? ` at offset ${p.at}` : ''}`;
        findings.push(F.make('record-syntax', { domain, problem, record }));
      }
    }
  }
  let deployed: boolean | 'unknown' = sts.length > 0 || findings.length > 0;
  if (g.outcome === 'error') {
    deployed = 'unknown';
    findings.push(undetermined('mtaSts', g.reason ?? 'lookup failed'));
  } else if (!deployed) findings.push(F.make('not-found', { domain }));
  const evidence: MtaStsEvidence = {
    record: sts.length === 1 ? sts[0]! : null,
    records: sts,
    id,
    policy: null,
    mxMatch: [],
    policyFetched: false,
  };
  return { check: 'mtaSts', status: statusFrom(deployed, findings), evidence, findings };
}
