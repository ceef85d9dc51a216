import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { staticResolver } from '../dns/static.ts';
import { auditDomain } from './audit.ts';
import { checkDomain } from './check-domain.ts';
import type { AuditConfig } from './environment.ts';
import { createAuditEnvironment } from './environment.ts';

const zone = () =>
  staticResolver(
    {
      '.': { SOA: [] },
      'example.test': { MX: [{ preference: 0, exchange: '.' }], TXT: ['v=spf1 -all'] },
    },
    { authenticated: ['.'] },
  );

test('the configuration is plain data: it survives JSON (a worker gets it over a queue)', async () => {
  const config: AuditConfig = {
    resolver: 'zone literal',
    allowPrivate: ['127.0.0.0/8', '::1/128'],
    only: ['mx', 'spf'],
    selectors: ['s1'],
    noSmtp: true,
    noHttp: true,
    ehlo: 'probe.example.test',
    smtpTimeoutMs: 1234,
    httpTimeoutMs: 2345,
    vmcRoots: '-----BEGIN CERTIFICATE-----\n…',
  };
  const copy = JSON.parse(JSON.stringify(config)) as AuditConfig;
  const [a, b] = await Promise.all([
    createAuditEnvironment(config, { resolver: zone() }),
    createAuditEnvironment(copy, { resolver: zone() }),
  ]);
  assert.deepEqual(a.options, b.options);
  assert.deepEqual(a.only, ['mx', 'spf']);
  assert.equal(a.options.ehlo, 'probe.example.test');
  assert.deepEqual(a.addressPolicy.allowPrivate, ['127.0.0.0/8', '::1/128']);
  assert.equal(a.prober, undefined, 'noSmtp: no prober');
  assert.equal(a.http, undefined, 'noHttp: no fetcher');
  assert.equal(a.resolverName, 'zone literal');
  assert.deepEqual(a.probe, { reachable: true, validates: true });
  const audit = await auditDomain('example.test', a);
  assert.deepEqual(
    audit.results.map((r) => [r.check, r.status]),
    [
      ['mx', 'pass'],
      ['spf', 'pass'],
    ],
  );
  await Promise.all([a.close(), b.close()]);
});

test('defaults: a prober and an HTTPS fetcher unless turned off', async () => {
  const env = await createAuditEnvironment({ resolver: 'zone' }, { resolver: zone() });
  assert.ok(env.prober && env.http);
  assert.equal(env.options.ehlo, 'mailsec.invalid');
  assert.equal(env.options.smtpTimeoutMs, 10_000);
  await env.close();
});

const detailOf = async (config: AuditConfig) => {
  try {
    await createAuditEnvironment(config, { resolver: zone() });
  } catch (e) {
    assert.ok(e instanceof MailsecError, String(e));
    assert.doesNotMatch(`${e.message} ${e.hint ?? ''}`, /--[a-z]/, 'no CLI flag below src/cli/');
    return { code: e.code, ...e.detail };
  }
  assert.fail('no error');
};

test('errors say which field is wrong (structured), never a CLI flag', async () => {
  assert.deepEqual(await detailOf({ allowPrivate: ['localhost'] }), {
    code: ErrorCode.Usage,
    option: 'allowPrivate',
    value: 'localhost',
    reason: 'is not an address range',
    example: '127.0.0.0/8,::1/128',
  });
  const missing = await detailOf({ resolver: '127.0.0.1', caFile: '/nonexistent/ca.pem' });
  assert.equal(missing.option, 'caFile');
  assert.equal(missing.path, '/nonexistent/ca.pem');
  assert.equal(missing.code, ErrorCode.InputUnreadable);
  await assert.rejects(createAuditEnvironment({}), (e: unknown) => {
    return e instanceof MailsecError && e.code === ErrorCode.Usage && e.detail?.option === 'resolver';
  });
  await assert.rejects(createAuditEnvironment({ resolver: '127.0.0.1:x' }), (e: unknown) => {
    return e instanceof MailsecError && e.detail?.option === 'resolver' && e.detail.value === '127.0.0.1:x';
  });
});

test('checkDomain takes the resolver from its options only (no environment variable)', async () => {
  // @ts-expect-error: the resolver is required
  await assert.rejects(checkDomain('example.test', {}), { code: ErrorCode.Usage });
  const doc = await checkDomain('example.test', { resolver: zone(), only: ['mx'] });
  assert.equal((doc.mx as { status: string }).status, 'pass');
  assert.equal(doc.resolver.address, 'custom resolver');
});
