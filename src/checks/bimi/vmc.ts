import { createHash, X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { dnsNames } from '../../protocol/certificate.ts';
import { SVG_MAX_BYTES } from './svg.ts';

/** id-kp-BrandIndicatorforMessageIdentification */
export const BIMI_EKU = '1.3.6.1.5.5.7.3.31';
/** id-pe-logotype (RFC 3709) */
const LOGOTYPE_OID = Buffer.from('06082b0601050507010c', 'hex');
const SHA256_OID = Buffer.from('0609608648016503040201', 'hex');
const MAX_CHAIN = 6;
/**
 * The subject attribute markType (Mark Certificate Requirements, §7.1.4.2.2; checkdmarc reports
 * its absence): which kind of mark the certificate vouches for, e.g. "Registered Mark",
 * "Government Mark", "Prior Use Mark", "Modified Registered Mark".
 */
export const MARK_TYPE_OID = '1.3.6.1.4.1.53087.1.13';

/** The subject's markType value(s), read from the parsed subject (never from the printed DN). */
export function markTypeOf(cert: X509Certificate): string | null {
  const subject = cert.toLegacyObject().subject as Record<string, string | string[]> | undefined;
  const v = subject?.[MARK_TYPE_OID];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}

export interface VmcVerdict {
  /** null: the chain could not be judged (no --vmc-roots) */
  readonly valid: boolean | null;
  readonly problems: string[];
  readonly subject: string | null;
  /** the subject's markType (null: absent) */
  readonly markType: string | null;
  readonly notAfter: string | null;
  /** whether the logotype's SVG equals the l= logo: null when either is missing */
  readonly logoMatches: boolean | null;
}

export function certificatesOf(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)) {
    try {
      out.push(new X509Certificate(m[0]));
    } catch {
      // skipped: reported as "no certificate" when none parses
    }
  }
  return out;
}

/** Reads one DER length at offset i: [length, header bytes]. */
function derLength(buf: Buffer, i: number): [number, number] {
  const b = buf[i] ?? 0;
  if (b < 0x80) return [b, 1];
  const n = b & 0x7f;
  let len = 0;
  for (let k = 1; k <= n; k++) len = (len << 8) | (buf[i + k] ?? 0);
  return [len, 1 + n];
}

/**
 * The logotype extension's image (minimal DER walk, enough for BIMI mark certificates): the
 * data: URI's bytes and the SHA-256 given beside it. null when the certificate has none.
 */
export function logotypeOf(cert: X509Certificate): { data: Buffer; sha256: Buffer | null } | null {
  const raw = cert.raw;
  const at = raw.indexOf(LOGOTYPE_OID);
  if (at < 0) return null;
  let i = at + LOGOTYPE_OID.length;
  if (raw[i] === 0x01) i += 3; // critical BOOLEAN
  if (raw[i] !== 0x04) return null;
  const [len, hdr] = derLength(raw, i + 1);
  const ext = raw.subarray(i + 1 + hdr, i + 1 + hdr + len);
  const text = ext.toString('latin1');
  const m = /data:image\/svg\+xml(;[a-z0-9=._-]+)*;base64,([A-Za-z0-9+/=]+)/.exec(text);
  if (!m) return null;
  const data = Buffer.from(m[2]!, 'base64');
  let sha256: Buffer | null = null;
  const h = ext.indexOf(SHA256_OID);
  if (h >= 0) {
    const os = ext.indexOf(Buffer.from([0x04, 0x20]), h + SHA256_OID.length);
    if (os >= 0) sha256 = Buffer.from(ext.subarray(os + 2, os + 34));
  }
  return { data, sha256 };
}

/**
 * Validates a BIMI mark certificate (VMC/CMC) PEM: the chain to one of the given roots, validity
 * at `now`, the BIMI EKU, the domain among the SANs, and the logotype's SVG against the l= logo.
 */
export function validateMarkCertificate(
  pem: string,
  o: { domain: string; selector: string; roots: string | null; now: Date; svg: Buffer | null },
): VmcVerdict {
  const problems: string[] = [];
  const certs = certificatesOf(pem);
  const leaf = certs[0];
  if (!leaf)
    return {
      valid: false,
      problems: ['no certificate in the PEM'],
      subject: null,
      markType: null,
      notAfter: null,
      logoMatches: null,
    };
  const notAfter = new Date(leaf.validTo);
  const notBefore = new Date(leaf.validFrom);
  if (o.now < notBefore) problems.push(`not valid before ${notBefore.toISOString()}`);
  if (o.now > notAfter) problems.push(`expired on ${notAfter.toISOString()}`);
  const eku = leaf.keyUsage ?? [];
  if (!eku.includes(BIMI_EKU)) problems.push(`no BIMI extended key usage (${BIMI_EKU})`);
  const markType = markTypeOf(leaf);
  if (markType === null || markType.trim() === '')
    problems.push(`the subject has no markType (${MARK_TYPE_OID}), which every mark certificate carries`);
  const sans = dnsNames(leaf);
  const names = [o.domain, `${o.selector}._bimi.${o.domain}`];
  if (!sans.some((s) => names.includes(s)))
    problems.push(`the SANs (${sans.join(', ') || 'none'}) do not include ${o.domain}`);
  let chainOk: boolean | null = null;
  if (o.roots === null) problems.push('the chain was not verified: no --vmc-roots given');
  else {
    const roots = certificatesOf(o.roots);
    const pool = certs.slice(1);
    let cur: X509Certificate = leaf;
    chainOk = false;
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const root = roots.find((r) => cur.checkIssued(r) && cur.verify(r.publicKey));
      if (root) {
        chainOk = o.now <= new Date(root.validTo);
        if (!chainOk) problems.push('the mark root has expired');
        break;
      }
      const next = pool.find((c) => c !== cur && cur.checkIssued(c) && cur.verify(c.publicKey));
      if (!next) break;
      // RFC 5280 §6.1.4 (k): only a CA certificate may issue; a mark certificate (CA:FALSE) that
      // signed another one would otherwise let its holder mint marks for any domain
      if (!next.ca) {
        problems.push(`${next.subject.replace(/\n/g, ', ')} is not a CA certificate but issued the next one`);
        break;
      }
      if (o.now > new Date(next.validTo))
        problems.push(`intermediate ${next.subject.replace(/\n/g, ', ')} expired`);
      cur = next;
    }
    if (!chainOk && !problems.some((p) => p.includes('root') || p.includes('not a CA')))
      problems.push('the chain does not lead to a trusted mark root (--vmc-roots)');
  }
  let logoMatches: boolean | null = null;
  const logo = logotypeOf(leaf);
  if (!logo) problems.push('no logotype extension with an SVG');
  else {
    if (logo.sha256 && !createHash('sha256').update(logo.data).digest().equals(logo.sha256))
      problems.push('the logotype hash does not match its data');
    if (o.svg) {
      let svg: Buffer | null = logo.data;
      try {
        // a hostile certificate may hold a gzip bomb: the logo is at most 32 KB, so inflate no more
        if (svg[0] === 0x1f && svg[1] === 0x8b) svg = gunzipSync(svg, { maxOutputLength: SVG_MAX_BYTES + 1 });
      } catch (e) {
        svg = null;
        problems.push(
          (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
            ? `the logotype SVG inflates to more than ${SVG_MAX_BYTES} bytes`
            : 'the logotype data is not valid gzip',
        );
      }
      if (svg && svg.length > SVG_MAX_BYTES) {
        problems.push(`the logotype SVG inflates to more than ${SVG_MAX_BYTES} bytes`);
        svg = null;
      }
      logoMatches = svg ? svg.equals(o.svg) : false;
      if (svg && !logoMatches) problems.push('the logo in the certificate differs from the l= SVG');
    }
  }
  const valid = o.roots === null && problems.length === 1 ? null : problems.length === 0;
  return {
    valid,
    problems,
    subject: leaf.subject.replace(/\n/g, ', '),
    markType,
    notAfter: notAfter.toISOString(),
    logoMatches,
  };
}
