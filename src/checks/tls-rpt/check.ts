import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { tlsRptFindings as F } from './findings.ts';
import type { TlsRptGathered } from './gather.ts';
import { isTlsRptRecord, looksLikeTlsRpt, parseTlsRpt } from './parse.ts';

export interface TlsRptEvidence {
  /** the record when exactly one TLS-RPT record exists, else null */
  readonly record: string | null;
  readonly records: readonly string[];
  /** the usable report destinations */
  readonly rua: string[];
}

export type TlsRptResult = CheckResult<TlsRptEvidence>;

export function checkTlsRpt(g: TlsRptGathered): TlsRptResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const rpt = g.records.filter(isTlsRptRecord);
  for (const r of g.records.filter(looksLikeTlsRpt))
    findings.push(F.make('version-invalid', { domain, record: r }));
  let rua: string[] = [];
  if (rpt.length > 1) {
    findings.push(
      F.make('multiple-records', { domain, count: rpt.length, records: rpt.map((r) => `"${r}"`).join(', ') }),
    );
  } else if (rpt.length === 1) {
    const record = rpt[0]!;
    const r = parseTlsRpt(record);
    if (r.ok) rua = r.value.rua;
    for (const p of r.problems) {
      switch (p.code) {
        case 'rua-missing':
          findings.push(F.make('rua-missing', { domain, record }));
          break;
        case 'rua-scheme':
        case 'rua-invalid':
          findings.push(F.make(p.code, { domain, uri: p.text ?? '' }));
          break;
        case 'unknown-tag':
          findings.push(F.make('unknown-tag', { domain, tag: p.text ?? '' }));
          break;
        default: {
          const problem = `${p.code}${p.text ? ` "${p.text}"` : ''}${p.at !== undefined ? ` at offset ${p.at}` : ''}`;
          findings.push(F.make('record-syntax', { domain, problem, record }));
        }
      }
    }
    if (
      r.ok &&
      rua.length === 0 &&
      !r.problems.some((p) => p.code === 'rua-scheme' || p.code === 'rua-invalid')
    ) {
      findings.push(F.make('rua-missing', { domain, record }));
    }
    for (const [host, ok] of Object.entries(g.mailtoAcceptsMail)) {
      if (ok === false) findings.push(F.make('destination-no-mail', { domain, host }));
    }
  }
  let deployed: boolean | 'unknown' = rpt.length > 0 || findings.length > 0;
  if (g.outcome === 'error') {
    deployed = 'unknown';
    findings.push(undetermined('tlsRpt', g.reason ?? 'lookup failed'));
  } else if (!deployed) findings.push(F.make('not-found', { domain }));
  const evidence: TlsRptEvidence = { record: rpt.length === 1 ? rpt[0]! : null, records: rpt, rua };
  return { check: 'tlsRpt', status: statusFrom(deployed, findings), evidence, findings };
}
