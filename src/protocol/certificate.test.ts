import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSubjectAltName } from './certificate.ts';

const cases: [title: string, text: string | undefined, expected: [string, string][]][] = [
  ['none', undefined, []],
  ['one DNS name', 'DNS:mx.example.ch', [['DNS', 'mx.example.ch']]],
  [
    'several kinds',
    'DNS:a.example, IP Address:127.0.0.1, DNS:*.b.example',
    [
      ['DNS', 'a.example'],
      ['IP Address', '127.0.0.1'],
      ['DNS', '*.b.example'],
    ],
  ],
  [
    'a quoted value cannot smuggle a second entry',
    'DNS:"evil.example, DNS:bank.example", DNS:ok.example',
    [
      ['DNS', 'evil.example, DNS:bank.example'],
      ['DNS', 'ok.example'],
    ],
  ],
  ['escaped quote inside', 'URI:"a\\"b"', [['URI', 'a"b']]],
];
for (const [title, text, expected] of cases) {
  test(`parseSubjectAltName: ${title}`, () => {
    assert.deepEqual(
      parseSubjectAltName(text).map((e) => [e.type, e.value]),
      expected,
    );
  });
}
