/**
 * DNSSEC signing for the scale world's many zones, in-process (ldns-signzone costs a process and
 * a key generation per zone: hours for half a million zones). ECDSAP256SHA256 (algorithm 13,
 * RFC 6605), one combined key (flags 257) per zone derived from the world seed, NSEC chain
 * (RFC 4034), canonical form and order as RFC 4034 §6 says. Unbound validates the result; the
 * testworld's own small zones keep being signed by ldns.
 */
import { createECDH, createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { compareNames, NEG_TTL, nameWire, type RR, rdataWire, rr } from './rr.ts';

export const ALGORITHM = 13;

export interface ZoneKey {
  readonly apex: string;
  readonly privateKey: KeyObject;
  /** the DNSKEY public key field: X ‖ Y (64 octets) */
  readonly publicKey: Buffer;
  readonly keyTag: number;
  readonly dnskey: RR;
}

const b64url = (b: Buffer) => b.toString('base64url');
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** RFC 4034 Appendix B. */
export function keyTag(rdata: Buffer): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** A deterministic zone key: the private scalar is derived from (secret, apex). */
export function zoneKey(secret: string, apex: string): ZoneKey {
  let d = createHash('sha256').update(`${secret}\u0000${apex}`).digest();
  let n = BigInt(`0x${d.toString('hex')}`);
  if (n === 0n || n >= P256_ORDER) {
    n = (n % (P256_ORDER - 1n)) + 1n;
    d = Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
  }
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey(); // 04 ‖ X ‖ Y
  const x = pub.subarray(1, 33);
  const y = pub.subarray(33, 65);
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64url(d), x: b64url(x), y: b64url(y) },
    format: 'jwk',
  });
  const publicKey = Buffer.concat([x, y]);
  const dnskey = rr(apex, 'DNSKEY', { flags: 257, algorithm: ALGORITHM, key: publicKey });
  return { apex, privateKey, publicKey, keyTag: keyTag(rdataWire(dnskey)), dnskey };
}

/** The DS (SHA-256, RFC 4509) of a zone key, for the parent. */
export function dsOf(k: ZoneKey, mismatch = false): RR {
  const digest = createHash('sha256')
    .update(Buffer.concat([nameWire(k.apex), rdataWire(k.dnskey)]))
    .digest();
  if (mismatch) digest[0] = digest[0]! ^ 0xff;
  return rr(k.apex, 'DS', { keyTag: k.keyTag, algorithm: ALGORITHM, digestType: 2, digest });
}

export interface Validity {
  /** seconds since the epoch */
  readonly inception: number;
  readonly expiration: number;
}

const labelCount = (name: string) => (name === '' ? 0 : name.split('.').filter((l) => l !== '*').length);

/** RRSIG over one RRset (RFC 4034 §3.1.8.1), records in canonical order. */
export function signRRset(rrset: readonly RR[], key: ZoneKey, v: Validity): RR {
  const first = rrset[0]!;
  const header = {
    typeCovered: first.type,
    algorithm: ALGORITHM,
    labels: labelCount(first.name),
    originalTTL: first.ttl,
    expiration: v.expiration,
    inception: v.inception,
    keyTag: key.keyTag,
    signersName: key.apex === '' ? '.' : key.apex,
    signature: Buffer.alloc(0),
  };
  const rrsigPrefix = (dnsPacket as unknown as { rrsig: { encode(d: unknown): Buffer } }).rrsig
    .encode(header)
    .subarray(2);
  const owner = nameWire(first.name);
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16BE(dnsPacket_type(first.type), 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(first.ttl, 4);
  const rdatas = rrset.map(rdataWire).sort(Buffer.compare);
  const parts: Buffer[] = [rrsigPrefix];
  for (let i = 0; i < rdatas.length; i++) {
    if (i > 0 && rdatas[i]!.equals(rdatas[i - 1]!)) continue; // duplicates count once
    const len = Buffer.alloc(2);
    len.writeUInt16BE(rdatas[i]!.length);
    parts.push(owner, fixed, len, rdatas[i]!);
  }
  const signature = sign('sha256', Buffer.concat(parts), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return rr(first.name, 'RRSIG', { ...header, signature }, first.ttl);
}

const TYPE_CODES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  TLSA: 52,
  CAA: 257,
};

function dnsPacket_type(t: string): number {
  const c = TYPE_CODES[t];
  if (c === undefined) throw new Error(`unknown type ${t}`);
  return c;
}

/**
 * Signs a zone: adds the DNSKEY, the NSEC chain and an RRSIG per authoritative RRset. NS at a
 * delegation point (a name other than the apex with NS) and glue below it are not signed; DS there
 * is. Returns the records in canonical name order.
 */
export function signZone(apex: string, records: readonly RR[], key: ZoneKey, v: Validity): RR[] {
  const byName = new Map<string, RR[]>();
  for (const r of [key.dnskey, ...records]) {
    const list = byName.get(r.name);
    if (list) list.push(r);
    else byName.set(r.name, [r]);
  }
  const names = [...byName.keys()].sort(compareNames);
  const cuts = new Set(names.filter((n) => n !== apex && byName.get(n)!.some((r) => r.type === 'NS')));
  const below = (n: string) => {
    for (let i = n.indexOf('.'); i >= 0 && cuts.size; i = n.indexOf('.', i + 1)) {
      const up = n.slice(i + 1);
      if (up === apex) return false;
      if (cuts.has(up)) return true;
    }
    return false;
  };
  // names that own an NSEC: authoritative names and delegation points (not glue below a cut)
  const chain = names.filter((n) => !below(n));
  const out: RR[] = [];
  for (let i = 0; i < chain.length; i++) {
    const name = chain[i]!;
    const own = byName.get(name)!;
    const types = [...new Set(own.map((r) => r.type))];
    const next = chain[(i + 1) % chain.length]!;
    const rrtypes = [...types, 'RRSIG', 'NSEC'].sort((a, b) => dnsPacket_type(a) - dnsPacket_type(b));
    const nsec = rr(name, 'NSEC', { nextDomain: next === '' ? '.' : next, rrtypes }, NEG_TTL);
    const cut = cuts.has(name);
    out.push(...own, nsec);
    for (const t of types) {
      if (cut && t !== 'DS') continue;
      out.push(
        signRRset(
          own.filter((r) => r.type === t),
          key,
          v,
        ),
      );
    }
    out.push(signRRset([nsec], key, v));
  }
  for (const n of names) if (below(n)) out.push(...byName.get(n)!);
  return out;
}
