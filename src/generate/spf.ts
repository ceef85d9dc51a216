/**
 * `mailsec generate spf`: one SPF record (RFC 7208) built from the record published now (merged
 * when there are several; ptr and +all/?all replaced), the senders named in the options and, with
 * `--reports`, the sending services the DMARC reports show as authorised. Its lookups are counted
 * by the spf check in the dry run; over 10 (RFC 7208 §4.6.4) it is refused unless `--flatten`,
 * which replaces includes by the addresses they resolve to now, with a maintenance warning. Pure.
 */
import type { SpfNode, SpfTermView } from '../checks/spf/analyse.ts';
import type { SpfEvidence } from '../checks/spf/check.ts';
import { SPF_RECORD_SIZE_ADVICE } from '../checks/spf/check.ts';
import { SPF_LOOKUP_LIMIT } from '../checks/spf/evaluate.ts';
import type { Qualifier } from '../checks/spf/parse.ts';
import { parseSpf } from '../checks/spf/parse.ts';
import {
  type SpfMechanismSpec,
  type SpfTermSpec,
  serialiseSpf,
  serialiseSpfTerm,
  spfSpecOf,
  spfTerm,
} from '../checks/spf/serialise.ts';
import { changeOf, record, refusal } from './records.ts';
import type {
  GeneratedRecord,
  GenerateInput,
  GeneratorDef,
  LiveEvidence,
  Proposal,
  ReportSource,
} from './types.ts';

export interface SpfOptions {
  readonly include: readonly string[];
  readonly ip4: readonly string[];
  readonly ip6: readonly string[];
  readonly a: boolean;
  readonly mx: boolean;
  /** terms to leave out (as written, e.g. "include:old.example.net") */
  readonly drop: readonly string[];
  readonly all?: '-all' | '~all';
  readonly flatten: boolean;
  /** sources listed as senders (IPs, networks or includes) besides those the reports authorise */
  readonly listed: readonly string[];
}

/** Helper records for flattened addresses: `_spf1.<domain>`, `_spf2.<domain>` … */
export const flattenName = (domain: string, i: number) => `_spf${i}.${domain}`;

const textOf = (t: SpfTermSpec) => serialiseSpfTerm(t);
/** qualifiers from the most permissive to the strictest */
const PERMISSIVE: readonly Qualifier[] = ['+', '?', '~', '-'];

const isAll = (t: SpfTermSpec) => t.kind === 'mechanism' && t.name === 'all';

/** Terms of the published record(s), with why each change was made. */
function liveTerms(
  ev: SpfEvidence | undefined,
  notes: string[],
): { terms: SpfTermSpec[]; all: Qualifier | null } {
  const records = ev?.records ?? [];
  if (!records.length) return { terms: [], all: null };
  if (records.length > 1)
    notes.push(
      `Merged the ${records.length} SPF records into one: more than one is a permerror (RFC 7208 §4.5).`,
    );
  const terms: SpfTermSpec[] = [];
  let all: Qualifier | null = null;
  for (const text of records) {
    const parsed = parseSpf(text);
    for (const t of spfSpecOf(parsed.record).terms) {
      if (t.kind === 'mechanism' && t.name === 'all') {
        // records merged: the most permissive "all" of them, so that no host one of them let
        // pass fails now (the records of an RRset have no order: the result must not depend on it)
        if (all === null || PERMISSIVE.indexOf(t.qualifier) < PERMISSIVE.indexOf(all)) all = t.qualifier;
        continue;
      }
      if (t.kind === 'mechanism' && t.name === 'ptr') {
        notes.push(
          `Dropped "${textOf(t)}": ptr is slow and unreliable, and RFC 7208 §5.5 says not to use it.`,
        );
        continue;
      }
      if (!terms.some((x) => textOf(x) === textOf(t))) terms.push(t);
    }
    if (!parsed.ok)
      notes.push(
        `The published record "${text}" has syntax errors; only the terms that could be read are kept.`,
      );
  }
  return { terms, all };
}

function propose(input: GenerateInput<SpfOptions>): Proposal {
  const { domain, live, options: o } = input;
  const notes: string[] = [];
  const warnings: string[] = [];
  const ev = live?.results.spf?.evidence;
  const base = liveTerms(ev, notes);
  let terms = base.terms.filter((t) => {
    if (o.drop.includes(textOf(t))) {
      notes.push(`Left out "${textOf(t)}" (--drop).`);
      return false;
    }
    return true;
  });
  const adding: SpfTermSpec[] = [];
  if (o.a) adding.push(spfTerm.a());
  if (o.mx) adding.push(spfTerm.mx());
  for (const n of o.ip4) adding.push(spfTerm.ip(n));
  for (const n of o.ip6) adding.push(spfTerm.ip(n));
  for (const d of o.include) adding.push(spfTerm.include(d));
  const fromReports = reportTerms(live?.reports?.sources, o.listed, notes, warnings);
  adding.push(...fromReports.terms);
  // a redirect hands the whole decision to another record; with terms added it becomes an include
  const redirect = terms.find((t) => t.kind === 'modifier' && t.name === 'redirect');
  if (redirect && redirect.kind === 'modifier' && (adding.length || o.all)) {
    terms = terms.filter((t) => t !== redirect);
    terms.push(spfTerm.include(redirect.value));
    notes.push(
      `redirect=${redirect.value} became include:${redirect.value}: a redirect is ignored once the record has an "all" of its own.`,
    );
  }
  for (const t of adding) {
    if (terms.some((x) => textOf(x) === textOf(t))) notes.push(`"${textOf(t)}" is already in the record.`);
    else {
      terms.push(t);
      notes.push(`"${textOf(t)}": ${why(t)}.`);
    }
  }
  const keepsRedirect = terms.some((t) => t.kind === 'modifier' && t.name === 'redirect');
  const mechanisms = terms.filter((t) => t.kind === 'mechanism');
  if (!mechanisms.length && !keepsRedirect && !o.all)
    return refusal(
      `No sending host is known for ${domain}: ${ev?.records.length ? 'the published record authorises nobody' : 'no SPF record is published'} and no senders were given.`,
      'Name them (--mx, --a, --ip4 192.0.2.0/24, --include _spf.provider.example) or pass --reports DB; for a domain that sends no mail: mailsec generate parked.',
    );
  let all: Qualifier = o.all
    ? (o.all[0] as Qualifier)
    : base.all === '-' || base.all === '~'
      ? base.all
      : '~';
  if (!o.all && base.all && base.all !== all)
    notes.push(
      `"${base.all}all" became "~all": ${base.all === '+' ? '+all lets every host on the internet pass' : '?all says nothing about other hosts'}.`,
    );
  if (!o.all && !base.all && ev?.records.length && !keepsRedirect)
    notes.push('Added "~all": a record without all ends in neutral for other hosts.');
  if (o.all) all = o.all[0] as Qualifier;
  notes.push(
    all === '-'
      ? '"-all": other hosts fail SPF. With DMARC at enforcement some receivers reject on SPF alone before DMARC, which loses forwarded mail that DKIM would have saved.'
      : '"~all": other hosts soft-fail; DMARC decides. The usual choice beside DMARC.',
  );
  const finalTerms = keepsRedirect && !o.all ? terms : [...terms.filter((t) => !isAll(t)), spfTerm.all(all)];
  // a redirect goes last, after all terms (the modifier order does not matter, readability does)
  const ordered = [
    ...finalTerms.filter((t) => t.kind === 'mechanism'),
    ...finalTerms.filter((t) => t.kind === 'modifier'),
  ];
  const value = serialiseSpf({ terms: ordered });
  const published = live ? [...(ev?.records ?? [])] : null;
  if (!live)
    warnings.push(
      'Generated from options alone: the includes were not followed, so the DNS lookups are not counted. Run with --for DOMAIN to count them.',
    );
  return {
    records: [record(domain, 'TXT', value, o.ttl, changeOf(value, published))],
    files: [],
    notes,
    warnings,
    refused: null,
    details: { ...(fromReports.details ? { reports: fromReports.details } : {}) },
  };
}

function why(t: SpfTermSpec): string {
  if (t.kind === 'modifier') return 'as given';
  switch (t.name) {
    case 'a':
      return "the domain's own address sends mail (1 lookup)";
    case 'mx':
      return 'the MX hosts send mail too (1 lookup, plus one per MX host)';
    case 'ip4':
    case 'ip6':
      return 'a network that sends for the domain (no lookup)';
    case 'include':
      return `the servers ${t.domainSpec} authorises (1 lookup plus those of its record)`;
    default:
      return 'as given';
  }
}

/** A source passes DKIM aligned when at least this share of its messages does. */
export const DKIM_ALIGNED_SHARE = 0.9;

/**
 * The terms for the sending services the reports show (`--reports`): a source that passes DKIM
 * aligned (≥ 90 % of its messages) or is listed (`--listed` IP or organisation) is a sender of the
 * domain: its service's SPF include when the catalogue knows one, else its address. Forwarders
 * (their mail is someone else's, relayed) and sources that fail are left out and named.
 */
function reportTerms(
  sources: readonly ReportSource[] | undefined,
  listed: readonly string[],
  notes: string[],
  warnings: string[],
): { terms: SpfMechanismSpec[]; details?: Record<string, unknown> } {
  if (!sources) return { terms: [] };
  const isListed = (s: ReportSource) =>
    listed.some(
      (l) => l === s.ip || (s.organisation !== null && l.toLowerCase() === s.organisation.toLowerCase()),
    );
  const included: ReportSource[] = [];
  const excluded: (ReportSource & { why: string })[] = [];
  const covered: ReportSource[] = [];
  for (const s of sources) {
    const dkim = s.messages > 0 && s.dkimAligned / s.messages >= DKIM_ALIGNED_SHARE;
    const spf = s.messages > 0 && s.spfAligned / s.messages >= DKIM_ALIGNED_SHARE;
    // the published record authorises it already (SPF aligned): nothing to add
    if ((dkim || isListed(s)) && spf) covered.push(s);
    else if (isListed(s)) included.push(s);
    else if (s.class === 'forwarder')
      excluded.push({
        ...s,
        why: 'a forwarder: it relays mail others sent; DKIM carries that mail, SPF cannot',
      });
    else if (dkim) included.push(s);
    else
      excluded.push({
        ...s,
        why:
          s.class === 'unauthorised' ? 'unauthorised: DMARC fails' : `${s.class}: does not pass DKIM aligned`,
      });
  }
  const terms: SpfMechanismSpec[] = [];
  const text = new Set<string>();
  const add = (t: SpfMechanismSpec) => {
    if (text.has(textOf(t))) return;
    text.add(textOf(t));
    terms.push(t);
  };
  for (const s of included) add(s.spfInclude ? spfTerm.include(s.spfInclude) : spfTerm.ip(s.ip));
  const services = [...new Set(included.map((s) => s.organisation ?? s.ip))];
  if (covered.length)
    notes.push(
      `From the reports, already authorised by the published record: ${[...new Set(covered.map((s) => s.organisation ?? s.ip))].join(', ')}.`,
    );
  if (included.length)
    notes.push(
      `From the reports, the services that send for the domain (they pass DKIM aligned, or are listed): ${services.join(', ')}.`,
    );
  if (excluded.length)
    warnings.push(
      `Left out of SPF: ${excluded.map((s) => `${s.ip}${s.organisation ? ` (${s.organisation})` : ''}, ${s.messages} messages: ${s.why}`).join('; ')}. List a source that is yours with --listed.`,
    );
  const row = (s: ReportSource) => ({
    ip: s.ip,
    organisation: s.organisation,
    class: s.class,
    messages: s.messages,
  });
  return {
    terms,
    details: {
      included: included.map(row),
      covered: covered.map(row),
      excluded: excluded.map((s) => ({ ...row(s), why: s.why })),
    },
  };
}

/** Why an include cannot be replaced by addresses, or null when it can. */
function unflattenable(node: SpfNode | undefined): string | null {
  if (!node) return 'not followed';
  if (node.outcome !== 'ok') return `its record is ${node.outcome}`;
  for (const t of node.terms) {
    if (t.kind === 'all' || t.kind === 'exp' || t.kind === 'modifier') continue;
    if (t.unresolved?.length) return `"${t.term}" uses macros known only when mail arrives`;
    if (t.kind === 'exists' || t.kind === 'ptr') return `"${t.term}" cannot be written as addresses`;
    if ((t.qualifier ?? '+') !== '+') return `"${t.term}" excludes hosts (order matters)`;
    if (t.kind === 'include' || t.kind === 'redirect') {
      const inner = unflattenable(t.node);
      if (inner) return `${t.term}: ${inner}`;
    } else if (!t.networks) return `"${t.term}" did not resolve`;
  }
  return null;
}

/** The networks a flattenable record authorises, in order. */
function networksOf(node: SpfNode, out: string[] = []): string[] {
  for (const t of node.terms) {
    if (t.kind === 'include' || t.kind === 'redirect') {
      if (t.node) networksOf(t.node, out);
    } else if (t.networks) for (const n of t.networks) if (!out.includes(n)) out.push(n);
  }
  return out;
}

const costOf = (t: SpfTermView) => t.lookups + (t.node?.totalLookups ?? 0);

/**
 * After the dry run: over 10 lookups → refused, or with --flatten the costliest flattenable
 * includes replaced by their networks (split into helper records when the record grows past
 * 450 octets), until the count is within the limit.
 */
function revise(input: GenerateInput<SpfOptions>, p: Proposal, dry: LiveEvidence['results']): Proposal {
  const ev = dry.spf?.evidence;
  const root = ev?.tree;
  if (!ev || !root || ev.lookups <= SPF_LOOKUP_LIMIT) {
    if (ev)
      p = {
        ...p,
        notes: [...p.notes, `DNS lookups: ${ev.lookups} of ${SPF_LOOKUP_LIMIT} (RFC 7208 §4.6.4).`],
      };
    return p;
  }
  const { domain, options: o } = input;
  const includes = root.terms.filter((t) => t.kind === 'include');
  if (!o.flatten)
    return refusal(
      `The record needs ${ev.lookups} DNS lookups; receivers stop at ${SPF_LOOKUP_LIMIT} and treat SPF as broken (permerror, RFC 7208 §4.6.4). Costliest: ${includes
        .sort((a, b) => costOf(b) - costOf(a))
        .slice(0, 3)
        .map((t) => `${t.term} (${costOf(t)})`)
        .join(', ')}.`,
      'Remove includes you no longer use (--drop), or pass --flatten to replace includes by the addresses they resolve to now (which must then be kept up to date).',
      p.notes,
    );
  let lookups = ev.lookups;
  const flattened: { include: string; networks: string[]; saved: number }[] = [];
  const skipped: string[] = [];
  const candidates = [...includes].sort((a, b) => costOf(b) - costOf(a));
  for (const t of candidates) {
    if (lookups <= SPF_LOOKUP_LIMIT) break;
    const reason = unflattenable(t.node);
    if (reason) {
      skipped.push(`${t.term}: ${reason}`);
      continue;
    }
    const networks = networksOf(t.node!);
    flattened.push({ include: t.term, networks, saved: costOf(t) });
    lookups -= costOf(t);
  }
  const parsed = parseSpf(p.records[0]!.value);
  const spec = spfSpecOf(parsed.record);
  const flat = new Set(flattened.map((f) => f.include));
  const own = new Set(
    spec.terms.filter((t) => t.kind === 'mechanism' && (t.name === 'ip4' || t.name === 'ip6')).map(textOf),
  );
  const added: SpfMechanismSpec[] = [];
  for (const f of flattened)
    for (const n of f.networks) {
      const t = spfTerm.ip(n.replace(/\/(32|128)$/, ''));
      if (!own.has(textOf(t)) && !added.some((x) => textOf(x) === textOf(t))) added.push(t);
    }
  const kept = spec.terms.filter(
    (t) => !(t.kind === 'mechanism' && t.name === 'include' && flat.has(textOf(t))),
  );
  const allTerm = kept.filter(isAll);
  const body = kept.filter((t) => !isAll(t));
  // the record with the addresses inline, or, when that is too long, in helper records
  const records: GeneratedRecord[] = [];
  let inline = serialiseSpf({ terms: [...body, ...added, ...allTerm] });
  if (Buffer.byteLength(inline) > SPF_RECORD_SIZE_ADVICE) {
    const chunks: SpfMechanismSpec[][] = [[]];
    for (const t of added) {
      const cur = chunks.at(-1)!;
      if (Buffer.byteLength(serialiseSpf({ terms: [...cur, t] })) > SPF_RECORD_SIZE_ADVICE) chunks.push([t]);
      else cur.push(t);
    }
    lookups += chunks.length;
    const helperIncludes = chunks.map((_, i) => spfTerm.include(flattenName(domain, i + 1)));
    inline = serialiseSpf({ terms: [...body, ...helperIncludes, ...allTerm] });
    for (const [i, c] of chunks.entries())
      records.push(record(flattenName(domain, i + 1), 'TXT', serialiseSpf({ terms: c }), o.ttl));
  }
  if (lookups > SPF_LOOKUP_LIMIT)
    return refusal(
      `Even flattened, the record needs ${lookups} DNS lookups (limit ${SPF_LOOKUP_LIMIT}).${skipped.length ? ` Not flattenable: ${skipped.join('; ')}.` : ''}`,
      'Remove includes you no longer use (--drop), or move senders to a subdomain with its own SPF record.',
      p.notes,
    );
  const published = input.live ? [...(input.live.results.spf?.evidence.records ?? [])] : null;
  const main = record(domain, 'TXT', inline, o.ttl, changeOf(inline, published));
  const stamp = input.now.toISOString().slice(0, 10);
  return {
    ...p,
    records: [main, ...records],
    notes: [
      ...p.notes,
      ...flattened.map(
        (f) =>
          `Flattened ${f.include} into ${f.networks.length} network${f.networks.length === 1 ? '' : 's'} (saves ${f.saved} lookups).`,
      ),
      ...(records.length
        ? [
            `The addresses are in ${records.map((r) => r.name).join(', ')} (one lookup each), so the main record stays under ${SPF_RECORD_SIZE_ADVICE} octets.`,
          ]
        : []),
      `DNS lookups after flattening: ${lookups} of ${SPF_LOOKUP_LIMIT}.`,
    ],
    warnings: [
      ...p.warnings,
      `Maintenance: the flattened addresses are those of ${stamp}. When the servers behind ${flattened.map((f) => f.include.replace(/^include:/, '')).join(', ')} change, their mail fails SPF here until you update the record. Re-run mailsec generate spf --for ${domain} --flatten regularly (e.g. daily) and publish when it changes; removing unused includes needs no maintenance.`,
      ...(skipped.length ? [`Not flattened: ${skipped.join('; ')}.`] : []),
    ],
    details: { ...(p.details ?? {}), flattened },
  };
}

export const spfGenerator: GeneratorDef<SpfOptions> = {
  kind: 'spf',
  live: ['spf'],
  sections: ['spf'],
  propose,
  revise,
};
