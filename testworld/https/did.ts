/**
 * Domain linkage credentials for the testworld and the DID check's tests (DIF Well-Known DID
 * Configuration v1.0, JWT proof format): a DID configuration with one JWT credential signed by a
 * fresh Ed25519 key (jose), and the did:web document that publishes the key (or another one).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const DID_CONFIGURATION_CONTEXT = 'https://identity.foundation/.well-known/did-configuration/v1';
const VC_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

export interface DidFixture {
  readonly did: string;
  /** body of /.well-known/did-configuration.json */
  readonly configuration: string;
  /** body of the DID document (did.json) */
  readonly document: string;
  /** one linkage JWT */
  readonly jwt: string;
}

export interface DidFixtureOptions {
  /** the origin the credential names (default https://<domain>) */
  readonly origin?: string;
  /** sign with a key other than the published one */
  readonly wrongKey?: boolean;
  /** nbf/exp relative to now, in seconds (default -86400 / +1 year) */
  readonly nbf?: number;
  readonly exp?: number;
  readonly did?: string;
}

export async function didFixture(domain: string, now: Date, o: DidFixtureOptions = {}): Promise<DidFixture> {
  const did = o.did ?? `did:web:${domain}`;
  const kid = `${did}#key-1`;
  const published = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const signer = o.wrongKey
    ? await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    : published;
  const t = Math.floor(now.getTime() / 1000);
  const nbf = t + (o.nbf ?? -86_400);
  const exp = t + (o.exp ?? 365 * 86_400);
  const origin = o.origin ?? `https://${domain}`;
  const jwt = await new SignJWT({
    vc: {
      '@context': [VC_CONTEXT, DID_CONFIGURATION_CONTEXT],
      issuer: did,
      issuanceDate: new Date(nbf * 1000).toISOString(),
      expirationDate: new Date(exp * 1000).toISOString(),
      type: ['VerifiableCredential', 'DomainLinkageCredential'],
      credentialSubject: { id: did, origin },
    },
  })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setIssuer(did)
    .setSubject(did)
    .setNotBefore(nbf)
    .setExpirationTime(exp)
    .sign(signer.privateKey);
  const jwk = await exportJWK(published.publicKey);
  const document = JSON.stringify({
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: [{ id: kid, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk }],
    assertionMethod: [kid],
  });
  const configuration = JSON.stringify({ '@context': DID_CONFIGURATION_CONTEXT, linked_dids: [jwt] });
  return { did, configuration, document, jwt };
}
