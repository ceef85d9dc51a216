import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { publicSuffix } from '../../protocol/psl.ts';
import type { DmarcLookup } from './discovery.ts';
import { discoverPolicy, dmarcRecords, effectivePolicy, treeWalkOrgDomain } from './discovery.ts';
import { dmarcFindings as F } from './findings.ts';
import type { DestinationCheck, DmarcGathered } from './gather.ts';
import type { DmarcPolicy, ReportUri } from './parse.ts';
import { looksLikeDmarc, parseDmarc } from './parse.ts';

export interface ReportDestination {
  readonly uri: string;
  readonly host: string | null;
  /** the destination's organisational domain differs from the policy domain's */
  readonly external: boolean;
  /** internal: true; external: an authorisation record exists; null: could not be determined */
  readonly authorised: boolean | null;
  /** the destination domain accepts mail (MX or address, not a Null MX); null when unknown */
  readonly acceptsMail: boolean | null;
}

export interface DmarcEvidence {
  readonly record: string | null;
  /** every DMARC record at the policy location (more than one: no policy) */
  readonly records: readonly string[];
  /** where the record was found (the checked domain or an ancestor) */
  readonly policyDomain: string | null;
  readonly policy: DmarcPolicy | null;
  readonly subdomainPolicy: DmarcPolicy | null;
  readonly nonExistentPolicy: DmarcPolicy | null;
  readonly effectivePolicy: DmarcPolicy | null;
  readonly orgDomain: string;
  readonly discovery: 'treewalk' | 'psl';
  /** RFC 7489 discovery, for comparison */
  readonly pslOrgDomain: string;
  readonly pslPolicyDomain: string | null;
  readonly testing: boolean;
  readonly pct: number | null;
  readonly psd: 'y' | 'n' | 'u' | null;
  readonly adkim: 'r' | 's' | null;
  readonly aspf: 'r' | 's' | null;
  readonly rua: ReportDestination[];
  readonly ruf: ReportDestination[];
  /** the tree walk: each `_dmarc.<name>` asked and how it ended */
  readonly walk: { domain: string; outcome: DmarcLookup['outcome'] }[];
}

export type DmarcResult = CheckResult<DmarcEvidence>;

/** RFC 9989 §4.7: under t=y, reject is applied as quarantine and quarantine as none. */
const TEST_MODE: Record<DmarcPolicy, DmarcPolicy> = {
  reject: 'quarantine',
  quarantine: 'none',
  none: 'none',
};

function pslPolicyDomain(g: DmarcGathered): string | null {
  for (const l of [g.walk[0], g.pslLookup]) {
    if (!l) continue;
    const n = dmarcRecords(l).length;
    if (n === 1) return l.domain;
    if (n > 1) return null;
  }
  return null;
}

export function checkDmarc(g: DmarcGathered): DmarcResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const d = discoverPolicy(g.walk);
  const orgDomain = treeWalkOrgDomain(domain, g.walk);
  const at = d.at?.domain ?? null;
  const r = d.parsed;

  // Stray TXT at the _dmarc names asked up to the policy (or the whole walk when none)
  for (const l of g.walk) {
    for (const t of l.records) {
      if (/^v=spf1(\s|$)/i.test(t))
        findings.push(F.make('spf-at-dmarc', { domain, at: l.domain, record: t }));
      else if (looksLikeDmarc(t))
        findings.push(F.make('version-invalid', { domain, at: l.domain, record: t }));
      else if (!dmarcRecords(l).includes(t) && l.domain === domain)
        findings.push(F.make('unrelated-txt', { domain, at: l.domain, record: t }));
    }
    if (l === d.at) break;
  }
  for (const t of g.apex?.records ?? []) {
    if (/^v\s*=\s*DMARC1/i.test(t)) findings.push(F.make('wrong-location', { domain, record: t }));
  }

  const destinations = (uris: readonly ReportUri[]): ReportDestination[] =>
    uris.map((u) => {
      const c: DestinationCheck | undefined = g.destinations.find((x) => x.host === u.host);
      return {
        uri: u.uri,
        host: u.host,
        external: c?.external ?? false,
        authorised: c ? (c.external ? c.authorised : true) : null,
        acceptsMail: c?.acceptsMail ?? null,
      };
    });

  let effective: DmarcPolicy | null = null;
  if (d.at && !d.record) {
    const recs = dmarcRecords(d.at);
    findings.push(
      F.make('multiple-records', {
        domain,
        at: d.at.domain,
        count: recs.length,
        records: recs.map((x) => `"${x}"`).join(', '),
      }),
    );
  } else if (d.at && d.record && at) {
    const parsed = parseDmarc(d.record);
    const tagParams = (text: string) => ({ domain: at, text, record: d.record! });
    for (const p of parsed.problems) {
      switch (p.code) {
        case 'p-missing':
          if (r && r.rua.length > 0) findings.push(F.make('p-missing', tagParams(p.text ?? '')));
          else findings.push(F.make('p-missing-no-rua', tagParams(p.text ?? '')));
          break;
        case 'empty-tag':
          findings.push(F.make('empty-tag', tagParams(String(p.at ?? ''))));
          break;
        case 'pct-partial':
        case 'removed-tag':
        case 'unknown-tag':
        case 'uri-scheme':
        case 'uri-size-suffix':
        case 'too-many-uris':
        case 'fo-redundant':
        case 'tag-syntax':
        case 'duplicate-tag':
        case 'invalid-value':
        case 'uri-invalid':
          findings.push(F.make(p.code, tagParams(p.text ?? '')));
          break;
      }
    }
    if (r) {
      effective = effectivePolicy(domain, at, r, g.exists);
      if (at !== domain && effective === null && g.exists === null && (r.p !== null || r.rua.length > 0)) {
        const p = r.p ?? 'none';
        findings.push(
          F.make('existence-undetermined', {
            domain,
            at,
            np: r.np ?? r.sp ?? p,
            sp: r.sp ?? p,
            reason: g.existsReason ?? 'the lookup failed',
          }),
        );
      }
      if (at !== domain && effective) {
        const tag = g.exists === false && r.np ? 'np' : r.sp ? 'sp' : 'p';
        findings.push(F.make('inherited-policy', { domain, at, policy: effective, tag }));
      }
      // RFC 9989 §4.7 t=y: receivers apply one step less, which is what applies to the domain
      if (r.testing && effective) effective = TEST_MODE[effective];
      const enforcing = r.p === 'quarantine' || r.p === 'reject';
      if (effective === 'none') findings.push(F.make('policy-none', { domain, at }));
      if (enforcing && r.sp === 'none') findings.push(F.make('subdomain-policy-none', { domain, at }));
      if (enforcing && r.np === 'none') findings.push(F.make('np-none', { domain, at }));
      if (r.testing) findings.push(F.make('testing', { domain, at }));
      if (r.psd === 'y' && publicSuffix(at, true) !== at) {
        findings.push(F.make('psd-on-registrable', { domain, at }));
      }
      if (r.rua.length === 0) findings.push(F.make('no-rua', { domain, at }));
      const reported = new Set<string>();
      for (const u of [...r.rua, ...r.ruf]) {
        const c = g.destinations.find((x) => x.host === u.host);
        if (!c || reported.has(c.host)) continue;
        reported.add(c.host);
        if (c.external && c.authorised === false) {
          findings.push(F.make('rua-not-authorised', { domain, uri: u.uri, host: c.host, at }));
        }
        if (c.external && c.authorised === null) {
          findings.push(
            F.make('authorisation-undetermined', {
              domain,
              host: c.host,
              reason: c.authorisationReason ?? 'lookup failed',
            }),
          );
        }
        if (c.acceptsMail === false)
          findings.push(F.make('destination-no-mail', { domain, host: c.host, uri: u.uri }));
      }
    }
  }

  const psl = pslPolicyDomain(g);
  // the two discovery methods disagree only in a way that matters when at least one of them finds
  // a policy: when neither does, no receiver applies DMARC either way
  if (orgDomain !== g.pslOrgDomain && !d.undetermined && (at !== null || psl !== null)) {
    findings.push(
      F.make('discovery-disagreement', {
        domain,
        treewalk: orgDomain,
        psl: g.pslOrgDomain,
        treewalkPolicy: at ? `_dmarc.${at}` : 'none',
        pslPolicy: psl ? `_dmarc.${psl}` : 'none',
      }),
    );
  }

  let deployed: boolean | 'unknown' = d.at !== null;
  if (d.undetermined) {
    deployed = 'unknown';
    findings.push(undetermined('dmarc', d.undetermined.reason ?? 'lookup failed'));
  } else if (!deployed) {
    findings.push(
      F.make('not-found', {
        domain,
        walked: g.walk.map((l) => `_dmarc.${l.domain}`).join(', '),
        org: g.pslOrgDomain,
      }),
    );
  }

  const evidence: DmarcEvidence = {
    record: d.record,
    records: d.at ? dmarcRecords(d.at) : [],
    policyDomain: at,
    policy: r?.p ?? null,
    subdomainPolicy: r?.sp ?? null,
    nonExistentPolicy: r?.np ?? null,
    effectivePolicy: effective,
    orgDomain,
    discovery: 'treewalk',
    pslOrgDomain: g.pslOrgDomain,
    pslPolicyDomain: psl,
    testing: r?.testing ?? false,
    pct: r?.pct ?? null,
    psd: r?.psd ?? null,
    adkim: r?.adkim ?? null,
    aspf: r?.aspf ?? null,
    rua: destinations(r?.rua ?? []),
    ruf: destinations(r?.ruf ?? []),
    walk: g.walk.map((l) => ({ domain: l.domain, outcome: l.outcome })),
  };
  return { check: 'dmarc', status: statusFrom(deployed, findings), evidence, findings };
}
