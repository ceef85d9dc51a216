import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAddressPolicy } from '../net/address-policy.ts';
import { readCaFile } from '../net/ca.ts';
import { describeError } from './exit.ts';

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
