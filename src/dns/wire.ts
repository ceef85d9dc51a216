/**
 * DNS wire format: query encoding, strict response matching and the mapping of dns-packet's
 * decoded records to the typed records of types.ts.
 */
import dnsPacket from 'dns-packet';
import { normaliseDomain } from '../core/names.ts';
import type { Answer, Rcode, RecordMap, RecordOf, RRType } from './types.ts';

/** EDNS0 UDP payload size announced (DNS Flag Day 2020). */
export const EDNS_PAYLOAD = 1232;

/** lower-case LDH labels (underscore allowed) of 1–63 octets, no trailing dot */
const CANONICAL = /^(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}$/;

let lastCanonical = '\u0000';

/**
 * The name as queried and as reported in Answer.name: lower case, A-labels, no trailing dot, ''
 * for the root. Names that are not host names (SPF macro expansions with '%', spaces, ':' …) are
 * kept as given, only lower-cased.
 */
export function queryName(name: string): string {
  // the common case, already canonical (names from DNS data and from earlier answers): as it is
  if (name === lastCanonical) return name;
  if (name.length <= 253 && CANONICAL.test(name)) {
    // the cache, the in-flight sharing and the client normalise the same name one after the other
    lastCanonical = name;
    return name;
  }
  const r = normaliseDomain(name);
  if (r.ok) return r.name;
  const n = name.trim().toLowerCase();
  return n === '.' ? '' : n.endsWith('.') ? n.slice(0, -1) : n;
}

/**
 * Why a (normalised) name cannot be put in a DNS question, or undefined when it can: an empty
 * label, a label over 63 octets, or a name over 255 octets on the wire.
 */
export function unencodableName(name: string): string | undefined {
  if (name === '') return undefined;
  // canonical (queryName's fast path): ASCII labels of 1–63 octets, 253 characters at most
  if (name === lastCanonical) return undefined;
  let wire = 1;
  for (const label of name.split('.')) {
    const len = Buffer.byteLength(label);
    if (len === 0) return 'it has an empty label';
    if (len > 63) return 'a label is longer than 63 octets';
    wire += len + 1;
  }
  return wire > 255 ? 'it is longer than 255 octets' : undefined;
}

/** A name found in DNS data: normalised the same way. */
const dataName = (n: string): string => queryName(n);

export interface Question {
  /** normalised (queryName) */
  readonly name: string;
  readonly type: RRType;
  readonly checkingDisabled: boolean;
}

/** RR type numbers of the types asked (IANA), and the ones the decoder looks at. */
export const TYPE_CODE: Readonly<Record<RRType, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  DS: 43,
  DNSKEY: 48,
  TLSA: 52,
  SPF: 99,
  CAA: 257,
};
const CNAME_CODE = 5;
const SOA_CODE = 6;
const CLASS_IN = 1;
const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_AD = 0x0020;
const RD = dnsPacket.RECURSION_DESIRED;
const CD = dnsPacket.CHECKING_DISABLED;
/** the OPT pseudo-record: root name, type 41, UDP payload size, extended rcode 0, version 0, DO, no options */
const OPT_RR = Buffer.from([0, 0, 41, EDNS_PAYLOAD >> 8, EDNS_PAYLOAD & 0xff, 0, 0, 0x80, 0, 0, 0]);

/**
 * The query packet for `q` (RD, CD when asked, EDNS0 with DO unless `edns` is false). Canonical
 * names (lower-case LDH labels: nearly every query) are written here directly; anything else goes
 * through dns-packet, which gives the same bytes for canonical names (wire.test.ts).
 */
export function encodeQuery(q: Question, id: number, edns = true): Buffer {
  const code = TYPE_CODE[q.type];
  if (code === undefined || (q.name !== '' && (q.name.length > 253 || !CANONICAL.test(q.name)))) {
    return encodeWithDnsPacket(q, id, edns);
  }
  const nameLen = q.name === '' ? 1 : q.name.length + 2;
  const buf = Buffer.allocUnsafe(12 + nameLen + 4 + (edns ? OPT_RR.length : 0));
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(RD | (q.checkingDisabled ? CD : 0), 2);
  buf.writeUInt32BE(0x00010000, 4); // QDCOUNT 1, ANCOUNT 0
  buf.writeUInt32BE(edns ? 1 : 0, 8); // NSCOUNT 0, ARCOUNT
  let at = 12;
  if (q.name !== '') {
    // ASCII only (CANONICAL): one octet per character
    let start = 0;
    for (;;) {
      const dot = q.name.indexOf('.', start);
      const end = dot === -1 ? q.name.length : dot;
      buf[at++] = end - start;
      at += buf.write(q.name.slice(start, end), at, 'latin1');
      if (dot === -1) break;
      start = dot + 1;
    }
  }
  buf[at++] = 0;
  buf.writeUInt16BE(code, at);
  buf.writeUInt16BE(CLASS_IN, at + 2);
  at += 4;
  if (edns) OPT_RR.copy(buf, at);
  return buf;
}

function encodeWithDnsPacket(q: Question, id: number, edns: boolean): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: RD | (q.checkingDisabled ? CD : 0),
    questions: [{ name: q.name, type: q.type as dnsPacket.RecordType, class: 'IN' }],
    additionals: edns
      ? [
          {
            name: '.',
            type: 'OPT',
            udpPayloadSize: EDNS_PAYLOAD,
            flags: dnsPacket.DNSSEC_OK,
          } as dnsPacket.Answer,
        ]
      : [],
  });
}

/** The parts of a decoded response this module reads. */
export interface WireResponse {
  readonly id: number;
  readonly rcode: string;
  readonly tc: boolean;
  readonly ad: boolean;
  readonly answers: readonly WireRecord[];
  /** the authority section's SOA records, as negative caching needs them: `ttl`, `data.minimum` */
  readonly authorities: readonly WireRecord[];
}
export interface WireRecord {
  readonly name: string;
  readonly type: string;
  readonly class?: string;
  readonly ttl?: number;
  readonly data?: unknown;
}

const sameName = (a: string, b: string) => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return (
    x === y ||
    x.replace(/\.$/, '') === y.replace(/\.$/, '') ||
    (x === '.' && y === '') ||
    (x === '' && y === '.')
  );
};

/** header RCODEs by number, as dns-packet names them */
const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** dns-packet's own decoders of one record and of one name (exported by the package, not by its typings) */
const codec = dnsPacket as unknown as {
  answer: { decode(buf: Buffer, offset: number): WireRecord };
  name: { decode: ((buf: Buffer, offset: number) => string) & { bytes: number } };
  record(type: string): { decode(buf: Buffer, offset: number): unknown };
};

/** the types asked, by number: their name and dns-packet's decoder of their record data */
const BY_CODE = new Map(
  Object.entries(TYPE_CODE).map(([type, code]) => [code, { type, data: codec.record(type) }] as const),
);

/** The offset just past the (possibly compressed) name at `at`; throws when it runs off the packet. */
function skipName(buf: Buffer, at: number): number {
  for (;;) {
    if (at >= buf.length) throw new RangeError('name runs off the packet');
    const len = buf[at]!;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) {
      if (at + 2 > buf.length) throw new RangeError('pointer runs off the packet');
      return at + 2;
    }
    if ((len & 0xc0) !== 0) throw new RangeError('bad label');
    at += 1 + len;
  }
}

/**
 * The offset past the uncompressed name at `at` when its labels spell `name` byte for byte (ASCII,
 * one label per dot), else -1: then dns-packet's decoder gives exactly `name`.
 */
function spells(buf: Buffer, at: number, name: string): number {
  const n = name.length;
  if (n === 0) return buf[at] === 0 ? at + 1 : -1;
  let i = 0;
  for (;;) {
    if (at >= buf.length) return -1;
    const len = buf[at] as number;
    if (len === 0 || len > 63 || at + 1 + len > buf.length) return -1;
    for (let k = 1; k <= len; k++, i++) if (i >= n || name.charCodeAt(i) !== buf[at + k]) return -1;
    at += 1 + len;
    if (i === n) return buf[at] === 0 ? at + 1 : -1;
    if (name.charCodeAt(i) !== 46) return -1;
    i++;
  }
}

/**
 * Walks `count` records from `at`, decoding (with dns-packet) only those `want` keeps: the rest
 * (RRSIG, NSEC, OPT, glue …) are skipped by their RDLENGTH, never decoded. Returns the end offset.
 */
function section(
  buf: Buffer,
  at: number,
  count: number,
  want: (type: number) => boolean,
  out: WireRecord[] | null,
  qname?: string,
): number {
  for (let i = 0; i < count; i++) {
    const start = at;
    at = skipName(buf, at);
    if (at + 10 > buf.length) throw new RangeError('record runs off the packet');
    const type = buf.readUInt16BE(at);
    const end = at + 10 + buf.readUInt16BE(at + 8);
    if (end > buf.length) throw new RangeError('record data runs off the packet');
    if (out && want(type)) {
      // most owner names are a pointer to the question's name (offset 12), already decoded: the
      // record as dns-packet's answer.decode builds it, without decoding that name again
      const known =
        qname !== undefined && at === start + 2 && buf[start] === 0xc0 && buf[start + 1] === 12
          ? BY_CODE.get(type)
          : undefined;
      const klass = buf.readUInt16BE(at + 2);
      if (known && (klass & 0x7fff) === CLASS_IN)
        out.push({
          name: qname as string,
          type: known.type,
          ttl: buf.readUInt32BE(at + 4),
          class: 'IN',
          flush: (klass & 0x8000) !== 0,
          data: known.data.decode(buf, at + 8),
        } as WireRecord);
      else out.push(codec.answer.decode(buf, start));
    }
    at = end;
  }
  return at;
}

/**
 * The authority section: only what negative caching needs of its SOA records (RFC 2308 §5: the
 * record's TTL and the MINIMUM field), read without decoding the names — the rdata must still hold
 * two names and the five numbers. Every other record is walked over. Returns the end offset.
 */
function authoritySoa(buf: Buffer, at: number, count: number, out: WireRecord[]): number {
  for (let i = 0; i < count; i++) {
    at = skipName(buf, at);
    if (at + 10 > buf.length) throw new RangeError('record runs off the packet');
    const start = at + 10;
    const end = start + buf.readUInt16BE(at + 8);
    if (end > buf.length) throw new RangeError('record data runs off the packet');
    if (buf.readUInt16BE(at) === SOA_CODE) {
      const numbers = skipName(buf, skipName(buf, start));
      if (numbers + 20 > end) throw new RangeError('SOA data runs off the record');
      out.push({
        name: '',
        type: 'SOA',
        ttl: buf.readUInt32BE(at + 4),
        data: { minimum: buf.readUInt32BE(numbers + 16) },
      });
    }
    at = end;
  }
  return at;
}

/**
 * Decodes `buf` when it is a response to exactly `q` (QR set, one question with the same name, type
 * and class IN); null for anything else (malformed, a query, another question). Only what the
 * answer is made of is decoded: the answer section's records of the asked type and CNAMEs, the
 * authority section's SOA (negative TTL); the other records (signatures, NSEC, OPT, glue) are only
 * walked over, so a packet that does not hold together is still refused.
 */
export function decodeResponse(buf: Uint8Array, q: Question): WireResponse | null {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12) return null;
  const flags = b.readUInt16BE(2);
  if ((flags & FLAG_QR) === 0 || b.readUInt16BE(4) !== 1) return null;
  const code = TYPE_CODE[q.type];
  try {
    // the question as it was asked (nearly always): its name is q.name, nothing to decode
    let at = spells(b, 12, q.name);
    let qname = q.name;
    if (at < 0) {
      qname = codec.name.decode(b, 12);
      at = 12 + codec.name.decode.bytes;
    }
    if (at + 4 > b.length) return null;
    if (b.readUInt16BE(at) !== code || b.readUInt16BE(at + 2) !== CLASS_IN || !sameName(qname, q.name))
      return null;
    at += 4;
    const answers: WireRecord[] = [];
    const authorities: WireRecord[] = [];
    at = section(b, at, b.readUInt16BE(6), (t) => t === code || t === CNAME_CODE, answers, qname);
    at = authoritySoa(b, at, b.readUInt16BE(8), authorities);
    section(b, at, b.readUInt16BE(10), () => false, null);
    return {
      id: b.readUInt16BE(0),
      rcode: RCODE_NAMES[flags & 0xf] ?? `RCODE_${flags & 0xf}`,
      tc: (flags & FLAG_TC) !== 0,
      ad: (flags & FLAG_AD) !== 0,
      answers,
      authorities,
    };
  } catch {
    return null;
  }
}

const RCODES = new Set<Rcode>(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP']);

const hex = (b: unknown) => (b instanceof Uint8Array ? Buffer.from(b).toString('hex') : '');

/** Splits TXT rdata (a sequence of <length><octets>) into its character-strings. */
function characterStrings(rdata: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < rdata.length; ) {
    const len = rdata[i]!;
    out.push(rdata.subarray(i + 1, i + 1 + len));
    i += 1 + len;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');

function toRecord<T extends RRType>(type: T, data: unknown): RecordOf<T> | undefined {
  const d = data as Record<string, unknown>;
  switch (type) {
    case 'A':
    case 'AAAA':
      return (typeof data === 'string' ? data.toLowerCase() : undefined) as RecordOf<T> | undefined;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return (typeof data === 'string' ? dataName(data) : undefined) as RecordOf<T> | undefined;
    case 'MX': {
      const ex = String(d.exchange ?? '');
      const exchange = ex === '.' || ex === '' ? '' : dataName(ex);
      return { preference: Number(d.preference), exchange } satisfies RecordMap['MX'] as RecordOf<T>;
    }
    case 'TXT':
    case 'SPF': {
      const parts: Uint8Array[] = Array.isArray(data)
        ? data.map((x) => (typeof x === 'string' ? Buffer.from(x) : (x as Uint8Array)))
        : data instanceof Uint8Array
          ? characterStrings(data)
          : [];
      const strings = parts.map((p) => utf8.decode(p));
      return { strings, text: strings.join('') } satisfies RecordMap['TXT'] as unknown as RecordOf<T>;
    }
    case 'CAA':
      return {
        flags: Number(d.flags ?? 0),
        tag: String(d.tag ?? ''),
        value: String(d.value ?? ''),
      } satisfies RecordMap['CAA'] as RecordOf<T>;
    case 'SOA':
      return {
        mname: dataName(String(d.mname ?? '')),
        rname: dataName(String(d.rname ?? '')),
        serial: Number(d.serial),
        refresh: Number(d.refresh),
        retry: Number(d.retry),
        expire: Number(d.expire),
        minimum: Number(d.minimum),
      } satisfies RecordMap['SOA'] as RecordOf<T>;
    case 'SRV':
      return {
        priority: Number(d.priority),
        weight: Number(d.weight),
        port: Number(d.port),
        target: String(d.target ?? '') === '.' ? '' : dataName(String(d.target ?? '')),
      } satisfies RecordMap['SRV'] as RecordOf<T>;
    case 'TLSA':
      return {
        usage: Number(d.usage),
        selector: Number(d.selector),
        matchingType: Number(d.matchingType),
        data: hex(d.certificate),
      } satisfies RecordMap['TLSA'] as RecordOf<T>;
    case 'DS':
      return {
        keyTag: Number(d.keyTag),
        algorithm: Number(d.algorithm),
        digestType: Number(d.digestType),
        digest: hex(d.digest),
      } satisfies RecordMap['DS'] as RecordOf<T>;
    case 'DNSKEY':
      return {
        flags: Number(d.flags),
        algorithm: Number(d.algorithm),
        key: d.key instanceof Uint8Array ? Buffer.from(d.key).toString('base64') : '',
      } satisfies RecordMap['DNSKEY'] as RecordOf<T>;
    default:
      return undefined;
  }
}

/** Caps for negative caching from the SOA in the authority section (RFC 2308 §5). */
function negativeTtl(r: WireResponse): number | undefined {
  for (const a of r.authorities) {
    if (a.type !== 'SOA') continue;
    const min = Number((a.data as { minimum?: number } | undefined)?.minimum ?? 0);
    return Math.min(a.ttl ?? 0, min);
  }
  return undefined;
}

/**
 * The typed Answer for a matched response: records of the asked type after following the CNAME
 * chain inside the answer section, `cnames` in order, AD bit, smallest TTL. For NXDOMAIN / NODATA
 * `ttl` is the negative-caching TTL from the SOA in the authority section, when there is one.
 */
export function toAnswer<T extends RRType>(q: Question & { type: T }, r: WireResponse): Answer<RecordOf<T>> {
  const rcode: Rcode = RCODES.has(r.rcode as Rcode) ? (r.rcode as Rcode) : 'SERVFAIL';
  // made when there is something to put in them: most answers have no CNAME, negative ones no
  // record, and an answer lives as long as the cache keeps it (the empty ones share NONE)
  let cnames: string[] | undefined;
  let records: RecordOf<T>[] | undefined;
  let ttl: number | undefined;
  // one pass over the answer section per name of the chain, no intermediate arrays
  let seen: string[] | undefined;
  let current = q.name;
  for (let hop = 0; hop < 32; hop++) {
    let matched = false;
    let cname: WireRecord | undefined;
    for (const a of r.answers) {
      if ((a.class ?? 'IN') !== 'IN' || queryName(a.name) !== current) continue;
      if (a.type === q.type) {
        matched = true;
        const rec = toRecord(q.type, a.data);
        if (rec === undefined) continue;
        if (records === undefined) records = [rec];
        else records.push(rec);
        ttl = ttl === undefined ? (a.ttl ?? 0) : Math.min(ttl, a.ttl ?? 0);
      } else if (cname === undefined && a.type === 'CNAME') cname = a;
    }
    if (matched || q.type === 'CNAME') break;
    if (!cname || typeof cname.data !== 'string') break;
    const target = dataName(cname.data);
    if (cnames === undefined) cnames = [target];
    else cnames.push(target);
    ttl = ttl === undefined ? (cname.ttl ?? 0) : Math.min(ttl, cname.ttl ?? 0);
    if (seen === undefined) seen = [current];
    else seen.push(current);
    if (seen.includes(target)) break;
    current = target;
  }
  if (records === undefined && (rcode === 'NXDOMAIN' || rcode === 'NOERROR')) {
    const neg = negativeTtl(r);
    ttl = neg === undefined ? undefined : ttl === undefined ? neg : Math.min(ttl, neg);
  }
  // one literal per shape, `ttl` in it: added afterwards it went to a property array of its own
  const name = q.name;
  const type = q.type;
  const authenticated = r.ad;
  const recs: readonly RecordOf<T>[] = records ?? (NONE as readonly RecordOf<T>[]);
  const chain: readonly string[] = cnames ?? (NONE as readonly string[]);
  return ttl === undefined
    ? { name, type, rcode, records: recs, authenticated, cnames: chain }
    : { name, type, rcode, records: recs, authenticated, cnames: chain, ttl };
}

/** The empty list every answer without records or CNAMEs shares (answers are never mutated). */
const NONE: readonly never[] = Object.freeze([]);

/** An Answer that says the resolver could not be asked or did not answer. */
export function failedAnswer<T extends RRType>(
  q: Question & { type: T },
  rcode: 'TIMEOUT' | 'NETERROR' | 'FORMERR' | 'REFUSED',
  detail: string,
): Answer<RecordOf<T>> {
  return { name: q.name, type: q.type, rcode, records: NONE, authenticated: false, cnames: NONE, detail };
}
