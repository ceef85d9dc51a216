/**
 * Hostile data (issue 11): records, an SMTP greeting and a certificate issuer name that carry
 * HTML and JavaScript, for the renderers to show as text. hostile.test's MX host is served by
 * testworld/smtp/ at {net}.9.60 (this file owns {net}.9.60 – {net}.9.69): its banner is a
 * payload and its self-signed certificate names a payload as organisation (the issuer, since it
 * is self-signed), which the TLD report lists among certificate issuers. A second MX host whose
 * name is a payload (it has no address) reaches the report's provider list.
 */
import type { Scenario } from '../scenario.ts';
import { txt } from './records.ts';

/** what the payloads would do if a renderer let them through: a dialog, a request, a script */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(2)>',
  svg: "'><svg onload=alert(3)>",
  fetch: '<iframe src="https://tracker.elsewhere.test/"></iframe>',
  style: '</style><script>alert(4)</script>',
  /** a DNS label (no space, no dot, no slash) */
  label: '<svg\\032onload=alert(5)>',
} as const;

/** the certificate subject (openssl -subj) of the hostile MX host */
export const HOSTILE_SUBJECT = `/O=<img src=x onerror=alert(6)> "><b>/OU=${HOSTILE.svg}/CN=mx.hostile.test`;

/** the SMTP greeting lines of the hostile MX host */
export const HOSTILE_BANNER = [`mx.hostile.test ESMTP ${HOSTILE.script}`, `${HOSTILE.img} ${HOSTILE.fetch}`];

export const hostile: Scenario = {
  name: 'hostile',
  description: 'records, SMTP banner and certificate issuer carrying HTML/JS payloads',
  domains: [
    {
      name: 'hostile.test',
      description:
        'TXT, SPF, DMARC, MTA-STS, TLS-RPT, BIMI and CAA records with HTML/JS payloads; MX with a payload banner and issuer; an MX named by a payload',
      records: [
        ['@', 'MX', '10 mx'],
        ['@', 'MX', `20 ${HOSTILE.label}.hostile.test.`],
        ['mx', 'A', '{net}.9.60'],
        ['@', 'TXT', txt(`v=spf1 ip4:192.0.2.1 include:${HOSTILE.script}.test -all`)],
        ['@', 'TXT', txt(`${HOSTILE.img} ${HOSTILE.style}`)],
        ['_dmarc', 'TXT', txt(`v=DMARC1; p=reject; rua=mailto:${HOSTILE.img}@hostile.test`)],
        ['_mta-sts', 'TXT', txt(`v=STSv1; id=${HOSTILE.svg}`)],
        ['_smtp._tls', 'TXT', txt(`v=TLSRPTv1; rua=mailto:${HOSTILE.fetch}`)],
        ['default._bimi', 'TXT', txt(`v=BIMI1; l=https://hostile.test/${HOSTILE.img}.svg`)],
        ['@', 'CAA', `0 issue "${HOSTILE.script.replace(/"/g, '')}"`],
      ],
    },
  ],
};
