import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDmarc } from './parse.ts';
import {
  type DmarcSpec,
  dmarcSpecOf,
  dmarcStartRecord,
  encodeReportUri,
  serialiseDmarc,
} from './serialise.ts';

// RFC 9989 §4.7 tags; each spec must survive parse(serialise(x)) unchanged and without problems
const cases: [string, DmarcSpec, string][] = [
  ['p alone', { p: 'none' }, 'v=DMARC1; p=none'],
  [
    'p with rua',
    { p: 'reject', rua: ['mailto:dmarc@example.com'] },
    'v=DMARC1; p=reject; rua=mailto:dmarc@example.com',
  ],
  [
    'every tag',
    {
      p: 'quarantine',
      sp: 'reject',
      np: 'reject',
      adkim: 's',
      aspf: 's',
      testing: true,
      psd: 'n',
      fo: ['1'],
      rua: ['mailto:a@example.com', 'mailto:b@example.net'],
      ruf: ['mailto:f@example.com'],
    },
    'v=DMARC1; p=quarantine; sp=reject; np=reject; adkim=s; aspf=s; t=y; psd=n; fo=1; rua=mailto:a@example.com,mailto:b@example.net; ruf=mailto:f@example.com',
  ],
  ['fo colon list', { p: 'none', fo: ['d', 's'] }, 'v=DMARC1; p=none; fo=d:s'],
];

for (const [title, spec, text] of cases) {
  test(`dmarc serialise: ${title}`, () => {
    assert.equal(serialiseDmarc(spec), text);
    const parsed = parseDmarc(serialiseDmarc(spec));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(dmarcSpecOf(parsed.value), spec);
  });
}

test('dmarc serialise: a comma or "!" inside a report URI is percent-encoded (RFC 9989 §4.7)', () => {
  assert.equal(encodeReportUri('mailto:a,b!c@example.com'), 'mailto:a%2Cb%21c@example.com');
  const parsed = parseDmarc(serialiseDmarc({ p: 'none', rua: ['mailto:a!b@example.com'] }));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.value.rua.length, 1);
  assert.equal(parsed.value.rua[0]!.address, 'a!b@example.com');
});

test('dmarc serialise: default values are left out', () => {
  assert.equal(
    serialiseDmarc({ p: 'reject', adkim: 'r', aspf: 'r', fo: ['0'], testing: false }),
    'v=DMARC1; p=reject',
  );
  assert.equal(dmarcStartRecord('example.ch'), 'v=DMARC1; p=none; rua=mailto:dmarc-reports@example.ch');
});
