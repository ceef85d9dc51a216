import { defineFindings } from '../../core/finding.ts';

type Sel = { selector: string; domain: string };

export const dkimFindings = defineFindings('dkim', {
  'none-found': {
    severity: 'info',
    why: 'DKIM has no discovery: a checker can only try common selector names, so keys under other names stay invisible.',
    message: (p: { domain: string; tried: number; domainkeyNode: boolean | null }) =>
      p.domainkeyNode
        ? `No DKIM key found under the ${p.tried} selectors tried, but _domainkey.${p.domain} exists, so keys are probably published under other selector names.`
        : p.domainkeyNode === false
          ? `_domainkey.${p.domain} does not exist (NXDOMAIN), so ${p.domain} publishes no DKIM key (RFC 8020).`
          : `No DKIM key found under the ${p.tried} selectors tried; other selectors may exist.`,
    fix: (p: { domain: string }) =>
      `Pass your selectors with --selectors, or publish a key: <selector>._domainkey.${p.domain} TXT "v=DKIM1; k=rsa; p=<base64 public key of 2048 bits>" and sign outgoing mail with it.`,
  },
  'selector-undetermined': {
    severity: 'warning',
    why: 'A failed lookup says nothing about whether the key exists; receivers that hit the same failure return temperror.',
    message: (p: { domain: string; count: number; selectors: string; reason: string }) =>
      `Could not look up ${p.count === 1 ? 'the DKIM selector' : `${p.count} DKIM selectors`} ${p.selectors} under _domainkey.${p.domain}: ${p.reason}.`,
    fix: () =>
      'Run the check again later; if it persists, check the zone’s name servers (rate limiting, DNSSEC).',
  },
  'record-invalid': {
    severity: 'error',
    why: 'Verifiers cannot use a key record they cannot parse: every signature with this selector fails (permerror).',
    message: (p: Sel & { problem: string; record: string }) =>
      `The DKIM key record at ${p.selector}._domainkey.${p.domain} is invalid (${p.problem}): "${p.record}".`,
    fix: (p: Sel) =>
      `Publish ${p.selector}._domainkey.${p.domain} TXT "v=DKIM1; k=rsa; p=<base64 public key>" exactly as your mail provider gives it (RFC 6376 §3.6.1).`,
  },
  'unknown-tag': {
    severity: 'info',
    why: 'Verifiers ignore unknown tags (RFC 6376 §3.6.1); a typo can hide a tag you meant to set.',
    message: (p: Sel & { tag: string }) => `The DKIM key ${p.selector} has an unknown tag "${p.tag}".`,
    fix: () => 'Remove the tag, or correct its name (v, g, h, k, n, p, s, t).',
  },
  'multiple-records': {
    severity: 'warning',
    why: 'With several TXT records at a selector, verifiers pick one at random (RFC 6376 §3.6.2.2) and signatures fail sometimes.',
    message: (p: Sel & { count: number }) =>
      `${p.selector}._domainkey.${p.domain} has ${p.count} TXT records; it should have exactly one key record.`,
    fix: (p: Sel) =>
      `Keep one record at ${p.selector}._domainkey.${p.domain}; use a new selector for a second key.`,
  },
  'rsa-key-too-short': {
    severity: 'error',
    why: 'Verifiers must not accept RSA keys under 1024 bits (RFC 8301 §3.2): your signatures count as failed.',
    message: (p: Sel & { bits: number }) => `The DKIM key ${p.selector} is RSA with only ${p.bits} bits.`,
    fix: (p: Sel) =>
      `Generate a 2048-bit key and publish it under a new selector: <new>._domainkey.${p.domain} TXT "v=DKIM1; k=rsa; p=<2048-bit key>"; then switch signing and remove ${p.selector}.`,
  },
  'rsa-key-short': {
    severity: 'warning',
    why: 'Signers should use RSA keys of at least 2048 bits (RFC 8301 §3.2); 1024-bit keys are within reach of factoring.',
    message: (p: Sel & { bits: number }) =>
      `The DKIM key ${p.selector} is RSA with ${p.bits} bits (under 2048).`,
    fix: (p: Sel) =>
      `Rotate to a 2048-bit key under a new selector: <new>._domainkey.${p.domain} TXT "v=DKIM1; k=rsa; p=<2048-bit key>".`,
  },
  testing: {
    severity: 'warning',
    why: 't=y tells verifiers the domain is testing DKIM: they must not treat unsigned or failing mail differently (RFC 6376 §3.6.1).',
    message: (p: Sel) => `The DKIM key ${p.selector} is in test mode (t=y).`,
    fix: (p: Sel) => `Once signing works, remove t=y from ${p.selector}._domainkey.${p.domain}.`,
  },
  revoked: {
    severity: 'info',
    why: 'An empty p= revokes a key (RFC 6376 §3.6.1): signatures with this selector fail, as intended after a rotation.',
    message: (p: Sel) => `The DKIM key ${p.selector} is revoked (empty p=).`,
    fix: (p: Sel) => `Nothing to do if ${p.selector} is retired; otherwise publish its public key in p=.`,
  },
  'sha1-only': {
    severity: 'warning',
    why: 'rsa-sha1 must not be used for signing or verifying (RFC 8301 §3.1); a key restricted to sha1 cannot verify modern signatures.',
    message: (p: Sel & { hashes: string }) =>
      `The DKIM key ${p.selector} allows only the hash ${p.hashes} (h=).`,
    fix: (p: Sel) =>
      `Remove h= from ${p.selector}._domainkey.${p.domain} (or set h=sha256) and sign with rsa-sha256.`,
  },
  'not-for-email': {
    severity: 'info',
    why: 'A key whose s= does not list email or * cannot verify mail signatures (RFC 6376 §3.6.1); s=tlsrpt keys are for TLS reports (RFC 8460).',
    message: (p: Sel & { services: string }) =>
      `The DKIM key ${p.selector} is restricted to the service(s) ${p.services}.`,
  },
  'cname-without-key': {
    severity: 'info',
    why: 'A selector that is an alias to a provider whose key does not exist (yet) is typical of Microsoft 365 before DKIM signing is enabled.',
    message: (p: Sel & { target: string }) =>
      `${p.selector}._domainkey.${p.domain} is a CNAME to ${p.target}, which holds no key.`,
    fix: () =>
      'Enable DKIM signing at the provider (Microsoft 365: Defender portal → DKIM → Enable), or remove the CNAME.',
  },
});
