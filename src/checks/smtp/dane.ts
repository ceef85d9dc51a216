/**
 * DANE for SMTP (RFC 6698 §2.1, RFC 7671, RFC 7672): which TLSA records are usable, and whether
 * one of them matches the chain the server presented. Pure: no I/O, the clock is a parameter.
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { TlsaRecord } from '../../dns/types.ts';
import { certificateNames } from '../../protocol/certificate.ts';

export type DaneStatus = 'valid' | 'invalid' | 'none' | 'error' | 'skipped';

/** Why a TLSA record cannot be used by an SMTP client. */
export type TlsaProblem =
  /** PKIX-TA(0) / PKIX-EE(1): not for SMTP (RFC 7672 §3.1.3) */
  | 'pkix-usage'
  | 'unknown-usage'
  | 'unknown-selector'
  | 'unknown-matching-type'
  /** digest length does not fit the matching type (32 / 64 octets) */
  | 'digest-length';

export interface TlsaView {
  readonly usage: number;
  readonly selector: number;
  readonly matchingType: number;
  readonly data: string;
  readonly usable: boolean;
  readonly problem: TlsaProblem | null;
  /** matched the presented chain; null when not compared (unusable, or no chain) */
  readonly matched: boolean | null;
}

/** A certificate of the presented chain (leaf first), DER as base64. */
export interface ChainCert {
  readonly der: string;
  /** false when the server did not send it (completed from the local store) */
  readonly presented?: boolean;
}

export interface DaneMatch {
  readonly status: 'valid' | 'invalid' | 'none';
  readonly records: TlsaView[];
  /** usable records (more than one: a key rollover can happen without an outage) */
  readonly usable: number;
  /** for DANE-TA: the leaf names did not match the reference identifiers (RFC 7672 §3.2.3) */
  readonly taNameMismatch: boolean;
  /** for DANE-TA: a certificate below the trust anchor has expired or is not yet valid */
  readonly taExpired: boolean;
}

const DIGEST_LENGTH: Record<number, number> = { 1: 32, 2: 64 };

export function tlsaProblem(r: TlsaRecord): TlsaProblem | null {
  if (r.usage === 0 || r.usage === 1) return 'pkix-usage';
  if (r.usage !== 2 && r.usage !== 3) return 'unknown-usage';
  if (r.selector !== 0 && r.selector !== 1) return 'unknown-selector';
  if (r.matchingType !== 0 && r.matchingType !== 1 && r.matchingType !== 2) return 'unknown-matching-type';
  const want = DIGEST_LENGTH[r.matchingType];
  if (want !== undefined && r.data.length !== want * 2) return 'digest-length';
  if (r.matchingType === 0 && r.data.length === 0) return 'digest-length';
  return null;
}

function selected(cert: X509Certificate, selector: number): Buffer {
  return selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
}

/** TLSA association data of the selected bytes (RFC 6698 §2.1.3): as is, SHA-256 or SHA-512, hex. */
export function associationDigest(data: Buffer, matchingType: number): string {
  if (matchingType === 0) return data.toString('hex');
  return createHash(matchingType === 1 ? 'sha256' : 'sha512')
    .update(data)
    .digest('hex');
}

/** The association data of a certificate for a selector (0 full certificate, 1 SPKI) and matching type. */
export function associationData(cert: X509Certificate, selector: number, matchingType: number): string {
  return associationDigest(selected(cert, selector), matchingType);
}

/** RFC 6125 §6.4.3 as RFC 7672 §3.2.3 narrows it: a wildcard only as the whole left-most label. */
export function nameMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const n = name.toLowerCase().replace(/\.$/, '');
  if (p === n) return true;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(2);
  const i = n.indexOf('.');
  return i > 0 && n.slice(i + 1) === rest && rest.includes('.');
}

/** Whether chain[0..top] is a chain of issuance with valid signatures. */
function chainsTo(chain: readonly X509Certificate[], top: number): boolean {
  for (let j = 0; j < top; j++) {
    const child = chain[j]!;
    const parent = chain[j + 1]!;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return false;
  }
  return true;
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/** The public key carried in full by a `2 x 0` record, or null. */
function fullKey(r: TlsaRecord): KeyObject | null {
  try {
    const der = Buffer.from(r.data, 'hex');
    return r.selector === 0
      ? new X509Certificate(der).publicKey
      : createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/**
 * Matches TLSA records against a presented chain.
 * - DANE-EE(3): the leaf's certificate or SPKI; no name or expiry checks (RFC 7672 §3.1.1).
 * - DANE-TA(2): a certificate the server presented above the leaf (RFC 7671 §5.2), or, for a
 *   record carrying the full key/certificate, the issuer of the top presented certificate; the
 *   leaf must chain to it, its names must match one of `names` (the TLSA base domain, the MX
 *   host name; RFC 7672 §3.2.3), and the certificates below the anchor must be valid at `now`.
 */
export function matchDane(
  records: readonly TlsaRecord[],
  chainDer: readonly ChainCert[],
  names: readonly string[],
  now: Date,
): DaneMatch {
  const chain = chainDer.map((c) => new X509Certificate(Buffer.from(c.der, 'base64')));
  const presented = chainDer.map((c) => c.presented !== false);
  const leaf = chain[0];
  let taNameMismatch = false;
  let taExpired = false;
  const leafNamesOk = () =>
    leaf !== undefined && certificateNames(leaf).some((p) => names.some((n) => nameMatches(p, n)));
  const taOk = (top: number): boolean => {
    if (!chainsTo(chain, top)) return false;
    if (!leafNamesOk()) {
      taNameMismatch = true;
      return false;
    }
    if (!chain.slice(0, top + 1).every((c) => validAt(c, now))) {
      taExpired = true;
      return false;
    }
    return true;
  };
  const views: TlsaView[] = records.map((r) => {
    const problem = tlsaProblem(r);
    const base = {
      usage: r.usage,
      selector: r.selector,
      matchingType: r.matchingType,
      data: r.data.toLowerCase(),
      usable: problem === null,
      problem,
    };
    if (problem !== null || !leaf) return { ...base, matched: null };
    const want = r.data.toLowerCase();
    if (r.usage === 3)
      return { ...base, matched: associationData(leaf, r.selector, r.matchingType) === want };
    // DANE-TA(2)
    for (let i = 1; i < chain.length; i++) {
      if (!presented[i]) continue;
      if (associationData(chain[i]!, r.selector, r.matchingType) === want && taOk(i)) {
        return { ...base, matched: true };
      }
    }
    if (r.matchingType === 0) {
      const top = presented.lastIndexOf(true);
      const key = fullKey(r);
      if (key && top >= 0 && chain[top]!.verify(key) && taOk(top)) return { ...base, matched: true };
    }
    return { ...base, matched: false };
  });
  const usable = views.filter((v) => v.usable).length;
  const status = usable === 0 ? 'none' : views.some((v) => v.matched === true) ? 'valid' : 'invalid';
  return { status, records: views, usable, taNameMismatch, taExpired };
}
