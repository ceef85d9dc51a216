import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import type { GatherContext } from '../types.ts';
import { mtaStsCheck } from './index.ts';
import { parseMtaStsTxt } from './parse.ts';

const parseCases: [title: string, record: string, codes: string[], id?: string][] = [
  ['8461 §3.1 minimal record', 'v=STSv1; id=20260101T000000;', [], '20260101T000000'],
  ['8461 §3.1 no trailing separator', 'v=STSv1; id=abc123', [], 'abc123'],
  ['8461 §3.1 extension field allowed', 'v=STSv1; id=1; ext.name=value', [], '1'],
  ['8461 §3.1 id missing', 'v=STSv1;', ['id-missing']],
  ['8461 §3.1 id with a dash', 'v=STSv1; id=2026-01-01', ['id-invalid']],
  ['8461 §3.1 id longer than 32', `v=STSv1; id=${'a'.repeat(33)}`, ['id-invalid']],
  ['8461 §3.1 version is case-sensitive', 'v=stsv1; id=1', ['version-invalid']],
  ['8461 §3.1 duplicate id', 'v=STSv1; id=1; id=2', ['duplicate-tag'], '1'],
];
for (const [title, record, codes, id] of parseCases) {
  test(`parse: ${title}`, () => {
    const r = parseMtaStsTxt(record);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      codes,
    );
    assert.equal(r.ok ? r.value.id : undefined, id);
  });
}

const ctx = (zone: ZoneLiteral): GatherContext =>
  ({ resolver: staticResolver(zone), signal: new AbortController().signal }) as unknown as GatherContext;
const D = 'example.ch';
const N = `_mta-sts.${D}`;
const runCases: [title: string, zone: ZoneLiteral, status: string, ids: string[], id?: string | null][] = [
  [
    '8461 §3.1 one valid record: pass (policy not fetched yet)',
    { [N]: { TXT: ['v=STSv1; id=20260101;'] } },
    'pass',
    [],
    '20260101',
  ],
  ['8461 §3.1 no record: absent', {}, 'absent', ['mtaSts.not-found'], null],
  ['8461 §3.1 unrelated TXT only: absent', { [N]: { TXT: ['hello'] } }, 'absent', ['mtaSts.not-found'], null],
  [
    '8461 §3.1 two records: fail',
    { [N]: { TXT: ['v=STSv1; id=1;', 'v=STSv1; id=2;'] } },
    'fail',
    ['mtaSts.multiple-records'],
    null,
  ],
  [
    '8461 §3.1 malformed id: fail',
    { [N]: { TXT: ['v=STSv1; id=a-b;'] } },
    'fail',
    ['mtaSts.id-invalid'],
    null,
  ],
  ['SERVFAIL: error, not absent', { [N]: 'SERVFAIL' }, 'error', ['mtaSts.undetermined'], null],
];
for (const [title, zone, status, ids, id] of runCases) {
  test(`run: ${title}`, async () => {
    const r = await mtaStsCheck.run(D, ctx(zone), {});
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
    assert.equal(r.evidence.id, id);
    assert.equal(r.evidence.policyFetched, false);
    assert.equal(r.evidence.policy, null);
  });
}
