import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMtaStsTxt } from './parse.ts';
import { type MtaStsPolicyFile, parseMtaStsPolicy } from './policy.ts';
import { policyIdAt, serialiseMtaStsPolicy, serialiseMtaStsTxt } from './serialise.ts';

test('mta-sts serialise: the TXT record round-trips (RFC 8461 §3.1)', () => {
  for (const t of [
    { id: '20160831085700Z', extensions: [] },
    { id: 'abc123', extensions: ['ext1=value'] },
  ]) {
    const text = serialiseMtaStsTxt(t);
    const parsed = parseMtaStsTxt(text);
    assert.ok(parsed.ok, text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.value, t);
  }
  assert.equal(serialiseMtaStsTxt({ id: '20160831085700Z', extensions: [] }), 'v=STSv1; id=20160831085700Z');
});

// RFC 8461 §3.2 example policy, and the other modes
const policies: MtaStsPolicyFile[] = [
  { mode: 'enforce', mx: ['mail.example.com', '*.example.net', 'backupmx.example.com'], maxAge: 604800 },
  { mode: 'testing', mx: ['mx.example.ch'], maxAge: 86400 },
  { mode: 'none', mx: [], maxAge: 31557600 },
];
for (const p of policies) {
  test(`mta-sts serialise: a ${p.mode} policy round-trips with CRLF lines (RFC 8461 §3.2)`, () => {
    const body = serialiseMtaStsPolicy(p);
    assert.ok(body.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(body));
    const parsed = parseMtaStsPolicy(body);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.value, p);
  });
}

test('mta-sts serialise: the policy id is a timestamp of 1–32 alphanumerics', () => {
  const id = policyIdAt(new Date('2026-03-04T05:06:07.890Z'));
  assert.equal(id, '20260304T050607');
  assert.ok(parseMtaStsTxt(serialiseMtaStsTxt({ id, extensions: [] })).ok);
});
