/**
 * The resolver interface every gather uses (injected, never a hidden default). An Answer keeps
 * the rcode and the AD bit so that "absent" (NXDOMAIN / NODATA) and "could not find out"
 * (SERVFAIL, REFUSED, timeout, network error) never merge.
 */
export type RRType =
  | 'A'
  | 'AAAA'
  | 'CNAME'
  | 'MX'
  | 'NS'
  | 'TXT'
  | 'SPF'
  | 'CAA'
  | 'PTR'
  | 'SOA'
  | 'SRV'
  | 'TLSA'
  | 'DS'
  | 'DNSKEY';

export type Rcode =
  | 'NOERROR'
  | 'NXDOMAIN'
  | 'SERVFAIL'
  | 'REFUSED'
  | 'FORMERR'
  | 'NOTIMP'
  | 'TIMEOUT'
  /** the resolver could not be reached (ECONNREFUSED, network unreachable, bad DoH answer) */
  | 'NETERROR';

export interface MxRecord {
  readonly preference: number;
  /** normalised: lower case, no trailing dot; the Null MX target is '' */
  readonly exchange: string;
}
export interface TxtRecord {
  /** the character-strings as published (each at most 255 octets), decoded as UTF-8 */
  readonly strings: readonly string[];
  /** the strings joined with no separator (RFC 7208 §3.3) */
  readonly text: string;
}
export interface CaaRecord {
  readonly flags: number;
  readonly tag: string;
  readonly value: string;
}
export interface SoaRecord {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}
export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}
export interface TlsaRecord {
  readonly usage: number;
  readonly selector: number;
  readonly matchingType: number;
  /** association data, lower-case hex */
  readonly data: string;
}
export interface DsRecord {
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  readonly digest: string;
}
export interface DnskeyRecord {
  readonly flags: number;
  readonly algorithm: number;
  /** public key, base64 */
  readonly key: string;
}

export interface RecordMap {
  A: string;
  AAAA: string;
  CNAME: string;
  MX: MxRecord;
  NS: string;
  TXT: TxtRecord;
  SPF: TxtRecord;
  CAA: CaaRecord;
  PTR: string;
  SOA: SoaRecord;
  SRV: SrvRecord;
  TLSA: TlsaRecord;
  DS: DsRecord;
  DNSKEY: DnskeyRecord;
}
export type RecordOf<T extends RRType> = RecordMap[T];

export interface Answer<R> {
  /** the name asked, normalised */
  readonly name: string;
  readonly type: RRType;
  readonly rcode: Rcode;
  /** records of the asked type only (after following the CNAME chain in the answer) */
  readonly records: readonly R[];
  /** AD bit: the validating resolver vouches for the whole answer */
  readonly authenticated: boolean;
  /** CNAME chain followed from the name asked, in order (targets, normalised) */
  readonly cnames: readonly string[];
  /**
   * smallest TTL of the answer records and CNAMEs followed (seconds), when any; for NXDOMAIN and
   * NODATA: the negative-caching TTL, min(SOA TTL, SOA minimum) (RFC 2308), when the answer has an SOA
   */
  readonly ttl?: number;
  /** for TIMEOUT / NETERROR: what went wrong, for the human */
  readonly detail?: string;
}

export interface QueryOptions {
  readonly signal?: AbortSignal;
  /** CD bit: ask the resolver not to validate (used to tell bogus from a failing server) */
  readonly checkingDisabled?: boolean;
  /** the domain being audited: the answer cache keeps answers for names at or below it in the scope */
  readonly scope?: QueryScope;
}

/**
 * One audit's domain, passed with each of its queries (`auditDomain` makes one per domain). The
 * answer cache keeps the answers for names at or below `domain` here, not in its run-wide table:
 * in a scan no other domain asks them, and kept run-wide they lived for seconds, long enough for
 * the garbage collector to copy them twice and promote them, to be evicted unread. Within the
 * audit they are reused exactly as before. The other fields are the cache's.
 */
export interface QueryScope {
  readonly domain: string;
  /** the domain as the cache's keys spell it (filled by the cache) */
  name?: string;
  /** the scope's answers by cache key (filled by the cache) */
  answers?: Map<string, unknown>;
}

export interface Resolver {
  query<T extends RRType>(name: string, type: T, options?: QueryOptions): Promise<Answer<RecordOf<T>>>;
}

/** NXDOMAIN or NODATA: the name or the record type is not there. */
export function isAbsent(a: Answer<unknown>): boolean {
  return a.rcode === 'NXDOMAIN' || (a.rcode === 'NOERROR' && a.records.length === 0);
}

/** Any answer that does not tell whether the record exists. */
export function isFailure(a: Answer<unknown>): boolean {
  return a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN';
}

/** A short reason for a failed answer, for `<check>.undetermined` findings. */
export function failureReason(a: Answer<unknown>): string {
  const what = `${a.type} ${a.name || '.'}`;
  switch (a.rcode) {
    case 'TIMEOUT':
      return `the resolver did not answer ${what} in time`;
    case 'NETERROR':
      return `the resolver could not be reached for ${what}${a.detail ? ` (${a.detail})` : ''}`;
    default:
      return `the resolver answered ${a.rcode} for ${what}${a.detail ? ` (${a.detail})` : ''}`;
  }
}
