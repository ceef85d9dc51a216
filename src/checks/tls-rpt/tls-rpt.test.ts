import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { tlsRptCheck } from './index.ts';
import { parseTlsRpt } from './parse.ts';

const parseCases: [title: string, record: string, codes: string[], rua?: string[]][] = [
  ['8460 §3 mailto rua', 'v=TLSRPTv1; rua=mailto:tls@example.ch', [], ['mailto:tls@example.ch']],
  [
    '8460 §3 mailto and https',
    'v=TLSRPTv1; rua=mailto:tls@example.ch, https://r.example.ch/tls',
    [],
    ['mailto:tls@example.ch', 'https://r.example.ch/tls'],
  ],
  ['8460 §3 http is not allowed', 'v=TLSRPTv1; rua=http://r.example.ch/tls', ['rua-scheme'], []],
  ['8460 §3 rua required', 'v=TLSRPTv1;', ['rua-missing']],
  [
    '8460 §3 extension tag: warning only',
    'v=TLSRPTv1; rua=mailto:a@b.ch; ext=1',
    ['unknown-tag'],
    ['mailto:a@b.ch'],
  ],
  ['8460 §3 version is case-sensitive', 'v=tlsrptv1; rua=mailto:a@b.ch', ['version-invalid']],
  ['8460 §3 bad mailto', 'v=TLSRPTv1; rua=mailto:nobody', ['rua-invalid'], []],
];
for (const [title, record, codes, rua] of parseCases) {
  test(`parse: ${title}`, () => {
    const r = parseTlsRpt(record);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      codes,
    );
    assert.deepEqual(r.ok ? r.value.rua : undefined, rua);
  });
}

const ctx = (zone: ZoneLiteral) => testContext(staticResolver(zone));
const D = 'example.ch';
const N = `_smtp._tls.${D}`;
const mail = { MX: [{ preference: 10, exchange: 'mx.example.ch' }] };
const runCases: [title: string, zone: ZoneLiteral, status: string, ids: string[]][] = [
  [
    '8460 §3 one valid record: pass',
    { [D]: mail, [N]: { TXT: [`v=TLSRPTv1; rua=mailto:tls@${D}`] } },
    'pass',
    [],
  ],
  ['8460 §3 no record: absent', {}, 'absent', ['tlsRpt.not-found']],
  [
    '8460 §3 two records: fail',
    { [D]: mail, [N]: { TXT: [`v=TLSRPTv1; rua=mailto:a@${D}`, `v=TLSRPTv1; rua=mailto:b@${D}`] } },
    'fail',
    ['tlsRpt.multiple-records'],
  ],
  [
    '8460 §3 wrong scheme: fail',
    { [N]: { TXT: ['v=TLSRPTv1; rua=ftp://r.example.ch/'] } },
    'fail',
    ['tlsRpt.rua-scheme'],
  ],
  [
    '8460 §3 extension tag: warn',
    { [D]: mail, [N]: { TXT: [`v=TLSRPTv1; rua=mailto:tls@${D}; foo=bar`] } },
    'warn',
    ['tlsRpt.unknown-tag'],
  ],
  [
    '7505 mailto domain with Null MX: warn',
    {
      'nomail.example.net': { MX: [{ preference: 0, exchange: '.' }] },
      [N]: { TXT: ['v=TLSRPTv1; rua=mailto:t@nomail.example.net'] },
    },
    'warn',
    ['tlsRpt.destination-no-mail'],
  ],
  ['TIMEOUT: error, not absent', { [N]: 'TIMEOUT' }, 'error', ['tlsRpt.undetermined']],
];
for (const [title, zone, status, ids] of runCases) {
  test(`run: ${title}`, async () => {
    const r = await tlsRptCheck.run(D, ctx(zone), {});
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
  });
}

test('hostile: a record naming hundreds of mailto domains costs a bounded number of lookups', async () => {
  const uris = Array.from({ length: 300 }, (_, i) => `mailto:t@h${i}.example.net`).join(',');
  const resolver = staticResolver({ [N]: { TXT: [`v=TLSRPTv1; rua=${uris}`] } });
  const r = await tlsRptCheck.run(D, testContext(resolver), {});
  assert.equal(r.evidence.rua.length, 300);
  assert.ok(resolver.calls.length < 50, `${resolver.calls.length} lookups`);
});
