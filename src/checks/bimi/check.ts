import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { bimiFindings as F } from './findings.ts';
import type { BimiGathered, DmarcPrerequisite } from './gather.ts';
import { isBimiRecord, looksLikeBimi, parseBimi } from './parse.ts';

export interface AssetCheck {
  /** null: not fetched (or, for the certificate, chain not verifiable without --vmc-roots) */
  readonly valid: boolean | null;
  readonly problems: string[];
  /** certificate only: whether its logotype SVG equals the l= logo (null: not compared) */
  readonly logoMatches?: boolean | null;
}

export interface BimiEvidence {
  readonly record: string | null;
  readonly records: readonly string[];
  readonly selector: string;
  /** the domain whose `<selector>._bimi` holds the record (the checked or the organisational domain) */
  readonly foundAt: string | null;
  /** `l=` */
  readonly location: string | null;
  /** `a=` */
  readonly authority: string | null;
  readonly declination: boolean;
  readonly svg: AssetCheck;
  readonly certificate: AssetCheck;
  /** whether the SVG and certificate were fetched (HTTPS fetching is a separate step) */
  readonly assetsChecked: boolean;
  /** DMARC at enforcement for the domain: null when unknown */
  readonly dmarcEnforced: boolean | null;
}

export type BimiResult = CheckResult<BimiEvidence>;

/** Why DMARC is not at enforcement for BIMI, or null when it is; undefined when unknown. */
export function dmarcShortfall(d: DmarcPrerequisite): string | null | undefined {
  const e = d.evidence;
  if (!e || d.status === 'error' || d.status === null) return undefined;
  if (!e.record) return 'no DMARC policy applies';
  const enforcing = (p: string | null) => p === 'quarantine' || p === 'reject';
  if (!enforcing(e.effectivePolicy))
    return `the DMARC policy that applies is ${e.effectivePolicy ?? 'missing'}`;
  if (!enforcing(e.policy)) return `the organisational DMARC policy is p=${e.policy ?? 'missing'}`;
  if (e.subdomainPolicy === 'none') return 'the DMARC record sets sp=none';
  if (e.pct !== null && e.pct < 100) return `the DMARC record sets pct=${e.pct}`;
  if (e.testing) return 'the DMARC record is in test mode (t=y)';
  return null;
}

export function checkBimi(g: BimiGathered): BimiResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const failed = g.lookups.find((l) => l.outcome === 'error');
  const at = g.lookups.find((l) => l.records.some((r) => isBimiRecord(r) || looksLikeBimi(r))) ?? null;
  const name = at ? `${g.selector}._bimi.${at.domain}` : `${g.selector}._bimi.${domain}`;
  const s = { domain, name };
  const records = at ? at.records.filter(isBimiRecord) : [];
  for (const r of at?.records.filter(looksLikeBimi) ?? [])
    findings.push(F.make('version-invalid', { ...s, record: r }));
  let location: string | null = null;
  let authority: string | null = null;
  let declination = false;
  let dmarcEnforced: boolean | null = null;
  if (at && at.domain !== domain) findings.push(F.make('inherited-from-org', s));
  if (records.length > 1) {
    findings.push(
      F.make('multiple-records', {
        ...s,
        count: records.length,
        records: records.map((r) => `"${r}"`).join(', '),
      }),
    );
  } else if (records.length === 1) {
    const record = records[0]!;
    const r = parseBimi(record);
    for (const p of r.problems) {
      switch (p.code) {
        case 'location-missing':
          findings.push(F.make('location-missing', { ...s, record }));
          break;
        case 'location-not-https':
        case 'authority-not-https':
          findings.push(F.make(p.code, { ...s, value: p.text ?? '' }));
          break;
        case 'lps-invalid':
        case 'avp-invalid':
          findings.push(F.make('tag-invalid', { ...s, value: p.text ?? '' }));
          break;
        case 'unknown-tag':
          findings.push(F.make('unknown-tag', { ...s, value: p.text ?? '' }));
          break;
        default: {
          const problem = `${p.code}${p.text ? ` "${p.text}"` : ''}${p.at !== undefined ? ` at offset ${p.at}` : ''}`;
          findings.push(F.make('record-syntax', { ...s, problem, record }));
        }
      }
    }
    if (r.ok) {
      ({ location, authority, declination } = r.value);
      if (declination) findings.push(F.make('declination', s));
      else {
        const shortfall = dmarcShortfall(g.dmarc);
        if (shortfall === undefined) findings.push(F.make('dmarc-undetermined', { domain }));
        else if (shortfall !== null) {
          dmarcEnforced = false;
          const policyAt = g.dmarc.evidence?.policyDomain ?? g.dmarc.evidence?.orgDomain ?? domain;
          findings.push(F.make('dmarc-not-enforcing', { domain, reason: shortfall, at: policyAt }));
        } else dmarcEnforced = true;
        // a record without a mark certificate is valid BIMI, but Gmail, Apple Mail and Yahoo show
        // no logo without one
        if (!authority && location) findings.push(F.make('no-mark-certificate', s));
        if (location || authority) findings.push(F.make('assets-not-checked', s));
      }
    }
  }
  for (const r of g.apex?.records ?? []) {
    if (/^v\s*=\s*BIMI1/i.test(r)) findings.push(F.make('wrong-location', { ...s, record: r }));
  }
  let deployed: boolean | 'unknown' = at !== null;
  if (!at && failed) {
    deployed = 'unknown';
    findings.push(undetermined('bimi', failed.reason ?? 'lookup failed'));
  }
  const notFetched = (): AssetCheck => ({ valid: null, problems: [] });
  const evidence: BimiEvidence = {
    record: records.length === 1 ? records[0]! : null,
    records,
    selector: g.selector,
    foundAt: at?.domain ?? null,
    location,
    authority,
    declination,
    svg: notFetched(),
    certificate: notFetched(),
    assetsChecked: false,
    dmarcEnforced,
  };
  return { check: 'bimi', status: statusFrom(deployed, findings), evidence, findings };
}
