import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver } from '../../dns/static.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { mxCheck } from './index.ts';

const mx = (preference: number, exchange: string) => ({ preference, exchange });
const resolver = staticResolver({
  'good.test': { MX: [mx(10, 'mx1.good.test'), mx(20, 'mx2.good.test')] },
  'mx1.good.test': { A: ['185.12.64.10'], AAAA: ['2a01:4f8::10'] },
  'mx2.good.test': { A: ['185.12.64.11'] },
  '10.64.12.185.in-addr.arpa': { PTR: ['mx1.good.test'] },
  '11.64.12.185.in-addr.arpa': { PTR: ['elsewhere.test'] },
  'elsewhere.test': { A: ['185.12.64.99'] },
  'null.test': { MX: [mx(0, '.')] },
  'nullpref.test': { MX: [mx(10, '.')] },
  'mixed.test': { MX: [mx(0, '.'), mx(10, 'mx1.good.test')] },
  'lh.test': { MX: [mx(10, 'localhost')] },
  'lh2.test': { MX: [mx(10, 'mail.lh2.test')] },
  'mail.lh2.test': { A: ['127.0.0.1'] },
  'priv.test': { MX: [mx(10, 'mail.priv.test')] },
  'mail.priv.test': { A: ['10.1.2.3'] },
  'lit.test': { MX: [mx(10, '192.0.2.1')] },
  'alias.test': { MX: [mx(10, 'mail.alias.test')] },
  'mail.alias.test': { CNAME: 'mx1.good.test' },
  'gone.test': { MX: [mx(10, 'nothing.gone.test')] },
  'flaky.test': { MX: [mx(10, 'mx.slow.test'), mx(20, 'mx1.good.test')] },
  'mx.slow.test': 'TIMEOUT',
  'web.test': { A: ['185.12.64.80'] },
  'dup.test': { MX: [mx(10, 'mx1.good.test'), mx(20, 'mx1.good.test')] },
  'fail.test': { MX: 'SERVFAIL' },
  'slow.test': 'TIMEOUT',
  'ptrslow.test': { MX: [mx(10, 'mx.ptrslow.test')] },
  'mx.ptrslow.test': { A: ['185.12.64.12'] },
  '12.64.12.185.in-addr.arpa': { PTR: ['fwd.slow.test'] },
  'fwd.slow.test': 'SERVFAIL',
});

const cases: [
  title: string,
  domain: string,
  status: string,
  kinds: string[],
  ids: string[],
  allow?: string[],
][] = [
  [
    'two MX hosts, one PTR not forward-confirmed',
    'good.test',
    'warn',
    ['host', 'host'],
    ['mx.ptr-not-confirmed'],
  ],
  ['RFC 7505 Null MX alone → pass', 'null.test', 'pass', ['null'], []],
  // the PTR name's forward lookup fails: confirmation unknown, never "not confirmed"
  ['PTR forward lookup SERVFAIL → not judged', 'ptrslow.test', 'pass', ['host'], []],
  [
    'RFC 7505 §3 Null MX with a preference other than 0 → warn',
    'nullpref.test',
    'warn',
    ['null'],
    ['mx.null-mx-preference'],
  ],
  [
    'RFC 7505 §3 Null MX beside another MX → fail',
    'mixed.test',
    'fail',
    ['null', 'host'],
    ['mx.null-mx-mixed'],
  ],
  ['exchange "localhost"', 'lh.test', 'fail', ['localhost'], ['mx.localhost', 'mx.no-deliverable-mx']],
  [
    'exchange resolving only to loopback',
    'lh2.test',
    'fail',
    ['localhost'],
    ['mx.localhost', 'mx.no-deliverable-mx'],
  ],
  ['loopback inside --allow-private is an ordinary host', 'lh2.test', 'pass', ['host'], [], ['127.0.0.0/8']],
  [
    'exchange with a private address (RFC 1918)',
    'priv.test',
    'fail',
    ['private'],
    ['mx.private', 'mx.no-deliverable-mx'],
  ],
  [
    'exchange that is an IP literal',
    'lit.test',
    'fail',
    ['ip-literal'],
    ['mx.ip-literal', 'mx.no-deliverable-mx'],
  ],
  ['RFC 2181 §10.3 exchange that is a CNAME', 'alias.test', 'warn', ['cname'], ['mx.cname']],
  [
    'exchange without address',
    'gone.test',
    'fail',
    ['unresolvable'],
    ['mx.unresolvable', 'mx.no-deliverable-mx'],
  ],
  [
    'exchange lookup times out: undetermined, not unresolvable',
    'flaky.test',
    'warn',
    ['host', 'host'],
    ['mx.address-undetermined'],
  ],
  ['duplicate exchange', 'dup.test', 'warn', ['host', 'host'], ['mx.duplicate-exchange']],
  ['RFC 5321 §5.1 no MX: implicit MX via A', 'web.test', 'absent', [], ['mx.no-mx']],
  ['NXDOMAIN', 'nothing.test', 'absent', [], ['mx.domain-not-found']],
  ['SERVFAIL → error, not absent', 'fail.test', 'error', [], ['mx.undetermined']],
  ['timeout → error, not absent', 'slow.test', 'error', [], ['mx.undetermined']],
];
for (const [title, domain, status, kinds, ids, allow] of cases) {
  test(title, async () => {
    const r = await mxCheck.run(domain, testContext(resolver, { allowPrivate: allow ?? [] }), {});
    assertStatusAllowed(r);
    assert.equal(r.status, status);
    assert.deepEqual(
      r.evidence.records.map((x) => x.kind),
      kinds,
    );
    assert.deepEqual(
      r.findings.map((f) => f.id).filter((id) => id !== 'mx.no-ptr'),
      ids,
    );
  });
}

test('PTR forward confirmation per address', async () => {
  const r = await mxCheck.run('good.test', testContext(resolver), {});
  const ptr = r.evidence.records.flatMap((x) => x.ptr);
  assert.deepEqual(
    ptr.find((p) => p.address === '185.12.64.10'),
    { address: '185.12.64.10', names: ['mx1.good.test'], confirmed: true },
  );
  assert.equal(ptr.find((p) => p.address === '185.12.64.11')?.confirmed, false);
});

test('hostile: PTR is looked up for the first 32 addresses only', async () => {
  const many = Array.from({ length: 300 }, (_, i) => `185.12.${65 + (i >> 8)}.${i & 255}`);
  const r0 = staticResolver({ 'many.test': { MX: [mx(10, 'mx.many.test')] }, 'mx.many.test': { A: many } });
  const r = await mxCheck.run('many.test', testContext(r0), {});
  assert.equal(r.evidence.records[0]?.addresses.length, 300);
  assert.equal(r0.calls.filter((c) => c.type === 'PTR').length, 32);
});
