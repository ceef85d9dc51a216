/**
 * SPF record syntax, written (RFC 7208 §4.6.1, §5, §6, §12): the inverse of parse.ts. Every SPF
 * record mailsec proposes (findings' fixes, `mailsec generate spf`) is built here. Pure.
 */
import type { MechanismName, Qualifier, SpfRecord } from './parse.ts';

export type SpfMechanismSpec = {
  readonly kind: 'mechanism';
  readonly qualifier: Qualifier;
  readonly name: MechanismName;
  /** include, exists; optional for a, mx, ptr */
  readonly domainSpec?: string;
  /** ip4 / ip6 */
  readonly network?: string;
  readonly cidr4?: number;
  readonly cidr6?: number;
};
export type SpfModifierSpec = { readonly kind: 'modifier'; readonly name: string; readonly value: string };
export type SpfTermSpec = SpfMechanismSpec | SpfModifierSpec;

/** An SPF record as data: its terms in order. */
export interface SpfSpec {
  readonly terms: readonly SpfTermSpec[];
}

/** One term as written (`+` is left out: it is the default qualifier). */
export function serialiseSpfTerm(t: SpfTermSpec): string {
  if (t.kind === 'modifier') return `${t.name}=${t.value}`;
  const q = t.qualifier === '+' ? '' : t.qualifier;
  let arg = '';
  if (t.name === 'ip4' || t.name === 'ip6') {
    arg = `:${t.network ?? ''}`;
    if (t.name === 'ip4' && t.cidr4 !== undefined) arg += `/${t.cidr4}`;
    if (t.name === 'ip6' && t.cidr6 !== undefined) arg += `/${t.cidr6}`;
  } else {
    if (t.domainSpec !== undefined) arg = `:${t.domainSpec}`;
    if (t.name === 'a' || t.name === 'mx') {
      if (t.cidr4 !== undefined) arg += `/${t.cidr4}`;
      if (t.cidr6 !== undefined) arg += `//${t.cidr6}`;
    }
  }
  return `${q}${t.name}${arg}`;
}

/** The record text: `v=spf1` and the terms, separated by single spaces. */
export function serialiseSpf(spec: SpfSpec): string {
  return ['v=spf1', ...spec.terms.map(serialiseSpfTerm)].join(' ');
}

/** The spec of a parsed record (positions and texts dropped): `spfSpecOf(parseSpf(serialiseSpf(s)).record)` is `s`. */
export function spfSpecOf(record: SpfRecord): SpfSpec {
  return {
    terms: record.terms.map((t): SpfTermSpec => {
      if (t.type === 'modifier') return { kind: 'modifier', name: t.name, value: t.value };
      return {
        kind: 'mechanism',
        qualifier: t.qualifier,
        name: t.name,
        ...(t.domainSpec !== undefined ? { domainSpec: t.domainSpec } : {}),
        ...(t.network !== undefined ? { network: t.network } : {}),
        ...(t.cidr4 !== undefined ? { cidr4: t.cidr4 } : {}),
        ...(t.cidr6 !== undefined ? { cidr6: t.cidr6 } : {}),
      };
    }),
  };
}

/** Shorthands for building specs. */
export const spfTerm = {
  include: (domain: string, qualifier: Qualifier = '+'): SpfMechanismSpec => ({
    kind: 'mechanism',
    qualifier,
    name: 'include',
    domainSpec: domain,
  }),
  mx: (qualifier: Qualifier = '+'): SpfMechanismSpec => ({ kind: 'mechanism', qualifier, name: 'mx' }),
  a: (qualifier: Qualifier = '+'): SpfMechanismSpec => ({ kind: 'mechanism', qualifier, name: 'a' }),
  all: (qualifier: Qualifier): SpfMechanismSpec => ({ kind: 'mechanism', qualifier, name: 'all' }),
  /** `ip4:192.0.2.0/24` or `ip6:2001:db8::/32` from a network text (prefix optional) */
  ip: (network: string, qualifier: Qualifier = '+'): SpfMechanismSpec => {
    const [net = '', prefix] = network.split('/');
    const v6 = net.includes(':');
    return {
      kind: 'mechanism',
      qualifier,
      name: v6 ? 'ip6' : 'ip4',
      network: net,
      ...(prefix !== undefined ? (v6 ? { cidr6: Number(prefix) } : { cidr4: Number(prefix) }) : {}),
    };
  },
};

/** The record of a domain that sends no mail at all (RFC 7208 §10.1.2, M3AAWG parked domains). */
export const SPF_SENDS_NOTHING = serialiseSpf({ terms: [spfTerm.all('-')] });
