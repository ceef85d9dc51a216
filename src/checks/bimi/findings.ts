import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import { serialiseBimi } from './serialise.ts';

type D = { domain: string };
type S = D & { name: string };
const example = (name: string) =>
  recordText(
    name,
    'TXT',
    serialiseBimi({
      location: 'https://<your web host>/bimi/logo.svg',
      authority: 'https://<your web host>/bimi/vmc.pem',
    }),
  );

export const bimiFindings = defineFindings('bimi', {
  'multiple-records': {
    severity: 'error',
    why: 'With more than one BIMI record receivers show no logo.',
    message: (p: S & { count: number; records: string }) =>
      `${p.name} holds ${p.count} BIMI records: ${p.records}.`,
    fix: (p: S) => `Keep exactly one record: ${example(p.name)}.`,
  },
  'version-invalid': {
    severity: 'error',
    why: 'A BIMI record must begin with exactly "v=BIMI1"; anything else is ignored.',
    message: (p: S & { record: string }) =>
      `The TXT record at ${p.name} does not begin with "v=BIMI1": "${p.record}".`,
    fix: (p: S) => `Publish ${example(p.name)}.`,
  },
  'record-syntax': {
    severity: 'error',
    why: 'Receivers ignore a malformed BIMI record.',
    message: (p: S & { problem: string; record: string }) =>
      `The BIMI record at ${p.name} is malformed (${p.problem}): "${p.record}".`,
    fix: (p: S) => `Publish ${example(p.name)}.`,
  },
  'wrong-location': {
    severity: 'error',
    why: 'Receivers look for BIMI only at <selector>._bimi.<domain>; a record at the domain itself has no effect.',
    message: (p: S & { record: string }) =>
      `A BIMI record is published at ${p.domain} instead of ${p.name}: "${p.record}".`,
    fix: (p: S) => `Move it: ${example(p.name)}.`,
  },
  'location-missing': {
    severity: 'error',
    why: 'The l= tag (logo location) is required; receivers ignore a record without it.',
    message: (p: S & { record: string }) => `The BIMI record at ${p.name} has no l= tag: "${p.record}".`,
    fix: (p: S) =>
      `Publish ${example(p.name)} (l= may be empty only together with a=, or for a declination).`,
  },
  'location-not-https': {
    severity: 'error',
    why: 'The logo must be served over HTTPS; receivers ignore other locations.',
    message: (p: S & { value: string }) =>
      `The BIMI logo location "${p.value}" at ${p.name} is not an https: URI.`,
    fix: () => 'Serve the SVG Tiny PS logo over HTTPS and publish its https:// URL in l=.',
  },
  'authority-not-https': {
    severity: 'error',
    why: 'The mark certificate must be served over HTTPS; receivers ignore other locations.',
    message: (p: S & { value: string }) =>
      `The BIMI authority evidence "${p.value}" at ${p.name} is not an https: URI.`,
    fix: () => 'Serve the VMC/CMC PEM file over HTTPS and publish its https:// URL in a=.',
  },
  'tag-invalid': {
    severity: 'warning',
    why: 'Receivers ignore a tag with an invalid value.',
    message: (p: S & { value: string }) =>
      `The BIMI record at ${p.name} has an invalid tag value "${p.value}".`,
    fix: () => 'lps= is a comma list of local-part prefixes; avp= is brand or personal.',
  },
  'unknown-tag': {
    severity: 'info',
    why: 'Receivers ignore unknown tags; it is often a typo.',
    message: (p: S & { value: string }) => `The BIMI record at ${p.name} has an unknown tag "${p.value}".`,
    fix: () => 'Remove it or correct it (v, l, a, lps, avp).',
  },
  declination: {
    severity: 'info',
    why: 'A record with empty l= and a= says the domain publishes no logo on purpose.',
    message: (p: S) => `${p.name} declines to publish a BIMI logo (l= and a= empty).`,
  },
  'no-mark-certificate': {
    severity: 'info',
    why: 'A BIMI record without a= is valid, but the large mailbox providers (Gmail, Apple Mail, Yahoo) show a logo only when a mark certificate (VMC or CMC) vouches for it.',
    message: (p: S) =>
      `The BIMI record at ${p.name} names no mark certificate (no a=): the large mailbox providers require one to show the logo.`,
    fix: (p: S) =>
      `Obtain a VMC or CMC for your logo from a mark verifying authority, serve its PEM over HTTPS and add a=https://<your web host>/bimi/vmc.pem to ${p.name}.`,
  },
  'inherited-from-org': {
    severity: 'info',
    why: 'Without a record of its own, a domain uses the BIMI record of its organisational domain.',
    message: (p: S) => `${p.domain} has no BIMI record of its own; ${p.name} applies.`,
  },
  'dmarc-not-enforcing': {
    severity: 'error',
    why: 'Receivers show a BIMI logo only for mail whose domain enforces DMARC (p=quarantine or reject, sp not none, no pct below 100, no t=y).',
    message: (p: D & { reason: string; at: string }) =>
      `BIMI needs DMARC at enforcement, but for ${p.domain} ${p.reason}.`,
    fix: (p: D & { reason: string; at: string }) =>
      `Raise the DMARC policy at _dmarc.${p.at} to p=quarantine or p=reject, without sp=none, pct or t=y (mailsec generate dmarc --for ${p.at} --plan shows the steps).`,
  },
  'dmarc-undetermined': {
    severity: 'warning',
    why: 'BIMI depends on DMARC enforcement, which could not be determined.',
    message: (p: D) =>
      `The DMARC policy of ${p.domain} could not be determined, so the BIMI prerequisite is unknown.`,
    fix: () => 'Run the check again with dmarc included (do not leave it out with --only).',
  },
  'assets-not-checked': {
    severity: 'info',
    why: 'The logo (SVG Tiny PS) and the mark certificate were not fetched, so their validity is unknown.',
    message: (p: S) => `The BIMI logo and certificate named at ${p.name} were not fetched or validated.`,
  },
  'svg-unreachable': {
    severity: 'error',
    why: 'Receivers show no logo when the l= SVG cannot be fetched over HTTPS with a valid certificate.',
    message: (p: S & { url: string; reason: string }) =>
      `The BIMI logo ${p.url} could not be fetched: ${p.reason}.`,
    fix: (p: S & { url: string }) => `Serve the SVG at ${p.url} (HTTPS, status 200, a valid certificate).`,
  },
  'svg-too-large': {
    severity: 'error',
    why: 'BIMI Group guidance caps the logo at 32 KB; receivers ignore larger files.',
    message: (p: S & { url: string }) => `The BIMI logo ${p.url} is larger than 32 KB.`,
    fix: () => 'Simplify the SVG (fewer paths, no embedded data) to under 32 KB.',
  },
  'svg-media-type': {
    severity: 'warning',
    why: 'The logo should be served as image/svg+xml.',
    message: (p: S & { url: string; mediaType: string }) =>
      `The BIMI logo ${p.url} is served as ${p.mediaType}.`,
    fix: () => 'Serve it with Content-Type: image/svg+xml.',
  },
  'svg-invalid': {
    severity: 'error',
    why: 'Receivers show only logos in SVG Tiny Portable/Secure (version 1.2, baseProfile tiny-ps, a title, no scripts, animation or external references, square).',
    message: (p: S & { url: string; problems: string }) =>
      `The BIMI logo ${p.url} is not SVG Tiny PS: ${p.problems}.`,
    fix: () =>
      'Export the logo as SVG Tiny PS: <svg version="1.2" baseProfile="tiny-ps" viewBox="0 0 N N"> with a <title> naming the brand, no x/y, scripts, animation or external references.',
  },
  'certificate-unreachable': {
    severity: 'error',
    why: 'Receivers that require a mark certificate show no logo when the a= PEM cannot be fetched.',
    message: (p: S & { url: string; reason: string }) =>
      `The BIMI mark certificate ${p.url} could not be fetched: ${p.reason}.`,
    fix: (p: S & { url: string }) => `Serve the VMC/CMC PEM at ${p.url} (HTTPS, status 200).`,
  },
  'certificate-invalid': {
    severity: 'error',
    why: 'Receivers show the logo only with a mark certificate from a recognised mark verifying authority, valid, for this domain, holding the same logo.',
    message: (p: S & { url: string; problems: string }) =>
      `The BIMI mark certificate ${p.url} is not valid: ${p.problems}.`,
    fix: () =>
      'Renew or reissue the VMC/CMC for this domain with the logo you publish in l=, and serve the whole chain.',
  },
  'certificate-expiring': {
    severity: 'warning',
    why: 'When the mark certificate expires receivers stop showing the logo.',
    message: (p: S & { url: string; notAfter: string; days: number }) =>
      `The BIMI mark certificate ${p.url} expires on ${p.notAfter} (in ${p.days} days).`,
    fix: () => 'Renew the VMC/CMC with your mark verifying authority and replace the PEM at the a= URL.',
  },
  'certificate-not-verified': {
    severity: 'info',
    why: 'Without the mark verifying authorities’ roots the certificate chain cannot be checked.',
    message: (p: S & { url: string }) =>
      `The chain of the BIMI mark certificate ${p.url} was not verified (no --vmc-roots given).`,
    fix: () => 'Run again with --vmc-roots <PEM of the mark verifying authorities’ roots>.',
  },
});
