/**
 * mailauth's DNS resolver contract over mailsec's Resolver. mailauth calls
 * `resolver(name, rrtype)` and expects what node:dns `resolve()` returns (TXT: string[][] of
 * character-strings; A/AAAA/NS/PTR/CNAME: string[]; MX: {exchange, priority}[]), and reads
 * `err.code` of a rejection (mailauth 7.1.0, lib/tools.js KEY_ERROR_COMMENTS, lib/spf/index.js,
 * lib/dmarc/get-dmarc-record.js): ENOTFOUND and ENODATA mean "no such record" (DKIM: "no key",
 * SPF: a void lookup); every other code is a DNS failure (DKIM: temperror). So only NXDOMAIN and
 * NODATA become ENOTFOUND / ENODATA here: SERVFAIL, REFUSED, a timeout or an unreachable resolver
 * keep their own codes and can never read as a missing key.
 */
import type { Answer, Resolver, RRType } from '../dns/types.ts';

export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;

/** node:dns error codes for the rcodes that are not absence. */
const FAILURE_CODE: Record<string, string> = {
  SERVFAIL: 'ESERVFAIL',
  REFUSED: 'EREFUSED',
  FORMERR: 'EFORMERR',
  NOTIMP: 'ENOTIMP',
  TIMEOUT: 'ETIMEOUT',
  NETERROR: 'ECONNREFUSED',
};

const SUPPORTED = new Set<RRType>(['TXT', 'A', 'AAAA', 'MX', 'NS', 'PTR', 'CNAME']);

export class MailauthDnsError extends Error {
  readonly code: string;
  readonly hostname: string;
  readonly rcode: string;
  constructor(code: string, a: Pick<Answer<unknown>, 'name' | 'type' | 'rcode' | 'detail'>) {
    super(`query${a.type} ${code} ${a.name}${a.detail ? ` (${a.detail})` : ''}`);
    this.code = code;
    this.hostname = a.name;
    this.rcode = a.rcode;
  }
}

export interface RecordedAnswer {
  readonly name: string;
  readonly type: RRType;
  readonly rcode: string;
  readonly records: readonly unknown[];
  readonly detail?: string;
}

/**
 * The adapter. `seen` (when given) records each answer by `TYPE name` (lower case), so the caller
 * can tell a timeout from NXDOMAIN and read the key record mailauth used.
 */
export function mailauthResolver(
  resolver: Resolver,
  options: { signal?: AbortSignal; seen?: Map<string, RecordedAnswer> } = {},
): MailauthResolver {
  return async (name, rrtype) => {
    const type = rrtype.toUpperCase() as RRType;
    if (!SUPPORTED.has(type)) {
      throw new MailauthDnsError('ENOTIMP', { name, type, rcode: 'NOTIMP' });
    }
    const a = await resolver.query(name, type, options.signal ? { signal: options.signal } : {});
    options.seen?.set(`${type} ${a.name.toLowerCase()}`, {
      name: a.name,
      type,
      rcode: a.rcode,
      records: a.records,
      ...(a.detail !== undefined ? { detail: a.detail } : {}),
    });
    if (a.rcode === 'NXDOMAIN') throw new MailauthDnsError('ENOTFOUND', a);
    if (a.rcode !== 'NOERROR') throw new MailauthDnsError(FAILURE_CODE[a.rcode] ?? 'ESERVFAIL', a);
    if (a.records.length === 0) throw new MailauthDnsError('ENODATA', a);
    switch (type) {
      case 'TXT':
        return (a as Answer<{ strings: readonly string[] }>).records.map((r) => [...r.strings]);
      case 'MX':
        return (a as Answer<{ preference: number; exchange: string }>).records.map((r) => ({
          exchange: r.exchange,
          priority: r.preference,
        }));
      default:
        return [...(a.records as readonly string[])];
    }
  };
}
