/**
 * SMTP and DANE scenarios: one MX host per behaviour, each served by its own small SMTP server
 * (testworld/smtp/) at {net}.4.* – {net}.6.* (this file owns those ranges). TLSA data comes from
 * the fixed keys in testworld/smtp/keys/, so the records are static while certificates are fresh.
 */
import { fixedSpkiSha256 } from '../ca.ts';
import type { DomainSpec, Scenario } from '../scenario.ts';

const EE = fixedSpkiSha256('dane-ee');
const EE_NEXT = fixedSpkiSha256('dane-ee-next');
const TA = fixedSpkiSha256('intermediate');
const UNRELATED = fixedSpkiSha256('unrelated');

/** A domain whose single MX `mx.<name>` is at `address`, plus extra records. */
function mxDomain(
  name: string,
  address: string,
  description: string,
  extra: DomainSpec['records'] = [],
  signed = true,
): DomainSpec {
  return {
    name,
    signed,
    description,
    records: [['@', 'MX', '10 mx'], ['mx', 'A', address], ...extra],
  };
}

export const smtp: Scenario = {
  name: 'smtp',
  description:
    'STARTTLS outcomes, certificates, DANE-EE/DANE-TA (matching or not, insecure, bogus), a shared MX',
  domains: [
    mxDomain(
      'smtp-good.test',
      '{net}.4.10',
      'STARTTLS with a certificate from the testworld CA (root + intermediate)',
    ),
    mxDomain('smtp-none.test', '{net}.4.11', 'no STARTTLS advertised → outcome no-starttls'),
    mxDomain('smtp-refused.test', '{net}.4.12', 'STARTTLS advertised but answered 454 → starttls-refused'),
    mxDomain('smtp-handshake.test', '{net}.4.13', 'STARTTLS 220, then garbage → handshake-failed'),
    mxDomain('smtp-expired.test', '{net}.4.14', 'STARTTLS with an expired certificate'),
    mxDomain('smtp-selfsigned.test', '{net}.4.15', 'STARTTLS with a self-signed certificate'),
    mxDomain('smtp-wrongname.test', '{net}.4.16', 'STARTTLS with a certificate for another name'),
    mxDomain('smtp-slow.test', '{net}.4.17', 'greeting after 6 s (postscreen-like) → still yes'),
    mxDomain('smtp-multiline.test', '{net}.4.18', 'a three-line greeting'),
    mxDomain('smtp-closed.test', '{net}.4.19', 'nothing listens on port 25 → refused, starttls error'),
    mxDomain('smtp-shared.test', '{net}.4.20', 'the MX host shared by shared-a/b/c.test'),
    ...['shared-a.test', 'shared-b.test', 'shared-c.test'].map(
      (name): DomainSpec => ({
        name,
        description: 'MX mx.smtp-shared.test: three domains, one MX → one SMTP connection per run',
        records: [['@', 'MX', '10 mx.smtp-shared.test.']],
      }),
    ),
    {
      name: 'two-mx.test',
      description:
        'two MX hosts, both live with valid certificates (smtp-good and smtp-shared): the benchmark domain',
      records: [
        ['@', 'MX', '10 mx.smtp-good.test.'],
        ['@', 'MX', '20 mx.smtp-shared.test.'],
      ],
    },
    mxDomain('smtp-v6.test', '{net}.4.21', 'MX with A and AAAA ::1 (the testworld’s only IPv6 host)', [
      ['mx', 'AAAA', '::1'],
    ]),
    mxDomain(
      'dane-ee.test',
      '{net}.5.10',
      'DANE-EE 3 1 1 matching the served key, plus the next key (rollover)',
      [
        ['_25._tcp.mx', 'TLSA', `3 1 1 ${EE}`],
        ['_25._tcp.mx', 'TLSA', `3 1 1 ${EE_NEXT}`],
      ],
    ),
    mxDomain('dane-ta.test', '{net}.5.11', 'DANE-TA 2 1 1 of the testworld intermediate', [
      ['_25._tcp.mx', 'TLSA', `2 1 1 ${TA}`],
    ]),
    mxDomain(
      'dane-ta-wrongname.test',
      '{net}.5.16',
      'DANE-TA 2 1 1 of the intermediate, but the certificate names another host (RFC 7672 §3.2.3)',
      [['_25._tcp.mx', 'TLSA', `2 1 1 ${TA}`]],
    ),
    mxDomain('dane-ee-bad.test', '{net}.5.12', 'DANE-EE 3 1 1 of a key the server does not use', [
      ['_25._tcp.mx', 'TLSA', `3 1 1 ${UNRELATED}`],
    ]),
    mxDomain('dane-ta-bad.test', '{net}.5.13', 'DANE-TA 2 1 1 of a CA that did not issue the certificate', [
      ['_25._tcp.mx', 'TLSA', `2 1 1 ${UNRELATED}`],
    ]),
    mxDomain(
      'dane-insecure.test',
      '{net}.5.14',
      'unsigned zone: TLSA 3 1 1 matching, but insecure → dane none',
      [['_25._tcp.mx', 'TLSA', `3 1 1 ${EE}`]],
      false,
    ),
    mxDomain(
      'dane-bogus.test',
      '{net}.5.15',
      'TLSA name is a CNAME into the bogus zone dane-broken.test → dane error',
      [['_25._tcp.mx', 'CNAME', '_25._tcp.mx.dane-broken.test.']],
    ),
    {
      name: 'dane-broken.test',
      broken: 'bad-signature',
      description: 'bogus zone holding the TLSA record dane-bogus.test points at',
      records: [['_25._tcp.mx', 'TLSA', `3 1 1 ${EE}`]],
    },
    mxDomain('smtp-postfix.test', '{net}.6.10', 'a real Postfix (Debian) with STARTTLS'),
  ],
};
