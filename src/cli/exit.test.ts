// interface.md's exit statuses as tables (--fail-on over findings and undetermined sections, the
// spf --ip result mapping) and structured errors phrased with the flag the user typed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DomainDocument } from '../audit/document.ts';
import type { Severity } from '../core/finding.ts';
import type { Status } from '../core/status.ts';
import { createAddressPolicy } from '../net/address-policy.ts';
import { readCaFile } from '../net/ca.ts';
import { describeError, EXIT, findingsExit } from './exit.ts';
import { resultRank } from './spf.ts';

const doc = (statuses: Status[], severities: Severity[] = []): DomainDocument => {
  const d: DomainDocument = {
    schemaVersion: '1',
    domain: 'example.ch',
    checkedAt: '2026-01-01T00:00:00.000Z',
    resolver: { address: '127.0.0.1', validates: true },
    exists: true,
    findings: severities.map((severity, i) => ({ id: `x.f${i}`, check: 'x', severity, message: 'm' })),
    summary: { pass: 0, warn: 0, fail: 0, absent: 0, error: 0, skipped: 0, errors: 0, warnings: 0, infos: 0 },
  };
  statuses.forEach((status, i) => {
    d[`s${i}`] = { status, queryCount: 0 };
  });
  return d;
};

const cases: [title: string, docs: DomainDocument[], failOn: Severity | undefined, code: number][] = [
  ['no --fail-on: findings and errors never fail', [doc(['error', 'fail'], ['error'])], undefined, EXIT.ok],
  ['--fail-on error, an error finding', [doc(['fail'], ['error'])], 'error', EXIT.findings],
  ['--fail-on error, only warnings', [doc(['warn'], ['warning'])], 'error', EXIT.ok],
  ['--fail-on warning, a warning', [doc(['warn'], ['warning'])], 'warning', EXIT.findings],
  ['--fail-on info, a note', [doc(['pass'], ['info'])], 'info', EXIT.findings],
  [
    '--fail-on error, every section undetermined (no error finding)',
    [doc(Array(13).fill('error'), Array(13).fill('warning'))],
    'error',
    EXIT.findings,
  ],
  [
    '--fail-on error, one undetermined section in the second domain',
    [doc(['pass']), doc(['pass', 'error'])],
    'error',
    EXIT.findings,
  ],
  [
    '--fail-on error, absent and skipped are not undetermined',
    [doc(['absent', 'skipped', 'pass'])],
    'error',
    EXIT.ok,
  ],
];
for (const [title, docs, failOn, code] of cases) {
  test(`interface.md exit status: ${title} → ${code}`, () => assert.equal(findingsExit(docs, failOn), code));
}

test('interface.md: spf --ip counts fail, permerror, temperror as error; softfail, neutral, none as warning', () => {
  const rank = { error: 2, warning: 1, info: 0 };
  const table: [result: Parameters<typeof resultRank>[0], error: boolean, warning: boolean, info: boolean][] =
    [
      ['pass', false, false, false],
      ['fail', true, true, true],
      ['permerror', true, true, true],
      ['temperror', true, true, true],
      ['softfail', false, true, true],
      ['neutral', false, true, true],
      ['none', false, true, true],
    ];
  for (const [result, ...expect] of table) {
    const got = (['error', 'warning', 'info'] as const).map((f) => resultRank(result) >= rank[f]);
    assert.deepEqual(got, expect, result);
  }
});

const caught = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('no error');
};

test('the CLI phrases a structured error with the flag the user typed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-exit-'));
  const file = join(dir, 'ca.pem');
  writeFileSync(file, 'not a certificate\n');
  assert.equal(
    describeError(caught(() => readCaFile(file))),
    `mailsec: --ca-file ${file}: holds no PEM certificate\n  give a PEM file of CA certificates\n`,
  );
  assert.equal(
    describeError(caught(() => createAddressPolicy(['10.0.0.0/33']))),
    'mailsec: --allow-private "10.0.0.0/33": prefix /33 is longer than 32\n  try --allow-private 127.0.0.0/8\n',
  );
});
