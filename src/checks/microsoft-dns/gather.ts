import type { Answer, SrvRecord } from '../../dns/types.ts';
import { failureReason, isFailure } from '../../dns/types.ts';
import type { GatherContext } from '../types.ts';

/** One lookup of a Microsoft endpoint name: what was asked and what came back. */
export interface EndpointLookup {
  readonly name: string;
  readonly type: 'CNAME' | 'A' | 'AAAA' | 'SRV';
  readonly outcome: 'found' | 'absent' | 'error';
  /** CNAME target, addresses, or SRV records as `priority weight port target` */
  readonly values: readonly string[];
  readonly srv?: readonly SrvRecord[];
  readonly reason?: string;
}

const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');

function toLookup<R>(a: Answer<R>, type: EndpointLookup['type'], show: (r: R) => string): EndpointLookup {
  if (isFailure(a)) return { name: a.name, type, outcome: 'error', values: [], reason: failureReason(a) };
  const values = a.records.map(show);
  return { name: a.name, type, outcome: values.length ? 'found' : 'absent', values };
}

async function address(ctx: GatherContext, name: string, type: 'A' | 'AAAA'): Promise<EndpointLookup> {
  return toLookup(await ctx.resolver.query(name, type, { signal: ctx.signal }), type, String);
}
async function srv(ctx: GatherContext, name: string): Promise<EndpointLookup> {
  const a = await ctx.resolver.query(name, 'SRV', { signal: ctx.signal });
  // RFC 2782: a single SRV with target "." means the service is decidedly not available
  const usable = a.records.filter((r) => norm(r.target) !== '');
  const l = toLookup(
    { ...a, records: usable },
    'SRV',
    (r) => `${r.priority} ${r.weight} ${r.port} ${norm(r.target)}`,
  );
  return { ...l, srv: usable };
}

/**
 * A host name published as CNAME or address records (autodiscover.<d>, lyncdiscover.<d>). One A
 * query answers both: the resolver follows a CNAME and returns the chain with the addresses (so
 * the CNAME is seen even when its target has no address); AAAA only when A has no records and the
 * name exists (NODATA; after NXDOMAIN nothing exists below or at the name, RFC 8020).
 */
export async function gatherHostName(ctx: GatherContext, name: string): Promise<EndpointLookup[]> {
  const a = await ctx.resolver.query(name, 'A', { signal: ctx.signal });
  const target = a.cnames[0];
  if (target !== undefined)
    return [{ name: a.name, type: 'CNAME', outcome: 'found', values: [norm(target)] }];
  const v4 = toLookup(a, 'A', String);
  if (v4.outcome === 'found' || a.rcode === 'NXDOMAIN') return [v4];
  return [v4, await address(ctx, name, 'AAAA')];
}

/** Autodiscover (Exchange / Microsoft 365): CNAME or A at autodiscover.<d>, else SRV _autodiscover._tcp.<d>. */
export async function gatherAutodiscover(domain: string, ctx: GatherContext): Promise<EndpointLookup[]> {
  const host = await gatherHostName(ctx, `autodiscover.${domain}`);
  if (host.some((l) => l.outcome === 'found')) return host;
  return [...host, await srv(ctx, `_autodiscover._tcp.${domain}`)];
}

/** Lync / Skype for Business discovery: CNAME or A at lyncdiscover.<d>. */
export async function gatherLyncdiscover(domain: string, ctx: GatherContext): Promise<EndpointLookup[]> {
  return gatherHostName(ctx, `lyncdiscover.${domain}`);
}

/** SIP federation: SRV _sipfederationtls._tcp.<d> and _sip._tls.<d>. */
export async function gatherSipFederation(domain: string, ctx: GatherContext): Promise<EndpointLookup[]> {
  return [await srv(ctx, `_sipfederationtls._tcp.${domain}`), await srv(ctx, `_sip._tls.${domain}`)];
}
