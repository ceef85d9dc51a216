import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProgress, type Progress } from './run.ts';

const cases: [title: string, p: Progress, line: string][] = [
  [
    'nothing finished yet: no rate, no ETA',
    { done: 0, total: 100, elapsedMs: 0, failed: 0, undetermined: 0 },
    '0/100 (0.0%) 0.0 domains/s ETA ?',
  ],
  [
    'every finished domain stored',
    { done: 20, audited: 20, total: 100, elapsedMs: 10_000, failed: 0, undetermined: 0 },
    '20/100 (20.0%) 2.0 domains/s ETA 40s',
  ],
  [
    'the count, rate and ETA follow finished audits while the part being filled waits',
    { done: 0, audited: 50, total: 100, elapsedMs: 10_000, failed: 0, undetermined: 0 },
    '50/100 (50.0%) 5.0 domains/s ETA 10s stored 0',
  ],
  [
    'queries per second, undetermined, errors by kind, failed',
    {
      done: 10,
      audited: 10,
      total: 10,
      elapsedMs: 2_000,
      failed: 1,
      undetermined: 2,
      counters: { queries: 400, errors: { timeout: 3, SERVFAIL: 0, REFUSED: 1 } },
    },
    '10/10 (100.0%) 5.0 domains/s ETA 0s 200 q/s undetermined 2 errors: timeout 3, REFUSED 1 failed 1',
  ],
];

for (const [title, p, line] of cases) {
  test(`progress line: ${title}`, () => {
    assert.equal(formatProgress(p), line);
  });
}
