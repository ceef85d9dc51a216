/**
 * DIF Well-Known DID Configuration (v1.0): the resource at /.well-known/did-configuration.json,
 * its Domain Linkage Credentials in the JWT proof format, and did:web (W3C CCG) resolution
 * URLs. Pure: decoding and claim checks only; signatures are verified in check.ts with jose.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { isObject } from '../shared/well-known.ts';

export const DID_CONFIGURATION_CONTEXT = 'https://identity.foundation/.well-known/did-configuration/v1';
export const VC_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
/** at most this many linked DIDs are examined per domain */
export const MAX_LINKED_DIDS = 8;

export interface DidConfiguration {
  /** the entries of linked_dids, at most MAX_LINKED_DIDS */
  readonly entries: readonly unknown[];
  /** linked_dids had more entries than were examined */
  readonly truncated: boolean;
  readonly problems: string[];
}

/** The resource's shape: `@context` and a non-empty `linked_dids` array. */
export function parseDidConfiguration(value: unknown): DidConfiguration {
  const problems: string[] = [];
  if (!isObject(value)) return { entries: [], truncated: false, problems: ['not-object'] };
  const ctx = value['@context'];
  if (ctx !== DID_CONFIGURATION_CONTEXT && !(Array.isArray(ctx) && ctx.includes(DID_CONFIGURATION_CONTEXT)))
    problems.push('context');
  const linked = value.linked_dids;
  if (!Array.isArray(linked) || linked.length === 0) {
    problems.push('no-linked-dids');
    return { entries: [], truncated: false, problems };
  }
  return { entries: linked.slice(0, MAX_LINKED_DIDS), truncated: linked.length > MAX_LINKED_DIDS, problems };
}

export interface DidWeb {
  readonly did: string;
  /** the DID document's URL */
  readonly url: string;
}

/**
 * did:web method-specific id → the DID document URL: `did:web:example.com` →
 * https://example.com/.well-known/did.json, `did:web:example.com:u:alice` →
 * https://example.com/u/alice/did.json, a port written as %3A. Null when it is not a did:web
 * DID or not a valid one.
 */
export function didWebUrl(did: string): DidWeb | null {
  const m = /^did:web:([^:#?/]+)((?::[^:#?/]+)*)$/.exec(did);
  if (!m) return null;
  let host: string;
  try {
    host = decodeURIComponent(m[1] as string);
  } catch {
    return null;
  }
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(host) || host.startsWith('.') || host.includes('..')) return null;
  const path = (m[2] as string).split(':').filter(Boolean);
  try {
    const segments = path.map((p) => decodeURIComponent(p));
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/'))) return null;
    const url = new URL(
      `https://${host}/${segments.length ? segments.map(encodeURIComponent).join('/') : '.well-known'}/did.json`,
    );
    return { did, url: url.href };
  } catch {
    return null;
  }
}

export interface LinkageJwt {
  readonly jwt: string;
  /** iss (= sub = credentialSubject.id); null when the JWT could not be decoded */
  readonly did: string | null;
  readonly alg: string | null;
  readonly kid: string | null;
  /** problems found in header and claims, before any signature check */
  readonly problems: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** the origin a Domain Linkage Credential must name: https://<domain> */
export const originOf = (domain: string) => `https://${domain}`;

/**
 * Decodes a Domain Linkage Credential in the JWT proof format and checks what the spec requires
 * of it: `alg` (not none) and `kid` (a DID URL of the issuer) in the header; `iss` = `sub` =
 * `vc.credentialSubject.id` (a DID); `vc.credentialSubject.origin` = the origin the resource
 * was read from; `vc.type` includes DomainLinkageCredential; `nbf` not in the future, `exp`
 * (when present) not in the past.
 */
export function inspectLinkageJwt(jwt: string, origin: string, now: Date): LinkageJwt {
  const problems: string[] = [];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    payload = decodeJwt(jwt) as Record<string, unknown>;
  } catch (e) {
    return { jwt, did: null, alg: null, kid: null, problems: [`not a JWT: ${(e as Error).message}`] };
  }
  if (jwt.split('.').length !== 3) problems.push('not a compact JWS');
  const alg = str(header.alg);
  const kid = str(header.kid);
  if (!alg || alg.toLowerCase() === 'none') problems.push('no signature algorithm (alg)');
  const iss = str(payload.iss);
  const did = iss && /^did:[a-z0-9]+:\S+$/.test(iss) ? iss : null;
  if (!did) problems.push(`iss is not a DID (${String(payload.iss)})`);
  if (!kid) problems.push('no kid in the header');
  else if (did && !(kid.startsWith(`${did}#`) || kid.startsWith('#')))
    problems.push(`kid ${kid} is not a key of ${did}`);
  if (did && payload.sub !== did) problems.push(`sub (${String(payload.sub)}) differs from iss`);
  const vc = payload.vc;
  if (!isObject(vc)) problems.push('no vc claim');
  else {
    const subject = vc.credentialSubject;
    if (!isObject(subject)) problems.push('no credentialSubject');
    else {
      if (did && subject.id !== did)
        problems.push(`credentialSubject.id (${String(subject.id)}) differs from iss`);
      const o = str(subject.origin);
      if (o === null) problems.push('no credentialSubject.origin');
      else if (o.replace(/\/+$/, '').toLowerCase() !== origin.toLowerCase())
        problems.push(`origin ${o} is not ${origin}`);
    }
    const type = vc.type;
    if (!(Array.isArray(type) && type.includes('DomainLinkageCredential')))
      problems.push('vc.type does not include DomainLinkageCredential');
    const ctx = vc['@context'];
    if (!(Array.isArray(ctx) && ctx.includes(VC_CONTEXT)))
      problems.push('vc.@context lacks the credentials context');
  }
  const t = Math.floor(now.getTime() / 1000);
  if (typeof payload.nbf !== 'number') problems.push('no nbf');
  else if (payload.nbf > t + 300)
    problems.push(`not valid before ${new Date(payload.nbf * 1000).toISOString()}`);
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') problems.push('exp is not a number');
    else if (payload.exp < t) problems.push(`expired ${new Date(payload.exp * 1000).toISOString()}`);
  }
  return { jwt, did, alg, kid, problems };
}

/**
 * The public key (JWK) a kid names in a DID document: a verificationMethod (or an embedded
 * assertionMethod entry) whose id is the kid, absolute or relative to the DID.
 */
export function findKey(
  doc: unknown,
  did: string,
  kid: string,
): { jwk: Record<string, unknown> } | { problem: string } {
  if (!isObject(doc)) return { problem: 'the DID document is not a JSON object' };
  if (doc.id !== did) return { problem: `the DID document's id (${String(doc.id)}) is not ${did}` };
  const want = kid.startsWith('#') ? `${did}${kid}` : kid;
  const methods = [
    ...(Array.isArray(doc.verificationMethod) ? doc.verificationMethod : []),
    ...(Array.isArray(doc.assertionMethod) ? doc.assertionMethod.filter(isObject) : []),
  ];
  for (const m of methods) {
    if (!isObject(m) || typeof m.id !== 'string') continue;
    const id = m.id.startsWith('#') ? `${did}${m.id}` : m.id;
    if (id !== want) continue;
    if (!isObject(m.publicKeyJwk))
      return { problem: `${kid} has no publicKeyJwk (other key formats are not read)` };
    if ('d' in m.publicKeyJwk) return { problem: `${kid} publishes a private key` };
    return { jwk: m.publicKeyJwk };
  }
  return { problem: `the DID document has no key ${kid}` };
}
