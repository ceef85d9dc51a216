// Issue 2 acceptance, end to end: the DNSSEC, NS, CAA and MX checks against the real testworld
// (NSD serving an own signed root, validating and non-validating Unbound, a silent resolver),
// through the library entry and through the CLI, whose JSON is validated against the schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { DomainDocument, Section } from '../src/audit/document.ts';
import { documentStatusViolations } from '../src/checks/consistency.ts';
import { checkDomain } from '../src/index.ts';
import type { Testworld } from '../testworld/index.ts';
import { startTestworld } from '../testworld/index.ts';
import { LOOPBACK, ROOT, runCli } from './helpers.ts';
import { schemaValidator } from './schema.ts';

const ONLY = ['dnssec', 'ns', 'caa', 'mx'] as const;
let tw: Testworld;

before(async () => {
  tw = await startTestworld();
});
after(async () => {
  await tw?.stop();
});

const section = (r: DomainDocument, id: string) => r[id] as Section;
const ids = (r: DomainDocument, check: string) =>
  r.findings.filter((f) => f.check === check).map((f) => f.id);

type Expect = Partial<Record<(typeof ONLY)[number], string>> & {
  validation?: string | null;
  kinds?: string[];
  caaAt?: string | null;
  finding?: string;
};
const cases: [title: string, domain: string, expect: Expect][] = [
  [
    'correctly signed zone: secure',
    'secure.test',
    { dnssec: 'pass', validation: 'secure', ns: 'pass', caa: 'pass', mx: 'pass', kinds: ['host'] },
  ],
  [
    'unsigned zone: insecure → absent',
    'insecure.test',
    { dnssec: 'absent', validation: 'insecure', finding: 'dnssec.unsigned' },
  ],
  [
    'broken signature: bogus → fail',
    'bogus.test',
    { dnssec: 'fail', validation: 'bogus', finding: 'dnssec.bogus' },
  ],
  ['DS matching no key: bogus → fail', 'dsmismatch.test', { dnssec: 'fail', validation: 'bogus' }],
  ['CAA at the domain', 'secure.test', { caa: 'pass', caaAt: 'secure.test' }],
  [
    'CAA only at the parent (RFC 8659 §3 climb)',
    'sub.caa-parent.test',
    { caa: 'pass', caaAt: 'caa-parent.test', finding: 'caa.inherited' },
  ],
  [
    'CAA with an unknown critical tag',
    'caa-critical.test',
    { caa: 'fail', finding: 'caa.unknown-critical-tag' },
  ],
  ['no CAA on the whole tree', 'nocaa.test', { caa: 'absent', caaAt: null }],
  ['Null MX alone (RFC 7505)', 'nullmx.test', { mx: 'pass', kinds: ['null'] }],
  [
    'Null MX beside another MX',
    'nullmx-mixed.test',
    { mx: 'fail', kinds: ['null', 'host'], finding: 'mx.null-mx-mixed' },
  ],
  [
    'MX targets: localhost, private, IP literal, CNAME, unresolvable',
    'mx-kinds.test',
    {
      mx: 'fail',
      kinds: ['localhost', 'localhost', 'private', 'ip-literal', 'cname', 'unresolvable', 'host'],
    },
  ],
  ['PTR not forward-confirmed', 'ptr-mismatch.test', { mx: 'warn', finding: 'mx.ptr-not-confirmed' }],
  ['no MX at all', 'nomx.test', { mx: 'absent', finding: 'mx.no-mx' }],
  [
    'SERVFAIL (REFUSED delegation): error everywhere, never absent',
    'servfail.test',
    { dnssec: 'error', ns: 'error', caa: 'error', mx: 'error', validation: 'indeterminate' },
  ],
];

describe('foundation checks against the testworld (validating resolver)', () => {
  for (const [title, domain, e] of cases) {
    test(title, async () => {
      const r = await checkDomain(domain, {
        resolver: tw.resolver,
        only: [...ONLY],
        allowPrivate: LOOPBACK.split(','),
      });
      assert.deepEqual(documentStatusViolations(r), []);
      for (const id of ONLY) if (e[id]) assert.equal(section(r, id).status, e[id], `${id} status`);
      if (e.validation !== undefined) assert.equal(section(r, 'dnssec').validation, e.validation);
      if (e.kinds)
        assert.deepEqual(
          (section(r, 'mx').records as { kind: string }[]).map((x) => x.kind),
          e.kinds,
        );
      if (e.caaAt !== undefined) assert.equal(section(r, 'caa').foundAt, e.caaAt);
      if (e.finding)
        assert.ok(
          r.findings.some((f) => f.id === e.finding),
          `finding ${e.finding} in ${r.findings.map((f) => f.id)}`,
        );
    });
  }
  test('the same verdicts over pipelined TCP (tcp://) as over UDP, through the real Unbound', async () => {
    const verdicts = async (resolver: string) =>
      Promise.all(
        cases.map(async ([, domain]) => {
          const r = await checkDomain(domain, {
            resolver,
            only: [...ONLY],
            allowPrivate: LOOPBACK.split(','),
          });
          return [domain, ONLY.map((id) => section(r, id).status), r.findings.map((f) => f.id).sort()];
        }),
      );
    const udp = await verdicts(tw.resolver);
    const tcp = await verdicts(`tcp://${tw.resolver}`);
    assert.deepEqual(tcp, udp);
  });
  test('SERVFAIL is never reported as absent', async () => {
    const r = await checkDomain('servfail.test', { resolver: tw.resolver, only: [...ONLY] });
    for (const id of ONLY) assert.notEqual(section(r, id).status, 'absent');
    for (const id of ONLY) assert.ok(ids(r, id).includes(`${id}.undetermined`), `${id}.undetermined`);
  });
  test('every MX address has A/AAAA, and PTR with forward confirmation', async () => {
    const r = await checkDomain('secure.test', {
      resolver: tw.resolver,
      only: ['mx'],
      allowPrivate: LOOPBACK.split(','),
    });
    const [mx] = section(r, 'mx').records as {
      exchange: string;
      addresses: string[];
      ptr: { address: string; confirmed: boolean }[];
    }[];
    assert.equal(mx?.exchange, 'mx1.secure.test');
    assert.deepEqual(mx?.addresses.sort(), [tw.ip('1.10'), '::1'].sort());
    assert.ok(
      mx?.ptr.every((p) => p.confirmed),
      JSON.stringify(mx?.ptr),
    );
  });
  test('without --allow-private the testworld MX (loopback) is kind localhost', async () => {
    const r = await checkDomain('secure.test', { resolver: tw.resolver, only: ['mx'] });
    assert.deepEqual(
      (section(r, 'mx').records as { kind: string }[]).map((x) => x.kind),
      ['localhost'],
    );
  });
});

describe('resolvers that cannot validate or do not answer', () => {
  test('non-validating resolver: DNSSEC skipped, with a finding', async () => {
    const r = await checkDomain('secure.test', { resolver: tw.nonValidatingResolver, only: ['dnssec'] });
    assert.equal(section(r, 'dnssec').status, 'skipped');
    assert.equal(r.resolver.validates, false);
    assert.deepEqual(ids(r, 'dnssec'), ['dnssec.resolver-not-validating']);
  });
  test('silent resolver: detected by the first probe, nothing checked (never absent); exit status 3', async () => {
    const run = await runCli([
      'check',
      'secure.test',
      '--json',
      '--only',
      ONLY.join(','),
      '--resolver',
      tw.silentResolver,
      '--timeout',
      '200',
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /does not answer.*nothing was checked/);
    // no document claims anything about the domain: could not test is never absent
    assert.equal(run.stdout, '');
  });
});

describe('CLI output', () => {
  const ajv = schemaValidator();
  const validate = ajv.compile(JSON.parse(readFileSync(`${ROOT}/schema/check.schema.json`, 'utf8')));
  const check = (doc: unknown) => {
    const ok = validate(doc);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  };

  test('check --json validates against the shipped JSON Schema (one document)', async () => {
    const run = await runCli([
      'check',
      'secure.test',
      '--json',
      '--no-smtp',
      '--resolver',
      tw.resolver,
      '--allow-private',
      LOOPBACK,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as DomainDocument;
    check(doc);
    assert.equal(doc.domain, 'secure.test');
    assert.equal(section(doc, 'dnssec').status, 'pass');
  });
  test('several domains give JSON Lines, each valid; IDN input is normalised', async () => {
    const run = await runCli([
      'check',
      'SECURE.test.',
      'bogus.test',
      'servfail.test',
      '--json',
      '--no-smtp',
      '--resolver',
      tw.resolver,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    for (const l of lines) check(JSON.parse(l));
    assert.equal(JSON.parse(lines[0]!).domain, 'secure.test');
  });
  test('--fail-on error exits 1 when an error finding exists', async () => {
    const run = await runCli([
      'check',
      'bogus.test',
      '--only',
      'dnssec',
      '--fail-on',
      'error',
      '--resolver',
      tw.resolver,
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /DNSSEC\s+fail/);
  });
  test('human output: one verdict line per check and a summary', async () => {
    const run = await runCli([
      'check',
      'mx-kinds.test',
      '--only',
      ONLY.join(','),
      '--resolver',
      tw.resolver,
      '--allow-private',
      LOOPBACK,
    ]);
    assert.equal(run.code, 0, run.stderr);
    for (const t of ['DNSSEC', 'NS', 'CAA', 'MX', 'Summary']) assert.match(run.stdout, new RegExp(`${t}\\s`));
    assert.match(run.stdout, /fix: /);
    assert.doesNotMatch(run.stdout, /\x1b\[/, 'no colour when not a terminal');
  });
  test('a name that is not a domain is a usage error (exit 2) that says what to do', async () => {
    const run = await runCli(['check', 'exmaple..ch', '--resolver', tw.resolver]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /"exmaple\.\.ch" is not a domain name \(it has an empty label\)/);
    assert.match(run.stderr, /try: mailsec check example\.ch/);
  });
});

describe('no packet leaves loopback', () => {
  const guard = { MAILSEC_EGRESS_ALLOW: LOOPBACK };
  test('a run pointed at another resolver fails loudly (exit 3), before sending', async () => {
    const run = await runCli(['check', 'secure.test', '--resolver', '10.0.0.1'], guard);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /refusing to send DNS query to 10\.0\.0\.1/);
    assert.equal(run.stdout, '');
  });
  test('a run without --resolver falls back to the machine resolver and is refused', async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && k !== 'MAILSEC_RESOLVER') env[k] = v;
    const run = await runCli(['spf', 'secure.test', '--json'], { ...env, ...guard, MAILSEC_RESOLVER: '' });
    assert.notEqual(run.code, 0);
  });
  test('the harness itself runs the tests in a loopback-only network namespace', {
    skip: process.env.MAILSEC_IN_NETNS !== '1',
  }, async () => {
    const { networkInterfaces } = await import('node:os');
    const names = Object.keys(networkInterfaces());
    assert.deepEqual(names, ['lo']);
  });
});
