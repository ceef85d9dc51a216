// Hostile input: every pure parser gets thousands of generated inputs shaped like the real thing
// but broken in every way (control characters, huge lengths, unbalanced macros, non-ASCII, NUL…).
// The answer to bad input is problems as data: never an exception, never a hang.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { parseBimi } from '../src/checks/bimi/parse.ts';
import { parseIssueValue, validateCaa } from '../src/checks/caa/parse.ts';
import { parseDkimKey, rsaKeyBits } from '../src/checks/dkim/parse.ts';
import { parseDmarc } from '../src/checks/dmarc/parse.ts';
import { parseMtaStsTxt } from '../src/checks/mta-sts/parse.ts';
import { parseMacroString } from '../src/checks/spf/macro.ts';
import { parseSpf } from '../src/checks/spf/parse.ts';
import { parseTlsRpt } from '../src/checks/tls-rpt/parse.ts';
import { normaliseDomain } from '../src/core/names.ts';
import { decodeResponse, encodeQuery, toAnswer } from '../src/dns/wire.ts';
import { parseTagList } from '../src/protocol/tag-list.ts';

/** mulberry32: a seeded generator, so a failure names a reproducible case */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'v=spf1',
  'v=DMARC1',
  'v=DKIM1',
  'v=BIMI1',
  'v=STSv1',
  'v=TLSRPTv1',
  ' ',
  ';',
  '=',
  ':',
  '/',
  '.',
  ',',
  '!',
  '%{',
  '}',
  '%',
  '%{ir}',
  '%{d2}',
  '%{l-}',
  'include:',
  'redirect=',
  'exp=',
  'a',
  'mx',
  'ptr',
  'ip4:',
  'ip6:',
  '/33',
  '//129',
  '-all',
  '~all',
  '+all',
  '?all',
  'p=',
  'sp=',
  'np=',
  'rua=',
  'mailto:',
  'https://',
  'k=',
  'p',
  'h=sha1',
  't=y',
  'id=',
  'l=',
  'a=',
  'reject',
  'none',
  'pct=',
  'psd=y',
  '\t',
  '\r\n',
  '\n',
  '\0',
  '\x7f',
  'é',
  '𝔘',
  '\u202e',
  'xn--',
  '..',
  '-',
  '_',
  '*',
  '"',
  "'",
  '\\',
  'A'.repeat(64),
  '9'.repeat(12),
  '[',
  ']',
];

function* inputs(seed: number, n: number): Generator<string> {
  const r = rng(seed);
  for (let i = 0; i < n; i++) {
    const len = Math.floor(r() * 24);
    let s = '';
    for (let j = 0; j < len; j++) {
      s +=
        r() < 0.8 ? PIECES[Math.floor(r() * PIECES.length)] : String.fromCharCode(Math.floor(r() * 0x3000));
    }
    yield s;
  }
  yield '';
  yield ' '.repeat(100_000);
  yield `v=spf1 ${'a '.repeat(20_000)}-all`;
  yield `v=DMARC1; ${'x=y; '.repeat(20_000)}`;
  yield `%{${'i'.repeat(50_000)}`;
}

const parsers: [name: string, fn: (s: string) => unknown][] = [
  ['parseSpf', parseSpf],
  ['parseMacroString', (s) => parseMacroString(s)],
  ['parseMacroString (exp)', (s) => parseMacroString(s, true)],
  ['parseDmarc', parseDmarc],
  ['parseDkimKey', parseDkimKey],
  ['parseTagList', (s) => parseTagList(s)],
  ['parseBimi', parseBimi],
  ['parseMtaStsTxt', parseMtaStsTxt],
  ['parseTlsRpt', parseTlsRpt],
  ['parseIssueValue', parseIssueValue],
  ['validateCaa', (s) => validateCaa([{ flags: s.length % 256, tag: s.slice(0, 20), value: s }])],
  ['normaliseDomain', normaliseDomain],
];

for (const [name, fn] of parsers) {
  test(`${name}: generated hostile input gives a result, never an exception`, () => {
    let n = 0;
    for (const input of inputs(name.length * 7919, 3000)) {
      let result: unknown;
      assert.doesNotThrow(
        () => {
          result = fn(input);
        },
        `input ${JSON.stringify(input.slice(0, 200))}`,
      );
      assert.ok(result !== undefined, `no result for ${JSON.stringify(input.slice(0, 200))}`);
      n++;
    }
    assert.ok(n > 3000);
  });
}

test('rsaKeyBits: random bytes are "unknown size", never an exception', () => {
  const r = rng(42);
  for (let i = 0; i < 2000; i++) {
    const buf = Buffer.from(Array.from({ length: Math.floor(r() * 600) }, () => Math.floor(r() * 256)));
    assert.doesNotThrow(() => rsaKeyBits(buf));
  }
});

test('DNS responses: truncated, bit-flipped and random packets are ignored (null), never thrown', () => {
  const q = { name: 'example.test', type: 'TXT' as const, checkingDisabled: false };
  const good = dnsPacket.encode({
    type: 'response',
    id: 1,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ name: 'example.test', type: 'TXT', class: 'IN' }],
    answers: [
      { name: 'example.test', type: 'TXT', class: 'IN', ttl: 60, data: ['v=spf1 -all', 'x'.repeat(200)] },
    ],
  });
  const decoded = decodeResponse(good, q);
  assert.ok(decoded, 'the intact packet decodes');
  assert.equal(toAnswer(q, decoded).records.length, 1);
  const r = rng(7);
  for (let i = 0; i < 3000; i++) {
    const mutated = Buffer.from(good);
    const kind = i % 3;
    let buf: Buffer;
    if (kind === 0) buf = mutated.subarray(0, Math.floor(r() * mutated.length));
    else if (kind === 1) {
      for (let k = 0; k < 4; k++) mutated[Math.floor(r() * mutated.length)] = Math.floor(r() * 256);
      buf = mutated;
    } else buf = Buffer.from(Array.from({ length: Math.floor(r() * 512) }, () => Math.floor(r() * 256)));
    assert.doesNotThrow(() => {
      const d = decodeResponse(buf, q);
      if (d) toAnswer(q, d);
    });
  }
  // our own query is never mistaken for an answer
  assert.equal(decodeResponse(encodeQuery(q, 1), q), null);
});
