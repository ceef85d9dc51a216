import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { firstNameserver, formatResolverSpec, parseResolverSpec, systemResolverSpec } from './spec.ts';

describe('parseResolverSpec', () => {
  const good: [string, object][] = [
    ['127.0.0.1', { kind: 'udp', address: '127.0.0.1', port: 53 }],
    ['127.0.0.1:5353', { kind: 'udp', address: '127.0.0.1', port: 5353 }],
    [' 10.1.2.3:53 ', { kind: 'udp', address: '10.1.2.3', port: 53 }],
    ['[::1]:53', { kind: 'udp', address: '::1', port: 53 }],
    ['[::1]', { kind: 'udp', address: '::1', port: 53 }],
    ['::1', { kind: 'udp', address: '::1', port: 53 }],
    ['2001:DB8::53', { kind: 'udp', address: '2001:db8::53', port: 53 }],
    [
      'https://127.0.0.1/dns-query',
      { kind: 'doh', host: '127.0.0.1', port: 443, path: '/dns-query', url: 'https://127.0.0.1/dns-query' },
    ],
    ['https://[::1]:8443/q', { kind: 'doh', host: '::1', port: 8443, path: '/q' }],
    ['https://dns.example/dns-query', { kind: 'doh', host: 'dns.example', port: 443 }],
    ['tcp://127.0.0.1', { kind: 'tcp', address: '127.0.0.1', port: 53 }],
    ['TCP://127.0.0.1:5353/', { kind: 'tcp', address: '127.0.0.1', port: 5353 }],
    ['tcp://[::1]:53', { kind: 'tcp', address: '::1', port: 53 }],
    ['tcp://2001:DB8::53', { kind: 'tcp', address: '2001:db8::53', port: 53 }],
  ];
  for (const [text, expected] of good) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      const s = parseResolverSpec(text);
      for (const [k, v] of Object.entries(expected))
        assert.deepEqual((s as Record<string, unknown>)[k], v, k);
    });
  }
  const bad = [
    '',
    'localhost',
    'dns.example:53',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:x',
    '[127.0.0.1]:53',
    '[::1]:',
    '::1:53:x:y:z:w:v:u',
    'http://127.0.0.1/dns-query',
    'tls://127.0.0.1',
    'https://u:p@127.0.0.1/dns-query',
    'https://127.0.0.1/dns-query?dns=x',
    'tcp://',
    'tcp://dns.example',
    'tcp://127.0.0.1:0',
    'tcp://https://127.0.0.1/',
  ];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)} with a usage error and a hint`, () => {
      assert.throws(
        () => parseResolverSpec(text),
        (e: unknown) =>
          e instanceof MailsecError &&
          e.code === ErrorCode.Usage &&
          (e.hint ?? '').includes('127.0.0.1:5353') &&
          e.detail?.option === 'resolver' &&
          e.detail.value === text.trim(),
      );
    });
  }
  it('formats back to the --resolver form', () => {
    assert.equal(formatResolverSpec(parseResolverSpec('127.0.0.1')), '127.0.0.1:53');
    assert.equal(formatResolverSpec(parseResolverSpec('::1')), '[::1]:53');
    assert.equal(
      formatResolverSpec(parseResolverSpec('https://127.0.0.1/dns-query')),
      'https://127.0.0.1/dns-query',
    );
    assert.equal(formatResolverSpec(parseResolverSpec('tcp://127.0.0.1')), 'tcp://127.0.0.1:53');
    assert.equal(formatResolverSpec(parseResolverSpec('tcp://[::1]:5353')), 'tcp://[::1]:5353');
  });
});

describe('systemResolverSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-spec-'));
  const conf = join(dir, 'resolv.conf');
  writeFileSync(conf, '# comment\nsearch example\nnameserver fe80::1%eth0\nnameserver 10.0.0.53\n');
  it('takes the first nameserver of resolv.conf', () => {
    assert.equal(formatResolverSpec(systemResolverSpec(conf)), '[fe80::1]:53');
  });
  it('is a usage error when there is none', () => {
    assert.throws(() => systemResolverSpec(join(dir, 'missing')), { code: ErrorCode.Usage });
  });
  it('firstNameserver', () => {
    assert.equal(firstNameserver('options ndots:1\n  nameserver   127.0.0.53 \n'), '127.0.0.53');
    assert.equal(firstNameserver(''), undefined);
  });
});
