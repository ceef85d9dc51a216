/**
 * What a profile publishes: the records of the domain's own zone (slot-independent, so built
 * zones are cached and served from any slot), its delegation in the TLD, and the shared
 * infrastructure (operators' zones under .test, built per start by the testworld with the slot's
 * addresses).
 */
import { fixedSpkiSha256 } from '../ca.ts';
import type { DomainSpec, RecordSpec, Scenario } from '../scenario.ts';
import {
  DNS_OPERATORS,
  dnsOperator,
  ESPS,
  espSpf,
  MAIL_PROVIDERS,
  mailProvider,
  type Profile,
  privateSelector,
} from './model.ts';
import { NEG_TTL, type RR, rr, txt } from './rr.ts';

/** RSA-2048 public keys (SPKI, base64) for DKIM records. */
export const DKIM_KEYS = [
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtfgu1WZI+koXNqsCOBDbfihRx63o2RgdYkeUkQX2ch8b8i7z4azrPgr/X95fmKKsSPA8UqK5dnpCrXK5qmZTRT1ZoU494tIwRWggercnWzkeL6lhL6XnOBsBcR1JamaZ577zeSCPAQ2yPl1SpvHBl7SoxJuM7h+gT26WHfBmcUlJONkxCspU2hjjbv4AGngFMirz9Lgqpp4rwPoxUwLFU3n7KdVU9K64snCgigbd9obUkuk5iZ9RpY4Gp9L+jFrQgHrF3stjHThZFOKQ+u98XyPK0WE8oB8wmMpCJXqXfgMzWH1FsPyvpt3orxFbvZWEYmrHHxxAHk6V60W1HpoB1wIDAQAB',
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzWu87C92jy1xPcOZTSpkA6Mu/VzGJX/zAk+HgRM2EZBUw09xd7zw5z+jibqllXaO4vdm8VVlGY+3L4UXH8YmNyqn6IgCHJVuTvEO/w3QaMii9zI+FqIbgvOCR8xovc3jjruUsXoXJouucZqGklmSrIC9Y6bhS/0WbHwPJ0Ca/2ovmH2KFyl22/ayWZi6fgJn/1GucztScjjtiUXxm4j1tfAhJOs9mHRE0lqKSVn4U7sCTBZ3O6YLbkZMsCDi65iZOJkG1WgnjbD2rBY8cO+p8MsQlm/B2a5spjr4aFIqEKjPz6Ai7PZPdowE8e7AI1OId1rQhK3w80h+nNZhO3CxvQIDAQAB',
] as const;

export const dkimRecord = (k: number) => `v=DKIM1; k=rsa; p=${DKIM_KEYS[k % DKIM_KEYS.length]}`;

/** The TLSA data of every DANE host in the world: DANE-EE SPKI SHA-256 of the testworld's fixed key. */
let daneEe: string | undefined;
export function daneData(): string {
  daneEe ??= fixedSpkiSha256('dane-ee');
  return daneEe;
}

/** The MX records a profile publishes ([preference, exchange]; exchange '' is the Null MX). */
export function mxOf(p: Profile): (readonly [number, string])[] {
  switch (p.mail.kind) {
    case 'none':
      return [];
    case 'null':
      return [[0, '']];
    case 'localhost':
      return [[10, 'localhost']];
    case 'self':
      return [[10, `mail.${p.name}`]];
    case 'provider':
      return [...mailProvider(p.mail.provider).mx(p.name)];
  }
}

/** The SPF include/redirect target for a domain's mail. */
function spfTarget(p: Profile): string {
  if (p.mail.kind === 'provider') return mailProvider(p.mail.provider).spf;
  return espSpf(1 + (p.index % ESPS));
}

/** The TXT records at the apex that are SPF (the style's text). */
export function spfRecords(p: Profile): string[] {
  const t = spfTarget(p);
  const mine = p.mail.kind === 'self' ? 'mx ' : '';
  switch (p.spf) {
    case 'none':
      return [];
    case 'deny-all':
      return ['v=spf1 -all'];
    case 'multiple':
      return [`v=spf1 ${mine}include:${t} -all`, 'v=spf1 a mx ~all'];
    case 'redirect':
      return [`v=spf1 redirect=${t}`];
    case 'include-hardfail':
      return [`v=spf1 ${mine}include:${t} -all`];
    case 'include-softfail':
      return [`v=spf1 ${mine}include:${t} ~all`];
    case 'include-neutral':
      return [`v=spf1 ${mine}include:${t} ?all`];
    case 'include-pass':
      return [`v=spf1 ${mine}include:${t} +all`];
    case 'include-no-all':
      return [`v=spf1 ${mine}include:${t}`];
    case 'too-many-lookups':
      return [
        `v=spf1 ${mine}include:${t} ${Array.from({ length: ESPS }, (_, k) => `include:${espSpf(k + 1)}`).join(' ')} -all`,
      ];
  }
}

/** The `all` an SPF evaluation ends at (following a redirect), or null. */
export function spfAllOf(p: Profile): '-all' | '~all' | '?all' | '+all' | null {
  switch (p.spf) {
    case 'none':
    case 'multiple':
    case 'include-no-all':
      return null;
    case 'deny-all':
    case 'include-hardfail':
    case 'too-many-lookups':
      return '-all';
    case 'include-softfail':
      return '~all';
    case 'include-neutral':
      return '?all';
    case 'include-pass':
      return '+all';
    case 'redirect':
      return p.mail.kind === 'provider' ? mailProvider(p.mail.provider).spfAll : '-all';
  }
}

/** DNS-querying SPF terms (RFC 7208 §4.6.4) of the evaluated path, following includes/redirects. */
export function spfLookupsOf(p: Profile): number {
  const mine = p.mail.kind === 'self' ? 1 : 0;
  // every include/redirect target in the world is "v=spf1 ip4:… -all" or "~all": no lookups of its own
  switch (p.spf) {
    case 'none':
    case 'multiple':
    case 'deny-all':
      return 0;
    case 'redirect':
      return 1;
    case 'too-many-lookups':
      return mine + 1 + ESPS;
    default:
      return mine + 1;
  }
}

export const dmarcText = (p: Profile) => {
  if (!p.dmarc) return null;
  const rua =
    p.dmarc.rua === 'own'
      ? `; rua=mailto:dmarc@${p.name}`
      : p.dmarc.rua === 'external'
        ? `; rua=mailto:${p.name.replaceAll('.', '-')}@rua.dmarc-reports.test`
        : '';
  return `v=DMARC1; p=${p.dmarc.p}${rua}`;
};

/** Name servers of the domain's delegation in the TLD. */
export function delegationNs(p: Profile): readonly string[] {
  if (p.fate === 'refused') return ['ns.refused.nic.test'];
  if (p.fate === 'lame') return LAME_NS;
  return dnsOperator(p.dns).ns;
}

/**
 * A lame delegation: the hoster is gone and its name servers' names no longer exist (NXDOMAIN in
 * its still-signed zone), so a resolver answers SERVFAIL at once. (A delegation to a server of the
 * same NSD that lacks the zone would not do: that NSD also serves the TLD and answers with a
 * referral to itself, which resolvers chase until they time out.)
 */
export const LAME_NS = ['ns1.gone-hosting.test', 'ns2.gone-hosting.test'];

/** Whether NSD serves the domain's zone (a lame delegation's zone is gone; REFUSED: not ours). */
export const served = (p: Profile) => p.fate !== 'lame' && p.fate !== 'refused';

/** The records of the domain's zone (unsigned; apex SOA and NS included). */
export function zoneRecords(p: Profile): RR[] {
  const d = p.name;
  const out: RR[] = [
    rr(d, 'SOA', {
      mname: delegationNs(p)[0]!,
      rname: `hostmaster.${dnsOperator(p.dns).zone}`,
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: NEG_TTL,
    }),
    ...delegationNs(p).map((n) => rr(d, 'NS', n)),
  ];
  for (const [preference, exchange] of mxOf(p)) out.push(rr(d, 'MX', { preference, exchange }));
  if (p.mail.kind === 'self') {
    out.push(rr(`mail.${d}`, 'A', p.mail.address));
    if (p.mail.dane)
      out.push(
        rr(`_25._tcp.mail.${d}`, 'TLSA', {
          usage: 3,
          selector: 1,
          matchingType: 1,
          certificate: Buffer.from(daneData(), 'hex'),
        }),
      );
  }
  for (const s of spfRecords(p)) out.push(rr(d, 'TXT', txt(s)));
  if (p.caa) out.push(rr(d, 'CAA', { flags: 0, tag: 'issue', value: 'letsencrypt.org' }));
  switch (p.dkim) {
    case 'none':
      break;
    case 'private':
      out.push(rr(`${privateSelector(p)}._domainkey.${d}`, 'TXT', txt(dkimRecord(p.index))));
      break;
    case 'default':
      out.push(rr(`default._domainkey.${d}`, 'TXT', txt(dkimRecord(p.index))));
      break;
    case 'm365': {
      const dashedName = d.replaceAll('.', '-');
      for (const s of ['selector1', 'selector2'])
        out.push(rr(`${s}._domainkey.${d}`, 'CNAME', `${s}-${dashedName}._domainkey.onmicrosoft.test`));
      break;
    }
  }
  const dm = dmarcText(p);
  if (dm) out.push(rr(`_dmarc.${d}`, 'TXT', txt(dm)));
  if (p.mtaSts)
    out.push(rr(`_mta-sts.${d}`, 'TXT', txt(`v=STSv1; id=2024${String(p.index % 10000).padStart(4, '0')}`)));
  if (p.tlsRpt) out.push(rr(`_smtp._tls.${d}`, 'TXT', txt(`v=TLSRPTv1; rua=mailto:tlsrpt@${d}`)));
  if (p.bimi) {
    const a = p.bimi.certificate ? `; a=https://bimi.${d}/vmc.pem` : '; a=';
    out.push(rr(`default._bimi.${d}`, 'TXT', txt(`v=BIMI1; l=https://bimi.${d}/logo.svg${a}`)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Infrastructure (per start, with the slot's addresses)

/** Address plan of the infrastructure (suffixes of {net}). */
export const NS_NET = 10; // {net}.10.k: the operators' name servers (NSD listens there)
export const MX_NET = 20; // {net}.20.k: shared MX hosts
export const WEB_NET = 30; // {net}.30.k: web hosts (MTA-STS, BIMI, …)

/** The addresses (suffixes of {net}) the operators' name servers use, in DNS_OPERATORS order. */
export function nsAddresses(): string[] {
  const out: string[] = [];
  DNS_OPERATORS.forEach((o, i) => {
    o.ns.forEach((_, j) => {
      out.push(`${NS_NET}.${2 * i + j + 1}`);
    });
  });
  return out;
}

/** The scenario with every operator's zone: NS hosts, MX hosts (TLSA, PTR), SPF records, DKIM keys. */
export function infrastructure(): Scenario {
  const zones = new Map<string, RecordSpec[]>();
  const add = (zone: string, ...recs: RecordSpec[]) => {
    const list = zones.get(zone) ?? [];
    list.push(...recs);
    zones.set(zone, list);
  };
  const ptr: Record<string, string> = {};
  const abs = (n: string) => `${n}.`;
  const nsAddr = nsAddresses();
  let k = 0;
  for (const o of DNS_OPERATORS) {
    for (const n of o.ns) add(o.zone, [abs(n), 'A', `{net}.${nsAddr[k++]}`]);
  }
  let mxHost = 1;
  const tlsa = daneData();
  for (const p of MAIL_PROVIDERS) {
    const hosts = new Set<string>();
    for (const [, h] of p.mx('x.invalid')) hosts.add(h);
    const wildcards = new Set<string>();
    for (const h of hosts) {
      if (h.startsWith('x-invalid.') || h.includes('-x-invalid.')) {
        // per-domain names on shared addresses: a wildcard under the provider's shared label
        const parent = h.slice(h.indexOf('.') + 1);
        if (wildcards.has(parent)) continue;
        wildcards.add(parent);
        const addr = `{net}.${MX_NET}.${mxHost++}`;
        add(p.zone, [abs(`*.${parent}`), 'A', addr]);
        ptr[addr] = `mail-out.${parent}`;
        add(p.zone, [abs(ptr[addr]!), 'A', addr]);
      } else {
        const addr = `{net}.${MX_NET}.${mxHost++}`;
        add(p.zone, [abs(h), 'A', addr]);
        ptr[addr] = h;
        if (p.dane) add(p.zone, [abs(`_25._tcp.${h}`), 'TLSA', `3 1 1 ${tlsa}`]);
      }
    }
    add(p.zone, [abs(p.spf), 'TXT', `"v=spf1 ip4:{net}.${MX_NET}.0/24 ${p.spfAll}"`]);
    if (p.m365)
      add('onmicrosoft.test', [
        '*._domainkey',
        'TXT',
        `"${dkimRecord(0).slice(0, 200)}" "${dkimRecord(0).slice(200)}"`,
      ]);
  }
  for (let e = 1; e <= ESPS; e++) {
    const name = espSpf(e);
    add(name.slice(name.indexOf('.') + 1), [abs(name), 'TXT', `"v=spf1 ip4:198.51.100.${e} -all"`]);
  }
  add('gone-hosting.test', ['www', 'A', `{net}.${WEB_NET}.250`]);
  add(
    'dmarc-reports.test',
    ['@', 'MX', `10 mx`],
    ['mx', 'A', `{net}.${MX_NET}.250`],
    ['*._report._dmarc.rua', 'TXT', '"v=DMARC1"'],
    ['rua', 'MX', '10 mx'],
  );
  const domains: DomainSpec[] = [...zones.entries()].map(([name, records]) => ({
    name,
    description: 'scale world infrastructure',
    records,
  }));
  return {
    name: 'scale-infrastructure',
    description: 'the operators of the scale world: name servers, MX hosts, SPF, DKIM keys',
    domains,
    ptr,
  };
}
