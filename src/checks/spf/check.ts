/** SPF evidence → CheckResult. Pure: no I/O, no formatting beyond the catalogue's messages. */
import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { SpfAnalysis, SpfNode, SpfTermView } from './analyse.ts';
import { nodesOf } from './analyse.ts';
import { SPF_LOOKUP_LIMIT, SPF_MX_LIMIT, SPF_VOID_LOOKUP_LIMIT } from './evaluate.ts';
import { spfFindings } from './findings.ts';
import type { SpfProblemCode } from './parse.ts';

/** RFC 7208 §3.4: keep the record small enough for a 512-octet UDP answer. */
export const SPF_RECORD_SIZE_ADVICE = 450;

/** The `spf` section of `mailsec check` (interface.md), besides `status`. */
export interface SpfEvidence {
  /** the record when exactly one, else null */
  readonly record: string | null;
  readonly records: readonly string[];
  /** DNS-querying terms on the path evaluated for an address that matches nothing */
  readonly lookups: number;
  readonly voidLookups: number;
  readonly all: '-all' | '~all' | '?all' | '+all' | null;
  /** the root record's redirect target */
  readonly redirect: string | null;
  /** octets of the record */
  readonly size: number | null;
  readonly tree: SpfNode | null;
  readonly flattened: SpfAnalysis['flattened'];
}

export type SpfCheckResult = CheckResult<SpfEvidence>;

const HINTS: Record<SpfProblemCode, (text: string) => string> = {
  'not-spf': () => 'Start the record with "v=spf1 ".',
  'non-ascii': () =>
    'Retype the record in plain ASCII: a pasted character (non-breaking space, typographic dash or quote) is hidden in it.',
  'control-char': () =>
    'Separate terms with single spaces only: no tabs, line breaks or other control characters.',
  'unknown-mechanism': (t) =>
    `"${t}" is not a mechanism (all, include, a, mx, ptr, ip4, ip6, exists); correct or remove it.`,
  'invalid-term': (t) => `"${t}" is neither a mechanism nor a name=value modifier; correct or remove it.`,
  'unexpected-argument': (t) =>
    `"${t}" takes no such argument; e.g. write "-all", "ptr" or "include:_spf.example.net".`,
  'missing-domain': (t) => `"${t}" needs a domain, e.g. "include:_spf.example.net".`,
  'invalid-domain': (t) => `"${t}" is not a valid domain: it must end in a top-level label such as ".com".`,
  'invalid-ip4': (t) => `"${t}" is not an IPv4 network; write e.g. "ip4:192.0.2.0/24".`,
  'invalid-ip6': (t) => `"${t}" is not an IPv6 network; write e.g. "ip6:2001:db8::/32".`,
  'invalid-cidr': (t) =>
    `"${t}" has an invalid prefix length: /0–/32 for IPv4, //0–//128 for IPv6, no leading zeros.`,
  'macro-syntax': (t) => `"${t}" is not a valid macro; write %{letter…}, "%%", "%_" or "%-".`,
  'macro-letter': (t) => `"${t}" uses a macro letter not allowed here (c, r and t are only for exp= text).`,
  'duplicate-modifier': (t) => `"${t}" repeats a modifier that may appear only once; keep one.`,
  'unknown-modifier': (t) => `Remove "${t}".`,
};

function nodeFindings(node: SpfNode, isRoot: boolean, path: string[], out: Finding[]): void {
  const domain = node.domain;
  if (node.outcome === 'syntax' || node.outcome === 'ok') {
    for (const p of node.problems) {
      if (p.code === 'unknown-modifier') {
        out.push(spfFindings.make('unknown-modifier', { domain, term: p.text ?? '' }));
        continue;
      }
      out.push(
        spfFindings.make('syntax', {
          domain,
          record: node.record ?? '',
          at: p.at ?? 0,
          text: p.text ?? '',
          problem: p.code,
          hint: HINTS[p.code](p.text ?? ''),
        }),
      );
    }
  }
  if (isRoot && node.size > SPF_RECORD_SIZE_ADVICE) {
    out.push(spfFindings.make('record-too-long', { domain, size: node.size }));
  }
  const hasAll = node.terms.some((t) => t.kind === 'all');
  const seenIncludes = new Set<string>();
  const afterAll: string[] = [];
  let ended = false;
  for (const t of node.terms) {
    if (ended && t.kind !== 'redirect' && t.kind !== 'exp' && t.kind !== 'modifier')
      afterAll.push(`"${t.term}"`);
    if (t.kind === 'all') ended = true;
    if (t.kind === 'ptr') out.push(spfFindings.make('ptr', { domain, term: t.term }));
    if (/%\{p/i.test(t.term)) out.push(spfFindings.make('p-macro', { domain, term: t.term }));
    if (t.unresolved?.length) {
      out.push(
        spfFindings.make('unresolved-macro', {
          domain,
          term: t.term,
          letters: t.unresolved.map((l) => `%{${l}}`).join(', '),
        }),
      );
    }
    if (t.mxHosts !== undefined && t.mxHosts > SPF_MX_LIMIT) {
      out.push(spfFindings.make('mx-too-many-hosts', { domain, term: t.term, count: t.mxHosts }));
    }
    if (t.kind === 'include') {
      const key = t.target ?? t.term;
      if (seenIncludes.has(key)) out.push(spfFindings.make('duplicate-include', { domain, term: t.term }));
      seenIncludes.add(key);
    }
    if (t.kind === 'redirect' && hasAll)
      out.push(spfFindings.make('redirect-ignored', { domain, term: t.term }));
    if (t.node) childFindings(t, t.node, [...path, domain], out);
  }
  if (afterAll.length) out.push(spfFindings.make('terms-after-all', { domain, terms: afterAll.join(', ') }));
}

function childFindings(t: SpfTermView, child: SpfNode, path: string[], out: Finding[]): void {
  const id = t.kind === 'redirect' ? 'redirect-no-spf' : 'include-no-spf';
  switch (child.outcome) {
    case 'none':
      out.push(spfFindings.make(id, { term: t.term, target: child.domain, what: 'publishes no SPF record' }));
      return;
    case 'multiple':
      out.push(
        spfFindings.make(id, {
          term: t.term,
          target: child.domain,
          what: `publishes ${child.records.length} SPF records`,
        }),
      );
      return;
    case 'loop':
      out.push(spfFindings.make('include-loop', { path: [...path, child.domain].join(' → '), term: t.term }));
      return;
    case 'error':
      out.push(undetermined('spf', `${t.term}: ${child.error ?? 'lookup failed'}`));
      return;
    default:
      nodeFindings(child, false, path, out);
  }
}

function worstInclude(root: SpfNode): string {
  let worst: SpfTermView | undefined;
  for (const t of root.terms) {
    if (t.node && (!worst || t.node.totalLookups > (worst.node?.totalLookups ?? 0))) worst = t;
  }
  return worst ? `"${worst.term}" (${worst.node!.totalLookups} lookups)` : 'the a, mx and exists terms';
}

/** The terms that made void lookups; `includes: false` leaves out includes of names without SPF (their own finding). */
function voidTerms(root: SpfNode, includes = true): string {
  const out: string[] = [];
  for (const n of nodesOf(root)) {
    for (const t of n.terms) {
      if (t.void) out.push(`"${t.term}" in ${n.domain}`);
      if (includes && t.node?.outcome === 'none' && t.node.voidLookups > 0)
        out.push(`"${t.term}" in ${n.domain}`);
    }
  }
  return out.join(', ');
}

/** Judges a static analysis: findings from the catalogue, status from statusFrom. */
export function checkSpf(a: SpfAnalysis): SpfCheckResult {
  const root = a.root;
  const findings: Finding[] = [];
  const redirect = root.terms.find((t) => t.kind === 'redirect');
  const evidence: SpfEvidence = {
    record: root.record,
    records: root.records,
    lookups: a.lookups,
    voidLookups: a.voidLookups,
    all: a.all,
    redirect: redirect?.target ?? null,
    size: root.record === null ? null : root.size,
    tree: root.outcome === 'none' || root.outcome === 'error' ? null : root,
    flattened: a.flattened,
  };
  let deployed: boolean | 'unknown' = true;
  switch (root.outcome) {
    case 'none':
      deployed = false;
      findings.push(spfFindings.make('no-record', { domain: a.domain }));
      break;
    case 'error':
      deployed = 'unknown';
      findings.push(undetermined('spf', root.error ?? 'the TXT lookup failed'));
      break;
    case 'multiple':
      findings.push(
        spfFindings.make('multiple-records', {
          domain: a.domain,
          count: root.records.length,
          records: root.records.map((r) => `"${r}"`).join(', '),
        }),
      );
      break;
    default:
      nodeFindings(root, true, [], findings);
  }
  for (const record of a.nearMisses)
    findings.push(spfFindings.make('not-selected', { domain: a.domain, record }));
  for (const record of a.senderId) findings.push(spfFindings.make('sender-id', { domain: a.domain, record }));
  for (const record of a.spfType)
    findings.push(spfFindings.make('spf-rr-type', { domain: a.domain, record }));
  if (deployed === true) {
    // a failed lookup anywhere in the tree (include, a, mx …) leaves the counts unknown
    if (a.failures.length && !findings.some((f) => f.id === 'spf.undetermined')) {
      findings.push(undetermined('spf', a.failures[0]!));
    }
    if (findings.some((f) => f.id === 'spf.undetermined')) deployed = 'unknown';
    if (a.lookups > SPF_LOOKUP_LIMIT) {
      const count = a.truncated ? `at least ${a.lookups}` : a.lookups;
      findings.push(spfFindings.make('too-many-lookups', { count, worst: worstInclude(root) }));
    }
    if (a.voidLookups > SPF_VOID_LOOKUP_LIMIT) {
      findings.push(spfFindings.make('void-lookups', { count: a.voidLookups, terms: voidTerms(root) }));
    } else if (a.voidLookups > 0 && voidTerms(root, false)) {
      // checkdmarc reports these too: a term that finds nothing is dead weight, or a former provider
      findings.push(
        spfFindings.make('void-lookups-within-limit', { count: a.voidLookups, terms: voidTerms(root) }),
      );
    }
    if (a.all === '+all') findings.push(spfFindings.make('plus-all', { domain: a.domain, all: '+all' }));
    for (const e of a.everyone)
      findings.push(spfFindings.make('passes-everyone', { term: e.term, domain: e.domain, root: a.domain }));
    if (a.all === '?all') findings.push(spfFindings.make('neutral-all', { domain: a.domain }));
    if (a.all === null && root.record !== null && !redirect) {
      findings.push(spfFindings.make('no-all', { domain: a.domain, record: root.record }));
    }
  }
  return { check: 'spf', status: statusFrom(deployed, findings), evidence, findings };
}
