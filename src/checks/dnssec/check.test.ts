import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZoneLiteral } from '../../dns/static.ts';
import { staticResolver } from '../../dns/static.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { dnssecCheck } from './index.ts';

const soa = { mname: 'ns1.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 };
const zone: ZoneLiteral = {
  'secure.test': {
    SOA: [soa],
    DNSKEY: [{ flags: 257, algorithm: 13, key: 'AA==' }],
    DS: [{ keyTag: 1, algorithm: 13, digestType: 2, digest: 'ab' }],
  },
  'insecure.test': { SOA: [soa] },
  'island.test': { SOA: [soa], DNSKEY: [{ flags: 257, algorithm: 13, key: 'AA==' }] },
  'bogus.test': { SOA: [soa] },
  'broken.test': 'SERVFAIL',
  'slow.test': 'TIMEOUT',
  'old.test': { SOA: [soa], DNSKEY: [{ flags: 257, algorithm: 5, key: 'AA==' }] },
};
const resolver = staticResolver(zone, {
  authenticated: ['secure.test', 'old.test', 'gone.test'],
  bogus: ['bogus.test', 'bogus-gone.test'],
});

const cases: [
  title: string,
  domain: string,
  validates: boolean,
  validation: string | null,
  status: string,
  ids: string[],
][] = [
  ['RFC 4035 §4.3 secure: AD bit set', 'secure.test', true, 'secure', 'pass', []],
  ['RFC 4035 §4.3 insecure: no AD bit', 'insecure.test', true, 'insecure', 'absent', ['dnssec.unsigned']],
  [
    'signed zone without DS (island)',
    'island.test',
    true,
    'insecure',
    'absent',
    ['dnssec.dnskey-without-ds'],
  ],
  ['RFC 4035 §4.3 bogus: SERVFAIL, data with CD=1', 'bogus.test', true, 'bogus', 'fail', ['dnssec.bogus']],
  [
    'RFC 4035 §4.3 bogus NXDOMAIN (SERVFAIL, NXDOMAIN with CD=1) → fail, never absent',
    'bogus-gone.test',
    true,
    'bogus',
    'fail',
    ['dnssec.bogus'],
  ],
  [
    'SERVFAIL also with CD=1: indeterminate → error',
    'broken.test',
    true,
    'indeterminate',
    'error',
    ['dnssec.undetermined'],
  ],
  [
    'timeout: indeterminate → error, never absent',
    'slow.test',
    true,
    'indeterminate',
    'error',
    ['dnssec.undetermined'],
  ],
  [
    'resolver does not validate → skipped with a finding',
    'secure.test',
    false,
    null,
    'skipped',
    ['dnssec.resolver-not-validating'],
  ],
  ['RFC 8624: RSASHA1 is deprecated', 'old.test', true, 'secure', 'warn', ['dnssec.weak-algorithm']],
  [
    'NXDOMAIN, validated denial: the denial is secure (the audit reports domain.not-found once)',
    'gone.test',
    true,
    'secure',
    'pass',
    [],
  ],
];

for (const [title, domain, validates, validation, status, ids] of cases) {
  test(title, async () => {
    const r = await dnssecCheck.run(domain, testContext(resolver, { validates }), {});
    assertStatusAllowed(r);
    assert.equal(r.evidence.validation, validation);
    assert.equal(r.status, status);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
  });
}
