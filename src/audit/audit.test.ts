// auditDomain and a name that does not exist (interface.md `exists`): one verdict, every check but
// DNSSEC skipped — also when the NXDOMAIN comes only after the checks started.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { schemaValidator } from '../../test/schema.ts';
import { staticResolver } from '../dns/static.ts';
import type { Resolver } from '../dns/types.ts';
import { createAddressPolicy } from '../net/address-policy.ts';
import { type AuditEnvironment, auditDomain, existenceOf } from './audit.ts';
import { toDocument } from './document.ts';
import { checkOptionsFrom } from './environment.ts';

const world = staticResolver(
  {
    'example.test': {
      SOA: [
        {
          mname: 'ns.example.test',
          rname: 'h.example.test',
          serial: 1,
          refresh: 1,
          retry: 1,
          expire: 1,
          minimum: 1,
        },
      ],
      TXT: ['v=spf1 -all'],
    },
    'www.example.test': { CNAME: 'gone.example.test' },
    'slow.test': 'TIMEOUT',
  },
  { authenticated: ['gone.test', 'example.test'] },
);

const env = (resolver: Resolver): AuditEnvironment => ({
  resolver,
  resolverName: 'zone literal',
  resolverValidates: true,
  addressPolicy: createAddressPolicy([]),
  options: checkOptionsFrom({ noSmtp: true, noHttp: true }),
  now: () => new Date('2026-11-23T12:00:00Z'),
  signal: new AbortController().signal,
});

const existence: [title: string, name: string, exists: boolean | null][] = [
  ['NXDOMAIN: does not exist', 'gone.test', false],
  ['NOERROR: exists', 'example.test', true],
  ['an alias whose target is NXDOMAIN exists (the alias does)', 'www.example.test', true],
  ['a timeout: unknown, never "does not exist"', 'slow.test', null],
];
for (const [title, name, exists] of existence) {
  test(`existenceOf: ${title}`, async () => assert.equal((await existenceOf(world, name)).exists, exists));
}

test('NXDOMAIN: domain.not-found, exists false, every section but DNSSEC skipped with no finding', async () => {
  const doc = toDocument(await auditDomain('gone.test', env(world)), { address: 'x', validates: true });
  assert.equal(doc.exists, false);
  assert.deepEqual(
    doc.findings.map((f) => f.id),
    ['domain.not-found'],
  );
  assert.match(doc.findings[0]!.message, /proven by a validated DNSSEC denial/);
  for (const [id, s] of Object.entries(doc)) {
    if (typeof s !== 'object' || s === null || !('status' in s)) continue;
    if (id === 'dnssec') assert.equal((s as { status: string }).status, 'pass');
    else {
      const { queryCount: _, ...rest } = s as unknown as { queryCount: number };
      assert.deepEqual(rest, { status: 'skipped', skippedBecause: 'domain-not-found' }, id);
    }
  }
});

test('--only spf on a name that does not exist: spf skipped, the verdict still given', async () => {
  const doc = toDocument(await auditDomain('gone.test', { ...env(world), only: ['spf'] }), {
    address: 'x',
    validates: true,
  });
  assert.deepEqual(
    Object.keys(doc).filter((k) => k === 'spf' || k === 'dnssec'),
    ['spf'],
  );
  assert.equal((doc.spf as { status: string }).status, 'skipped');
  assert.deepEqual(
    doc.findings.map((f) => f.id),
    ['domain.not-found'],
  );
});

test('an NXDOMAIN that comes after the checks started still makes them skipped', async () => {
  // the existence answer (SOA) arrives after the checks: they are stopped and reported as skipped
  const late: Resolver = {
    async query(name, type, options) {
      if (type === 'SOA') await new Promise((r) => setTimeout(r, 1200));
      return world.query(name, type, options);
    },
  };
  const doc = toDocument(await auditDomain('gone.test', { ...env(late), only: ['spf', 'mx'] }), {
    address: 'x',
    validates: true,
  });
  assert.equal(doc.exists, false);
  assert.equal((doc.spf as { status: string }).status, 'skipped');
  assert.equal((doc.mx as { status: string }).status, 'skipped');
  assert.deepEqual(
    doc.findings.map((f) => f.id),
    ['domain.not-found'],
  );
});

test('a name that exists: exists true, no domain finding, the checks run', async () => {
  const doc = toDocument(await auditDomain('example.test', { ...env(world), only: ['spf'] }), {
    address: 'x',
    validates: true,
  });
  assert.equal(doc.exists, true);
  assert.equal((doc.spf as { status: string }).status, 'pass');
  assert.ok(!doc.findings.some((f) => f.check === 'domain'));
});

test('a check that fails inside mailsec: error (never absent), its finding, and a document the schema accepts', async () => {
  // a resolver with a bug (it throws a TypeError, not a DNS outcome) stands in for any internal failure
  const buggy: Resolver = {
    async query(name, type, options) {
      if (type === 'TXT') throw new TypeError('answer without data');
      return world.query(name, type, options);
    },
  };
  const doc = toDocument(await auditDomain('example.test', { ...env(buggy), only: ['spf'] }), {
    address: 'x',
    validates: true,
  });
  const { queryCount: _, ...spf } = doc.spf as unknown as { queryCount: number };
  assert.deepEqual(spf, { status: 'error', undeterminedBecause: 'internal-error' });
  assert.deepEqual(
    doc.findings.map((f) => f.id),
    ['spf.undetermined'],
  );
  assert.match(doc.findings[0]!.message, /internal error \(answer without data\)/);
  const ajv = schemaValidator();
  const schema = JSON.parse(readFileSync(new URL('../../schema/check.schema.json', import.meta.url), 'utf8'));
  const validate = ajv.compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(doc))), JSON.stringify(validate.errors));
  // and the schema still refuses a section that claims an internal error with another status
  const wrong = {
    ...JSON.parse(JSON.stringify(doc)),
    spf: { status: 'absent', undeterminedBecause: 'internal-error' },
  };
  assert.equal(validate(wrong), false);
});
