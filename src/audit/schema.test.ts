import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildCheckSchema } from './schema.ts';

test('schema/check.schema.json is up to date with the checks (run: node scripts/gen-schema.ts)', () => {
  const committed = JSON.parse(
    readFileSync(new URL('../../schema/check.schema.json', import.meta.url), 'utf8'),
  );
  assert.deepEqual(committed, buildCheckSchema());
});
