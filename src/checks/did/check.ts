import { compactVerify, importJWK } from 'jose';
import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import { classifyWellKnown, parseJson } from '../shared/well-known.ts';
import { didFindings as F } from './findings.ts';
import type { DidGathered } from './gather.ts';
import { didWebUrl, findKey, inspectLinkageJwt, originOf, parseDidConfiguration } from './parse.ts';

export interface DidLinkage {
  /** the DID the credential links (iss); null when it could not be read */
  readonly did: string | null;
  readonly format: 'jwt' | 'json-ld' | 'invalid';
  /** the signature verified against the DID document's key, and the claims are valid */
  readonly verified: boolean;
  /** could not be checked (the DID document did not answer) */
  readonly undetermined: boolean;
  readonly problems: string[];
}

export interface DidEvidence {
  /** the URL the configuration was read from; null when none is served */
  readonly url: string | null;
  /** the DIDs the configuration links */
  readonly dids: string[];
  /** at least one linkage, and every linkage verified */
  readonly verified: boolean;
  /** problems of the configuration and of its linkages */
  readonly problems: string[];
  readonly linkages: DidLinkage[];
  /** the HTTP status of the configuration URL (null: no response, or not fetched) */
  readonly httpStatus: number | null;
}

export type DidResult = CheckResult<DidEvidence>;

/** JWS algorithms accepted for a domain linkage credential (none and HMAC never) */
const ALGORITHMS = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];

async function verifyJwt(jwt: string, jwk: Record<string, unknown>, alg: string): Promise<string | null> {
  if (!ALGORITHMS.includes(alg)) return `the algorithm ${alg} is not accepted`;
  try {
    const key = await importJWK(jwk, alg);
    await compactVerify(jwt, key, { algorithms: [alg] });
    return null;
  } catch (e) {
    return (e as Error).message.slice(0, 200);
  }
}

/** DIF Well-Known DID Configuration: each JWT domain linkage verified against its did:web document. */
export async function checkDid(g: DidGathered, now: Date): Promise<DidResult> {
  const findings: Finding[] = [];
  const problems: string[] = [];
  const linkages: DidLinkage[] = [];
  const result = (deployed: boolean | 'unknown' | 'skipped', url: string | null = null): DidResult => {
    const dids = [...new Set(linkages.map((l) => l.did).filter((d): d is string => d !== null))];
    return {
      check: 'did',
      status: statusFrom(deployed, findings),
      evidence: {
        url,
        dids,
        verified: linkages.length > 0 && linkages.every((l) => l.verified),
        problems,
        linkages,
        httpStatus: g.response?.status ?? null,
      },
      findings,
    };
  };
  if (!g.response) return result('skipped');
  const url = g.url;
  const v = classifyWellKnown(g.response);
  switch (v.kind) {
    case 'not-fetched':
      findings.push(F.make('not-fetched', { url, reason: v.reason }));
      return result('skipped');
    case 'unknown':
      findings.push(undetermined('did', `${url}: ${v.reason}`));
      return result('unknown');
    case 'certificate':
      findings.push(F.make('invalid-cert', { url, reason: v.reason }));
      findings.push(undetermined('did', `${url}: the certificate is not valid, so nothing was fetched`));
      return result('unknown');
    case 'absent':
      findings.push(F.make('not-found', { url, reason: v.reason }));
      return result(false);
    case 'too-large':
      problems.push('too-large');
      findings.push(F.make('too-large', { url, reason: v.reason }));
      return result(true, url);
    case 'served':
      break;
  }
  const mt = v.response.mediaType;
  if (!(mt === 'application/json' || mt?.endsWith('+json'))) {
    problems.push('media-type');
    findings.push(F.make('media-type', { url, mediaType: mt ?? 'no media type' }));
  }
  const json = parseJson(v.body);
  if ('error' in json) {
    problems.push('invalid-json');
    findings.push(F.make('invalid-json', { url, error: json.error }));
    return result(true, url);
  }
  const config = parseDidConfiguration(json.value);
  problems.push(...config.problems);
  if (config.problems.includes('not-object')) {
    findings.push(F.make('not-object', { url }));
    return result(true, url);
  }
  if (config.problems.includes('context')) findings.push(F.make('context', { url }));
  if (config.problems.includes('no-linked-dids')) {
    findings.push(F.make('no-linked-dids', { url }));
    return result(true, url);
  }
  const origin = originOf(g.domain);
  for (const entry of config.entries) {
    if (typeof entry !== 'string') {
      const isLd = typeof entry === 'object' && entry !== null && !Array.isArray(entry);
      const did = isLd ? (entry as { credentialSubject?: { id?: unknown } }).credentialSubject?.id : null;
      linkages.push({
        did: typeof did === 'string' ? did : null,
        format: isLd ? 'json-ld' : 'invalid',
        verified: false,
        undetermined: false,
        problems: [isLd ? 'JSON-LD credential not verified' : 'neither a JWT nor a credential object'],
      });
      if (isLd) findings.push(F.make('json-ld-unverified', { url }));
      else
        findings.push(
          F.make('linkage-invalid', { url, did: '?', problems: 'neither a JWT nor a credential object' }),
        );
      continue;
    }
    const jwt = inspectLinkageJwt(entry, origin, now);
    const l = {
      did: jwt.did,
      format: 'jwt' as const,
      verified: false,
      undetermined: false,
      problems: [...jwt.problems],
    };
    linkages.push(l);
    if (jwt.problems.length || !jwt.did || !jwt.kid || !jwt.alg) {
      findings.push(
        F.make('linkage-invalid', { url, did: jwt.did ?? '?', problems: jwt.problems.join('; ') }),
      );
      continue;
    }
    const web = didWebUrl(jwt.did);
    if (!web) {
      l.problems.push('not a did:web DID: not verified');
      findings.push(F.make('did-unsupported', { url, did: jwt.did }));
      continue;
    }
    const fetched = g.documents[jwt.did];
    if (!fetched) {
      l.undetermined = true;
      l.problems.push('DID document not fetched (limit of documents per domain)');
      findings.push(
        F.make('linkage-undetermined', { url, did: jwt.did, reason: 'over the limit of DID documents' }),
      );
      continue;
    }
    const dv = classifyWellKnown(fetched.response);
    if (dv.kind === 'unknown' || dv.kind === 'not-fetched') {
      l.undetermined = true;
      l.problems.push(`DID document ${fetched.url}: ${dv.reason}`);
      findings.push(
        F.make('linkage-undetermined', { url, did: jwt.did, reason: `${fetched.url}: ${dv.reason}` }),
      );
      continue;
    }
    if (dv.kind !== 'served') {
      l.problems.push(`DID document ${fetched.url}: ${dv.reason}`);
      findings.push(
        F.make('document-missing', { url, did: jwt.did, reason: `${fetched.url}: ${dv.reason}` }),
      );
      continue;
    }
    const doc = parseJson(dv.body);
    const key = 'error' in doc ? { problem: `not JSON: ${doc.error}` } : findKey(doc.value, jwt.did, jwt.kid);
    if ('problem' in key) {
      l.problems.push(key.problem);
      findings.push(
        F.make('document-missing', { url, did: jwt.did, reason: `${fetched.url}: ${key.problem}` }),
      );
      continue;
    }
    const bad = await verifyJwt(entry, key.jwk, jwt.alg);
    if (bad) {
      l.problems.push(`signature: ${bad}`);
      findings.push(F.make('signature-invalid', { url, did: jwt.did, reason: bad }));
      continue;
    }
    l.verified = true;
  }
  for (const l of linkages) problems.push(...l.problems.map((p) => `${l.did ?? '?'}: ${p}`));
  if (!linkages.some((l) => l.verified)) {
    // nothing verified: could not test when a DID document did not answer, else unverifiable
    if (linkages.some((l) => l.undetermined) && !findings.some((f) => f.severity === 'error')) {
      findings.push(undetermined('did', `${url}: the DID documents did not answer`));
      return result('unknown', url);
    }
    findings.push(F.make('unverified', { url, count: linkages.length }));
  }
  return result(true, url);
}
