import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { probe, startTestworld, stopTestworldByState, type Testworld } from '../index.ts';
import type { Scenario } from '../scenario.ts';
import { pidsUsing } from './process.ts';
import { slotLockDir } from './slot.ts';

let tw: Testworld;
let startMs = 0;

before(async () => {
  const t0 = Date.now();
  tw = await startTestworld();
  startMs = Date.now() - t0;
});
after(async () => {
  await tw?.stop();
});

type Expect = {
  rcode: string;
  ad?: boolean;
  /** substring of some answer's rdata (JSON) */
  answer?: string;
  /** the answer section is empty */
  empty?: boolean;
};
type Row = readonly [
  what: string,
  name: string,
  type: 'A' | 'AAAA' | 'MX' | 'SOA' | 'TXT' | 'CAA' | 'PTR' | 'CNAME' | 'NS',
  cd: boolean,
  expect: Expect,
];

const net = () => tw.net;
const mini: Scenario = {
  name: 'mini',
  description: 'one signed domain',
  domains: [{ name: 'only.test', records: [['@', 'A', '{net}.3.1']] }],
};
const validating: readonly Row[] = [
  ['signed zone: AD', 'secure.test', 'SOA', false, { rcode: 'NOERROR', ad: true }],
  ['signed zone MX', 'secure.test', 'MX', false, { rcode: 'NOERROR', ad: true, answer: 'mx1.secure.test' }],
  ['signed zone CAA', 'secure.test', 'CAA', false, { rcode: 'NOERROR', ad: true, answer: 'letsencrypt.org' }],
  ['MX host AAAA is ::1', 'mx1.secure.test', 'AAAA', false, { rcode: 'NOERROR', ad: true, answer: '::1' }],
  [
    'NXDOMAIN in a signed zone is validated',
    'nothing-here.secure.test',
    'A',
    false,
    { rcode: 'NXDOMAIN', ad: true },
  ],
  [
    'NODATA in a signed zone is validated',
    'secure.test',
    'AAAA',
    false,
    { rcode: 'NOERROR', ad: true, empty: true },
  ],
  ['signed child of a signed domain', 'child.secure.test', 'A', false, { rcode: 'NOERROR', ad: true }],
  ['unsigned zone: no AD', 'insecure.test', 'SOA', false, { rcode: 'NOERROR', ad: false }],
  [
    'unsigned zone MX',
    'insecure.test',
    'MX',
    false,
    { rcode: 'NOERROR', ad: false, answer: 'mx.insecure.test' },
  ],
  ['bad signatures: SERVFAIL', 'bogus.test', 'SOA', false, { rcode: 'SERVFAIL' }],
  ['bad signatures, MX: SERVFAIL', 'bogus.test', 'MX', false, { rcode: 'SERVFAIL' }],
  [
    'bad signatures with CD: data',
    'bogus.test',
    'MX',
    true,
    { rcode: 'NOERROR', ad: false, answer: 'mx.bogus.test' },
  ],
  ['DS mismatch: SERVFAIL', 'dsmismatch.test', 'A', false, { rcode: 'SERVFAIL' }],
  ['DS mismatch with CD: data', 'dsmismatch.test', 'A', true, { rcode: 'NOERROR', ad: false }],
  ['expired signatures: SERVFAIL', 'expired.test', 'A', false, { rcode: 'SERVFAIL' }],
  ['expired signatures with CD: data', 'expired.test', 'A', true, { rcode: 'NOERROR', ad: false }],
  [
    'own in-zone NS with glue',
    'ownns.test',
    'NS',
    false,
    { rcode: 'NOERROR', ad: true, answer: 'ns1.ownns.test' },
  ],
  ['own in-zone NS: data', 'ownns.test', 'A', false, { rcode: 'NOERROR', ad: true }],
  ['REFUSED delegation: SERVFAIL', 'servfail.test', 'SOA', false, { rcode: 'SERVFAIL' }],
  ['REFUSED delegation with CD: SERVFAIL', 'servfail.test', 'MX', true, { rcode: 'SERVFAIL' }],
  [
    'CAA at the parent only',
    'sub.caa-parent.test',
    'CAA',
    false,
    { rcode: 'NOERROR', empty: true, ad: true },
  ],
  ['CAA critical tag', 'caa-critical.test', 'CAA', false, { rcode: 'NOERROR', ad: true, answer: 'tbs' }],
  ['Null MX', 'nullmx.test', 'MX', false, { rcode: 'NOERROR', ad: true, answer: '"exchange":"."' }],
  [
    'MX via CNAME',
    'mxalias.mx-kinds.test',
    'A',
    false,
    { rcode: 'NOERROR', ad: true, answer: 'mx1.secure.test' },
  ],
  ['unresolvable MX host', 'gone.mx-kinds.test', 'A', false, { rcode: 'NXDOMAIN', ad: true }],
  ['private MX host', 'private.mx-kinds.test', 'A', false, { rcode: 'NOERROR', answer: '10.1.2.3' }],
  ['another TLD', 'shop.example', 'MX', false, { rcode: 'NOERROR', ad: true }],
  [
    'PTR of ::1 (own ip6.arpa, signed)',
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa',
    'PTR',
    false,
    { rcode: 'NOERROR', ad: true, answer: 'mx1.secure.test' },
  ],
];

describe('validating resolver', () => {
  for (const [what, name, type, cd, expect] of validating) {
    test(`${what}: ${name} ${type}${cd ? ' +cd' : ''}`, async () => {
      const a = await probe(tw.resolver, name, type, { cd });
      assert.equal(a.rcode, expect.rcode, `${name} ${type}`);
      if (expect.ad !== undefined) assert.equal(a.ad, expect.ad, `AD for ${name} ${type}`);
      if (expect.empty) assert.equal(a.answers.length, 0);
      if (expect.answer) {
        const texts = a.answers.map((x) => JSON.stringify(x.data));
        assert.ok(
          texts.some((t) => t.includes(expect.answer!)),
          `${expect.answer} in ${texts.join(' ')}`,
        );
      }
    });
  }

  test('PTR of a scenario host ({net} placeholder) is served and signed', async () => {
    const a = await probe(tw.resolver, `10.1.${tw.slot}.127.in-addr.arpa`, 'PTR');
    assert.equal(a.rcode, 'NOERROR');
    assert.equal(a.ad, true);
    assert.deepEqual(
      a.answers.map((x) => x.data),
      ['mx1.secure.test'],
    );
  });

  test('{net} in rdata expands to the slot', async () => {
    const a = await probe(tw.resolver, 'mx1.secure.test', 'A');
    assert.deepEqual(
      a.answers.map((x) => x.data),
      [`${net()}.1.10`],
    );
    assert.equal(tw.ip('1.10'), `${net()}.1.10`);
  });
});

describe('non-validating resolver', () => {
  const rows: readonly [string, string, Expect][] = [
    ['secure.test', 'SOA', { rcode: 'NOERROR', ad: false }],
    ['insecure.test', 'SOA', { rcode: 'NOERROR', ad: false }],
    ['bogus.test', 'MX', { rcode: 'NOERROR', ad: false }],
    ['nothing-here.secure.test', 'A', { rcode: 'NXDOMAIN', ad: false }],
    ['servfail.test', 'SOA', { rcode: 'SERVFAIL', ad: false }],
  ];
  for (const [name, type, expect] of rows) {
    test(`${name} ${type}: ${expect.rcode}, never AD`, async () => {
      const a = await probe(tw.nonValidatingResolver, name, type as 'A');
      assert.equal(a.rcode, expect.rcode);
      assert.equal(a.ad, false);
    });
  }
});

describe('testworld', () => {
  test('starts (its start time is a benchmark figure, never a timed assertion)', (t) => {
    assert.ok(startMs > 0);
    t.diagnostic(`testworld started in ${startMs} ms`);
  });

  test('silent resolver never answers (UDP)', async () => {
    await assert.rejects(probe(tw.silentResolver, 'secure.test', 'A', { timeoutMs: 400 }), /TIMEOUT/);
  });

  test('silent resolver accepts TCP and never answers', async () => {
    const { createConnection } = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const s = createConnection({ host: tw.silentResolver, port: 53 }, () => {
        s.write(Buffer.from([0, 12, 0x12, 0x34, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        const t = setTimeout(() => {
          s.destroy();
          resolve();
        }, 300);
        s.on('data', () => {
          clearTimeout(t);
          s.destroy();
          reject(new Error('the silent resolver answered'));
        });
      });
      s.on('error', reject);
    });
  });

  test('drill (ldnsutils) sees the chain of trust too', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile('drill', ['-D', '@' + tw.resolver, 'secure.test', 'MX'], (e, so, se) =>
        e ? reject(new Error(se || e.message)) : resolve(so),
      ),
    );
    assert.match(out, /flags: .*\bad\b/);
    assert.match(out, /RRSIG/);
  });

  test('env() points at the validating resolver', () => {
    assert.deepEqual(tw.env(), { MAILSEC_RESOLVER: tw.resolver });
  });

  test('two testworlds run at once on distinct slots; stop leaves nothing behind', async () => {
    const small = await startTestworld({ scenarios: [mini] });
    try {
      assert.notEqual(small.slot, tw.slot);
      assert.ok(existsSync(slotLockDir(small.slot)));
      const a = await probe(small.resolver, 'only.test', 'A');
      assert.equal(a.rcode, 'NOERROR');
      assert.equal(a.ad, true);
      assert.deepEqual(
        a.answers.map((x) => x.data),
        [`${small.net}.3.1`],
      );
      // each world answers only for its own domains
      const b = await probe(small.resolver, 'secure.test', 'SOA');
      assert.equal(b.rcode, 'NXDOMAIN');
      assert.ok(pidsUsing(small.dir).length >= 4, 'nsd, two unbounds and the helper run');
    } finally {
      await small.stop();
    }
    assert.deepEqual(pidsUsing(small.dir), []);
    for (const pid of small.pids) assert.throws(() => process.kill(pid, 0));
    assert.equal(existsSync(small.dir), false);
    assert.equal(existsSync(slotLockDir(small.slot)), false);
  });

  test('detached: daemons outlive the handle; stopTestworldByState stops them from the state file', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tw-state-'));
    const stateFile = join(stateDir, 'state.json');
    try {
      const d = await startTestworld({ detached: true, scenarios: [mini] });
      d.saveState(stateFile);
      const a = await probe(d.resolver, 'only.test', 'A');
      assert.equal(a.ad, true);
      await stopTestworldByState(stateFile);
      assert.deepEqual(pidsUsing(d.dir), []);
      assert.equal(existsSync(d.dir), false);
      assert.equal(existsSync(slotLockDir(d.slot)), false);
      assert.equal(existsSync(stateFile), false);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('a broken scenario fails clearly', async () => {
    await assert.rejects(
      startTestworld({
        scenarios: [
          {
            name: 'bad',
            description: '',
            domains: [{ name: 'bad.test', records: [['@', 'A', 'not-an-address']] }],
          },
        ],
      }),
      /nsd|ldns-signzone|bad\.test/,
    );
  });
});
