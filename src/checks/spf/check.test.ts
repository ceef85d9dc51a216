import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spf, spfExpected } from '../../../testworld/scenarios/spf.ts';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import { analyseSpf } from './analyse.ts';
import { checkSpf } from './check.ts';
import { spfCheck } from './index.ts';

/** The testworld's SPF scenario as a zone literal (the same table test/spf.e2e.test.ts runs over DNS). */
function zoneOf(): ZoneLiteral {
  const zone: Record<string, Record<string, unknown[]>> = {};
  for (const d of spf.domains) {
    const abs = (n: string) => (n === '@' ? d.name : n.endsWith('.') ? n.slice(0, -1) : `${n}.${d.name}`);
    for (const [owner, type, rdata] of d.records) {
      const name = abs(owner);
      zone[name] = zone[name] ?? {};
      const node = zone[name];
      node[type] = node[type] ?? [];
      const list = node[type];
      const data = rdata.replaceAll('{net}', '127.150');
      if (type === 'TXT') list.push(data.replace(/^"|"$/g, ''));
      else if (type === 'MX') {
        const [pref, host] = data.split(' ') as [string, string];
        list.push({ preference: Number(pref), exchange: abs(host) });
      } else list.push(data);
    }
  }
  return zone as ZoneLiteral;
}

for (const e of spfExpected) {
  test(`RFC 7208 §4.6.4 static analysis: ${e.domain} → ${e.status}, ${e.lookups} lookups, ${e.voidLookups} void`, async () => {
    const r = checkSpf(await analyseSpf(staticResolver(zoneOf()), e.domain));
    assertStatusAllowed(r);
    assert.equal(r.status, e.status, JSON.stringify(r.findings.map((f) => f.id)));
    assert.equal(r.evidence.lookups, e.lookups);
    assert.equal(r.evidence.voidLookups, e.voidLookups);
    for (const id of e.findings)
      assert.ok(
        r.findings.some((f) => f.id === id),
        `missing ${id}`,
      );
    if (e.all !== undefined) assert.equal(r.evidence.all, e.all);
  });
}

const one = (record: string, extra: ZoneLiteral = {}) =>
  staticResolver({
    'example.test': { TXT: [record], A: ['192.0.2.1'], MX: [{ preference: 10, exchange: 'example.test' }] },
    ...extra,
  });

const cases: [title: string, record: string, ids: string[], status: string][] = [
  ['7208 §4.6 syntax error with position', 'v=spf1 ip4:192.0.2.300 -all', ['spf.syntax'], 'fail'],
  ['7208 §5.1 ?all is weak', 'v=spf1 mx ?all', ['spf.neutral-all'], 'warn'],
  ['7208 §4.7 no all and no redirect', 'v=spf1 mx', ['spf.no-all'], 'warn'],
  ['7208 §5.5 ptr discouraged', 'v=spf1 ptr -all', ['spf.ptr'], 'warn'],
  [
    '7208 §6.1 redirect beside all is ignored',
    'v=spf1 mx -all redirect=other.test',
    ['spf.redirect-ignored'],
    'warn',
  ],
  ['7208 §4.6.2 terms after all', 'v=spf1 -all mx', ['spf.terms-after-all'], 'warn'],
  ['7208 §5.2 include without SPF', 'v=spf1 include:nothing.test -all', ['spf.include-no-spf'], 'fail'],
  ['7208 §6 unknown modifier', 'v=spf1 mx foo=bar -all', ['spf.unknown-modifier'], 'pass'],
  [
    '7208 §4.6.4 a void lookup within the limit is noted (as checkdmarc does)',
    'v=spf1 a:gone.test mx -all',
    ['spf.void-lookups-within-limit'],
    'pass',
  ],
  [
    '7208 §3.4 record too long',
    `v=spf1 ${Array(30).fill('ip4:198.51.100.100').join(' ')} -all`,
    ['spf.record-too-long'],
    'warn',
  ],
  ['7208 §7.3 %{p} discouraged', 'v=spf1 exists:%{p}.x.example.test -all', ['spf.p-macro'], 'warn'],
  [
    '7208 §4.6.4 duplicate include',
    'v=spf1 include:a.test include:a.test -all',
    ['spf.duplicate-include'],
    'warn',
  ],
  ['7208 clean record', 'v=spf1 mx a -all', [], 'pass'],
];
for (const [title, record, ids, status] of cases) {
  test(title, async () => {
    const r = checkSpf(await analyseSpf(one(record, { 'a.test': { TXT: ['v=spf1 -all'] } }), 'example.test'));
    assert.deepEqual(
      r.findings.map((f) => f.id).filter((id) => id !== 'spf.unresolved-macro'),
      ids,
    );
    assert.equal(r.status, status);
  });
}

test('7208 §4.5 a look-alike record is reported, Sender ID noted', async () => {
  const r = checkSpf(
    await analyseSpf(
      staticResolver({ 'example.test': { TXT: [' v=spf1 mx -all', 'spf2.0/pra mx -all'] } }),
      'example.test',
    ),
  );
  assert.equal(r.status, 'absent');
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['spf.no-record', 'spf.not-selected', 'spf.sender-id'],
  );
});

test('7208 §3.1, §14.1 an SPF-type (99) record is reported; its lookup failing is not', async () => {
  const r = checkSpf(
    await analyseSpf(
      staticResolver({ 'example.test': { TXT: ['v=spf1 -all'], SPF: ['v=spf1 -all'] } }),
      'example.test',
    ),
  );
  assert.equal(r.status, 'warn');
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['spf.spf-rr-type'],
  );
  const notimp = checkSpf(
    await analyseSpf(
      staticResolver({ 'example.test': { TXT: ['v=spf1 -all'], SPF: 'NOTIMP' } }),
      'example.test',
    ),
  );
  assert.equal(notimp.status, 'pass');
});

test('DNS failure is error + spf.undetermined, never absent', async () => {
  const r = checkSpf(
    await analyseSpf(staticResolver({ 'example.test': { TXT: 'SERVFAIL' } }), 'example.test'),
  );
  assert.equal(r.status, 'error');
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['spf.undetermined'],
  );
});

test('a failing include makes the section error, not pass', async () => {
  const r = checkSpf(
    await analyseSpf(one('v=spf1 include:slow.test -all', { 'slow.test': 'TIMEOUT' }), 'example.test'),
  );
  assert.equal(r.status, 'error');
  assert.ok(r.findings.some((f) => f.id === 'spf.undetermined'));
});

test('7208 §5.2 an include that passes everyone makes the record pass everyone, whatever its all', async () => {
  const zone = {
    'plus.test': { TXT: ['v=spf1 +all'] },
    'bare.test': { TXT: ['v=spf1 all'] },
    'deep.test': { TXT: ['v=spf1 redirect=plus.test'] },
    'minus.test': { TXT: ['v=spf1 -all'] },
  };
  const run = async (record: string) => checkSpf(await analyseSpf(one(record, zone), 'example.test'));
  for (const record of [
    'v=spf1 include:plus.test -all',
    'v=spf1 include:bare.test -all',
    'v=spf1 include:deep.test -all',
    'v=spf1 ip4:0.0.0.0/0 -all',
    'v=spf1 ip6:::/0 -all',
    'v=spf1 a/0 -all',
  ]) {
    const r = await run(record);
    assertStatusAllowed(r);
    assert.equal(r.status, 'fail', record);
    assert.ok(
      r.findings.some((f) => f.id === 'spf.passes-everyone'),
      `${record}: ${r.findings.map((f) => f.id)}`,
    );
  }
  // a "-" include of everyone fails everyone; a "+all" after "-all" is never reached
  for (const record of ['v=spf1 -include:plus.test ~all', 'v=spf1 include:minus.test -all']) {
    const r = await run(record);
    assertStatusAllowed(r);
    assert.ok(!r.findings.some((f) => f.id === 'spf.passes-everyone'), record);
  }
  // the root's own +all stays the plus-all finding, not both
  assert.deepEqual(
    (await run('v=spf1 redirect=plus.test')).findings.map((f) => f.id),
    ['spf.plus-all'],
  );
});

test('hostile: thousands of a: terms cost a bounded number of queries, and still fail', async () => {
  const terms = Array.from({ length: 2000 }, (_, i) => `a:h${i}.example.net`).join(' ');
  const resolver = one(`v=spf1 ${terms} include:x.test -all`);
  const r = checkSpf(await analyseSpf(resolver, 'example.test'));
  assert.ok(resolver.calls.length <= 260, `${resolver.calls.length} queries`);
  assert.equal(r.status, 'fail');
  assert.equal(r.evidence.lookups, 2001);
  assert.match(r.findings.find((f) => f.id === 'spf.too-many-lookups')?.message ?? '', /at least 2001/);
});

test('a tree at the limit with ten full mx terms is looked up in full', async () => {
  const hosts = Array.from({ length: 10 }, (_, i) => ({ preference: i, exchange: `m${i}.example.test` }));
  const zone: ZoneLiteral = {};
  for (let i = 0; i < 10; i++) {
    zone[`d${i}.test`] = { MX: hosts };
    zone[`m${i}.example.test`] = { A: [`192.0.2.${i + 1}`], AAAA: [`2001:db8::${i + 1}`] };
  }
  const terms = Array.from({ length: 10 }, (_, i) => `mx:d${i}.test`).join(' ');
  const r = checkSpf(await analyseSpf(one(`v=spf1 ${terms} -all`, zone), 'example.test'));
  assert.equal(r.evidence.lookups, 10);
  assert.equal(r.status, 'pass', JSON.stringify(r.findings.map((f) => f.id)));
  assert.equal(r.evidence.flattened.ip4.length, 10);
});

test('flattened view lists what passes, not what fails', async () => {
  const r = checkSpf(
    await analyseSpf(
      one('v=spf1 a -ip4:203.0.113.9 include:p.test ~all', {
        'p.test': { TXT: ['v=spf1 ip6:2001:db8::/32 -all'] },
      }),
      'example.test',
    ),
  );
  assert.deepEqual(r.evidence.flattened, { ip4: ['192.0.2.1/32'], ip6: ['2001:db8::/32'], unresolved: [] });
});

test('the evidence matches the section schema of spfCheck', async () => {
  const { schemaValidator } = await import('../../../test/schema.ts');
  const ajv = schemaValidator({ allErrors: false });
  const validate = ajv.compile({ type: 'object', ...spfCheck.schema });
  for (const e of spfExpected) {
    const r = checkSpf(await analyseSpf(staticResolver(zoneOf()), e.domain));
    assertStatusAllowed(r);
    const section = JSON.parse(JSON.stringify(r.evidence));
    assert.ok(validate(section), `${e.domain}: ${JSON.stringify(validate.errors)}`);
  }
});
