/**
 * Resource records of the scale world, kept as dns-packet data (for the wire form the signer
 * needs) and printed in RFC 1035 presentation form for NSD. Names are absolute, lower case,
 * without the trailing dot.
 */
import dnsPacket from 'dns-packet';

export type RRType =
  | 'SOA'
  | 'NS'
  | 'A'
  | 'MX'
  | 'TXT'
  | 'CNAME'
  | 'CAA'
  | 'TLSA'
  | 'DS'
  | 'DNSKEY'
  | 'NSEC'
  | 'RRSIG';

export interface RR {
  readonly name: string;
  readonly type: RRType;
  readonly ttl: number;
  // biome-ignore lint/suspicious/noExplicitAny: dns-packet's rdata objects differ per type
  readonly data: any;
}

export const TTL = 300;
/** SOA minimum: also the NSEC TTL (RFC 4034 §4) */
export const NEG_TTL = 60;

export const rr = (name: string, type: RRType, data: unknown, ttl = TTL): RR => ({ name, type, ttl, data });

const fq = (n: string) => (n === '' ? '.' : `${n}.`);

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** TXT data: split into ≤255-octet strings (ASCII only here). */
export function txt(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out.length ? out : [''];
}

function stamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The rdata in presentation form. */
export function rdataText(r: RR): string {
  const d = r.data;
  switch (r.type) {
    case 'SOA':
      return `${fq(d.mname)} ${fq(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case 'NS':
    case 'CNAME':
      return fq(d);
    case 'A':
      return d;
    case 'MX':
      return `${d.preference} ${fq(d.exchange)}`;
    case 'TXT':
      return (d as string[]).map(quote).join(' ');
    case 'CAA':
      return `${d.flags} ${d.tag} ${quote(d.value)}`;
    case 'TLSA':
      return `${d.usage} ${d.selector} ${d.matchingType} ${(d.certificate as Buffer).toString('hex')}`;
    case 'DS':
      return `${d.keyTag} ${d.algorithm} ${d.digestType} ${(d.digest as Buffer).toString('hex').toUpperCase()}`;
    case 'DNSKEY':
      return `${d.flags} 3 ${d.algorithm} ${(d.key as Buffer).toString('base64')}`;
    case 'NSEC':
      return `${fq(d.nextDomain)} ${(d.rrtypes as string[]).join(' ')}`;
    case 'RRSIG':
      return `${d.typeCovered} ${d.algorithm} ${d.labels} ${d.originalTTL} ${stamp(d.expiration)} ${stamp(d.inception)} ${d.keyTag} ${fq(d.signersName)} ${(d.signature as Buffer).toString('base64')}`;
  }
}

/** One zone-file line. */
export function line(r: RR): string {
  return `${fq(r.name)}\t${r.ttl}\tIN\t${r.type}\t${rdataText(r)}`;
}

/** The rdata in wire form (names uncompressed, as DNSSEC's canonical form wants). */
export function rdataWire(r: RR): Buffer {
  const codec = (dnsPacket as unknown as Record<string, { encode(d: unknown): Buffer }>)[
    r.type.toLowerCase()
  ];
  if (!codec) throw new Error(`no wire codec for ${r.type}`);
  let data = r.data;
  if (r.type === 'MX' && d0(data.exchange)) data = { ...data, exchange: '.' };
  if (r.type === 'TXT') data = [...data]; // dns-packet turns the strings into Buffers in place
  if (r.type === 'NSEC') data = { ...data, rrtypes: [...data.rrtypes] };
  const b = codec.encode(data);
  return b.subarray(2); // dns-packet prefixes the rdlength
}

const d0 = (s: string) => s === '';

/** A name in wire form. */
export function nameWire(name: string): Buffer {
  if (name === '') return Buffer.from([0]);
  const parts = name.split('.');
  const out = Buffer.alloc(name.length + 2);
  let o = 0;
  for (const p of parts) {
    out[o++] = p.length;
    o += out.write(p, o, 'ascii');
  }
  out[o] = 0;
  return out;
}

/** RFC 4034 §6.1 canonical order of names (lower case ASCII names). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const la = a === '' ? [] : a.split('.');
  const lb = b === '' ? [] : b.split('.');
  for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
    const x = la[la.length - i]!;
    const y = lb[lb.length - i]!;
    if (x !== y) return Buffer.compare(Buffer.from(x, 'ascii'), Buffer.from(y, 'ascii'));
  }
  return la.length - lb.length;
}
