/** Configuration files for NSD and the two Unbound instances. */
import { join } from 'node:path';
import type { BuiltZone } from './build.ts';
import { fqdn } from './names.ts';
import { NS1, NS2 } from './zones.ts';

export interface NsdExtra {
  /** the addresses NSD binds (default {net}.0.1 and {net}.0.2) */
  readonly addresses?: readonly string[];
  /** a file of further `zone:` entries (zones built elsewhere, e.g. the scale world's cache) */
  readonly include?: string;
  /** server processes (default 1) */
  readonly servers?: number;
}

export function nsdConf(dir: string, net: string, zones: readonly BuiltZone[], extra: NsdExtra = {}): string {
  const q = (s: string) => JSON.stringify(s);
  const addresses = extra.addresses ?? [`${net}.0.1`, `${net}.0.2`];
  const lines = [
    'server:',
    ...addresses.map((a) => `  ip-address: ${a}`),
    '  port: 53',
    '  do-ip6: no',
    `  server-count: ${extra.servers ?? 1}`,
    '  tcp-count: 64',
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: ${q(join(dir, 'zones'))}`,
    '  database: ""',
    `  zonelistfile: ${q(join(dir, 'nsd', 'zone.list'))}`,
    `  xfrdfile: ${q(join(dir, 'nsd', 'xfrd.state'))}`,
    `  xfrdir: ${q(join(dir, 'nsd'))}`,
    `  pidfile: ${q(join(dir, 'nsd', 'nsd.pid'))}`,
    `  logfile: ${q(join(dir, 'nsd.log'))}`,
    '  verbosity: 1',
    '  hide-version: yes',
    '  refuse-any: yes',
    '  round-robin: no',
    // no response-rate limiting: scans and benchmarks send many queries from one address
    '  rrl-ratelimit: 0',
    '  rrl-whitelist-ratelimit: 0',
    'remote-control:',
    '  control-enable: no',
    '',
  ];
  for (const z of zones) {
    lines.push('zone:', `  name: ${q(fqdn(z.apex))}`, `  zonefile: ${q(z.file)}`, '');
  }
  if (extra.include) lines.push(`include: ${q(extra.include)}`, '');
  return lines.join('\n');
}

/** Special-use TLDs Unbound answers itself unless told `nodefault`. */
const SPECIAL_TLDS = new Set(['test', 'invalid', 'onion', 'home.arpa', 'local']);

/**
 * Unbound's default local zones for reverse DNS (RFC 6303 and loopback): the testworld's own arpa.
 * zone answers for them instead, so PTRs of 127.x (and anything else) resolve through it.
 */
const REVERSE_DEFAULTS = [
  '127.in-addr.arpa.',
  '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.',
  '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.',
  '0.in-addr.arpa.',
  '10.in-addr.arpa.',
  ...Array.from({ length: 16 }, (_, i) => `${16 + i}.172.in-addr.arpa.`),
  '168.192.in-addr.arpa.',
  '254.169.in-addr.arpa.',
  '2.0.192.in-addr.arpa.',
  '100.51.198.in-addr.arpa.',
  '113.0.203.in-addr.arpa.',
  '255.255.255.255.in-addr.arpa.',
  ...Array.from({ length: 64 }, (_, i) => `${64 + i}.100.in-addr.arpa.`),
  'd.f.ip6.arpa.',
  '8.e.f.ip6.arpa.',
  '9.e.f.ip6.arpa.',
  'a.e.f.ip6.arpa.',
  'b.e.f.ip6.arpa.',
  '8.b.d.0.1.0.0.2.ip6.arpa.',
];

/** Unbound sizing for large worlds (defaults: the small testworld's). */
export interface UnboundTuning {
  readonly threads?: number;
  readonly msgCacheMb?: number;
  readonly rrsetCacheMb?: number;
  readonly keyCacheMb?: number;
  readonly outgoingRange?: number;
  readonly queriesPerThread?: number;
  /** RFC 8198 (Unbound's own default): NXDOMAIN synthesised from cached NSEC records */
  readonly aggressiveNsec?: boolean;
  /** socket receive/send buffers (MiB): bursts of a scan overflow the 208 KiB default */
  readonly socketBufferMb?: number;
}

export interface UnboundOptions {
  readonly tuning?: UnboundTuning;
  readonly dir: string;
  readonly net: string;
  readonly address: string;
  readonly name: string;
  readonly validating: boolean;
  readonly tlds: readonly string[];
}

export function rootHints(net: string): string {
  return [
    `.\t3600000\tIN\tNS\t${fqdn(NS1)}`,
    `.\t3600000\tIN\tNS\t${fqdn(NS2)}`,
    `${fqdn(NS1)}\t3600000\tIN\tA\t${net}.0.1`,
    `${fqdn(NS2)}\t3600000\tIN\tA\t${net}.0.2`,
    '',
  ].join('\n');
}

export function unboundConf(o: UnboundOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    'server:',
    `  interface: ${o.address}`,
    '  port: 53',
    `  outgoing-interface: ${o.address}`,
    '  do-ip4: yes',
    '  do-ip6: no',
    '  do-udp: yes',
    '  do-tcp: yes',
    '  access-control: 127.0.0.0/8 allow',
    '  username: ""',
    '  chroot: ""',
    `  directory: ${q(o.dir)}`,
    `  pidfile: ${q(join(o.dir, `${o.name}.pid`))}`,
    `  logfile: ${q(join(o.dir, `${o.name}.log`))}`,
    '  use-syslog: no',
    '  verbosity: 1',
    '  log-servfail: yes',
    `  num-threads: ${o.tuning?.threads ?? 1}`,
    '  so-reuseport: no',
    `  outgoing-range: ${o.tuning?.outgoingRange ?? 128}`,
    `  num-queries-per-thread: ${o.tuning?.queriesPerThread ?? 64}`,
    `  msg-cache-size: ${o.tuning?.msgCacheMb ?? 4}m`,
    `  rrset-cache-size: ${o.tuning?.rrsetCacheMb ?? 8}m`,
    `  key-cache-size: ${o.tuning?.keyCacheMb ?? 2}m`,
    ...(o.tuning?.socketBufferMb
      ? [`  so-rcvbuf: ${o.tuning.socketBufferMb}m`, `  so-sndbuf: ${o.tuning.socketBufferMb}m`]
      : []),
    '  neg-cache-size: 1m',
    '  cache-max-negative-ttl: 5',
    '  infra-host-ttl: 60',
    '  val-bogus-ttl: 5',
    '  do-not-query-localhost: no',
    '  qname-minimisation: no',
    `  aggressive-nsec: ${o.tuning?.aggressiveNsec ? 'yes' : 'no'}`,
    '  prefetch: no',
    '  harden-referral-path: no',
    '  hide-identity: yes',
    '  hide-version: yes',
    `  root-hints: ${q(join(o.dir, 'root.hints'))}`,
    `  module-config: ${q(o.validating ? 'validator iterator' : 'iterator')}`,
  ];
  if (o.validating) {
    lines.push(`  trust-anchor-file: ${q(join(o.dir, 'root.ds'))}`, '  val-log-level: 2');
  }
  for (const t of o.tlds) if (SPECIAL_TLDS.has(t)) lines.push(`  local-zone: ${q(fqdn(t))} nodefault`);
  for (const z of REVERSE_DEFAULTS) lines.push(`  local-zone: ${q(z)} nodefault`);
  lines.push('remote-control:', '  control-enable: no', '');
  return lines.join('\n');
}
