import { defineFindings } from '../../core/finding.ts';

export const dnssecFindings = defineFindings('dnssec', {
  'resolver-not-validating': {
    severity: 'warning',
    why: 'Without a validating resolver mailsec cannot tell a signed zone from a forged answer, so DNSSEC (and DANE, which needs it) were not tested.',
    message: (p: { resolver: string }) =>
      `The resolver ${p.resolver} does not validate DNSSEC (no AD bit on the signed root), so DNSSEC was not tested.`,
    fix: () => 'Point mailsec at a validating resolver, e.g. --resolver 1.1.1.1 or a local Unbound.',
  },
  unsigned: {
    severity: 'info',
    why: 'DNSSEC lets receivers trust your MX, TLSA and policy records; without it DANE cannot protect your inbound mail.',
    message: (p: { domain: string }) => `${p.domain} is not DNSSEC-signed (the answer is insecure).`,
    fix: () => 'Enable DNSSEC signing at your DNS host and publish the DS record at your registrar.',
  },
  'dnskey-without-ds': {
    severity: 'warning',
    why: 'A signed zone whose parent has no DS is an island: no resolver can validate it.',
    message: (p: { domain: string; keys: number }) =>
      `${p.domain} publishes ${p.keys} DNSKEY record(s), but its parent holds no DS record, so validation cannot reach it.`,
    fix: () => 'Publish the DS record of your key-signing key at your registrar (ask your DNS host for it).',
  },
  bogus: {
    severity: 'error',
    why: 'Validating resolvers (most of the big mail receivers) treat a bogus answer as no answer: they cannot find your MX or policies, and mail is delayed or bounced.',
    message: (p: { domain: string }) =>
      `DNSSEC validation fails for ${p.domain}: the resolver answers SERVFAIL, yet with checking disabled the data is there (bogus).`,
    fix: () =>
      'Re-sign the zone (expired or broken signatures) or fix the DS at the registrar so it matches the current key; if that cannot be done quickly, remove the DS to go insecure.',
  },
  'weak-algorithm': {
    severity: 'warning',
    why: 'RSA/SHA-1 algorithms are deprecated (RFC 8624) and some validators treat them as insecure.',
    message: (p: { algorithms: string }) =>
      `The zone is signed with a deprecated algorithm (${p.algorithms}).`,
    fix: () => 'Roll the keys to algorithm 13 (ECDSAP256SHA256) or 8 (RSASHA256).',
  },
});
