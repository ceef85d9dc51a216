/**
 * `mailsec check DOMAIN --fix`: after the audit, the records (and files) its findings ask for, in
 * one zone snippet, made by the same generators as `mailsec generate` (with their default options)
 * from the audit's own evidence, and checked by the same dry run. A generator that refuses (e.g.
 * MTA-STS enforce with a broken MX certificate) says why instead of proposing a record.
 */
import type { AuditEnvironment, DomainAudit } from '../audit/audit.ts';
import type { CheckId } from '../checks/types.ts';
import type { Finding } from '../core/finding.ts';
import { GENERATORS } from './index.ts';
import { mergeRecords } from './records.ts';
import { gatherWeb, generateFrom, resultsById, undeterminedSections } from './run.ts';
import type { GeneratedFile, GeneratedRecord, GenerateKind, GenerateResult, LiveEvidence } from './types.ts';

/** Which generator answers a finding (ids are stable: docs/findings.md). */
export const FIX_KINDS: Readonly<Record<string, GenerateKind>> = {
  'spf.no-record': 'spf',
  'spf.multiple-records': 'spf',
  'spf.syntax': 'spf',
  'spf.plus-all': 'spf',
  'spf.neutral-all': 'spf',
  'spf.no-all': 'spf',
  'spf.ptr': 'spf',
  'spf.too-many-lookups': 'spf',
  'spf.duplicate-include': 'spf',
  'spf.terms-after-all': 'spf',
  'spf.redirect-ignored': 'spf',
  'dmarc.not-found': 'dmarc',
  'dmarc.multiple-records': 'dmarc',
  'dmarc.version-invalid': 'dmarc',
  'dmarc.wrong-location': 'dmarc',
  'dmarc.tag-syntax': 'dmarc',
  'dmarc.empty-tag': 'dmarc',
  'dmarc.duplicate-tag': 'dmarc',
  'dmarc.removed-tag': 'dmarc',
  'dmarc.pct-partial': 'dmarc',
  'dmarc.invalid-value': 'dmarc',
  'dmarc.p-missing': 'dmarc',
  'dmarc.p-missing-no-rua': 'dmarc',
  'dmarc.uri-size-suffix': 'dmarc',
  'dmarc.fo-redundant': 'dmarc',
  'dmarc.no-rua': 'dmarc',
  'mtaSts.not-found': 'mta-sts',
  'mtaSts.multiple-records': 'mta-sts',
  'mtaSts.version-invalid': 'mta-sts',
  'mtaSts.id-missing': 'mta-sts',
  'mtaSts.id-invalid': 'mta-sts',
  'mtaSts.record-syntax': 'mta-sts',
  'mtaSts.policy-unreachable': 'mta-sts',
  'mtaSts.policy-redirect': 'mta-sts',
  'mtaSts.policy-status': 'mta-sts',
  'mtaSts.policy-too-large': 'mta-sts',
  'mtaSts.policy-media-type': 'mta-sts',
  'mtaSts.policy-syntax': 'mta-sts',
  'mtaSts.policy-duplicate-key': 'mta-sts',
  'mtaSts.policy-unknown-key': 'mta-sts',
  'mtaSts.policy-lf-only': 'mta-sts',
  'mtaSts.max-age-short': 'mta-sts',
  'mtaSts.mx-not-covered': 'mta-sts',
  'mtaSts.mx-not-covered-testing': 'mta-sts',
  'mtaSts.pattern-unused': 'mta-sts',
  'mtaSts.no-tlsrpt': 'tls-rpt',
  'tlsRpt.not-found': 'tls-rpt',
  'tlsRpt.multiple-records': 'tls-rpt',
  'tlsRpt.version-invalid': 'tls-rpt',
  'tlsRpt.rua-missing': 'tls-rpt',
  'tlsRpt.rua-scheme': 'tls-rpt',
  'tlsRpt.rua-invalid': 'tls-rpt',
  'tlsRpt.record-syntax': 'tls-rpt',
  'caa.missing': 'caa',
  'caa.no-issue': 'caa',
  'caa.unknown-critical-tag': 'caa',
  'caa.reserved-flags': 'caa',
  'caa.reserved-tag': 'caa',
  'caa.bad-tag': 'caa',
  'caa.issue-syntax': 'caa',
  'smtp.dane-invalid': 'tlsa',
  'smtp.dane-no-usable-record': 'tlsa',
  'smtp.dane-pkix-usage': 'tlsa',
  'smtp.dane-unusable-record': 'tlsa',
  'bimi.multiple-records': 'bimi',
  'bimi.version-invalid': 'bimi',
  'bimi.record-syntax': 'bimi',
  'bimi.wrong-location': 'bimi',
  'bimi.unknown-tag': 'bimi',
  'bimi.tag-invalid': 'bimi',
};

/** What `generate <kind>` would use without options, given what the audit saw. */
function defaults(kind: GenerateKind, live: LiveEvidence): Record<string, unknown> {
  switch (kind) {
    case 'spf':
      return { include: [], ip4: [], ip6: [], a: false, mx: false, drop: [], flatten: false, listed: [] };
    case 'dmarc':
      return { rua: [], ruf: [], plan: false };
    case 'mta-sts':
      // keep the mode published now: --fix repairs, raising testing to enforce is a decision
      return { mode: live.results.mtaSts?.evidence.policy?.mode ?? 'enforce', mx: [], rua: [] };
    case 'tls-rpt':
      return { rua: [] };
    case 'tlsa':
      return { usage: 3, selector: 1, matchingType: 1, hosts: [], nextKey: null, chain: null, port: 25 };
    case 'caa':
      return { issuers: [], issuerMap: {} };
    case 'bimi':
      return { selector: live.results.bimi?.evidence.selector ?? 'default' };
    case 'parked':
      return { rua: [] };
  }
}

export interface FixKind {
  readonly kind: GenerateKind;
  /** the findings that asked for it */
  readonly findings: readonly string[];
  readonly result: GenerateResult | null;
  /** why nothing was generated (a section it reads did not run or could not be determined) */
  readonly skipped: string | null;
}

export interface FixResult {
  /** 'fix': the shape of a `generate` result, over every kind the findings ask for */
  readonly kind: 'fix';
  readonly domain: string;
  /** every record to publish (new or replacing one), merged across kinds */
  readonly records: readonly GeneratedRecord[];
  readonly files: readonly GeneratedFile[];
  /** per kind: what could not be proposed, and why */
  readonly notes: readonly string[];
  readonly kinds: readonly FixKind[];
}

/** The kinds the findings ask for, in a stable order, with the findings behind each. */
export function kindsFor(findings: readonly Finding[]): Map<GenerateKind, string[]> {
  const out = new Map<GenerateKind, string[]>();
  for (const f of findings) {
    const k = FIX_KINDS[f.id];
    if (!k) continue;
    out.set(k, [...(out.get(k) ?? []), f.id]);
  }
  return out;
}

/** The fix for one audited domain; `env` runs the dry runs (and the web certificates for CAA). */
export async function fixDomain(audit: DomainAudit, env: AuditEnvironment): Promise<FixResult> {
  const findings = audit.results.flatMap((r) => r.findings);
  // a name that does not exist gets no records (interface.md)
  if (findings.some((f) => f.id.endsWith('.domain-not-found')))
    return { kind: 'fix', domain: audit.domain, records: [], files: [], notes: [], kinds: [] };
  const wanted = kindsFor(findings);
  const results = resultsById(audit.results);
  const ran = new Set(audit.results.map((r) => r.check as CheckId));
  const kinds: FixKind[] = [];
  let web: LiveEvidence['web'];
  for (const [kind, ids] of wanted) {
    const def = GENERATORS[kind];
    const missing = def.live.filter((id) => !ran.has(id));
    const failed = undeterminedSections(audit.results, def.live);
    if (missing.length || failed.length) {
      kinds.push({
        kind,
        findings: ids,
        result: null,
        skipped: missing.length
          ? `needs the ${missing.join(', ')} section${missing.length > 1 ? 's' : ''} (left out with --only)`
          : `${failed.map((r) => r.check).join(', ')} could not be determined`,
      });
      continue;
    }
    if (def.web && !web) web = await gatherWeb(audit.domain, env);
    const live: LiveEvidence = {
      domain: audit.domain,
      now: audit.checkedAt,
      results,
      ...(web ? { web } : {}),
    };
    const options = { ...defaults(kind, live), ttl: 3600, force: false };
    const result = await generateFrom(
      def,
      { domain: audit.domain, options, live, now: audit.checkedAt },
      env,
    );
    kinds.push({ kind, findings: ids, result, skipped: null });
  }
  const changed = kinds.map((k) => (k.result?.records ?? []).filter((r) => r.change !== 'unchanged'));
  const files = kinds.flatMap((k) => k.result?.files ?? []);
  const notes = kinds.flatMap((k) =>
    k.skipped
      ? [`${k.kind}: not generated: ${k.skipped}`]
      : k.result?.refused
        ? [`${k.kind}: refused: ${k.result.refused.reason} ${k.result.refused.next}`]
        : [],
  );
  return { kind: 'fix', domain: audit.domain, records: mergeRecords(changed), files, notes, kinds };
}
