/**
 * `mailsec generate` usage, in process (no network): every kind has --help with an example, bad
 * options get an error naming the option (exit 2), and the options alone produce records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENERATE_KINDS } from '../src/generate/types.ts';
import { runMain } from './helpers.ts';

for (const kind of GENERATE_KINDS) {
  test(`generate ${kind} --help: usage, options and an example`, async () => {
    const r = await runMain(['generate', kind, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`USAGE\\n  mailsec generate ${kind} `));
    assert.match(r.stdout, /--for <domain>/);
    assert.match(r.stdout, /--zone/);
    assert.match(r.stdout, new RegExp(`EXAMPLES\\n  \\$ mailsec generate ${kind} `));
  });
}

const BAD: [string[], RegExp][] = [
  [['generate', 'spf', 'x.test', '--ip4', '300.1.1.1'], /--ip4 "300\.1\.1\.1" is not an IPv4 network/],
  [['generate', 'spf', 'x.test', '--all', '+all'], /--all "\+all" is not one of -all, ~all/],
  [
    ['generate', 'dmarc', 'x.test', '--policy', 'rejct'],
    /--policy "rejct" is not one of none, quarantine, reject/,
  ],
  [['generate', 'dmarc', 'x.test', '--rua', 'dmarc@x.test'], /--rua "dmarc@x\.test" is not a mailto URI/],
  [['generate', 'dmarc', 'x.test', '--testing'], /--testing needs --policy quarantine or reject/],
  [
    ['generate', 'mta-sts', 'x.test', '--mode', 'strict'],
    /--mode "strict" is not one of none, testing, enforce/,
  ],
  [['generate', 'mta-sts', 'x.test', '--max-age', '99999999999'], /--max-age "99999999999"/],
  [
    ['generate', 'tls-rpt', 'x.test', '--rua', 'ftp://x.test/'],
    /--rua "ftp:\/\/x\.test\/" is not a mailto or https URI/,
  ],
  [['generate', 'tlsa', 'x.test', '--usage', '1'], /--usage "1" is not one of 3, 2/],
  [['generate', 'tlsa', 'x.test', '--next-key', '/nonexistent.pem'], /--next-key \/nonexistent\.pem/],
  [
    ['generate', 'caa', 'x.test', '--issuer-map', 'no-equals-sign'],
    /--issuer-map "no-equals-sign" is not ORGANISATION=identifier/,
  ],
  [
    ['generate', 'caa', 'x.test', '--iodef', 'security@x.test'],
    /--iodef "security@x\.test" is not a mailto: or https: URL/,
  ],
  [
    ['generate', 'bimi', 'x.test', '--logo', 'http://x.test/l.svg'],
    /--logo "http:\/\/x\.test\/l\.svg" is not an https URL/,
  ],
  [['generate', 'parked', 'x.test', '--ttl', '5'], /--ttl "5" is not a TTL/],
  [['generate', 'parked', 'x.test', '--bogus'], /--bogus/],
  [['generate', 'parked'], /no domain given/],
  [['generate', 'nothing'], /unknown kind "nothing"/],
  [['generate', 'spf', 'x.test', '--reports', 'r.duckdb'], /--reports needs --for DOMAIN/],
  [['generate', 'dmarc', 'x.test', '--json', '--zone'], /--json and --zone exclude each other/],
];
for (const [args, message] of BAD) {
  test(`generate usage error: ${args.slice(1).join(' ')}`, async () => {
    const r = await runMain(args);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}

test('generate from the options alone: records, no network, marked as unverified', async () => {
  const r = await runMain([
    'generate',
    'dmarc',
    'Example.CH.',
    '--policy',
    'none',
    '--rua',
    'mailto:d@example.ch',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.kind, 'dmarc');
  assert.equal(j.domain, 'example.ch');
  assert.equal(j.source, 'options');
  assert.deepEqual(j.records, [
    { name: '_dmarc.example.ch', type: 'TXT', ttl: 3600, value: 'v=DMARC1; p=none; rua=mailto:d@example.ch' },
  ]);
  assert.deepEqual(j.files, []);
  assert.ok(Array.isArray(j.notes) && j.notes.every((n: unknown) => typeof n === 'string'));
  const z = await runMain(['generate', 'parked', 'example.ch', '--zone', '--ttl', '300']);
  assert.equal(z.code, 0);
  const lines = z.stdout.split('\n').filter((l) => l && !l.startsWith(';'));
  assert.deepEqual(lines, [
    'example.ch.\t300\tIN\tMX\t0 .',
    'example.ch.\t300\tIN\tTXT\t"v=spf1 -all"',
    '_dmarc.example.ch.\t300\tIN\tTXT\t"v=DMARC1; p=reject"',
  ]);
});

test('generate: control characters from the outside world are shown escaped in human output', async () => {
  const { renderGenerateHuman } = await import('../src/render/generate.ts');
  const { createStyle } = await import('../src/render/style.ts');
  const out = renderGenerateHuman(
    {
      kind: 'caa',
      domain: 'x.test',
      source: 'live',
      records: [],
      files: [],
      notes: ['issuer O=\u001b[31mevil\u0007'],
      warnings: [],
      refused: { reason: 'Unknown certificate issuer: "O=\u001b]0;title\u0007"', next: 'map it' },
    },
    createStyle(false),
  );
  assert.doesNotMatch(out, /[\u0000-\u0008\u000b-\u001f]/);
  assert.match(out, /\\x1b\[31mevil\\x07/);
});
