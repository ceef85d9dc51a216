import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTlsRpt } from './parse.ts';
import { serialiseTlsRpt, type TlsRptSpec, tlsRptRecord } from './serialise.ts';

// RFC 8460 §3 examples
const cases: TlsRptSpec[] = [
  { rua: ['mailto:reports@example.com'] },
  { rua: ['https://reporting.example.com/v1/tlsrpt'] },
  { rua: ['mailto:reports@example.com', 'https://reporting.example.com/v1/tlsrpt'] },
];
for (const spec of cases) {
  test(`tls-rpt serialise: ${spec.rua.join(',')} round-trips`, () => {
    const parsed = parseTlsRpt(serialiseTlsRpt(spec));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.value.rua, spec.rua);
    assert.deepEqual(parsed.value.extensions, []);
  });
}

test('tls-rpt serialise: the default record', () => {
  assert.equal(tlsRptRecord('example.ch'), 'v=TLSRPTv1; rua=mailto:tls-reports@example.ch');
});
