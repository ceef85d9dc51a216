import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { dkimFindings as F } from './findings.ts';
import type { DkimGathered } from './gather.ts';
import { looksLikeDkimKey, parseDkimKey } from './parse.ts';

/** RFC 8301 §3.2: verifiers must not accept RSA keys under 1024 bits; signers should use 2048. */
export const RSA_MIN_BITS = 1024;
export const RSA_RECOMMENDED_BITS = 2048;

export interface DkimSelector {
  readonly selector: string;
  readonly keyType: string | null;
  readonly keyBits: number | null;
  readonly revoked: boolean;
  readonly testing: boolean;
  /** the record used */
  readonly record: string;
  /** CNAME target the selector points to (e.g. a provider's key), else null */
  readonly cname: string | null;
  readonly valid: boolean;
}

export interface DkimEvidence {
  readonly selectors: DkimSelector[];
  /** the selectors queried (none when `_domainkey` is NXDOMAIN) */
  readonly tried: readonly string[];
  /** the built-in selector list tried: `full` (check) or `short` (scan) */
  readonly selectorList: 'short' | 'full';
  readonly domainkeyNode: boolean | null;
  /** selectors whose lookup failed: neither found nor absent */
  readonly undetermined: { selector: string; reason: string }[];
  /** selectors that are CNAMEs to a name without a key */
  readonly cnameWithoutKey: { selector: string; target: string }[];
  /** selectors whose TXT records hold no key record (wildcard TXT, SPF, verification tokens) */
  readonly nonKeyTxt: string[];
}

export type DkimResult = CheckResult<DkimEvidence>;

const FATAL = new Set([
  'p-missing',
  'key-type-unknown',
  'key-invalid',
  'ed25519-key-length',
  'version-invalid',
]);
const SYNTAX = new Set(['tag-syntax', 'empty-tag', 'duplicate-tag', 'version-not-first']);

export function checkDkim(g: DkimGathered): DkimResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const selectors: DkimSelector[] = [];
  const undet: DkimEvidence['undetermined'] = [];
  const cnameWithoutKey: DkimEvidence['cnameWithoutKey'] = [];
  const nonKeyTxt: string[] = [];

  for (const a of g.answers) {
    const sel = { selector: a.selector, domain };
    if (a.outcome === 'error') {
      undet.push({ selector: a.selector, reason: a.reason ?? 'lookup failed' });
      continue;
    }
    if (a.outcome === 'absent') {
      if (a.cname) {
        cnameWithoutKey.push({ selector: a.selector, target: a.cname });
        findings.push(F.make('cname-without-key', { ...sel, target: a.cname }));
      }
      continue;
    }
    // TXT that is no key record at all (e.g. an SPF record synthesised by a wildcard) is not a key
    const candidates = a.records.filter(looksLikeDkimKey);
    if (candidates.length === 0) {
      nonKeyTxt.push(a.selector);
      continue;
    }
    if (candidates.length > 1)
      findings.push(F.make('multiple-records', { ...sel, count: candidates.length }));
    const parsed = candidates.map((r) => ({ record: r, parsed: parseDkimKey(r) }));
    const chosen =
      parsed.find((p) => p.parsed.ok && !p.parsed.problems.some((x) => FATAL.has(x.code))) ?? parsed[0]!;
    const r = chosen.parsed;
    const invalid = r.problems.filter((p) => FATAL.has(p.code) || SYNTAX.has(p.code));
    for (const p of invalid) {
      const where = p.at !== undefined ? ` at offset ${p.at}` : '';
      findings.push(
        F.make('record-invalid', {
          ...sel,
          problem: `${p.code}${p.text ? ` "${p.text}"` : ''}${where}`,
          record: chosen.record,
        }),
      );
    }
    for (const p of r.problems.filter((x) => x.code === 'unknown-tag')) {
      findings.push(F.make('unknown-tag', { ...sel, tag: p.text ?? '' }));
    }
    const key = r.ok ? r.value : null;
    const valid = r.ok && invalid.length === 0;
    selectors.push({
      selector: a.selector,
      keyType: key?.keyType ?? null,
      keyBits: key?.keyBits ?? null,
      revoked: key?.revoked ?? false,
      testing: key?.testing ?? false,
      record: chosen.record,
      cname: a.cname,
      valid,
    });
    if (!key) continue;
    if (key.revoked) findings.push(F.make('revoked', sel));
    if (key.keyType === 'rsa' && key.keyBits !== null) {
      if (key.keyBits < RSA_MIN_BITS)
        findings.push(F.make('rsa-key-too-short', { ...sel, bits: key.keyBits }));
      else if (key.keyBits < RSA_RECOMMENDED_BITS)
        findings.push(F.make('rsa-key-short', { ...sel, bits: key.keyBits }));
    }
    if (key.testing) findings.push(F.make('testing', sel));
    if (key.hashes && key.hashes.length > 0 && key.hashes.every((h) => h === 'sha1')) {
      findings.push(F.make('sha1-only', { ...sel, hashes: key.hashes.join(':') }));
    }
    if (key.services && !key.services.some((s) => s === '*' || s === 'email')) {
      findings.push(F.make('not-for-email', { ...sel, services: key.services.join(':') }));
    }
  }

  const evidence: DkimEvidence = {
    selectors,
    tried: g.tried,
    selectorList: g.selectorList,
    domainkeyNode: g.domainkeyNode,
    undetermined: undet,
    cnameWithoutKey,
    nonKeyTxt,
  };
  // Found keys win; otherwise any failed selector lookup leaves the answer unknown. A failed
  // `_domainkey` lookup alone does not: every selector then answered, so absent is known.
  const deployed: boolean | 'unknown' = selectors.length > 0 ? true : undet.length > 0 ? 'unknown' : false;
  if (deployed === 'unknown') {
    const reason = g.domainkeyReason ?? undet[0]?.reason ?? 'lookups failed';
    const more = undet.length > 1 ? ` (and ${undet.length - 1} more selector lookups failed)` : '';
    findings.push(undetermined('dkim', `${reason}${more}`));
  } else if (undet.length > 0) {
    // one finding for all failed selectors, not one per selector
    const names = undet.map((u) => u.selector);
    findings.push(
      F.make('selector-undetermined', {
        domain,
        count: undet.length,
        selectors: names.length > 5 ? `${names.slice(0, 5).join(', ')} …` : names.join(', '),
        reason: undet[0]!.reason,
      }),
    );
  }
  if (deployed === false) {
    findings.push(F.make('none-found', { domain, tried: g.tried.length, domainkeyNode: g.domainkeyNode }));
  }
  return { check: 'dkim', status: statusFrom(deployed, findings), evidence, findings };
}
