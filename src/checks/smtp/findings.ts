import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import { serialiseTlsa, tlsaName } from './serialise.ts';

type Host = { exchange: string; address: string };
const at = (p: Host) => `${p.exchange} (${p.address})`;

export const smtpFindings = defineFindings('smtp', {
  'starttls-missing': {
    severity: 'error',
    why: 'Without STARTTLS (RFC 3207) mail to this host crosses the internet in clear text.',
    message: (p: Host) => `The MX ${at(p)} does not offer STARTTLS.`,
    fix: () =>
      'Enable STARTTLS with a certificate for the MX host name (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files = …).',
  },
  'starttls-refused': {
    severity: 'error',
    why: 'The server advertises STARTTLS but refuses it, so senders fall back to clear text (or defer under DANE/MTA-STS).',
    message: (p: Host & { reply: string }) => `The MX ${at(p)} answered STARTTLS with "${p.reply}".`,
    fix: () => 'Check the server’s TLS key and certificate files and its TLS logs; STARTTLS must answer 220.',
  },
  'handshake-failed': {
    severity: 'warning',
    why: 'A failing TLS handshake makes senders retry in clear text, or defer mail when DANE or MTA-STS requires TLS.',
    message: (p: Host & { error: string }) => `The TLS handshake with ${at(p)} failed: ${p.error}.`,
    fix: () => 'Offer TLS 1.2 or 1.3 with a current cipher suite and a complete certificate chain.',
  },
  unreachable: {
    severity: 'warning',
    why: 'An MX that cannot be reached on port 25 delays mail or makes it bounce; STARTTLS could not be tested.',
    message: (p: Host & { error: string; connectionRefused?: boolean }) =>
      p.connectionRefused
        ? `The MX ${at(p)} refused the connection on port 25: nothing accepts mail there.`
        : `The MX ${at(p)} could not be probed: ${p.error}.`,
    fix: (p: Host) =>
      `Make ${p.exchange} accept connections on port 25, or remove the MX record that points to it.`,
  },
  'hosts-not-probed': {
    severity: 'info',
    why: 'A domain can list thousands of MX addresses (a hostile one would make mailsec connect to whatever hosts it names); mailsec probes the first ones in preference order, as senders limit the addresses they try (RFC 5321 §5.1).',
    message: (p: { count: number; limit: number }) =>
      `${p.count} MX addresses beyond the first ${p.limit} were not probed (outcome "skipped").`,
    fix: () => 'Publish fewer MX hosts: senders try only the first few addresses anyway.',
  },
  'refused-address': {
    severity: 'info',
    why: 'mailsec does not connect to special-purpose addresses unless they are inside --allow-private.',
    message: (p: Host) => `${at(p)} was not probed: the address is special-purpose.`,
    fix: (p: Host) =>
      `Pass --allow-private ${p.address.includes(':') ? `${p.address}/128` : `${p.address}/32`} to probe it.`,
  },
  'certificate-untrusted': {
    severity: 'warning',
    why: 'Senders that authenticate the server (MTA-STS enforce, or PKIX-checking senders) refuse a certificate that does not chain to a public root.',
    message: (p: Host & { reason: string }) => `The certificate of ${at(p)} is not trusted: ${p.reason}.`,
    fix: () =>
      'Use a certificate from a public CA (e.g. Let’s Encrypt) and send the intermediate certificates too.',
  },
  'certificate-name-mismatch': {
    severity: 'warning',
    why: 'Under MTA-STS (and for PKIX-checking senders) the certificate must name the MX host.',
    message: (p: Host & { sni: string; names: string }) =>
      `The certificate of ${at(p)} does not cover ${p.sni} (it names ${p.names || 'nothing'}).`,
    fix: (p: Host & { sni: string }) => `Add ${p.sni} to the certificate’s subjectAltName.`,
  },
  'certificate-expired': {
    severity: 'warning',
    why: 'An expired certificate fails every sender that authenticates the server.',
    message: (p: Host & { notAfter: string }) => `The certificate of ${at(p)} expired on ${p.notAfter}.`,
    fix: () => 'Renew the certificate and reload the mail server; automate renewal.',
  },
  'tls-version-old': {
    severity: 'warning',
    why: 'TLS 1.0 and 1.1 are deprecated (RFC 8996).',
    message: (p: Host & { version: string }) => `${at(p)} negotiated ${p.version}.`,
    fix: () => 'Enable TLS 1.2 and 1.3.',
  },
  'weak-key': {
    severity: 'warning',
    why: 'RSA keys shorter than 2048 bits can be broken.',
    message: (p: Host & { keyType: string; keyBits: number }) =>
      `The certificate of ${at(p)} has a ${p.keyBits}-bit ${p.keyType} key.`,
    fix: () => 'Use an RSA key of 2048 bits or more, or an ECDSA P-256 key.',
  },
  'dane-invalid': {
    severity: 'error',
    why: 'RFC 7672 §2.2: when no usable TLSA record matches the certificate, DANE-aware senders refuse to deliver: mail queues and then bounces.',
    message: (p: Host & { base: string; detail: string; spki: string | null }) =>
      `DANE validation fails for ${at(p)}: no TLSA record at _25._tcp.${p.base} matches ${p.detail}.`,
    fix: (p: Host & { base: string; spki: string | null }) =>
      p.spki
        ? `Publish a record for the key in use: ${recordText(`${tlsaName(p.base)}.`, 'TLSA', serialiseTlsa({ usage: 3, selector: 1, matchingType: 1, data: p.spki }))}  (keep the old record until the new one has propagated; during key changes publish both: mailsec generate tlsa --next-key).`
        : `Make ${p.exchange} offer STARTTLS with the certificate the TLSA records at _25._tcp.${p.base} describe.`,
  },
  'dane-ta-name-mismatch': {
    severity: 'error',
    why: 'RFC 7672 §3.2.3: with DANE-TA(2) the server certificate must name the MX host or the TLSA base domain.',
    message: (p: Host & { base: string }) =>
      `The certificate of ${at(p)} chains to the DANE-TA anchor but does not name ${p.base}.`,
    fix: (p: Host & { base: string }) =>
      `Issue the certificate for ${p.base}, or publish a DANE-EE record (3 1 1) instead.`,
  },
  'dane-lookup-failed': {
    severity: 'error',
    why: 'RFC 7672 §2.2.1: when the TLSA lookup fails (bogus DNSSEC, SERVFAIL) DANE-aware senders defer mail to this host.',
    message: (p: { exchange: string; base: string; reason: string }) =>
      `The TLSA lookup for _25._tcp.${p.base} (MX ${p.exchange}) failed: ${p.reason}.`,
    fix: (p: { base: string }) => `Fix the DNSSEC signatures of the zone holding _25._tcp.${p.base}.`,
  },
  'dane-insecure': {
    severity: 'info',
    why: 'RFC 7672 §2.2: TLSA records are only used when DNSSEC-validated; in an unsigned zone they have no effect.',
    message: (p: { exchange: string; base: string }) =>
      `TLSA records at _25._tcp.${p.base} (MX ${p.exchange}) are not DNSSEC-signed and are ignored.`,
    fix: (p: { base: string }) => `Sign the zone holding ${p.base} with DNSSEC and publish its DS.`,
  },
  'dane-pkix-usage': {
    severity: 'warning',
    why: 'RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are not for SMTP; senders treat them as unusable.',
    message: (p: { exchange: string; base: string; record: string }) =>
      `The TLSA record "${p.record}" at _25._tcp.${p.base} uses a PKIX usage, which SMTP senders ignore.`,
    fix: () => 'Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records instead.',
  },
  'dane-unusable-record': {
    severity: 'warning',
    why: 'RFC 6698 §2.1 / RFC 7671: records with unknown fields or a digest of the wrong length are ignored.',
    message: (p: { exchange: string; base: string; record: string; problem: string }) =>
      `The TLSA record "${p.record}" at _25._tcp.${p.base} is unusable (${p.problem}).`,
    fix: () =>
      'Correct the record: usage 2 or 3, selector 0 or 1, matching type 1 (32-octet digest) or 2 (64 octets).',
  },
  'dane-no-usable-record': {
    severity: 'warning',
    why: 'RFC 7672 §3.1.3: when all TLSA records are unusable, TLS is still mandatory but not authenticated.',
    message: (p: { exchange: string; base: string }) =>
      `No TLSA record at _25._tcp.${p.base} (MX ${p.exchange}) is usable.`,
    fix: () => 'Publish a DANE-EE record: TLSA 3 1 1 <SHA-256 of the server’s public key>.',
  },
  'dane-no-rollover': {
    severity: 'info',
    why: 'With a single TLSA record a key or certificate change breaks delivery until DNS catches up; a second record (next key, or the issuing CA) makes rollovers safe.',
    message: (p: { exchange: string; base: string }) =>
      `_25._tcp.${p.base} (MX ${p.exchange}) has a single usable TLSA record.`,
    fix: () => 'Publish the next key’s 3 1 1 record in advance, or add a 2 1 1 record for the issuing CA.',
  },
});
