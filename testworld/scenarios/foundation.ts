/**
 * Foundation scenarios: the DNS basics every check builds on (DNSSEC states, NS, CAA, MX kinds,
 * reverse DNS). Hosts live at {net}.1.* (this file owns {net}.1.0/24); the only IPv6 host is ::1.
 */
import type { Scenario } from '../scenario.ts';

export const foundation: Scenario = {
  name: 'foundation',
  description: 'DNSSEC secure/insecure/bogus/servfail, CAA inheritance and critical tags, MX kinds, PTR',
  domains: [
    {
      name: 'secure.test',
      description:
        'signed, valid chain of trust (AD); CAA issue letsencrypt.org + iodef; MX 10 mx1.secure.test (A {net}.1.10, AAAA ::1, PTR back to mx1.secure.test: forward-confirmed); SPF and DMARC reject',
      records: [
        ['@', 'CAA', '0 issue "letsencrypt.org"'],
        ['@', 'CAA', '0 iodef "mailto:security@secure.test"'],
        ['@', 'MX', '10 mx1'],
        ['@', 'A', '{net}.1.11'],
        ['@', 'TXT', '"v=spf1 mx -all"'],
        ['_dmarc', 'TXT', '"v=DMARC1; p=reject"'],
        ['mx1', 'A', '{net}.1.10'],
        ['mx1', 'AAAA', '::1'],
        ['www', 'A', '{net}.1.11'],
      ],
    },
    {
      name: 'child.secure.test',
      description:
        'signed zone delegated from secure.test: a three-level chain of trust (root → test → secure.test → here)',
      records: [
        ['@', 'A', '{net}.1.12'],
        ['@', 'MX', '10 mx1.secure.test.'],
      ],
    },
    {
      name: 'insecure.test',
      signed: false,
      description:
        'unsigned (no DS in test.): answers without AD, validation = insecure; MX 10 mx.insecure.test (A {net}.1.13)',
      records: [
        ['@', 'MX', '10 mx'],
        ['@', 'A', '{net}.1.13'],
        ['mx', 'A', '{net}.1.13'],
        ['@', 'TXT', '"v=spf1 mx ~all"'],
      ],
    },
    {
      name: 'bogus.test',
      broken: 'bad-signature',
      description:
        'signed, DS in test., but every RRSIG (except the DNSKEY one) is corrupted: validating resolver SERVFAIL, with CD the data comes back',
      records: [
        ['@', 'MX', '10 mx'],
        ['@', 'A', '{net}.1.14'],
        ['@', 'TXT', '"v=spf1 -all"'],
        ['@', 'CAA', '0 issue "letsencrypt.org"'],
        ['mx', 'A', '{net}.1.14'],
      ],
    },
    {
      name: 'dsmismatch.test',
      broken: 'ds-mismatch',
      description:
        'correctly signed, but the DS in test. matches no DNSKEY: bogus (SERVFAIL; with CD the data comes back)',
      records: [
        ['@', 'MX', '10 mx'],
        ['@', 'A', '{net}.1.15'],
        ['mx', 'A', '{net}.1.15'],
      ],
    },
    {
      name: 'expired.test',
      broken: 'expired-signature',
      description:
        'signed, DS in test., but every signature expired two days ago: bogus (SERVFAIL; with CD the data comes back)',
      records: [
        ['@', 'MX', '10 mx'],
        ['@', 'A', '{net}.1.23'],
        ['mx', 'A', '{net}.1.23'],
      ],
    },
    {
      name: 'ownns.test',
      description:
        'signed, with its own in-zone name servers ns1/ns2.ownns.test (glue in test., A {net}.0.1/{net}.0.2, i.e. the testworld NSD)',
      records: [
        ['@', 'NS', 'ns1'],
        ['@', 'NS', 'ns2'],
        ['ns1', 'A', '{net}.0.1'],
        ['ns2', 'A', '{net}.0.2'],
        ['@', 'A', '{net}.1.24'],
        ['@', 'MX', '10 mx1.secure.test.'],
      ],
    },
    {
      name: 'servfail.test',
      broken: 'refused',
      description:
        'delegated to ns.refused.nic.test ({net}.0.66), which answers REFUSED: SERVFAIL for every name and type, with and without CD',
      records: [['@', 'MX', '10 mx']],
    },
    {
      name: 'caa-parent.test',
      description:
        'CAA (issue digicert.com) at the apex only; sub.caa-parent.test (A {net}.1.16, same zone) has none: CAA found at the parent',
      records: [
        ['@', 'CAA', '0 issue "digicert.com"'],
        ['@', 'A', '{net}.1.16'],
        ['sub', 'A', '{net}.1.16'],
      ],
    },
    {
      name: 'caa-critical.test',
      description: 'CAA with an unknown critical tag (128 tbs "x") beside issue letsencrypt.org: caa fail',
      records: [
        ['@', 'CAA', '0 issue "letsencrypt.org"'],
        ['@', 'CAA', '128 tbs "x"'],
      ],
    },
    {
      name: 'nocaa.test',
      description: 'signed, A and MX, no CAA anywhere in the tree (caa absent), no SPF/DMARC',
      records: [
        ['@', 'A', '{net}.1.17'],
        ['@', 'MX', '10 mx1.secure.test.'],
      ],
    },
    {
      name: 'nomx.test',
      description: 'signed, an A record and no MX at all (mx absent)',
      records: [['@', 'A', '{net}.1.18']],
    },
    {
      name: 'nullmx.test',
      description: 'Null MX only (MX 0 .; RFC 7505): mx pass, nullMx',
      records: [
        ['@', 'MX', '0 .'],
        ['@', 'TXT', '"v=spf1 -all"'],
      ],
    },
    {
      name: 'nullmx-mixed.test',
      description: 'Null MX plus a real MX (MX 0 . and MX 10 mx.nullmx-mixed.test, A {net}.1.19): mx fail',
      records: [
        ['@', 'MX', '0 .'],
        ['@', 'MX', '10 mx'],
        ['mx', 'A', '{net}.1.19'],
      ],
    },
    {
      name: 'mx-kinds.test',
      description: [
        'one MX of every kind:',
        '10 localhost. (kind localhost);',
        '20 localhost.mx-kinds.test (A 127.0.0.1 only: localhost);',
        '30 private.mx-kinds.test (A 10.1.2.3: private);',
        '40 {net}.1.20. (an exchange spelled like an IP address: ip-literal);',
        '50 mxalias.mx-kinds.test (CNAME mx1.secure.test.: cname);',
        '60 gone.mx-kinds.test (NXDOMAIN: unresolvable);',
        '70 mx.mx-kinds.test (A {net}.1.21: host)',
      ].join(' '),
      records: [
        ['@', 'MX', '10 localhost.'],
        ['@', 'MX', '20 localhost'],
        ['@', 'MX', '30 private'],
        ['@', 'MX', '40 {net}.1.20.'],
        ['@', 'MX', '50 mxalias'],
        ['@', 'MX', '60 gone'],
        ['@', 'MX', '70 mx'],
        ['localhost', 'A', '127.0.0.1'],
        ['private', 'A', '10.1.2.3'],
        ['mxalias', 'CNAME', 'mx1.secure.test.'],
        ['mx', 'A', '{net}.1.21'],
      ],
    },
    {
      name: 'ptr-mismatch.test',
      description:
        'signed; MX 10 mx.ptr-mismatch.test (A {net}.1.30) whose PTR names elsewhere.ptr-mismatch.test, which resolves to {net}.1.31: PTR does not forward-confirm',
      records: [
        ['@', 'MX', '10 mx'],
        ['mx', 'A', '{net}.1.30'],
        ['elsewhere', 'A', '{net}.1.31'],
      ],
    },
    {
      name: 'shop.example',
      description:
        'a signed domain under another TLD (example.), MX 10 mx1.secure.test: the generator serves any TLD',
      records: [
        ['@', 'MX', '10 mx1.secure.test.'],
        ['@', 'A', '{net}.1.22'],
      ],
    },
  ],
  ptr: {
    '{net}.1.10': 'mx1.secure.test',
    '::1': 'mx1.secure.test',
    '{net}.1.13': 'mx.insecure.test',
    '{net}.1.21': 'mx.mx-kinds.test',
    '{net}.1.30': 'elsewhere.ptr-mismatch.test',
  },
};
