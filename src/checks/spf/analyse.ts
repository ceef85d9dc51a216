/**
 * Static analysis of a domain's SPF: walks the include/redirect tree over an injected Resolver
 * and records, per term, the DNS lookups it costs (RFC 7208 §4.6.4), void lookups, MX host
 * counts, macro targets (expanded where the values are known) and the addresses it authorises.
 *
 * The lookup count is that of the path evaluated for an address that matches nothing: every
 * DNS-querying term up to the first `all`, every include's subtree, and the redirect when no
 * `all` ends the record. Terms after `all` (and a redirect beside `all`) are shown but not counted.
 */
import type { Answer, QueryOptions, Resolver, RRType } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import { lookupAddresses } from '../shared/addresses.ts';
import { expandParts, parseMacroString, truncateDomain } from './macro.ts';
import type { MechanismName, Qualifier, SpfProblem } from './parse.ts';
import { isSpfText, parseSpf } from './parse.ts';

/** Nodes visited per analysis at most (a tree this large is broken anyway). */
export const SPF_MAX_NODES = 60;

/**
 * DNS queries per analysis at most. A tree within the limits needs at most about 220 (10 terms,
 * an mx term asking up to 10 hosts' A and AAAA, one TXT per node), so only a tree far over the
 * 10-lookup limit reaches this; without it a hostile record of thousands of a: terms would make
 * thousands of queries. Past it, terms are counted but not looked up (`truncated`).
 */
export const SPF_MAX_QUERIES = 250;

export interface SpfTermView {
  /** the term as written */
  readonly term: string;
  readonly kind: MechanismName | 'redirect' | 'exp' | 'modifier';
  readonly qualifier?: Qualifier;
  /** DNS lookups this term itself costs on the evaluated path (0 after `all`) */
  readonly lookups: number;
  /** false after `all`, and for a redirect beside `all` */
  readonly evaluated: boolean;
  /** the target with known macros expanded (unknown ones left as written) */
  readonly target?: string;
  /** macro letters only known at evaluation time (%{i}, %{s}, …) */
  readonly unresolved?: readonly string[];
  /** its lookup found nothing (NXDOMAIN or no records) */
  readonly void?: boolean;
  /** mx: number of MX hosts (more than 10 is a permerror) */
  readonly mxHosts?: number;
  /** a, mx, ip4, ip6: the networks it matches */
  readonly networks?: readonly string[];
  /** include and redirect: the record behind it */
  readonly node?: SpfNode;
}

export type SpfNodeOutcome =
  | 'ok'
  | 'none'
  | 'multiple'
  | 'syntax'
  | 'error'
  | 'loop'
  | 'unresolved'
  | 'too-deep';

export interface SpfNode {
  readonly domain: string;
  readonly via: 'root' | 'include' | 'redirect';
  /** the one SPF record (null when none or several) */
  readonly record: string | null;
  readonly records: readonly string[];
  readonly outcome: SpfNodeOutcome;
  /** DNS failure, for outcome 'error' */
  readonly error?: string;
  /** its rcode (TIMEOUT, SERVFAIL, NETERROR …), for outcome 'error' */
  readonly rcode?: string;
  readonly problems: readonly SpfProblem[];
  readonly terms: readonly SpfTermView[];
  /** this record's own DNS-querying terms on the evaluated path */
  readonly lookups: number;
  /** lookups including the subtree */
  readonly totalLookups: number;
  /** void lookups including the subtree */
  readonly voidLookups: number;
  /** octets of the record */
  readonly size: number;
}

export interface SpfAnalysis {
  readonly domain: string;
  readonly root: SpfNode;
  readonly lookups: number;
  readonly voidLookups: number;
  /** the `all` that ends the evaluated path (following redirects), e.g. '-all' */
  readonly all: '-all' | '~all' | '?all' | '+all' | null;
  /** networks an address matching them passes for (only '+' terms reached through '+' includes) */
  readonly flattened: {
    readonly ip4: readonly string[];
    readonly ip6: readonly string[];
    readonly unresolved: readonly string[];
  };
  /** DNS failures seen anywhere in the tree */
  readonly failures: readonly string[];
  /** root TXT records that look like SPF but are not selected (leading space, "v=spf10", …) */
  readonly nearMisses: readonly string[];
  /** root Sender ID records (spf2.0/…), deprecated */
  readonly senderId: readonly string[];
  /** records of the obsolete SPF RR type (99) at the root (RFC 7208 §3.1, §14.1) */
  readonly spfType: readonly string[];
  /** SPF_MAX_QUERIES was reached: later terms were counted but not looked up (lookups is a floor) */
  readonly truncated: boolean;
  /**
   * Terms on the evaluated '+' path that match every address: an included record's "+all", or a
   * "/0" network (ip4:0.0.0.0/0, a/0 …) anywhere. Through them any host passes (RFC 7208 §5.2, §5.1).
   */
  readonly everyone: readonly { readonly term: string; readonly domain: string }[];
}

interface Walk {
  readonly resolver: Resolver;
  readonly signal: AbortSignal | undefined;
  readonly rootDomain: string;
  nodes: number;
  /** DNS queries made so far */
  queries: number;
  truncated: boolean;
  readonly failures: string[];
  readonly ip4: Set<string>;
  readonly ip6: Set<string>;
  readonly unresolved: Set<string>;
  readonly everyone: { term: string; domain: string }[];
  rootTxt: readonly string[];
}

const opts = (w: Walk) => (w.signal ? { signal: w.signal } : {});

function failed(w: Walk, a: Answer<unknown>): boolean {
  if (!isFailure(a)) return false;
  w.failures.push(failureReason(a));
  return true;
}

/** Expands the macros the static view knows (%{d}, %{o}); others stay unresolved. */
function expandTarget(spec: string, domain: string, root: string): { target: string; unresolved: string[] } {
  const m = parseMacroString(spec);
  if (!m.ok) return { target: spec, unresolved: [] };
  const { text, unresolved } = expandParts(m.parts, { d: domain, o: root });
  return { target: unresolved.length ? text : truncateDomain(text).toLowerCase(), unresolved };
}

async function addresses(w: Walk, name: string): Promise<{ v4: string[]; v6: string[]; failed: boolean }> {
  const h = await lookupAddresses(w.resolver, name, w.signal);
  for (const f of h.failures) w.failures.push(failureReason(f));
  const v6 = h.addresses.filter((x) => x.includes(':'));
  return { v4: h.addresses.filter((x) => !x.includes(':')), v6, failed: h.failures.length > 0 };
}

const net = (ip: string, v6: boolean, cidr: number | undefined) => `${ip}/${cidr ?? (v6 ? 128 : 32)}`;

async function walk(
  w: Walk,
  domain: string,
  via: SpfNode['via'],
  stack: readonly string[],
  authorised: boolean,
  included = false,
): Promise<SpfNode> {
  const base = { domain, via, problems: [], terms: [], lookups: 0, totalLookups: 0, voidLookups: 0, size: 0 };
  if (stack.includes(domain)) return { ...base, record: null, records: [], outcome: 'loop' };
  if (w.queries >= SPF_MAX_QUERIES) w.truncated = true;
  if (++w.nodes > SPF_MAX_NODES || w.truncated)
    return { ...base, record: null, records: [], outcome: 'too-deep' };
  const txt = await w.resolver.query(domain, 'TXT', opts(w));
  if (failed(w, txt))
    return {
      ...base,
      record: null,
      records: [],
      outcome: 'error',
      error: failureReason(txt),
      rcode: txt.rcode,
    };
  // RFC 2181 §5: the records of an RRset come in no particular order (resolvers rotate them), so
  // they are sorted: the same published data gives the same document in every run
  const texts = txt.records.map((r) => r.text).sort();
  if (via === 'root') w.rootTxt = texts;
  const records = texts.filter(isSpfText);
  if (records.length === 0)
    return {
      ...base,
      record: null,
      records,
      outcome: 'none',
      voidLookups: via !== 'root' && txt.records.length === 0 ? 1 : 0,
    };
  if (records.length > 1) return { ...base, record: null, records, outcome: 'multiple' };
  const text = records[0]!;
  const parsed = parseSpf(text);
  const terms: SpfTermView[] = [];
  let own = 0;
  let total = 0;
  let voids = 0;
  let ended = false; // an `all` was reached
  const path = [...stack, domain];
  for (const t of parsed.record.terms) {
    if (t.type === 'modifier') {
      if (t.name === 'redirect' || t.name === 'exp') continue; // handled below
      terms.push({ term: t.text, kind: 'modifier', lookups: 0, evaluated: !ended });
      continue;
    }
    const evaluated = !ended;
    const plus = authorised && t.qualifier === '+' && evaluated;
    const view: { -readonly [K in keyof SpfTermView]: SpfTermView[K] } = {
      term: t.text,
      kind: t.name,
      qualifier: t.qualifier,
      lookups: 0,
      evaluated,
    };
    if (t.name === 'all') {
      ended = true;
      // the root's own "+all" (and its redirect's) is the plus-all finding; an included one passes
      // the include for every address, so the including record passes everyone too (§5.2)
      if (plus && included) w.everyone.push({ term: t.text, domain });
    } else if (t.name === 'ip4' || t.name === 'ip6') {
      const n = net(t.network!, t.name === 'ip6', t.name === 'ip6' ? t.cidr6 : t.cidr4);
      view.networks = [n];
      if (plus) (t.name === 'ip4' ? w.ip4 : w.ip6).add(n);
    } else if (evaluated) {
      view.lookups = 1;
      own++;
      const spec = t.domainSpec ?? domain;
      const { target, unresolved } = t.domainSpec
        ? expandTarget(spec, domain, w.rootDomain)
        : { target: domain, unresolved: [] };
      view.target = target;
      if (unresolved.length) {
        view.unresolved = unresolved;
        if (plus) w.unresolved.add(`${t.text} (in ${domain})`);
      } else if (w.queries >= SPF_MAX_QUERIES) {
        w.truncated = true; // counted, not looked up
      } else if (t.name === 'a') {
        const r = await addresses(w, target);
        if (!r.failed && r.v4.length === 0 && r.v6.length === 0) {
          view.void = true;
          voids++;
        }
        view.networks = [
          ...r.v4.map((x) => net(x, false, t.cidr4)),
          ...r.v6.map((x) => net(x, true, t.cidr6)),
        ];
        if (plus) for (const n of view.networks) (n.includes(':') ? w.ip6 : w.ip4).add(n);
      } else if (t.name === 'mx') {
        const mx = await w.resolver.query(target, 'MX', opts(w));
        if (!failed(w, mx)) {
          const hosts = mx.records.filter((r) => r.exchange !== '');
          view.mxHosts = mx.records.length;
          if (mx.records.length === 0) {
            view.void = true;
            voids++;
          }
          const nets: string[] = [];
          for (const h of hosts.slice(0, 10)) {
            const r = await addresses(w, h.exchange);
            nets.push(...r.v4.map((x) => net(x, false, t.cidr4)), ...r.v6.map((x) => net(x, true, t.cidr6)));
          }
          view.networks = nets;
          if (plus) for (const n of nets) (n.includes(':') ? w.ip6 : w.ip4).add(n);
        }
      } else if (t.name === 'exists') {
        const a = await w.resolver.query(target, 'A', opts(w));
        if (!failed(w, a) && a.records.length === 0) {
          view.void = true;
          voids++;
        }
        if (plus) w.unresolved.add(`${t.text} (in ${domain})`);
      } else if (t.name === 'ptr') {
        if (plus) w.unresolved.add(`${t.text} (in ${domain})`);
      } else if (t.name === 'include') {
        const child = await walk(w, target, 'include', path, plus, true);
        view.node = child;
        total += child.totalLookups;
        voids += child.voidLookups;
      }
    }
    if (plus && view.networks?.some((n) => n.endsWith('/0'))) w.everyone.push({ term: t.text, domain });
    terms.push(view);
  }
  const { redirect, exp } = parsed.record;
  if (redirect) {
    const evaluated = !ended;
    const view: { -readonly [K in keyof SpfTermView]: SpfTermView[K] } = {
      term: redirect.text,
      kind: 'redirect',
      lookups: evaluated ? 1 : 0,
      evaluated,
    };
    const { target, unresolved } = expandTarget(redirect.value, domain, w.rootDomain);
    view.target = target;
    if (unresolved.length) view.unresolved = unresolved;
    if (evaluated) {
      own++;
      if (!unresolved.length) {
        const child = await walk(w, target, 'redirect', path, authorised, included);
        view.node = child;
        total += child.totalLookups;
        voids += child.voidLookups;
      } else if (authorised) w.unresolved.add(`${redirect.text} (in ${domain})`);
    }
    terms.push(view);
  }
  if (exp)
    terms.push({
      term: exp.text,
      kind: 'exp',
      lookups: 0,
      evaluated: true,
      target: expandTarget(exp.value, domain, w.rootDomain).target,
    });
  return {
    ...base,
    record: text,
    records,
    outcome: parsed.ok ? 'ok' : 'syntax',
    problems: parsed.problems,
    terms,
    lookups: own,
    totalLookups: own + total,
    voidLookups: voids,
    size: new TextEncoder().encode(text).length,
  };
}

/** The `all` that ends the evaluated path, following an evaluated redirect. */
export function effectiveAll(node: SpfNode): SpfAnalysis['all'] {
  for (const t of node.terms) {
    if (t.kind === 'all' && t.evaluated) return `${t.qualifier ?? '+'}all` as SpfAnalysis['all'];
    if (t.kind === 'redirect' && t.evaluated) return t.node ? effectiveAll(t.node) : null;
  }
  return null;
}

/** Walks the SPF tree of `domain`. DNS failures are collected in `failures`, never thrown. */
export async function analyseSpf(
  resolver: Resolver,
  domain: string,
  signal?: AbortSignal,
  o: { obsoleteSpfType?: boolean } = {},
): Promise<SpfAnalysis> {
  const w: Walk = {
    // every query of the walk goes through here, so the budget sees them all
    resolver: {
      query<T extends RRType>(name: string, type: T, options?: QueryOptions) {
        w.queries++;
        return resolver.query(name, type, options);
      },
    },
    signal,
    rootDomain: domain,
    nodes: 0,
    queries: 0,
    truncated: false,
    failures: [],
    ip4: new Set(),
    ip6: new Set(),
    unresolved: new Set(),
    everyone: [],
    rootTxt: [],
  };
  // RFC 7208 §3.1: SPF is published as TXT only; type 99 is obsolete. Advisory: a failure of this
  // query (some servers answer NOTIMP for type 99) says nothing about the domain's SPF.
  // A scan does not ask (`obsoleteSpfType: false`): no statistic reads it, and it is one query in
  // ~40 per domain.
  const [root, spfRr] = await Promise.all([
    walk(w, domain, 'root', [], true),
    o.obsoleteSpfType === false ? null : resolver.query(domain, 'SPF', signal ? { signal } : {}),
  ]);
  return {
    domain,
    root,
    lookups: root.totalLookups,
    voidLookups: root.voidLookups,
    all: root.outcome === 'ok' || root.outcome === 'syntax' ? effectiveAll(root) : null,
    flattened: { ip4: [...w.ip4], ip6: [...w.ip6], unresolved: [...w.unresolved] },
    failures: w.failures,
    nearMisses: w.rootTxt.filter((t) => !isSpfText(t) && /^\s*["']?\s*v\s*=\s*spf/i.test(t)),
    senderId: w.rootTxt.filter((t) => /^spf2\.0\//i.test(t)),
    spfType: spfRr?.rcode === 'NOERROR' ? spfRr.records.map((r) => r.text) : [],
    everyone: w.everyone,
    truncated: w.truncated,
  };
}

/** Visits every node of the tree (depth first, in term order). */
export function* nodesOf(node: SpfNode): Generator<SpfNode> {
  yield node;
  for (const t of node.terms) if (t.node) yield* nodesOf(t.node);
}
