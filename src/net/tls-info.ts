import { createHash, X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { checkServerIdentity, getCACertificates } from 'node:tls';
import { sanStrings } from '../protocol/certificate.ts';

/** One certificate as presented by a server (interface.md `smtp.hosts[].certificate`). */
export interface CertificateInfo {
  readonly subject: string;
  readonly sans: string[];
  readonly issuer: string;
  /** ISO 8601 */
  readonly notBefore: string;
  readonly notAfter: string;
  /** 'rsa' | 'ec' | 'ed25519' | … */
  readonly keyType: string;
  readonly keyBits: number | null;
  /** SHA-256 of the DER certificate, lower-case hex */
  readonly sha256: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex */
  readonly spkiSha256: string;
  readonly selfSigned: boolean;
  /**
   * false for a root Node appended from the local trust store (the server did not send it). Node
   * completes a chain that does not end in a self-signed certificate with the issuer from the
   * store; a trailing self-signed certificate that is in the store is therefore taken as appended.
   */
  readonly presented: boolean;
  /** the certificate, DER as base64 (for DANE matching and independent verifiers) */
  readonly der: string;
}

export interface TlsInfo {
  /** 'TLSv1.3', … */
  readonly version: string | null;
  readonly cipher: string | null;
  /** leaf first, as the server presented it (see captureTls) */
  readonly chain: CertificateInfo[];
  /** PKIX: the chain leads to a trusted root (Node's store, NODE_EXTRA_CA_CERTS, --ca-file) */
  readonly trusted: boolean;
  readonly trustError: string | null;
  /** the leaf's names match the SNI name (RFC 6125 via tls.checkServerIdentity) */
  readonly nameMatch: boolean;
  readonly nameError: string | null;
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  'P-256': 256,
  secp384r1: 384,
  'P-384': 384,
  secp521r1: 521,
  'P-521': 521,
  secp256k1: 256,
};

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The readable `CN=a, O=b` form of X509Certificate's multi-line distinguished name. */
function dn(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .join(', ');
}

export function spkiDer(cert: X509Certificate): Buffer {
  return cert.publicKey.export({ type: 'spki', format: 'der' });
}

export function describeCertificate(cert: X509Certificate, presented = true): CertificateInfo {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = key.asymmetricKeyType ?? 'unknown';
  const keyBits =
    details.modulusLength ??
    (details.namedCurve ? (CURVE_BITS[details.namedCurve] ?? null) : null) ??
    (keyType === 'ed25519' ? 256 : keyType === 'ed448' ? 456 : null);
  return {
    subject: dn(cert.subject),
    sans: sanStrings(cert),
    issuer: dn(cert.issuer),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    keyType,
    keyBits,
    sha256: hex(cert.raw),
    spkiSha256: hex(spkiDer(cert)),
    selfSigned: cert.checkIssued(cert),
    presented,
    der: cert.raw.toString('base64'),
  };
}

/**
 * The peer's chain, leaf first. Node builds it from the certificates the server sent; when the
 * last one is not self-signed, Node may complete it with an issuer from the local trust store.
 */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c: PeerCertificate | undefined = socket.getPeerCertificate(true) as PeerCertificate | undefined;
  while (c?.raw && out.length < 16) {
    const fp = c.fingerprint256;
    if (seen.has(fp)) break;
    seen.add(fp);
    out.push(new X509Certificate(c.raw));
    const next = (c as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
    if (!next || next === c) break;
    c = next;
  }
  return out;
}

const storeCache = new WeakMap<readonly string[], Set<string>>();
let defaultStore: Set<string> | undefined;

function pemToDer(pem: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

/** SHA-256 of every certificate in the trust store the connection used. */
function storeDigests(ca: readonly string[] | undefined): Set<string> {
  if (!ca) {
    defaultStore ??= new Set(getCACertificates('default').flatMap(pemToDer).map(hex));
    return defaultStore;
  }
  let s = storeCache.get(ca);
  if (!s) {
    s = new Set(ca.flatMap(pemToDer).map(hex));
    storeCache.set(ca, s);
  }
  return s;
}

/** Everything the probe reports about an established TLS session. */
export function captureTls(socket: TLSSocket, servername: string, ca?: readonly string[]): TlsInfo {
  const chain = peerChain(socket);
  const last = chain.at(-1);
  const appended =
    chain.length > 1 && last !== undefined && last.checkIssued(last) && storeDigests(ca).has(hex(last.raw));
  const cipher = socket.getCipher();
  let nameError: string | null = 'no certificate';
  const peer = socket.getPeerCertificate(false);
  if (peer?.raw) {
    const err = checkServerIdentity(servername, peer);
    nameError = err ? err.message : null;
  }
  const authError = socket.authorizationError;
  return {
    version: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    chain: chain.map((c, i) => describeCertificate(c, !(appended && i === chain.length - 1))),
    trusted: socket.authorized,
    trustError: socket.authorized ? null : authError ? String(authError) : 'not authorised',
    nameMatch: nameError === null,
    nameError,
  };
}

/** PEM of a DER certificate given as base64. */
export function toPem(derBase64: string): string {
  const lines = derBase64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
