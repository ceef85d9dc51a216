import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseDomain } from './names.ts';

const cases: [input: string, expected: string | { problem: string }][] = [
  ['Example.CH.', 'example.ch'],
  ['bücher.ch', 'xn--bcher-kva.ch'],
  ['XN--BCHER-KVA.ch', 'xn--bcher-kva.ch'],
  ['exmaple..ch', { problem: 'empty-label' }],
  ['', { problem: 'empty' }],
  [`${'a'.repeat(64)}.ch`, { problem: 'label-too-long' }],
  ['foo bar.ch', { problem: 'invalid-character' }],
  ['_dmarc.example.ch', '_dmarc.example.ch'],
];
for (const [input, expected] of cases) {
  test(`normaliseDomain(${JSON.stringify(input)})`, () => {
    const r = normaliseDomain(input);
    if (typeof expected === 'string') assert.deepEqual(r, { ok: true, name: expected });
    else assert.deepEqual(r, { ok: false, ...expected });
  });
}
