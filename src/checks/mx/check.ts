import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { Answer, MxRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import { isLoopback } from '../../protocol/ip.ts';
import type { HostAddresses } from '../shared/addresses.ts';
import { mxFindings } from './findings.ts';

export type MxKind = 'host' | 'null' | 'localhost' | 'private' | 'ip-literal' | 'cname' | 'unresolvable';

export interface PtrGathered {
  readonly address: string;
  readonly ptr: Answer<string>;
  /** forward lookups of each PTR name */
  readonly forward: readonly HostAddresses[];
}

export interface MxGathered {
  readonly domain: string;
  readonly mx: Answer<MxRecord>;
  /** by exchange */
  readonly hosts: ReadonlyMap<string, HostAddresses>;
  readonly ptrs: ReadonlyMap<string, PtrGathered>;
  /** A/AAAA of the domain itself, asked when there is no MX (implicit MX) */
  readonly implicit?: HostAddresses;
  /** whether an address is special-purpose and outside --allow-private */
  readonly isSpecial: (address: string) => boolean;
}

export interface MxEvidence {
  records: {
    preference: number;
    exchange: string;
    addresses: string[];
    kind: MxKind;
    ptr: { address: string; names: string[]; confirmed: boolean | null }[];
  }[];
  nullMx: boolean;
}

const IP_LITERAL = /^(\[.*\]|\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

export function kindOf(
  exchange: string,
  host: HostAddresses | undefined,
  isSpecial: (a: string) => boolean,
): MxKind {
  if (exchange === '') return 'null';
  if (exchange === 'localhost' || exchange.startsWith('localhost.')) return 'localhost';
  if (IP_LITERAL.test(exchange)) return 'ip-literal';
  if (!host) return 'unresolvable';
  if (host.outcome === 'absent') return 'unresolvable';
  if (host.addresses.length && host.addresses.every((a) => isLoopback(a) && isSpecial(a))) return 'localhost';
  if (host.addresses.length && host.addresses.every(isSpecial)) return 'private';
  if (host.cnames.length) return 'cname';
  return 'host';
}

export function checkMx(g: MxGathered): CheckResult<MxEvidence> {
  const findings: Finding[] = [];
  const sorted = [...g.mx.records].sort(
    (a, b) => a.preference - b.preference || a.exchange.localeCompare(b.exchange),
  );
  const records: MxEvidence['records'] = sorted.map((r) => {
    const host = g.hosts.get(r.exchange);
    const addresses = host?.addresses ?? [];
    return {
      preference: r.preference,
      exchange: r.exchange === '' ? '.' : r.exchange,
      addresses,
      kind: kindOf(r.exchange, host, g.isSpecial),
      ptr: addresses.flatMap((address) => {
        const p = g.ptrs.get(address);
        if (!p) return [];
        const names = [...p.ptr.records];
        // FCrDNS: a PTR name resolving back to the address; a failed lookup on the way leaves it
        // unknown (null), never "not confirmed"
        const confirmed = isFailure(p.ptr)
          ? null
          : names.length === 0
            ? false
            : p.forward.some((f) => f.addresses.includes(address))
              ? true
              : p.forward.some((f) => f.outcome === 'error')
                ? null
                : false;
        return [{ address, names, confirmed }];
      }),
    };
  });
  const nullMx = records.some((r) => r.kind === 'null');
  const evidence: MxEvidence = { records, nullMx };

  if (isFailure(g.mx)) {
    findings.push(undetermined('mx', failureReason(g.mx)));
    return { check: 'mx', status: statusFrom('unknown', findings), evidence, findings };
  }
  if (records.length === 0) {
    if (g.mx.rcode === 'NXDOMAIN') findings.push(mxFindings.make('domain-not-found', { domain: g.domain }));
    else
      findings.push(
        mxFindings.make('no-mx', { domain: g.domain, implicit: (g.implicit?.addresses.length ?? 0) > 0 }),
      );
    return { check: 'mx', status: statusFrom(false, findings), evidence, findings };
  }

  const others = records.filter((r) => r.kind !== 'null');
  if (nullMx) {
    const nul = records.find((r) => r.kind === 'null')!;
    if (others.length) {
      findings.push(mxFindings.make('null-mx-mixed', { others: others.map((r) => r.exchange).join(', ') }));
    }
    if (nul.preference !== 0)
      findings.push(mxFindings.make('null-mx-preference', { preference: nul.preference, domain: g.domain }));
  }
  const seen = new Set<string>();
  for (const r of others) {
    if (seen.has(r.exchange)) findings.push(mxFindings.make('duplicate-exchange', { exchange: r.exchange }));
    seen.add(r.exchange);
    const host = g.hosts.get(r.exchange);
    const addresses = r.addresses.join(', ');
    switch (r.kind) {
      case 'localhost':
        findings.push(mxFindings.make('localhost', { exchange: r.exchange, addresses }));
        break;
      case 'private':
        findings.push(mxFindings.make('private', { exchange: r.exchange, addresses }));
        break;
      case 'ip-literal':
        findings.push(mxFindings.make('ip-literal', { exchange: r.exchange, domain: g.domain }));
        break;
      case 'cname':
        findings.push(
          mxFindings.make('cname', {
            exchange: r.exchange,
            target: host?.cnames[host.cnames.length - 1] ?? '?',
            domain: g.domain,
            preference: r.preference,
          }),
        );
        break;
      case 'unresolvable':
        findings.push(mxFindings.make('unresolvable', { exchange: r.exchange }));
        break;
      default:
        break;
    }
    if (host?.outcome === 'error') {
      findings.push(
        mxFindings.make('address-undetermined', {
          exchange: r.exchange,
          reason: failureReason(host.failures[0]!),
        }),
      );
    }
    for (const p of r.ptr) {
      if (p.confirmed === false && p.names.length === 0) {
        findings.push(mxFindings.make('no-ptr', { exchange: r.exchange, address: p.address }));
      } else if (p.confirmed === false) {
        findings.push(
          mxFindings.make('ptr-not-confirmed', {
            exchange: r.exchange,
            address: p.address,
            names: p.names.join(', '),
          }),
        );
      }
    }
  }
  const deliverable = others.some((r) => r.kind === 'host' || r.kind === 'cname');
  const undeterminedHost = others.some((r) => g.hosts.get(r.exchange)?.outcome === 'error');
  if (others.length && !deliverable && !undeterminedHost && !nullMx) {
    findings.push(mxFindings.make('no-deliverable-mx', { domain: g.domain }));
  }
  // interface.md: Null MX alone → pass (a preference other than 0 lowers it, like any warning);
  // Null MX with others → fail (the null-mx-mixed error)
  return { check: 'mx', status: statusFrom(true, findings), evidence, findings };
}
