import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainDocument } from '../audit/document.ts';
import { CHECKS } from '../checks/index.ts';
import { renderHuman } from './human.ts';
import { createStyle } from './style.ts';

const doc = (
  sections: Record<string, object>,
  findings: DomainDocument['findings'] = [],
): DomainDocument => ({
  schemaVersion: '1',
  domain: 'example.test',
  checkedAt: '2026-11-23T12:00:00.000Z',
  resolver: { address: '127.0.0.1', validates: true },
  exists: true,
  findings,
  summary: { pass: 0, warn: 0, fail: 0, absent: 0, error: 0, skipped: 0, errors: 0, warnings: 0, infos: 0 },
  ...sections,
});

test('every registered check names itself and summarises its evidence (rendering needs no list)', () => {
  for (const c of CHECKS) {
    assert.ok(c.title, c.id);
    assert.equal(typeof c.summary, 'function', `${c.id} has a summary`);
  }
});

test('a section is shown with the check’s label and its summary of the evidence', () => {
  const out = renderHuman(
    doc({
      smtp: { status: 'pass', hosts: [{ starttls: 'yes', dane: { status: 'valid' } }], queryCount: 0 },
      mx: { status: 'pass', records: [{ preference: 10, exchange: 'mx.example.test', kind: 'host' }] },
    }),
    createStyle(false),
  );
  assert.match(out, /✔ SMTP +pass +STARTTLS on 1 of 1 MX address, DANE valid on 1/);
  assert.match(out, /✔ MX +pass +10 mx\.example\.test/);
});

test('a section without evidence (an internal error) falls back to its finding, then the status', () => {
  const out = renderHuman(
    doc({ smtp: { status: 'error', queryCount: 0 }, caa: { status: 'error', queryCount: 0 } }, [
      {
        id: 'smtp.undetermined',
        check: 'smtp',
        severity: 'warning',
        message: 'Could not determine SMTP: x.',
      },
    ]),
    createStyle(false),
  );
  assert.match(out, /\? SMTP +error +Could not determine SMTP: x\./);
  assert.match(out, /\? CAA +error +could not be determined/);
});
