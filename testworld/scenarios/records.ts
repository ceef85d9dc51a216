/**
 * DNS-published mail policies (issue 4): DKIM, DMARC, BIMI (record), MTA-STS (TXT), TLS-RPT and
 * the Microsoft endpoint names. Each domain proves one status of one section; `full.test` publishes
 * everything correctly and is the README showcase.
 *
 * Addresses: MX hosts at {net}.3.40–49, web hosts (apex, www, mta-sts) at {net}.4.40–49; the only
 * IPv6 host is ::1. DKIM keys are fixed (generated once with node:crypto) so zones are reproducible.
 */
import { fixedSpkiSha256 } from '../ca.ts';
import type { RecordSpec, Scenario } from '../scenario.ts';

/** RSA keys (SubjectPublicKeyInfo, base64) of 2048, 1024 and 512 bits, and a raw Ed25519 key (RFC 8463). */
export const DKIM_RSA_2048 =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsPK4bqL8Wd3sqDcTTlPGXB0GSSY9vyJEF0eee1n9bGQSpzkxaiuiMZnI9hRahdr3OUrCg76YHxBt1t2c20iuVBUfkLuc5GRAsnFUDyd/0TCfJ8iYmX4Jf4+8jzHPrrAeRSkd4LbqHytiYAcmnhiDbqEv/rkgwiT76HKbkoW5THVZhCLRsDAEqvPiiz3OoYAmM9bZgmZPi6JT3rUnN/xExjv/4am03v1HcEiyaU+nC2fiiZs+HATiW/FxO5tpQ0ISMp9UpjOA5KmsspqsEMSdWV+VxkczfPTiPUfib459tlaSVVWoF4pgpuwfI2FOABzd2Z784lF/ZOTzliUWb7K65QIDAQAB';
export const DKIM_RSA_1024 =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC9PCVdvyEp71XA6TcsedjAdg0b4lT3bVNkEavTwIVYS45KmY1LFoltasnOXy0AgxCwt9YK4si0ozMrl6ZqlA0oOdQmgK4v513ZU7KdDwNbYdruHPGehs46QwwtIOt9q3IIXmiVu8BLMq3JoxkqlsxY6mm16lJo/+eOUZMpPUtzIwIDAQAB';
export const DKIM_RSA_512 =
  'MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAPLzuIZcvU7XJbliDlOJk0tolwu80R5/yb+WejwiI+qhSXNK5SODf8sXa7FPfm4Qq5D1obikahzeFu3JVXELm7UCAwEAAQ==';
export const DKIM_ED25519 = '8Krxt3D9uOLpP6y3Yg1BdL8TzvU9lk2L5xRkCbPi/4I=';

/** TXT rdata in presentation form, split into character-strings of at most 255 octets. */
export function txt(text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 255)
    parts.push(`"${text.slice(i, i + 255).replace(/["\\]/g, '\\$&')}"`);
  return parts.join(' ');
}

const rsaKey = (key: string, extra = '') => txt(`v=DKIM1; k=rsa; ${extra}p=${key}`);
const edKey = (key: string) => txt(`v=DKIM1; k=ed25519; p=${key}`);

/** MX, SPF and a web address: the basics every mail domain here carries. */
const mailBasics = (mx: string): RecordSpec[] => [
  ['@', 'MX', '10 mx1'],
  ['mx1', 'A', mx],
  ['@', 'TXT', txt('v=spf1 mx -all')],
];
const dmarcReject = (d: string): RecordSpec => [
  '_dmarc',
  'TXT',
  txt(`v=DMARC1; p=reject; rua=mailto:dmarc@${d}`),
];

export const records: Scenario = {
  name: 'records',
  description: 'DKIM, DMARC, BIMI, MTA-STS, TLS-RPT and Microsoft endpoint records: one domain per status',
  domains: [
    {
      name: 'full.test',
      description:
        'README showcase: MX (mx1 {net}.3.40, an SMTP host with DANE-EE), SPF -all, CAA + iodef, DKIM selector1 (RSA 2048) and selector2 (Ed25519), DMARC p=reject with internal rua, BIMI l=, MTA-STS id, TLS-RPT mailto, autodiscover; signed',
      records: [
        ['@', 'MX', '10 mx1'],
        ['mx1', 'A', '{net}.3.40'],
        // served by testworld/smtp (STARTTLS, testworld CA); DANE-EE current + next key (RFC 7671 §8)
        ['_25._tcp.mx1', 'TLSA', `3 1 1 ${fixedSpkiSha256('dane-ee')}`],
        ['_25._tcp.mx1', 'TLSA', `3 1 1 ${fixedSpkiSha256('dane-ee-next')}`],
        ['@', 'A', '{net}.8.50'], // served by testworld/https
        ['www', 'A', '{net}.8.50'], // served by testworld/https
        ['mta-sts', 'A', '{net}.8.50'], // served by testworld/https
        ['mail', 'A', '{net}.4.40'],
        ['@', 'TXT', txt('v=spf1 mx -all')],
        ['@', 'CAA', '0 issue "letsencrypt.org"'],
        ['@', 'CAA', '0 iodef "mailto:security@full.test"'],
        ['selector1._domainkey', 'TXT', rsaKey(DKIM_RSA_2048)],
        ['selector2._domainkey', 'TXT', edKey(DKIM_ED25519)],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:dmarc-reports@full.test; adkim=s')],
        ['default._bimi', 'TXT', txt('v=BIMI1; l=https://full.test/bimi/logo.svg')],
        ['_mta-sts', 'TXT', txt('v=STSv1; id=20260101T000000')],
        ['_smtp._tls', 'TXT', txt('v=TLSRPTv1; rua=mailto:tls-reports@full.test')],
        ['autodiscover', 'CNAME', 'mail'],
      ],
    },
    // ---- DKIM ----
    {
      name: 'dkim-revoked.test',
      description: 'DKIM: selector default has an empty p= (revoked, info) → pass; DMARC reject',
      records: [
        ...mailBasics('{net}.3.41'),
        dmarcReject('dkim-revoked.test'),
        ['default._domainkey', 'TXT', txt('v=DKIM1; k=rsa; p=')],
      ],
    },
    {
      name: 'dkim-testing.test',
      description: 'DKIM: selector google is a 2048-bit key with t=y (testing) → warn',
      records: [...mailBasics('{net}.3.41'), ['google._domainkey', 'TXT', rsaKey(DKIM_RSA_2048, 't=y; ')]],
    },
    {
      name: 'dkim-1024.test',
      description: 'DKIM: selector selector1 is a 1024-bit RSA key (RFC 8301: under 2048) → warn',
      records: [...mailBasics('{net}.3.41'), ['selector1._domainkey', 'TXT', rsaKey(DKIM_RSA_1024)]],
    },
    {
      name: 'dkim-512.test',
      description:
        'DKIM: selector s1 is a 512-bit RSA key (RFC 8301: verifiers must reject under 1024) → fail',
      records: [...mailBasics('{net}.3.41'), ['s1._domainkey', 'TXT', rsaKey(DKIM_RSA_512)]],
    },
    {
      name: 'dkim-ed25519.test',
      description: 'DKIM: selector fm1 is an Ed25519 key (RFC 8463, 32 bytes) → pass',
      records: [...mailBasics('{net}.3.41'), ['fm1._domainkey', 'TXT', edKey(DKIM_ED25519)]],
    },
    {
      name: 'dkim-cname.test',
      description:
        'DKIM: selector k1 is a CNAME to the provider key dkim.esp-provider.test (followed, target recorded) → pass',
      records: [...mailBasics('{net}.3.41'), ['k1._domainkey', 'CNAME', 'dkim.esp-provider.test.']],
    },
    {
      name: 'esp-provider.test',
      description: 'an ESP that hosts its customers’ DKIM key at dkim.esp-provider.test (CNAME target)',
      records: [...mailBasics('{net}.3.42'), ['dkim', 'TXT', rsaKey(DKIM_RSA_2048)]],
    },
    {
      name: 'dkim-custom.test',
      description:
        'DKIM: the only key is under selector mailsec2026 (in no built-in list): absent with _domainkey existing, pass with --selectors mailsec2026',
      records: [...mailBasics('{net}.3.41'), ['mailsec2026._domainkey', 'TXT', rsaKey(DKIM_RSA_2048)]],
    },
    {
      name: 'dkim-none.test',
      description: 'DKIM: no _domainkey at all: NXDOMAIN, so no selector is queried (RFC 8020) → absent',
      records: [...mailBasics('{net}.3.41')],
    },
    // ---- DMARC ----
    {
      name: 'dmarc-org.test',
      description:
        'DMARC only at the organisational domain (p=reject; sp=quarantine): check shop.dmarc-org.test → effective quarantine, found by the tree walk',
      records: [
        ...mailBasics('{net}.3.43'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@dmarc-org.test')],
        ['shop', 'A', '{net}.4.41'],
        ['shop', 'MX', '10 mx1.dmarc-org.test.'],
      ],
    },
    {
      name: 'github.io',
      signed: false,
      description:
        'A zone under a real PSL private suffix. _dmarc.github.io publishes p=reject without psd: the RFC 9989 tree walk for alice.github.io finds it and makes github.io the organisational domain (policy reject via sp/p), while RFC 7489 PSL discovery takes alice.github.io (github.io is a public suffix) as the organisational domain, which has no record: no policy. They disagree.',
      records: [
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:dmarc@github.io')],
        ['@', 'MX', '10 mx1'],
        ['mx1', 'A', '{net}.3.44'],
        ['alice', 'A', '{net}.4.42'],
      ],
    },
    {
      name: 'netlify.app',
      signed: false,
      description:
        'A PSL private suffix that marks itself with psd=y: the tree walk makes carol.netlify.app the organisational domain, as the PSL does (they agree); the PSD policy reject applies',
      records: [
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; psd=y; rua=mailto:dmarc@netlify.app')],
        ['@', 'MX', '10 mx1'],
        ['mx1', 'A', '{net}.3.44'],
        ['carol', 'A', '{net}.4.42'],
      ],
    },
    {
      name: 'dmarc-none.test',
      description: 'DMARC p=none (monitoring only) → warn',
      records: [
        ...mailBasics('{net}.3.43'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=none; rua=mailto:dmarc@dmarc-none.test')],
      ],
    },
    {
      name: 'dmarc-ext-unauth.test',
      description:
        'DMARC rua at reports-receiver.test, which publishes no dmarc-ext-unauth.test._report._dmarc record → rua not authorised, warn',
      records: [
        ...mailBasics('{net}.3.43'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:agg@reports-receiver.test')],
      ],
    },
    {
      name: 'dmarc-ext-auth.test',
      description: 'DMARC rua at reports-receiver.test, which authorises it by name → pass, authorised',
      records: [
        ...mailBasics('{net}.3.43'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:agg@reports-receiver.test')],
      ],
    },
    {
      name: 'reports-receiver.test',
      description:
        'a DMARC report receiver: accepts mail (MX) and authorises dmarc-ext-auth.test only (RFC 7489 §7.1)',
      records: [
        ...mailBasics('{net}.3.45'),
        dmarcReject('reports-receiver.test'),
        ['dmarc-ext-auth.test._report._dmarc', 'TXT', txt('v=DMARC1')],
      ],
    },
    {
      name: 'dmarc-ext-wild.test',
      description:
        'DMARC rua at wildcard-receiver.test, which authorises every domain with *._report._dmarc → pass',
      records: [
        ...mailBasics('{net}.3.43'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:agg@wildcard-receiver.test')],
      ],
    },
    {
      name: 'wildcard-receiver.test',
      description: 'a DMARC report receiver that authorises every sender by the wildcard *._report._dmarc',
      records: [
        ...mailBasics('{net}.3.45'),
        dmarcReject('wildcard-receiver.test'),
        ['*._report._dmarc', 'TXT', txt('v=DMARC1;')],
      ],
    },
    {
      name: 'dmarc-two.test',
      description: 'two DMARC records at _dmarc: policy discovery ends with no policy → fail',
      records: [
        ...mailBasics('{net}.3.43'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:dmarc@dmarc-two.test')],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=none')],
      ],
    },
    {
      name: 'dmarc-removed.test',
      description:
        'DMARC with the removed tags pct=50, rf=afrf, ri=3600 (RFC 9989 A.6): each reported → warn',
      records: [
        ...mailBasics('{net}.3.43'),
        [
          '_dmarc',
          'TXT',
          txt('v=DMARC1; p=reject; pct=50; rf=afrf; ri=3600; rua=mailto:dmarc@dmarc-removed.test'),
        ],
      ],
    },
    // ---- BIMI, MTA-STS, TLS-RPT ----
    {
      name: 'bimi-nodmarc.test',
      description: 'BIMI record, but DMARC is p=none (not at enforcement) → bimi fail',
      records: [
        ...mailBasics('{net}.3.46'),
        ['_dmarc', 'TXT', txt('v=DMARC1; p=none; rua=mailto:dmarc@bimi-nodmarc.test')],
        ['default._bimi', 'TXT', txt('v=BIMI1; l=https://bimi-nodmarc.test/logo.svg')],
      ],
    },
    {
      name: 'mtasts-two.test',
      description: 'two MTA-STS TXT records at _mta-sts (RFC 8461 §3.1: no policy) → fail',
      records: [
        ...mailBasics('{net}.3.46'),
        dmarcReject('mtasts-two.test'),
        ['_mta-sts', 'TXT', txt('v=STSv1; id=20260101')],
        ['_mta-sts', 'TXT', txt('v=STSv1; id=20260202')],
      ],
    },
    {
      name: 'tlsrpt-scheme.test',
      description: 'TLS-RPT rua with an http: URI (only mailto:/https: allowed, RFC 8460 §3) → fail',
      records: [
        ...mailBasics('{net}.3.46'),
        dmarcReject('tlsrpt-scheme.test'),
        ['_smtp._tls', 'TXT', txt('v=TLSRPTv1; rua=http://tlsrpt-scheme.test/report')],
      ],
    },
    {
      name: 'records-refused.test',
      broken: 'refused',
      description:
        'delegated to the REFUSED name server: every lookup is SERVFAIL, so each record check is error (never absent)',
      records: [['@', 'MX', '10 mx']],
    },
    {
      name: 'm365.test',
      description:
        'Microsoft 365 endpoint names: autodiscover CNAME autodiscover.outlook.com, lyncdiscover CNAME webdir.online.lync.com, SRV _sipfederationtls._tcp and _sip._tls (targets outside the testworld: never connected to)',
      records: [
        ['@', 'TXT', txt('v=spf1 include:spf.protection.outlook.com -all')],
        ['autodiscover', 'CNAME', 'autodiscover.outlook.com.'],
        ['lyncdiscover', 'CNAME', 'webdir.online.lync.com.'],
        ['_sipfederationtls._tcp', 'SRV', '100 1 5061 sipfed.online.lync.com.'],
        ['_sip._tls', 'SRV', '100 1 443 sipdir.online.lync.com.'],
      ],
    },
  ],
};
