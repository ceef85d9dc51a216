import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding, Severity } from './finding.ts';
import type { BaseState, Status } from './status.ts';
import { statusFrom, statusViolation } from './status.ts';

const f = (id: string, severity: Severity): Finding => ({ id: `x.${id}`, check: 'x', severity, message: id });
const E = f('e', 'error');
const W = f('w', 'warning');
const I = f('i', 'info');

const cases: [base: BaseState, findings: Finding[], want: Status][] = [
  [true, [], 'pass'],
  [true, [I], 'pass'],
  [true, [W, I], 'warn'],
  [true, [W, E], 'fail'],
  ['pass', [W], 'warn'],
  // a base the contract maps directly (SMTP some → warn) is lowered by an error, never raised
  ['warn', [], 'warn'],
  ['warn', [I], 'warn'],
  ['warn', [E], 'fail'],
  ['fail', [], 'fail'],
  // not deployed, could not test, not tested: findings do not change them
  [false, [E], 'absent'],
  ['absent', [W], 'absent'],
  ['unknown', [W], 'error'],
  ['error', [], 'error'],
  ['skipped', [E], 'skipped'],
];
for (const [base, findings, want] of cases) {
  test(`statusFrom(${base}, [${findings.map((x) => x.severity).join(', ')}]) → ${want}`, () => {
    const got = statusFrom(base, findings);
    assert.equal(got, want);
    assert.equal(statusViolation(got, findings), null);
  });
}

test('findings the base weighs do not lower it again', () => {
  assert.equal(statusFrom('warn', [E], ['x.e']), 'warn');
  assert.equal(statusFrom('warn', [E, f('other', 'error')], ['x.e']), 'fail');
  assert.equal(statusViolation('warn', [E], ['x.e']), null);
});

test('statusViolation names the findings that forbid the status', () => {
  assert.equal(statusViolation('pass', [W, I]), 'status pass but x.w allows at best warn');
  assert.equal(statusViolation('warn', [E, W]), 'status warn but x.e allows at best fail');
  assert.equal(statusViolation('absent', [E]), null);
  assert.equal(statusViolation('fail', [E]), null);
});
