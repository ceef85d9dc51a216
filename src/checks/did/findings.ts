import { defineFindings } from '../../core/finding.ts';

type U = { url: string };
type L = U & { did: string };

const SPEC = 'DIF Well-Known DID Configuration';

export const didFindings = defineFindings('did', {
  'not-found': {
    severity: 'info',
    why: `A DID configuration (${SPEC}) proves that the domain's owner controls a decentralised identifier; it is optional.`,
    message: (p: U & { reason: string }) => `No DID configuration at ${p.url} (${p.reason}).`,
  },
  'not-fetched': {
    severity: 'info',
    why: 'The web host could not be asked, so whether a DID configuration exists is not known.',
    message: (p: U & { reason: string }) => `${p.url} was not fetched: ${p.reason}.`,
  },
  'invalid-cert': {
    severity: 'error',
    why: 'The DID configuration binds a DID to the HTTPS origin; without a valid certificate the origin proves nothing.',
    message: (p: U & { reason: string }) => `The certificate of ${p.url} is not valid: ${p.reason}.`,
    fix: () => 'Install a certificate from a public CA naming the domain.',
  },
  'too-large': {
    severity: 'error',
    why: 'A DID configuration over the cap (256 KiB) is not read; a few linkage credentials need a few KiB.',
    message: (p: U & { reason: string }) => `${p.url} is larger than the cap (${p.reason}).`,
    fix: () => 'Keep only the current domain linkage credentials in linked_dids.',
  },
  'invalid-json': {
    severity: 'error',
    why: `The DID configuration is a JSON object (${SPEC}).`,
    message: (p: U & { error: string }) => `${p.url} is not valid JSON: ${p.error}.`,
    fix: () =>
      'Serve {"@context": "https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": ["<domain linkage JWT>"]}.',
  },
  'not-object': {
    severity: 'error',
    why: `The DID configuration is a JSON object (${SPEC}).`,
    message: (p: U) => `${p.url} is JSON, but not an object.`,
    fix: () =>
      'Serve {"@context": "https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": ["<domain linkage JWT>"]}.',
  },
  'media-type': {
    severity: 'warning',
    why: 'JSON is served as application/json; verifiers may refuse other media types.',
    message: (p: U & { mediaType: string }) => `${p.url} is served as ${p.mediaType}, not application/json.`,
    fix: () => 'Serve it with Content-Type: application/json.',
  },
  context: {
    severity: 'warning',
    why: `The resource names its format with @context "https://identity.foundation/.well-known/did-configuration/v1" (${SPEC}).`,
    message: (p: U) => `${p.url} lacks the DID configuration @context.`,
    fix: () => 'Add "@context": "https://identity.foundation/.well-known/did-configuration/v1".',
  },
  'no-linked-dids': {
    severity: 'error',
    why: 'Without linked_dids the configuration links no DID to the domain.',
    message: (p: U) => `${p.url} has no linked_dids entries.`,
    fix: () => 'List one domain linkage credential (a JWT signed with the DID’s key) per DID in linked_dids.',
  },
  'linkage-invalid': {
    severity: 'error',
    why: `A domain linkage credential must name the DID as iss, sub and credentialSubject.id, the origin it is served from, and be in its validity period (${SPEC}).`,
    message: (p: U & { did: string; problems: string }) =>
      `A domain linkage credential in ${p.url} (${p.did}) is not valid: ${p.problems}.`,
    fix: () => 'Issue a new domain linkage credential for this origin with the DID’s key.',
  },
  'did-unsupported': {
    severity: 'warning',
    why: 'mailsec resolves did:web DIDs only (an HTTPS document); other methods need their own resolver, so the linkage is not verified.',
    message: (p: L) => `${p.did} in ${p.url} is not a did:web DID; its linkage was not verified.`,
  },
  'json-ld-unverified': {
    severity: 'warning',
    why: 'Linked Data Proof credentials need JSON-LD canonicalisation, which mailsec does not do; only JWT credentials are verified.',
    message: (p: U) => `${p.url} has a JSON-LD domain linkage credential, which was not verified.`,
    fix: () => 'Publish the domain linkage credential in the JWT format as well.',
  },
  'document-missing': {
    severity: 'error',
    why: 'The DID document holds the key that signs the linkage; without it the linkage cannot be verified.',
    message: (p: L & { reason: string }) => `The DID document of ${p.did} could not be used: ${p.reason}.`,
    fix: () => 'Serve the DID document (did.json) with the verification method the credential’s kid names.',
  },
  'signature-invalid': {
    severity: 'error',
    why: 'A linkage whose signature does not verify with the DID’s key proves nothing: anyone could have written it.',
    message: (p: L & { reason: string }) =>
      `The domain linkage credential of ${p.did} in ${p.url} does not verify: ${p.reason}.`,
    fix: () =>
      'Sign the credential again with the key of the DID document’s verification method, and publish that key.',
  },
  'linkage-undetermined': {
    severity: 'warning',
    why: 'The DID document could not be fetched (timeout, server error), so the signature was not checked; that is not a failure of the linkage.',
    message: (p: L & { reason: string }) => `The DID document of ${p.did} could not be fetched: ${p.reason}.`,
  },
  unverified: {
    severity: 'error',
    why: 'A DID configuration none of whose linkages verifies links no DID to the domain.',
    message: (p: U & { count: number }) =>
      `None of the ${p.count} domain linkage credential(s) in ${p.url} could be verified.`,
    fix: () =>
      'Publish a JWT domain linkage credential signed with a did:web DID’s key, and that DID’s document.',
  },
});
