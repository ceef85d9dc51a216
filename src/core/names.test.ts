import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainFromInput, normaliseDomain } from './names.ts';

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

// issue 9: what users type for a domain — an e-mail address or a URL is taken as its domain, with a note
const inputCases: [input: string, name: string | null, note: RegExp | null][] = [
  ['Example.CH', 'example.ch', null],
  ['alice@example.ch', 'example.ch', /e-mail address: checking its domain example\.ch/],
  ['mailto:alice@Example.ch', 'example.ch', /e-mail address/],
  ['https://example.ch/path/to?q=1', 'example.ch', /a URL: checking its domain example\.ch/],
  ['http://www.example.ch:8080/', 'www.example.ch', /a URL/],
  ['https://bücher.example/', 'xn--bcher-kva.example', /a URL/],
  ['a..b', null, null],
  ['alice@a..b', null, null],
  ['https://192.0.2.1/', null, null],
  ['https://[2001:db8::1]/', null, null],
  ['a@b@c.ch', null, null],
];
for (const [input, name, note] of inputCases) {
  test(`domainFromInput: ${JSON.stringify(input)}`, () => {
    const r = domainFromInput(input);
    if (name === null) return assert.equal(r.ok, false);
    assert.ok(r.ok);
    assert.equal(r.name, name);
    if (note) assert.match(r.note ?? '', note);
    else assert.equal(r.note, undefined);
  });
}
