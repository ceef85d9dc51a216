/**
 * The scale world's population model: who hosts a domain's DNS and mail, and what the domain
 * publishes, drawn per domain from the Swiss Domain Security Report's Q4 2023 .ch figures
 * (../shared/docs/reference/get-mailprotection.md §5.2). Pure and deterministic: `profileOf(world, i)`
 * depends only on the world's seed and i.
 *
 * Hosting is shared the way it is in a real ccTLD: a few operators carry most domains (shared NS
 * names, shared MX hosts, one SPF record everybody includes or redirects to, DKIM keys behind
 * CNAMEs), and a long tail of small hosters and self-hosted mail servers carries the rest. The
 * operators are invented names under `.test`; the comment at each says which row of the report it
 * stands for.
 */
import { domainToASCII } from 'node:url';
import { Rng } from './rng.ts';

/** Bumped whenever the model, the records or the build change what a world contains. */
export const GENERATOR_VERSION = 3;

export interface WorldSpec {
  readonly seed: string;
  /** domains in the base world (before mutations) */
  readonly size: number;
  /** the TLD the domains live under (default `scale`) */
  readonly tld: string;
  /** mutations applied in order: each one changes `changes` domains, drawn from its own seed */
  readonly mutations: readonly MutationSpec[];
}

export interface MutationSpec {
  readonly seed: string;
  readonly changes: number;
}

export function worldSpec(
  seed: string,
  size: number,
  options: { tld?: string; mutations?: readonly MutationSpec[] } = {},
): WorldSpec {
  if (!Number.isInteger(size) || size < 1) throw new Error(`world size ${size} is not a positive integer`);
  if (!/^[a-z0-9-]{1,40}$/i.test(seed)) throw new Error(`world seed "${seed}" must be 1–40 of [a-z0-9-]`);
  const tld = options.tld ?? 'scale';
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(tld)) throw new Error(`TLD "${tld}" is not a plain label`);
  return { seed, size, tld, mutations: options.mutations ?? [] };
}

/** The cache key of a world: generator version, seed, size, TLD, mutations. */
export function worldKey(w: WorldSpec): string {
  const m = w.mutations.map((x) => `-m${x.seed}x${x.changes}`).join('');
  return `v${GENERATOR_VERSION}-${w.tld}-s${w.seed}-n${w.size}${m}`;
}

// ---------------------------------------------------------------------------------------------
// Operators

export interface DnsOperator {
  readonly id: string;
  /** the operator's own zone (under .test), holding its NS host names */
  readonly zone: string;
  /** NS host names (absolute, no trailing dot) */
  readonly ns: readonly string[];
  /** percent of all domains whose NS it is (report: "NS → …") */
  readonly share: number;
  /** probability that a customer zone is DNSSEC-signed */
  readonly dnssec: number;
}

export interface MailProvider {
  readonly id: string;
  readonly zone: string;
  /** percent of domains with MX (report: "MX → …") */
  readonly share: number;
  /** MX records for a customer domain (per-domain names where the provider uses them) */
  mx(domainLabel: string): readonly (readonly [number, string])[];
  /** the provider's SPF record customers include or redirect to */
  readonly spf: string;
  /** the `all` of that record */
  readonly spfAll: '-all' | '~all';
  /** TLSA published for its MX hosts (signed zone) */
  readonly dane: boolean;
  /** probability that a customer has a DKIM key under a selector nobody can guess */
  readonly privateSelector: number;
  /** probability that a customer has a DKIM key mailsec's list finds ('default', or M365's selector1/2) */
  readonly knownSelector: number;
  /** M365: selector1/2 are CNAMEs to the provider's keys */
  readonly m365?: boolean;
}

/** Long-tail hosters: host01.test … host40.test, shares falling off as 1/k. */
export const LONG_TAIL = 40;
const tailWeights = Array.from({ length: LONG_TAIL }, (_, k) => 1 / (k + 1));
const tailSum = tailWeights.reduce((a, b) => a + b, 0);
const pad2 = (k: number) => String(k).padStart(2, '0');

function op(id: string, zone: string, share: number, dnssec: number, ns = ['ns1', 'ns2']): DnsOperator {
  return { id, zone, ns: ns.map((n) => `${n}.${zone}`), share, dnssec };
}

/** DNS operators; shares of all domains (they sum to 100). */
export const DNS_OPERATORS: readonly DnsOperator[] = [
  op('alpine', 'alpinehost.test', 13.75, 0.9), // "NS → Hostpoint" 13.75 %
  op('lakeside', 'lakeside-hosting.test', 5.51, 0.85), // "NS → Infomaniak" 5.51 %
  op('cyonic', 'cyonic.test', 3.23, 0.7), // "NS → Cyon" 3.23 %
  op('starhost', 'starhost.test', 2.94, 0.6), // "NS → Hoststar" 2.94 %
  op('sitebuilder', 'sitebuilder.test', 1.39, 0.3), // "NS → Jimdo" 1.39 %
  op('azurish', 'azure-dns.test', 0.23, 0, ['ns1-01', 'ns2-01']), // "NS → Azure DNS" 0.23 %, no DNSSEC
  // the rest (72.95 %) over the long tail; 0.367 makes the TLD's signed share 48.3 %
  ...tailWeights.map((w, k) =>
    op(`host${pad2(k + 1)}`, `host${pad2(k + 1)}.test`, (72.95 * w) / tailSum, 0.367),
  ),
];

const dashed = (label: string) => label.replaceAll('.', '-');

function provider(
  p: Omit<MailProvider, 'mx'> & { mx?: MailProvider['mx'] },
  mxHosts?: string[],
): MailProvider {
  return { ...p, mx: p.mx ?? (() => (mxHosts ?? []).map((h, i) => [10 * (i + 1), h] as const)) };
}

/** Mail providers; shares of domains with MX, before Null MX, localhost and self-hosting. */
export const MAIL_PROVIDERS: readonly MailProvider[] = [
  // "MX → Hostpoint" 18.78 %: shared MX names, DANE, most customers redirect= to its SPF
  provider(
    {
      id: 'alpine',
      zone: 'alpinehost.test',
      share: 18.78,
      spf: '_spf.alpinehost.test',
      spfAll: '~all',
      dane: true,
      privateSelector: 1,
      knownSelector: 0,
    },
    ['mx1.alpinehost.test', 'mx2.alpinehost.test'],
  ),
  // "MX → Infomaniak" 7.70 %
  provider(
    {
      id: 'lakeside',
      zone: 'lakeside-hosting.test',
      share: 7.7,
      spf: 'spf.lakeside-hosting.test',
      spfAll: '-all',
      dane: true,
      privateSelector: 1,
      knownSelector: 0,
    },
    ['mta-gw.lakeside-hosting.test'],
  ),
  // "MX → Exchange Online (EOP)" 7.02 %: one MX name per domain on shared addresses
  provider({
    id: 'exo',
    zone: 'outlook.test',
    share: 7.02,
    mx: (label) => [[0, `${dashed(label)}.mail.protection.outlook.test`]],
    spf: 'spf.protection.outlook.test',
    spfAll: '-all',
    dane: false,
    privateSelector: 0,
    knownSelector: 0.6,
    m365: true,
  }),
  // "MX → Jimdo" 1.78 %
  provider(
    {
      id: 'sitebuilder',
      zone: 'sitebuilder.test',
      share: 1.78,
      spf: '_spf.sitebuilder.test',
      spfAll: '~all',
      dane: false,
      privateSelector: 0.5,
      knownSelector: 0,
    },
    ['mx.sitebuilder.test'],
  ),
  // "MX → Proofpoint" 0.04 %: per-domain names
  provider({
    id: 'proofpoint',
    zone: 'pphosted.test',
    share: 0.04,
    mx: (label) => [
      [10, `mxa-${dashed(label)}.gslb.pphosted.test`],
      [10, `mxb-${dashed(label)}.gslb.pphosted.test`],
    ],
    spf: '_spf.pphosted.test',
    spfAll: '-all',
    dane: false,
    privateSelector: 0,
    knownSelector: 0,
  }),
  // "MX → Mimecast" 0.02 %
  provider(
    {
      id: 'mimecast',
      zone: 'mimecast.test',
      share: 0.02,
      spf: '_netblocks.mimecast.test',
      spfAll: '~all',
      dane: false,
      privateSelector: 0.3,
      knownSelector: 0,
    },
    ['eu-smtp-inbound-1.mimecast.test', 'eu-smtp-inbound-2.mimecast.test'],
  ),
  // the long tail: 48 % over 40 small hosters, every tenth with DANE
  ...tailWeights.map((w, k) =>
    provider(
      {
        id: `host${pad2(k + 1)}`,
        zone: `host${pad2(k + 1)}.test`,
        share: (48 * w) / tailSum,
        spf: `spf.host${pad2(k + 1)}.test`,
        spfAll: k % 2 === 0 ? '-all' : '~all',
        dane: (k + 1) % 10 === 0,
        privateSelector: 0.58,
        knownSelector: 0.04,
      },
      [`mail.host${pad2(k + 1)}.test`],
    ),
  ),
];

/** Self-hosted mail: `mail.<domain>` on an address of the static block (never listened on). */
export const SELF_HOSTED_SHARE = 13.45;
/** Percent of domains with MX: Null MX (RFC 7505), and MX `localhost.` ("mostly parked"). */
export const NULL_MX_SHARE = 1.62;
export const LOCALHOST_MX_SHARE = 1.59;

/**
 * Addresses of self-hosted MX hosts: 127.250.0.0/16, outside every testworld slot (so the built
 * zones are the same whatever slot serves them). Nothing listens there: only DNS data.
 */
export const STATIC_NET = '127.250';

/** ESP SPF records for domains over the 10-lookup limit (12 includes). */
export const ESPS = 12;
export const espSpf = (k: number) => `_spf.esp${pad2(k)}.test`;

// ---------------------------------------------------------------------------------------------
// Profiles

export type Fate = 'ok' | 'lame' | 'refused' | 'bogus-ds' | 'bogus-expired';

export type SpfStyle =
  | 'none'
  | 'multiple'
  | 'deny-all'
  | 'redirect'
  | 'include-hardfail'
  | 'include-softfail'
  | 'include-neutral'
  | 'include-pass'
  | 'include-no-all'
  | 'too-many-lookups';

export type Mail =
  | { readonly kind: 'none' }
  | { readonly kind: 'null' }
  | { readonly kind: 'localhost' }
  | { readonly kind: 'provider'; readonly provider: string }
  | { readonly kind: 'self'; readonly address: string; readonly dane: boolean };

export type Dkim = 'none' | 'private' | 'default' | 'm365';
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface Profile {
  readonly index: number;
  /** A-label form, no trailing dot */
  readonly name: string;
  readonly idn: boolean;
  readonly fate: Fate;
  readonly dns: string;
  /** DS in the TLD and a signed zone (bogus fates are signed too) */
  readonly signed: boolean;
  readonly mail: Mail;
  readonly spf: SpfStyle;
  readonly dkim: Dkim;
  readonly dmarc: null | { readonly p: DmarcPolicy; readonly rua: 'none' | 'own' | 'external' };
  readonly caa: boolean;
  readonly mtaSts: boolean;
  readonly tlsRpt: boolean;
  readonly bimi: null | { readonly certificate: boolean };
}

const SYLLABLES = [
  'al',
  'ber',
  'cha',
  'do',
  'en',
  'fri',
  'gar',
  'hof',
  'in',
  'ju',
  'kel',
  'lu',
  'ma',
  'no',
  'or',
  'pi',
  'qua',
  'ro',
  'sa',
  'ti',
  'ur',
  'vel',
  'wa',
  'xe',
  'yo',
  'zu',
  'berg',
  'tal',
  'see',
  'holz',
  'bau',
  'net',
];
const IDN_SYLLABLES = ['mü', 'zü', 'bä', 'kö', 'grü', 'sé', 'lè', 'fô', 'çi', 'ñu'];

/** The domain's label: syllables for looks, the index (length-prefixed, base 36) for uniqueness. */
function labelFor(index: number, idn: boolean, rng: Rng): string {
  const parts: string[] = [];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) parts.push(SYLLABLES[rng.int(SYLLABLES.length)]!);
  if (idn) parts.splice(rng.int(parts.length + 1), 0, IDN_SYLLABLES[rng.int(IDN_SYLLABLES.length)]!);
  const sep = rng.chance(0.15) ? '-' : '';
  // the index in base 36 after its length: syllables have no digits, so the first digit starts
  // the index and no two indices give one label ("berg"+"jwd" and "ber"+"gjwd" would)
  const id = index.toString(36);
  return `${parts.join(sep)}${sep}${id.length}${id}`;
}

const OPERATOR_BY_ID = new Map(DNS_OPERATORS.map((o) => [o.id, o]));
const PROVIDER_BY_ID = new Map(MAIL_PROVIDERS.map((p) => [p.id, p]));
const dnsTable = DNS_OPERATORS.map((o) => [o.id, o.share] as const);
const mailTable = [
  ...MAIL_PROVIDERS.map((p) => [`p:${p.id}`, p.share] as const),
  ['self', SELF_HOSTED_SHARE] as const,
];

const FATES: readonly (readonly [Fate, number])[] = [
  ['ok', 97.9],
  ['lame', 1.2], // delegated to name servers whose names no longer exist: SERVFAIL
  ['refused', 0.4], // delegated to a server that answers REFUSED to everything
  ['bogus-ds', 0.25], // the TLD's DS matches no key
  ['bogus-expired', 0.25], // signatures expired
];

// SPF styles for domains with a deliverable MX; with the Null MX / localhost domains' "v=spf1 -all"
// they give the report's record-level shares (present 78.13 %, -all 30.82 %, ~all 24.52 %,
// redirect 17.15 %, exactly "v=spf1 -all" 2.99 %, several records 0.36 %)
const SPF_STYLES: readonly (readonly [SpfStyle, number])[] = [
  ['none', 22.55],
  ['multiple', 0.37],
  ['deny-all', 0.27],
  ['redirect', 17.7],
  ['include-hardfail', 29.9],
  ['include-softfail', 25.3],
  ['include-neutral', 2.0],
  ['include-pass', 0.25],
  ['include-no-all', 0.8],
  ['too-many-lookups', 0.86],
];

/** The profile of base domain `index` (0 ≤ index < size), before mutations. */
export function baseProfile(w: WorldSpec, index: number): Profile {
  const rng = new Rng(w.seed, 'domain', index);
  const idn = rng.chance(0.0266);
  const label = labelFor(index, idn, rng);
  const name = idn ? domainToASCII(`${label}.${w.tld}`) : `${label}.${w.tld}`;
  const fate = rng.pick(FATES);
  const dns = rng.pick(dnsTable);
  const operator = OPERATOR_BY_ID.get(dns)!;
  const bogus = fate === 'bogus-ds' || fate === 'bogus-expired';
  const signed = bogus || rng.chance(operator.dnssec);

  let mail: Mail = { kind: 'none' };
  if (rng.chance(0.7076)) {
    const m = rng.next() * 100;
    if (m < NULL_MX_SHARE) mail = { kind: 'null' };
    else if (m < NULL_MX_SHARE + LOCALHOST_MX_SHARE) mail = { kind: 'localhost' };
    else {
      let pick = rng.pick(mailTable);
      // a small hoster does its customers' DNS and mail: long-tail mail follows the DNS operator
      if (pick.startsWith('p:host') && dns.startsWith('host')) pick = `p:${dns}`;
      if (pick === 'self') {
        const a = rng.int(65536);
        mail = {
          kind: 'self',
          address: `${STATIC_NET}.${a >> 8}.${a & 255}`,
          dane: signed && rng.chance(0.2),
        };
      } else mail = { kind: 'provider', provider: pick.slice(2) };
    }
  }
  const prov = mail.kind === 'provider' ? PROVIDER_BY_ID.get(mail.provider)! : undefined;
  const deliverable = mail.kind === 'provider' || mail.kind === 'self';

  let spf: SpfStyle = 'none';
  if (deliverable) spf = rng.pick(SPF_STYLES);
  else if (mail.kind === 'null' || mail.kind === 'localhost') spf = rng.chance(0.85) ? 'deny-all' : 'none';
  else spf = rng.chance(0.3) ? 'deny-all' : 'none';

  let dkim: Dkim = 'none';
  if (prov) {
    if (rng.chance(prov.knownSelector)) dkim = prov.m365 ? 'm365' : 'default';
    else if (rng.chance(prov.privateSelector)) dkim = 'private';
  } else if (mail.kind === 'self') {
    const r = rng.next();
    dkim = r < 0.08 ? 'default' : r < 0.38 ? 'private' : 'none';
  }

  let dmarc: Profile['dmarc'] = null;
  if (deliverable) {
    const boost = prov?.m365 ? 2 : 1;
    const r = rng.next() * 100;
    const p: DmarcPolicy | null =
      r < 5.4 * boost
        ? 'none'
        : r < (5.4 + 2.6) * boost
          ? 'quarantine'
          : r < (5.4 + 2.6 + 2.9) * boost
            ? 'reject'
            : null;
    if (p) {
      const rua = rng.chance(0.32) ? (rng.chance(0.5) ? 'own' : 'external') : 'none';
      dmarc = { p, rua };
    }
  } else if (mail.kind !== 'none' && rng.chance(0.05)) dmarc = { p: 'reject', rua: 'none' };

  const caa = rng.chance(0.0136);
  const mtaSts = deliverable && rng.chance(0.0005);
  const tlsRpt = deliverable && rng.chance(0.0004);
  const bimi = deliverable && rng.chance(0.0003) ? { certificate: rng.chance(0.03) } : null;
  return { index, name, idn, fate, dns, signed, mail, spf, dkim, dmarc, caa, mtaSts, tlsRpt, bimi };
}

export function mailProvider(id: string): MailProvider {
  const p = MAIL_PROVIDERS.find((x) => x.id === id);
  if (!p) throw new Error(`no mail provider ${id}`);
  return p;
}

export function dnsOperator(id: string): DnsOperator {
  const o = DNS_OPERATORS.find((x) => x.id === id);
  if (!o) throw new Error(`no DNS operator ${id}`);
  return o;
}

/** The private DKIM selector of an operator (not in any selector list a scanner guesses). */
export function privateSelector(p: Profile): string {
  return `k${(p.index % 7) + 2019}x${p.dns.slice(0, 3)}`;
}
