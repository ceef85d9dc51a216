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

const cdata = (s: string) => `<![CDATA[${s}]]>`;

/**
 * A DMARC aggregate report (RFC 7489 Appendix C) for hostile.test whose every free-text field
 * carries a payload (CDATA, so the parser hands the raw markup on): organisation, contact,
 * report id, source address, identifiers, DKIM and SPF domains, selector, reason comment. Two
 * records: one passing, one failing.
 */
export const HOSTILE_DMARC_XML = `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <version>1.0</version>
  <report_metadata>
    <org_name>${cdata(`${HOSTILE.script} Corp`)}</org_name>
    <email>${cdata(`${HOSTILE.img}@reporter.test`)}</email>
    <extra_contact_info>${cdata(HOSTILE.fetch)}</extra_contact_info>
    <report_id>${cdata(`${HOSTILE.svg}-1`)}</report_id>
    <date_range><begin>1767225600</begin><end>1767311999</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>hostile.test</domain>
    <adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct>
  </policy_published>
  <record>
    <row>
      <source_ip>192.0.2.10</source_ip>
      <count>40</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>
    </row>
    <identifiers><header_from>hostile.test</header_from><envelope_from>hostile.test</envelope_from></identifiers>
    <auth_results>
      <dkim><domain>hostile.test</domain><selector>${cdata(HOSTILE.style)}</selector><result>pass</result></dkim>
      <spf><domain>hostile.test</domain><result>pass</result></spf>
    </auth_results>
  </record>
  <record>
    <row>
      <source_ip>${cdata(HOSTILE.img)}</source_ip>
      <count>7</count>
      <policy_evaluated>
        <disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>other</type><comment>${cdata(HOSTILE.script)}</comment></reason>
      </policy_evaluated>
    </row>
    <identifiers>
      <envelope_to>${cdata(HOSTILE.svg)}</envelope_to>
      <header_from>${cdata(`${HOSTILE.fetch}.hostile.test`)}</header_from>
      <envelope_from>${cdata(HOSTILE.img)}</envelope_from>
    </identifiers>
    <auth_results>
      <dkim><domain>${cdata(HOSTILE.svg)}</domain><selector>${cdata(HOSTILE.script)}</selector><result>fail</result><human_result>${cdata(HOSTILE.style)}</human_result></dkim>
      <spf><domain>${cdata(HOSTILE.script)}</domain><result>fail</result></spf>
    </auth_results>
  </record>
</feedback>
`;

/** A second aggregate report whose policy domain itself is a payload (the overview lists it). */
export const HOSTILE_DMARC_DOMAIN_XML = HOSTILE_DMARC_XML.replace(
  '<domain>hostile.test</domain>\n    <adkim>',
  `<domain>${cdata(HOSTILE.svg)}</domain>\n    <adkim>`,
).replace(`${HOSTILE.svg}-1`, `${HOSTILE.svg}-2`);

/** An SMTP TLS report (RFC 8460) for hostile.test with a payload in every string field. */
export const HOSTILE_TLS_JSON = JSON.stringify({
  'organization-name': `${HOSTILE.script} TLS`,
  'date-range': { 'start-datetime': '2026-01-01T00:00:00Z', 'end-datetime': '2026-01-01T23:59:59Z' },
  'contact-info': `${HOSTILE.img}@reporter.test`,
  'report-id': `${HOSTILE.svg}-tls`,
  policies: [
    {
      policy: {
        'policy-type': 'sts',
        'policy-string': ['version: STSv1', `mode: ${HOSTILE.script}`],
        'policy-domain': 'hostile.test',
        'mx-host': [HOSTILE.img],
      },
      summary: { 'total-successful-session-count': 90, 'total-failure-session-count': 5 },
      'failure-details': [
        {
          'result-type': 'certificate-host-mismatch',
          'sending-mta-ip': '192.0.2.20',
          'receiving-mx-hostname': `${HOSTILE.svg}.hostile.test`,
          'receiving-mx-helo': HOSTILE.style,
          'failed-session-count': 3,
          'additional-information': HOSTILE.fetch,
          'failure-reason-code': HOSTILE.script,
        },
        {
          'result-type': `${HOSTILE.img}`,
          'sending-mta-ip': HOSTILE.svg,
          'receiving-ip': '192.0.2.30',
          'failed-session-count': 2,
        },
      ],
    },
  ],
});
