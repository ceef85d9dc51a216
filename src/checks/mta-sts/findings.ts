import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import {
  mtaStsName,
  POLICY_PATH,
  policyHost,
  serialiseMtaStsPolicy,
  serialiseMtaStsTxt,
} from './serialise.ts';

type D = { domain: string };
const example = (d: string) =>
  recordText(mtaStsName(d), 'TXT', serialiseMtaStsTxt({ id: '20260101T000000', extensions: [] }));

export const mtaStsFindings = defineFindings('mtaSts', {
  'not-found': {
    severity: 'info',
    why: 'Without MTA-STS (or DANE) a man in the middle can strip STARTTLS and read or redirect mail sent to you.',
    message: (p: D) => `${p.domain} publishes no MTA-STS record at _mta-sts.${p.domain}.`,
    fix: (p: D) =>
      `Serve https://${policyHost(p.domain)}${POLICY_PATH} (${serialiseMtaStsPolicy({
        mode: 'enforce',
        mx: ['<your MX host>'],
        maxAge: 604_800,
      })
        .trim()
        .split('\r\n')
        .map((l) => `"${l}"`)
        .join(
          ', ',
        )}, one mx line per MX; mode: testing while an MX lacks a valid certificate), then publish ${example(p.domain)}. mailsec generate mta-sts --for ${p.domain} writes both and checks the MX certificates.`,
  },
  'multiple-records': {
    severity: 'error',
    why: 'With more than one MTA-STS record senders assume the domain has no MTA-STS policy (RFC 8461 §3.1).',
    message: (p: D & { count: number; records: string }) =>
      `_mta-sts.${p.domain} holds ${p.count} MTA-STS records: ${p.records}.`,
    fix: (p: D) => `Keep exactly one record: ${example(p.domain)}.`,
  },
  'version-invalid': {
    severity: 'error',
    why: 'Records that do not begin with exactly "v=STSv1" are discarded by senders (RFC 8461 §3.1).',
    message: (p: D & { record: string }) =>
      `The TXT record at _mta-sts.${p.domain} does not begin with "v=STSv1": "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'id-missing': {
    severity: 'error',
    why: 'The id field is required (RFC 8461 §3.1); without it senders ignore the record and never fetch the policy.',
    message: (p: D & { record: string }) => `The MTA-STS record of ${p.domain} has no id: "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}; change the id whenever the policy changes.`,
  },
  'id-invalid': {
    severity: 'error',
    why: 'The id must be 1 to 32 letters or digits (RFC 8461 §3.1); senders treat any other record as malformed and ignore it.',
    message: (p: D & { id: string }) =>
      `The MTA-STS id "${p.id}" of ${p.domain} is not 1–32 letters or digits.`,
    fix: (p: D) => `Use a timestamp without separators: ${example(p.domain)}.`,
  },
  'record-syntax': {
    severity: 'error',
    why: 'A malformed record is ignored by senders (RFC 8461 §3.1).',
    message: (p: D & { problem: string; record: string }) =>
      `The MTA-STS record of ${p.domain} is malformed (${p.problem}): "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'policy-not-fetched': {
    severity: 'info',
    why: 'Senders apply the policy file, not the TXT record; without fetching it its validity is unknown.',
    message: (p: D) =>
      `The MTA-STS policy of ${p.domain} was not fetched (--no-http), so only the TXT record was checked.`,
  },
  'policy-unreachable': {
    severity: 'error',
    why: 'A TXT record without a fetchable policy gives senders nothing to enforce (RFC 8461 §3.3); MTA-STS is not in effect.',
    message: (p: D & { url: string; reason: string }) =>
      `The MTA-STS policy ${p.url} could not be fetched: ${p.reason}.`,
    fix: (p: D) =>
      `Serve the policy over HTTPS at mta-sts.${p.domain} (an A/AAAA record and a web server on port 443), or remove _mta-sts.${p.domain}.`,
  },
  'policy-certificate': {
    severity: 'error',
    why: 'Senders fetch the policy only over HTTPS with a certificate valid for mta-sts.<domain> (RFC 8461 §3.3); with any other certificate MTA-STS is not in effect.',
    message: (p: D & { reason: string }) =>
      `The certificate of mta-sts.${p.domain} is not valid for that name: ${p.reason}.`,
    fix: (p: D) =>
      `Install a certificate from a public CA whose subjectAltName includes mta-sts.${p.domain}.`,
  },
  'policy-redirect': {
    severity: 'error',
    why: 'Senders must not follow redirects when fetching the policy (RFC 8461 §3.3); a redirect means no policy.',
    message: (p: D & { url: string; status: number; location: string }) =>
      `${p.url} answers HTTP ${p.status} redirecting to ${p.location}.`,
    fix: (p: D) =>
      `Serve the policy file itself at https://mta-sts.${p.domain}/.well-known/mta-sts.txt with status 200.`,
  },
  'policy-status': {
    severity: 'error',
    why: 'Only HTTP 200 delivers a policy (RFC 8461 §3.3); any other status means no policy.',
    message: (p: D & { url: string; status: number }) => `${p.url} answers HTTP ${p.status}, not 200.`,
    fix: (p: D) =>
      `Serve the policy file at https://mta-sts.${p.domain}/.well-known/mta-sts.txt with status 200.`,
  },
  'policy-too-large': {
    severity: 'error',
    why: 'A policy is a few lines; senders stop reading large bodies (64 KiB is the usual cap).',
    message: (p: D & { url: string; reason: string }) => `${p.url} is too large (${p.reason}).`,
    fix: () => 'Serve only the policy lines (version, mode, mx, max_age).',
  },
  'policy-media-type': {
    severity: 'warning',
    why: 'The policy should be served as text/plain (RFC 8461 §3.2); some senders reject other types.',
    message: (p: D & { mediaType: string }) =>
      `The MTA-STS policy of ${p.domain} is served as "${p.mediaType}", not text/plain.`,
    fix: () => 'Serve /.well-known/mta-sts.txt with Content-Type: text/plain.',
  },
  'policy-syntax': {
    severity: 'error',
    why: 'Senders ignore a policy they cannot parse (RFC 8461 §3.2); MTA-STS is then not in effect.',
    message: (p: D & { problem: string }) => `The MTA-STS policy of ${p.domain} is invalid: ${p.problem}.`,
    fix: (p: D) =>
      `Serve "version: STSv1", "mode: testing" (or enforce), one "mx: <MX host>" line per MX (mx.${p.domain} or *.${p.domain}) and "max_age: 604800", one per line (CRLF).`,
  },
  'policy-duplicate-key': {
    severity: 'error',
    why: 'Implementations disagree on repeated keys (some reject the policy, some take the last value).',
    message: (p: D & { key: string }) => `The MTA-STS policy of ${p.domain} has "${p.key}" more than once.`,
    fix: () => 'Keep exactly one version, mode and max_age line.',
  },
  'policy-unknown-key': {
    severity: 'info',
    why: 'Senders ignore unknown keys (RFC 8461 §3.2); it is often a typo.',
    message: (p: D & { key: string }) => `The MTA-STS policy of ${p.domain} has an unknown key "${p.key}".`,
    fix: () => 'Use only version, mode, mx and max_age.',
  },
  'policy-lf-only': {
    severity: 'info',
    why: 'RFC 8461 §3.2 separates lines with CRLF; LF alone is tolerated by common senders.',
    message: (p: D) => `The MTA-STS policy of ${p.domain} ends lines with LF, not CRLF.`,
  },
  'max-age-short': {
    severity: 'warning',
    why: 'A short max_age lets an attacker who blocks the policy fetch fall back to no policy soon (RFC 8461 §3.2 expects weeks or more).',
    message: (p: D & { maxAge: number }) =>
      `The MTA-STS max_age of ${p.domain} is ${p.maxAge} s (under one day).`,
    fix: () => 'Use max_age: 604800 (one week) or more, up to 31557600, once the policy works.',
  },
  'max-age-under-week': {
    severity: 'info',
    why: 'RFC 8461 §3.2 recommends a max_age of weeks or more.',
    message: (p: D & { maxAge: number }) =>
      `The MTA-STS max_age of ${p.domain} is ${p.maxAge} s (under one week).`,
    fix: () => 'Raise max_age to 604800 (one week) or more.',
  },
  'no-tlsrpt': {
    severity: 'warning',
    why: 'Without TLS-RPT (RFC 8460) you never hear about senders that fail to deliver under your MTA-STS policy.',
    message: (p: D) => `${p.domain} publishes MTA-STS but no TLS-RPT record at _smtp._tls.${p.domain}.`,
    fix: (p: D) =>
      `Publish a TLS-RPT record at _smtp._tls.${p.domain} (mailsec generate tls-rpt --for ${p.domain} writes it).`,
  },
  'mode-none': {
    severity: 'info',
    why: 'mode: none withdraws a policy; senders do not apply MTA-STS.',
    message: (p: D) => `The MTA-STS policy of ${p.domain} is mode: none (withdrawn).`,
  },
  'mode-testing': {
    severity: 'info',
    why: 'In testing mode senders deliver even when TLS fails and only report failures (TLS-RPT).',
    message: (p: D) => `The MTA-STS policy of ${p.domain} is mode: testing.`,
    fix: () => 'Switch to mode: enforce once TLS-RPT reports show no failures.',
  },
  'mx-not-covered': {
    severity: 'error',
    why: 'Senders applying the policy refuse to deliver to an MX that matches no mx: pattern (RFC 8461 §4.1).',
    message: (p: D & { exchange: string; mode: string; patterns: string }) =>
      `The MX ${p.exchange} of ${p.domain} matches no mx: pattern of the ${p.mode} policy (${p.patterns}).`,
    fix: (p: D & { exchange: string }) => `Add "mx: ${p.exchange}" to the policy and change the TXT id.`,
  },
  'mx-not-covered-testing': {
    severity: 'warning',
    why: 'In testing mode senders report, and in enforce mode would refuse, delivery to an MX that matches no mx: pattern (RFC 8461 §4.1).',
    message: (p: D & { exchange: string; patterns: string }) =>
      `The MX ${p.exchange} of ${p.domain} matches no mx: pattern of the testing policy (${p.patterns}).`,
    fix: (p: D & { exchange: string }) => `Add "mx: ${p.exchange}" to the policy and change the TXT id.`,
  },
  'pattern-unused': {
    severity: 'warning',
    why: 'A pattern that matches no MX is usually left over from an old mail provider.',
    message: (p: D & { pattern: string }) =>
      `The MTA-STS pattern "mx: ${p.pattern}" of ${p.domain} matches no MX.`,
    fix: () => 'Remove it (and change the TXT id).',
  },
  'mx-certificate': {
    severity: 'error',
    why: 'Under an enforce policy senders deliver only over STARTTLS with a PKIX-valid certificate for the MX name (RFC 8461 §4.2).',
    message: (p: D & { exchange: string; reason: string }) =>
      `The MX ${p.exchange} of ${p.domain} fails the MTA-STS certificate check: ${p.reason}.`,
    fix: (p: D & { exchange: string }) =>
      `Offer STARTTLS on ${p.exchange} with a certificate from a public CA naming ${p.exchange}.`,
  },
  'mx-certificate-testing': {
    severity: 'warning',
    why: 'In enforce mode senders would refuse this MX: it does not offer STARTTLS with a PKIX-valid certificate for its name (RFC 8461 §4.2).',
    message: (p: D & { exchange: string; reason: string }) =>
      `The MX ${p.exchange} of ${p.domain} would fail the MTA-STS certificate check: ${p.reason}.`,
    fix: (p: D & { exchange: string }) =>
      `Offer STARTTLS on ${p.exchange} with a certificate from a public CA naming ${p.exchange}.`,
  },
  'enforce-ready': {
    severity: 'info',
    why: 'Every MX matches the policy and presents a valid certificate: an enforce policy delivers mail today.',
    message: (p: D & { count: number }) =>
      `Would mode: enforce deliver mail to ${p.domain} today? Yes: all ${p.count} MX match the policy with a valid certificate.`,
  },
  'enforce-would-fail': {
    severity: 'warning',
    why: 'Under mode: enforce senders would refuse to deliver to these MX hosts.',
    message: (p: D & { hosts: string }) =>
      `Would mode: enforce deliver mail to ${p.domain} today? No: ${p.hosts}.`,
    fix: () => 'Fix the MX names in the policy and the MX certificates before switching to mode: enforce.',
  },
  'enforce-unknown': {
    severity: 'info',
    why: 'The MX certificates were not probed (--no-smtp or refused addresses), so enforce readiness is unknown.',
    message: (p: D & { hosts: string }) =>
      `Would mode: enforce deliver mail to ${p.domain} today? Unknown for ${p.hosts} (not probed).`,
  },
});
