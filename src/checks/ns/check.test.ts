import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver } from '../../dns/static.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { nsCheck } from './index.ts';

const resolver = staticResolver({
  'two.test': { NS: ['ns1.two.test', 'ns2.two.test'] },
  'ns1.two.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] },
  'ns2.two.test': { A: ['192.0.2.2'] },
  'one.test': { NS: ['ns1.two.test'] },
  'lame.test': { NS: ['ns1.two.test', 'ghost.lame.test'] },
  'flaky.test': { NS: ['ns1.two.test', 'ns.slow.test'] },
  'ns.slow.test': 'TIMEOUT',
  'sub.two.test': { A: ['192.0.2.9'] },
  'deep.sub.two.test': { A: ['192.0.2.10'] },
  'www.two.test': { CNAME: 'two.test' },
  'nons.test': {
    SOA: [
      { mname: 'ns.nons.test', rname: 'h.nons.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 },
    ],
  },
  'flaky-soa.two.test': { A: ['192.0.2.11'], SOA: 'SERVFAIL' },
  'broken.test': { NS: 'SERVFAIL' },
});

const cases: [title: string, domain: string, status: string, hosts: number, ids: string[]][] = [
  ['two name servers with addresses', 'two.test', 'pass', 2, []],
  ['RFC 2182 §5 a single name server', 'one.test', 'warn', 1, ['ns.single-ns']],
  ['a name server without address', 'lame.test', 'warn', 2, ['ns.ns-unresolvable']],
  [
    'a name server whose lookup times out is undetermined, not absent',
    'flaky.test',
    'warn',
    2,
    ['ns.ns-undetermined'],
  ],
  [
    'interface.md: not a zone apex → skipped, with its zone’s name servers',
    'sub.two.test',
    'skipped',
    2,
    ['ns.not-zone-apex'],
  ],
  ['two labels below the apex: the closest zone', 'deep.sub.two.test', 'skipped', 2, ['ns.not-zone-apex']],
  ['an alias (CNAME) is not a zone apex', 'www.two.test', 'skipped', 2, ['ns.not-zone-apex']],
  ['a zone apex (SOA) without NS → error', 'nons.test', 'error', 0, ['ns.not-delegated']],
  [
    'no NS, and the SOA lookup fails: undetermined, not skipped',
    'flaky-soa.two.test',
    'error',
    0,
    ['ns.undetermined'],
  ],
  ['NXDOMAIN → error', 'nothing.test', 'error', 0, ['ns.not-delegated']],
  ['SERVFAIL → error with the reason', 'broken.test', 'error', 0, ['ns.undetermined']],
];
for (const [title, domain, status, hosts, ids] of cases) {
  test(title, async () => {
    const r = await nsCheck.run(domain, testContext(resolver), {});
    assertStatusAllowed(r);
    assert.equal(r.status, status);
    assert.equal(r.evidence.hosts.length, hosts);
    assert.deepEqual(
      r.findings.map((f) => f.id).filter((id) => id !== 'ns.no-ipv6'),
      ids,
    );
  });
}

test('a name inside a zone names the zone (evidence.zone), an apex names itself', async () => {
  const sub = await nsCheck.run('deep.sub.two.test', testContext(resolver), {});
  assert.equal(sub.evidence.zone, 'two.test');
  assert.equal(sub.evidence.apex, false);
  assert.deepEqual(
    sub.evidence.hosts.map((h) => h.name),
    ['ns1.two.test', 'ns2.two.test'],
  );
  const apex = await nsCheck.run('two.test', testContext(resolver), {});
  assert.equal(apex.evidence.zone, 'two.test');
  assert.equal(apex.evidence.apex, true);
});
