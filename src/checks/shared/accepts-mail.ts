import { isFailure } from '../../dns/types.ts';
import type { GatherContext } from '../types.ts';
import { lookupAddresses } from './addresses.ts';

/**
 * Report destinations (DMARC rua/ruf hosts, TLS-RPT mailto domains) checked per record at most:
 * a hostile record could name thousands.
 */
export const MAX_DESTINATION_HOSTS = 8;

/**
 * Whether mail to `host` can be delivered: RFC 5321 §5.1, MX or without MX the address records;
 * a Null MX (RFC 7505) accepts nothing. null: a lookup failed (unknown, never "no").
 */
export async function acceptsMail(ctx: GatherContext, host: string): Promise<boolean | null> {
  const opts = { signal: ctx.signal };
  const mx = await ctx.resolver.query(host, 'MX', opts);
  if (isFailure(mx)) return null;
  if (mx.records.length > 0) return !(mx.records.length === 1 && mx.records[0]!.exchange === '');
  if (mx.rcode === 'NXDOMAIN') return false;
  const h = await lookupAddresses(ctx.resolver, host, ctx.signal);
  return h.outcome === 'ok' ? true : h.outcome === 'error' ? null : false;
}
