/**
 * HTTPS scenarios (issue 6): MTA-STS policy hosts, security.txt, the Microsoft login endpoints and
 * BIMI assets, each served by testworld/https/ on its own {net}.8.* address (this file owns that
 * range). MX hosts point at the SMTP scenario's mx.smtp-good.test (STARTTLS, testworld CA).
 */
import type { DomainSpec, RecordSpec, Scenario } from '../scenario.ts';
import { txt } from './records.ts';

const STS_ID = ['_mta-sts', 'TXT', txt('v=STSv1; id=20260101T000000')] as const satisfies RecordSpec;
const MX_GOOD = ['@', 'MX', '10 mx.smtp-good.test.'] as const satisfies RecordSpec;
const dmarc = (d: string): RecordSpec => ['_dmarc', 'TXT', txt(`v=DMARC1; p=reject; rua=mailto:dmarc@${d}`)];

function sts(name: string, address: string, description: string): DomainSpec {
  return {
    name,
    description,
    records: [
      MX_GOOD,
      ['mta-sts', 'A', address],
      STS_ID,
      ['_smtp._tls', 'TXT', txt(`v=TLSRPTv1; rua=mailto:tls@${name}`)],
    ],
  };
}
const web = (name: string, address: string, description: string, extra: RecordSpec[] = []): DomainSpec => ({
  name,
  description,
  records: [['@', 'A', address], ...extra],
});

export const https: Scenario = {
  name: 'https',
  description:
    'MTA-STS policy hosts, security.txt, Microsoft 365 login endpoints, BIMI logo and mark certificate, DID configuration, MCP description',
  domains: [
    sts(
      'sts-good.test',
      '{net}.8.10',
      'MTA-STS enforce policy covering mx.smtp-good.test (valid certificate) → pass',
    ),
    sts(
      'sts-redirect.test',
      '{net}.8.11',
      'policy URL answers 301 to sts-target.test (never followed) → fail',
    ),
    sts('sts-404.test', '{net}.8.12', 'policy URL answers 404 → fail'),
    sts('sts-mediatype.test', '{net}.8.13', 'testing policy served as text/html → warn'),
    sts('sts-big.test', '{net}.8.14', 'policy of 110 KB (over the 64 KiB cap) → fail'),
    sts('sts-badcert.test', '{net}.8.15', 'policy host certificate for www.elsewhere.test → fail'),
    sts(
      'sts-mxout.test',
      '{net}.8.16',
      'enforce policy naming mx.elsewhere.test only: the MX is outside → fail',
    ),
    sts(
      'sts-down.test',
      '{net}.8.17',
      'MTA-STS TXT record; the policy host answers 503 to every request → mtaSts.present counts (the record), the policy could not be fetched',
    ),
    sts(
      'sts-nohost.test',
      '{net}.8.18',
      'MTA-STS TXT record; nothing listens on port 443 of the policy host → mtaSts.present counts (the record)',
    ),
    {
      name: 'sts-private.test',
      description:
        'MTA-STS host at 10.0.0.1 (RFC 1918, outside --allow-private 127.0.0.0/8): never connected to → fail',
      records: [MX_GOOD, ['mta-sts', 'A', '10.0.0.1'], STS_ID],
    },
    web(
      'sts-target.test',
      '{net}.8.19',
      'the redirect target of sts-redirect.test (its request count must stay 0)',
    ),
    web(
      'sectxt-good.test',
      '{net}.8.20',
      'valid /.well-known/security.txt (Contact, Expires in 180 days, Canonical) → pass',
    ),
    web('sectxt-expired.test', '{net}.8.21', 'security.txt whose Expires is in the past → fail'),
    web(
      'sectxt-html.test',
      '{net}.8.22',
      'catch-all web server: every path 200 text/html (soft 404) → absent',
    ),
    web('sectxt-legacy.test', '{net}.8.23', 'security.txt only at the legacy /security.txt → fail'),
    web(
      'sectxt-refused.test',
      '{net}.8.24',
      'an address where nothing listens on port 443 (no web server) → security.txt absent, with that reason',
    ),
    web(
      'sectxt-half.test',
      '{net}.8.26',
      'well-known security.txt answers 503, the legacy /security.txt serves a file → securityTxt.present counts',
    ),
    web('sectxt-503.test', '{net}.8.25', 'every request answered 503 → security.txt error (never absent)'),
    {
      name: 'microsoftonline.com',
      description:
        'the fake Microsoft login endpoints (openid-configuration, getuserrealm.srf) at {net}.8.30',
      records: [['login', 'A', '{net}.8.30']],
    },
    {
      name: 'm365-tenant.test',
      description:
        'Microsoft 365 managed tenant: MX *.mail.protection.outlook.com, autodiscover and DKIM CNAMEs → pass',
      records: [
        ['@', 'MX', '0 m365-tenant-test.mail.protection.outlook.com.'],
        ['@', 'TXT', txt('v=spf1 include:spf.protection.outlook.com -all')],
        ['autodiscover', 'CNAME', 'autodiscover.outlook.com.'],
        [
          'selector1._domainkey',
          'CNAME',
          'selector1-m365-tenant-test._domainkey.m365tenant.onmicrosoft.com.',
        ],
        [
          'selector2._domainkey',
          'CNAME',
          'selector2-m365-tenant-test._domainkey.m365tenant.onmicrosoft.com.',
        ],
      ],
    },
    {
      name: 'm365-realmdown.test',
      description:
        'Microsoft 365 tenant whose getuserrealm.srf answers 503 → section error, the tenant id (OpenID configuration) still counts in m365.tenant',
      records: [['@', 'MX', '0 m365-realmdown-test.mail.protection.outlook.com.']],
    },
    {
      name: 'm365-fed.test',
      description: 'Microsoft 365 federated tenant (AD FS AuthURL), MX elsewhere → warn',
      records: [['@', 'MX', '10 mx.smtp-good.test.']],
    },
    web(
      'did-good.test',
      '{net}.8.60',
      'DID configuration whose JWT linkage verifies against did:web:did-good.test; a valid mcp.json → did pass, mcp pass',
    ),
    web(
      'did-forged.test',
      '{net}.8.61',
      'DID configuration signed with a key the DID document does not publish; mcp.json not JSON → did fail, mcp fail',
    ),
    web(
      'bimi-good.test',
      '{net}.8.40',
      'BIMI l= valid SVG Tiny PS, a= mark certificate from the testworld mark root → pass',
      [
        MX_GOOD,
        dmarc('bimi-good.test'),
        [
          'default._bimi',
          'TXT',
          txt('v=BIMI1; l=https://bimi-good.test/logo.svg; a=https://bimi-good.test/vmc.pem'),
        ],
      ],
    ),
    web(
      'bimi-down.test',
      '{net}.8.42',
      'BIMI record with l= and a=; the web host answers 503 to every request → bimi.present and bimi.withCertificate count (the record)',
      [
        MX_GOOD,
        dmarc('bimi-down.test'),
        [
          'default._bimi',
          'TXT',
          txt('v=BIMI1; l=https://bimi-down.test/logo.svg; a=https://bimi-down.test/vmc.pem'),
        ],
      ],
    ),
    web(
      'bimi-nohost.test',
      '{net}.8.43',
      'BIMI record with l=; nothing listens on port 443 of the web host → bimi.present counts (the record)',
      [
        MX_GOOD,
        dmarc('bimi-nohost.test'),
        ['default._bimi', 'TXT', txt('v=BIMI1; l=https://bimi-nohost.test/logo.svg')],
      ],
    ),
    web(
      'bimi-badsvg.test',
      '{net}.8.41',
      'BIMI l= SVG that breaks SVG Tiny PS (script, animation, no title, x/y, not square) → fail',
      [
        MX_GOOD,
        dmarc('bimi-badsvg.test'),
        ['default._bimi', 'TXT', txt('v=BIMI1; l=https://bimi-badsvg.test/logo.svg')],
      ],
    ),
  ],
};
