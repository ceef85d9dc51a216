import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBimi } from './parse.ts';
import { type BimiSpec, serialiseBimi } from './serialise.ts';

const cases: [string, BimiSpec, string][] = [
  [
    'logo only',
    { location: 'https://example.com/logo.svg', authority: null },
    'v=BIMI1; l=https://example.com/logo.svg',
  ],
  [
    'logo and mark certificate',
    { location: 'https://example.com/logo.svg', authority: 'https://example.com/vmc.pem' },
    'v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem',
  ],
  ['declination', { location: null, authority: null }, 'v=BIMI1; l=; a='],
  [
    'lps and avp',
    { location: 'https://example.com/l.svg', authority: null, lps: ['news', 'shop'], avp: 'brand' },
    'v=BIMI1; l=https://example.com/l.svg; lps=news,shop; avp=brand',
  ],
];
for (const [title, spec, text] of cases) {
  test(`bimi serialise: ${title} round-trips`, () => {
    assert.equal(serialiseBimi(spec), text);
    const parsed = parseBimi(serialiseBimi(spec));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.value.location, spec.location);
    assert.equal(parsed.value.authority, spec.authority);
    assert.deepEqual(parsed.value.lps, spec.lps ?? null);
    assert.equal(parsed.value.avp, spec.avp ?? null);
    assert.equal(parsed.value.declination, spec.location === null && spec.authority === null);
  });
}
