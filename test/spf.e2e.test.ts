/**
 * SPF static analysis end to end: the testworld serves testworld/scenarios/spf.ts over NSD +
 * Unbound; the real DNS client runs the spf CheckDefinition and the CLI against it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertStatusAllowed, testContext } from '../src/checks/shared/test-context.ts';
import { spfCheck } from '../src/checks/spf/index.ts';
import { createResolver, type ManagedResolver } from '../src/dns/index.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { spf, spfExpected } from '../testworld/scenarios/spf.ts';
import { runCli } from './helpers.ts';

let tw: Testworld;
let resolver: ManagedResolver;

before(async () => {
  tw = await startTestworld({ scenarios: [spf] });
  resolver = createResolver(tw.resolver, { timeoutMs: 2000, attempts: 2 });
});
after(async () => {
  await resolver?.close();
  await tw?.stop();
});

describe('spf check over the testworld', () => {
  for (const e of spfExpected) {
    test(`RFC 7208 §4.6.4 ${e.domain}: ${e.status}, ${e.lookups} lookups, ${e.voidLookups} void`, async () => {
      const r = await spfCheck.run(e.domain, testContext(resolver), {});
      assertStatusAllowed(r);
      const ids = r.findings.map((f) => f.id);
      assert.equal(r.status, e.status, `findings: ${ids.join(', ')}`);
      assert.equal(r.evidence.lookups, e.lookups);
      assert.equal(r.evidence.voidLookups, e.voidLookups);
      for (const id of e.findings) assert.ok(ids.includes(id), `missing ${id} in ${ids.join(', ')}`);
      if (e.all !== undefined) assert.equal(r.evidence.all, e.all);
    });
  }
});

describe('mailsec spf CLI over the testworld', () => {
  test('static analysis as JSON', async () => {
    const run = await runCli(['spf', 'eleven.spf-lab.test', '--json', '--resolver', tw.resolver]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.status, 'fail');
    assert.equal(doc.lookups, 11);
    assert.ok(doc.findings.some((f: { id: string }) => f.id === 'spf.too-many-lookups'));
  });

  test('human output shows the tree with the count per branch', async () => {
    const run = await runCli(['spf', 'ten.spf-lab.test', '--resolver', tw.resolver]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /include:seven\.spf-lab\.test\s+1 \+ 7/);
    assert.match(run.stdout, /10 DNS lookups/);
  });

  test('check_host: pass for an mx host, fail otherwise (RFC 7208 §5.4)', async () => {
    const pass = await runCli([
      'spf',
      '--ip',
      tw.ip('7.1'),
      '--sender',
      'alice@chain.spf-lab.test',
      '--json',
      '--resolver',
      tw.resolver,
    ]);
    assert.equal(pass.code, 0, pass.stderr);
    assert.equal(JSON.parse(pass.stdout).result, 'pass');
    const fail = await runCli([
      'spf',
      '--ip',
      '192.0.2.99',
      '--helo',
      'chain.spf-lab.test',
      '--json',
      '--resolver',
      tw.resolver,
    ]);
    assert.equal(JSON.parse(fail.stdout).result, 'fail');
  });

  test('check_host: too many lookups is permerror; an invalid domain is none', async () => {
    const perm = await runCli([
      'spf',
      'eleven.spf-lab.test',
      '--ip',
      '192.0.2.99',
      '--json',
      '--resolver',
      tw.resolver,
    ]);
    assert.equal(JSON.parse(perm.stdout).result, 'permerror');
    const none = await runCli(['spf', 'nodots', '--ip', '192.0.2.99', '--json', '--resolver', tw.resolver]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(JSON.parse(none.stdout).result, 'none');
  });
});
