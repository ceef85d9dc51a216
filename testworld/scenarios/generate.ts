/**
 * `mailsec generate` (issue 14): domains in the state before generating, one testworld for every
 * kind. test/generate.e2e.test.ts generates records for them, publishes the output into a copy of
 * this scenario (testworld/publish.ts) and checks that the sections pass.
 *
 * Hosts (this file owns {net}.9.10 – {net}.9.29): {net}.9.10 is mx.gen-mail.test (SMTP with STARTTLS, testworld
 * CA, the fixed key gen-mx so TLSA records stay valid across testworlds; its certificate also names
 * mx.gen-insecure.test); {net}.9.20 is the web host of gen-mail.test, www.gen-mail.test,
 * mta-sts.gen-mail.test and gen-bimi.test (testworld/https: it serves published files, a logo).
 * SPF targets under gen-spf-many.test use documentation addresses (never connected to).
 */
import type { DomainSpec, RecordSpec, Scenario } from '../scenario.ts';
import { txt } from './records.ts';

export const GEN_MX = '{net}.9.10';
export const GEN_WEB = '{net}.9.20';

const MX_GEN = ['@', 'MX', '10 mx.gen-mail.test.'] as const satisfies RecordSpec;

/** nine hosts: an include that costs ten lookups (flattenable: + terms that resolve) */
const hosts = Array.from({ length: 9 }, (_, i) => [`h${i + 1}._big`, 'A', `192.0.2.${i + 1}`] as const);

export const generate: Scenario = {
  name: 'generate',
  description: 'mailsec generate: one domain per kind in its state before generating',
  domains: [
    {
      name: 'gen-mail.test',
      description:
        'MX mx.gen-mail.test (own, STARTTLS, valid certificate), web/www/mta-sts hosts, signed; no SPF, DMARC, MTA-STS, TLS-RPT, TLSA or CAA yet: spf, dmarc, mta-sts, tls-rpt, tlsa and caa are generated for it',
      records: [
        ['@', 'MX', '10 mx'],
        ['mx', 'A', GEN_MX],
        ['@', 'A', GEN_WEB],
        ['www', 'A', GEN_WEB],
        ['mta-sts', 'A', GEN_WEB],
      ],
    },
    {
      name: 'gen-bimi.test',
      description:
        'DMARC p=reject, a web host serving a valid SVG Tiny PS logo at /logo.svg; no BIMI record yet',
      records: [
        MX_GEN,
        ['@', 'A', GEN_WEB],
        ['@', 'TXT', txt('v=spf1 mx -all')],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:dmarc@gen-bimi.test')],
      ],
    },
    {
      name: 'gen-dmarc-none.test',
      description: 'MX, no DMARC: generate dmarc starts the rollout with p=none and rua',
      records: [MX_GEN],
    },
    {
      name: 'gen-parked.test',
      description: 'no mail records at all: generate parked',
      records: [['@', 'A', GEN_WEB]],
    },
    {
      name: 'gen-sts-bad.test',
      description:
        'two MX: mx.gen-mail.test (valid certificate) and mx.smtp-wrongname.test (certificate for www.elsewhere.test): generate mta-sts refuses enforce',
      records: [
        ['@', 'MX', '10 mx.gen-mail.test.'],
        ['@', 'MX', '20 mx.smtp-wrongname.test.'],
      ],
    },
    {
      name: 'gen-spf-many.test',
      description:
        'SPF needing 12 lookups (mx, include:_big with nine a: terms, include:_small): refused, or flattened with --flatten',
      records: [
        MX_GEN,
        ['@', 'TXT', txt('v=spf1 mx include:_big.gen-spf-many.test include:_small.gen-spf-many.test ~all')],
        [
          '_big',
          'TXT',
          txt(`v=spf1 ${hosts.map((_, i) => `a:h${i + 1}._big.gen-spf-many.test`).join(' ')} -all`),
        ],
        ...hosts,
        ['_small', 'TXT', txt('v=spf1 ip4:198.51.100.0/24 -all')],
      ],
    },
    {
      name: 'gen-insecure.test',
      signed: false,
      description:
        'unsigned zone with its own MX (mx.gen-insecure.test at the gen-mail host): TLSA is pointless',
      records: [
        ['@', 'MX', '10 mx'],
        ['mx', 'A', GEN_MX],
      ],
    },
    {
      name: 'gen-reports.test',
      description:
        'SPF mx only; its DMARC aggregate reports (built by test/generate.e2e.test.ts) show an ESP, an own server, a forwarder and spoofers: generate spf --reports',
      records: [
        MX_GEN,
        ['@', 'TXT', txt('v=spf1 mx ~all')],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=none; rua=mailto:dmarc@gen-reports.test')],
      ],
    },
    {
      name: 'gen-esp.test',
      description:
        'a sending service: _spf.gen-esp.test authorises 192.0.2.64/27 (documentation addresses; a test catalogue names it)',
      records: [['_spf', 'TXT', txt('v=spf1 ip4:192.0.2.64/27 -all')]],
    },
  ] satisfies DomainSpec[],
  ptr: { [GEN_MX]: 'mx.gen-mail.test' },
};
