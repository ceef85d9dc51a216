import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral, type ZoneNode } from '../../dns/static.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import type { CheckDefinition, GatherContext } from '../types.ts';
import type { EndpointEvidence } from './check.ts';
import { autodiscoverCheck, lyncdiscoverCheck, sipFederationCheck } from './index.ts';

const ctx = (zone: ZoneLiteral): GatherContext =>
  ({ resolver: staticResolver(zone), signal: new AbortController().signal }) as unknown as GatherContext;
const D = 'example.ch';
// ZoneNode's CNAME typing is too narrow (string & Rcode); cast until dns/static.ts relaxes it
const alias = (target: string) => ({ CNAME: target }) as unknown as ZoneNode;
const srv = (target: string, port = 443) => ({ priority: 100, weight: 1, port, target });

const cases: [
  title: string,
  def: CheckDefinition<EndpointEvidence>,
  zone: ZoneLiteral,
  status: string,
  target: string | null,
  ids: string[],
][] = [
  [
    '4.11 autodiscover CNAME to Exchange Online',
    autodiscoverCheck,
    { [`autodiscover.${D}`]: alias('autodiscover.outlook.com') },
    'pass',
    'autodiscover.outlook.com',
    ['autodiscover.microsoft-online'],
  ],
  [
    '4.11 autodiscover A record',
    autodiscoverCheck,
    { [`autodiscover.${D}`]: { A: ['192.0.2.5'] } },
    'pass',
    `autodiscover.${D}`,
    [],
  ],
  [
    'RFC 2782 autodiscover SRV',
    autodiscoverCheck,
    { [`_autodiscover._tcp.${D}`]: { SRV: [srv('mail.example.ch')] } },
    'pass',
    'mail.example.ch',
    [],
  ],
  [
    'RFC 2782 SRV target "." means not offered: absent',
    autodiscoverCheck,
    { [`_autodiscover._tcp.${D}`]: { SRV: [srv('.')] } },
    'absent',
    null,
    [],
  ],
  ['nothing published: absent', autodiscoverCheck, {}, 'absent', null, []],
  [
    'autodiscover SERVFAIL: error',
    autodiscoverCheck,
    { [`autodiscover.${D}`]: 'SERVFAIL' },
    'error',
    null,
    ['autodiscover.undetermined'],
  ],
  [
    '4.11 lyncdiscover CNAME',
    lyncdiscoverCheck,
    { [`lyncdiscover.${D}`]: alias('webdir.online.lync.com') },
    'pass',
    'webdir.online.lync.com',
    ['lyncdiscover.microsoft-online'],
  ],
  ['lyncdiscover absent', lyncdiscoverCheck, {}, 'absent', null, []],
  [
    'lyncdiscover TIMEOUT: error',
    lyncdiscoverCheck,
    { [`lyncdiscover.${D}`]: 'TIMEOUT' },
    'error',
    null,
    ['lyncdiscover.undetermined'],
  ],
  [
    '4.11 SIP federation SRV',
    sipFederationCheck,
    { [`_sipfederationtls._tcp.${D}`]: { SRV: [srv('sipfed.online.lync.com', 5061)] } },
    'pass',
    'sipfed.online.lync.com',
    ['sipFederation.microsoft-online'],
  ],
  [
    '4.11 _sip._tls only',
    sipFederationCheck,
    { [`_sip._tls.${D}`]: { SRV: [srv('sip.example.ch')] } },
    'pass',
    'sip.example.ch',
    [],
  ],
  ['SIP federation absent', sipFederationCheck, {}, 'absent', null, []],
  [
    'SIP federation REFUSED: error',
    sipFederationCheck,
    { [`_sipfederationtls._tcp.${D}`]: 'REFUSED' },
    'error',
    null,
    ['sipFederation.undetermined'],
  ],
];
for (const [title, def, zone, status, target, ids] of cases) {
  test(`${def.id}: ${title}`, async () => {
    const r = await def.run(D, ctx(zone), {});
    assertStatusAllowed(r);
    assert.equal(r.status, status);
    assert.equal(r.evidence.target, target);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
  });
}
