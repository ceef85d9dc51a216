/**
 * Turns scenarios into a plan of zones: the testworld's own root, every TLD a domain needs (and
 * test., which holds the name servers' names), arpa. for reverse DNS, and one zone per domain, with
 * delegations (NS, glue, and later DS) from each zone's nearest enclosing zone.
 *
 * Name servers: ns1.nic.test ({net}.0.1) and ns2.nic.test ({net}.0.2) are NSD; ns.refused.nic.test
 * ({net}.0.66) answers REFUSED (domains with `broken: 'refused'` are delegated there only).
 */
import type { Breakage, DomainSpec, RecordSpec, Scenario } from '../scenario.ts';
import { expandNet } from '../scenario.ts';
import { ancestors, fqdn, isInZone, labels, normName, reverseName } from './names.ts';

export const NS1 = 'ns1.nic.test';
export const NS2 = 'ns2.nic.test';
export const NS_REFUSED = 'ns.refused.nic.test';
export const DEFAULT_TTL = 300;

export type ZoneKind = 'root' | 'tld' | 'domain' | 'reverse';

export interface ZonePlan {
  /** '' for the root */
  readonly apex: string;
  readonly kind: ZoneKind;
  readonly signed: boolean;
  readonly broken?: Breakage;
  /** served by NSD (false for `broken: 'refused'`) */
  readonly served: boolean;
  /** records in presentation format, one RR per line, absolute owner names */
  readonly lines: string[];
  /** apexes of the zones delegated from this one */
  readonly children: string[];
  readonly parent?: string;
  readonly description?: string;
}

export interface Plan {
  readonly net: string;
  /** zones by apex */
  readonly zones: Map<string, ZonePlan>;
  /** the domains (scenario zones), in scenario order */
  readonly domains: string[];
  /** TLDs served (e.g. ['test']) */
  readonly tlds: string[];
}

function rr(owner: string, type: string, rdata: string, ttl = DEFAULT_TTL): string {
  return `${fqdn(owner)}\t${ttl}\tIN\t${type}\t${rdata}`;
}

function soa(apex: string): string {
  return rr(apex, 'SOA', `${fqdn(NS1)} hostmaster.nic.test. 1 3600 600 86400 60`);
}

function ownerName(owner: string, apex: string, where: string): string {
  const o = owner.trim();
  if (o === '@' || o === '') return apex;
  if (o.endsWith('.')) {
    const n = normName(o);
    if (!isInZone(n, apex)) throw new Error(`${where}: owner ${owner} is outside the zone ${fqdn(apex)}`);
    return n;
  }
  const rel = o.toLowerCase();
  return apex === '' ? rel : `${rel}.${apex}`;
}

interface MutableZone {
  apex: string;
  kind: ZoneKind;
  signed: boolean;
  broken?: Breakage;
  served: boolean;
  lines: string[];
  children: string[];
  parent?: string;
  description?: string;
  spec?: DomainSpec;
}

/** Builds the zone plan for the given scenarios at network prefix `net` ('127.S'). */
export function planZones(scenarios: readonly Scenario[], net: string): Plan {
  const zones = new Map<string, MutableZone>();
  const domains: string[] = [];
  const add = (z: MutableZone) => zones.set(z.apex, z);

  add({ apex: '', kind: 'root', signed: true, served: true, lines: [], children: [] });
  add({ apex: 'arpa', kind: 'reverse', signed: true, served: true, lines: [], children: [] });
  const tlds = new Set<string>(['test']);

  for (const sc of scenarios) {
    for (const d of sc.domains) {
      const apex = normName(d.name);
      const where = `scenario ${sc.name}, domain ${d.name}`;
      if (labels(apex).length < 2) throw new Error(`${where}: a domain needs at least two labels`);
      if (labels(apex).some((l) => l === '' || l.length > 63)) throw new Error(`${where}: bad name`);
      if (zones.has(apex)) throw new Error(`${where}: the domain is defined twice`);
      if (apex === 'nic.test' || apex.endsWith('.nic.test'))
        throw new Error(`${where}: nic.test is the testworld's own`);
      const tld = labels(apex).at(-1)!;
      if (tld === 'arpa') throw new Error(`${where}: reverse zones are generated from \`ptr\``);
      tlds.add(tld);
      const broken = d.broken;
      add({
        apex,
        kind: 'domain',
        signed: broken === 'refused' ? false : d.signed !== false || broken !== undefined,
        ...(broken ? { broken } : {}),
        served: broken !== 'refused',
        lines: [],
        children: [],
        ...(d.description ? { description: d.description } : {}),
        spec: d,
      });
      domains.push(apex);
    }
  }
  for (const tld of tlds) {
    if (!zones.has(tld)) add({ apex: tld, kind: 'tld', signed: true, served: true, lines: [], children: [] });
  }

  // Parents: the nearest enclosing zone.
  for (const z of zones.values()) {
    if (z.apex === '') continue;
    const parent = ancestors(z.apex).find((a) => zones.has(a))!;
    z.parent = parent;
    zones.get(parent)!.children.push(z.apex);
  }

  // Apex records and the zone's own data.
  for (const z of zones.values()) {
    if (!z.served) continue;
    z.lines.push(soa(z.apex));
    const spec = z.spec;
    const ownNs = spec?.records.filter(
      (r) => r[1].toUpperCase() === 'NS' && ownerName(r[0], z.apex, '') === z.apex,
    );
    if (!ownNs || ownNs.length === 0) {
      z.lines.push(rr(z.apex, 'NS', fqdn(NS1)), rr(z.apex, 'NS', fqdn(NS2)));
    }
    if (spec) {
      for (const r of spec.records) z.lines.push(renderRecord(r, z.apex, net, `domain ${z.apex}`));
    }
  }

  // The name servers' own names, in test. (authoritative) and in the root (glue).
  const test = zones.get('test')!;
  const nsA: [string, string][] = [
    [NS1, `${net}.0.1`],
    [NS2, `${net}.0.2`],
    [NS_REFUSED, `${net}.0.66`],
  ];
  for (const [n, a] of nsA) test.lines.push(rr(n, 'A', a));
  const root = zones.get('')!;
  for (const [n, a] of nsA.slice(0, 2)) root.lines.push(rr(n, 'A', a));

  // Delegations (NS and glue; DS is added when the child is signed).
  for (const z of zones.values()) {
    if (z.apex === '') continue;
    const parent = zones.get(z.parent!)!;
    if (z.broken === 'refused') {
      parent.lines.push(rr(z.apex, 'NS', fqdn(NS_REFUSED)));
      continue;
    }
    const spec = z.spec;
    const ownNs = (spec?.records ?? []).filter(
      (r) => r[1].toUpperCase() === 'NS' && ownerName(r[0], z.apex, '') === z.apex,
    );
    if (ownNs.length === 0) {
      parent.lines.push(rr(z.apex, 'NS', fqdn(NS1)), rr(z.apex, 'NS', fqdn(NS2)));
      continue;
    }
    for (const r of ownNs) {
      const target = absolute(expandNet(r[2], net).trim(), z.apex);
      parent.lines.push(rr(z.apex, 'NS', fqdn(target)));
      if (isInZone(target, z.apex)) {
        for (const g of spec!.records) {
          const t = g[1].toUpperCase();
          if ((t === 'A' || t === 'AAAA') && ownerName(g[0], z.apex, '') === target) {
            parent.lines.push(rr(target, t, expandNet(g[2], net).trim()));
          }
        }
      }
    }
  }
  root.lines.push(rr('arpa', 'NS', fqdn(NS1)), rr('arpa', 'NS', fqdn(NS2)));
  zones.get('arpa')!.parent = '';
  root.children.push('arpa');

  // Reverse DNS.
  const arpa = zones.get('arpa')!;
  const ptrSeen = new Map<string, string>();
  for (const sc of scenarios) {
    for (const [key, target] of Object.entries(sc.ptr ?? {})) {
      const address = expandNet(key, net);
      const rev = reverseName(address);
      const t = normName(target);
      const prev = ptrSeen.get(rev);
      if (prev !== undefined && prev !== t)
        throw new Error(`scenario ${sc.name}: PTR for ${key} is already ${prev} (from another scenario)`);
      if (prev === undefined) arpa.lines.push(rr(rev, 'PTR', fqdn(t)));
      ptrSeen.set(rev, t);
    }
  }

  return { net, zones: zones as Map<string, ZonePlan>, domains, tlds: [...tlds].sort() };
}

function absolute(name: string, apex: string): string {
  return name.endsWith('.') ? normName(name) : normName(apex ? `${name}.${apex}` : name);
}

/** One record spec as a zone-file line (absolute owner; rdata may stay relative to $ORIGIN). */
export function renderRecord(r: RecordSpec, apex: string, net: string, where: string): string {
  const [owner, type, rdata, ttl] = r;
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(type)) throw new Error(`${where}: bad record type ${type}`);
  if (type.toUpperCase() === 'SOA') throw new Error(`${where}: SOA is generated`);
  const line = rr(
    ownerName(owner, apex, where),
    type.toUpperCase(),
    expandNet(rdata, net),
    ttl ?? DEFAULT_TTL,
  );
  if (line.includes('\n')) throw new Error(`${where}: a record must be on one line`);
  return line;
}

/** The zone file text (before signing). */
export function zoneText(z: ZonePlan, extra: readonly string[] = []): string {
  return `$ORIGIN ${fqdn(z.apex)}\n$TTL ${DEFAULT_TTL}\n${[...z.lines, ...extra].join('\n')}\n`;
}

/** Zones in signing order: children before their parents. */
export function signingOrder(plan: Plan): ZonePlan[] {
  return [...plan.zones.values()].sort((a, b) => labels(b.apex).length - labels(a.apex).length);
}
