import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver } from '../../dns/static.ts';
import { assertStatusAllowed, testContext } from '../shared/test-context.ts';
import { caaCheck } from './index.ts';

const rec = (flags: number, tag: string, value: string) => ({ flags, tag, value });
const resolver = staticResolver({
  'good.test': { CAA: [rec(0, 'issue', 'letsencrypt.org'), rec(0, 'iodef', 'mailto:sec@good.test')] },
  'www.good.test': { A: ['192.0.2.1'] },
  'a.b.good.test': { A: ['192.0.2.1'] },
  'critical.test': {
    CAA: [rec(128, 'tbs', 'x'), rec(0, 'issue', 'letsencrypt.org'), rec(0, 'iodef', 'mailto:a@b.test')],
  },
  'flags.test': { CAA: [rec(1, 'issue', 'letsencrypt.org'), rec(0, 'iodef', 'mailto:a@b.test')] },
  'noissue.test': { CAA: [rec(0, 'iodef', 'mailto:a@b.test')] },
  'badissue.test': { CAA: [rec(0, 'issue', 'lets encrypt!'), rec(0, 'iodef', 'mailto:a@b.test')] },
  'deny.test': { CAA: [rec(0, 'issue', ';'), rec(0, 'iodef', 'mailto:a@b.test')] },
  'acme.test': {
    CAA: [
      rec(0, 'issue', 'letsencrypt.org; validationmethods=dns-01; accounturi=https://acme/1'),
      rec(0, 'iodef', 'https://x.test/r'),
    ],
  },
  'path.test': { CAA: [rec(0, 'path', 'x'), rec(0, 'issue', 'a.test'), rec(0, 'iodef', 'mailto:a@b.test')] },
  'none.test': { A: ['192.0.2.1'] },
  'sub.fail.test': { A: ['192.0.2.1'] },
  'fail.test': { CAA: 'SERVFAIL' },
  'slow.test': 'TIMEOUT',
});

const cases: [title: string, domain: string, status: string, foundAt: string | null, ids: string[]][] = [
  ['RFC 8659 §4 issue + iodef at the domain', 'good.test', 'pass', 'good.test', []],
  ['RFC 8659 §3 climb: found at the parent', 'www.good.test', 'pass', 'good.test', ['caa.inherited']],
  ['RFC 8659 §3 climb: two levels up', 'a.b.good.test', 'pass', 'good.test', ['caa.inherited']],
  [
    'RFC 8659 §4.1 unknown tag with the critical flag',
    'critical.test',
    'fail',
    'critical.test',
    ['caa.unknown-critical-tag'],
  ],
  ['RFC 8659 §4.1 reserved flag bits', 'flags.test', 'fail', 'flags.test', ['caa.reserved-flags']],
  ['no issue property', 'noissue.test', 'warn', 'noissue.test', ['caa.no-issue']],
  ['RFC 8659 §4.2 malformed issuer', 'badissue.test', 'fail', 'badissue.test', ['caa.issue-syntax']],
  ['RFC 8659 §4.2 ";" forbids issuance and is valid', 'deny.test', 'pass', 'deny.test', []],
  ['RFC 8657 parameters', 'acme.test', 'pass', 'acme.test', []],
  ['RFC 8659 §4.1.1 reserved tag "path"', 'path.test', 'fail', 'path.test', ['caa.reserved-tag']],
  ['none on the whole tree → absent', 'none.test', 'absent', null, ['caa.missing']],
  ['SERVFAIL during the climb → error, not absent', 'sub.fail.test', 'error', null, ['caa.undetermined']],
  ['timeout → error, not absent', 'slow.test', 'error', null, ['caa.undetermined']],
];

for (const [title, domain, status, foundAt, ids] of cases) {
  test(title, async () => {
    const r = await caaCheck.run(domain, testContext(resolver), {});
    assertStatusAllowed(r);
    assert.equal(r.status, status);
    assert.equal(r.evidence.foundAt, foundAt);
    assert.deepEqual(
      r.findings.map((f) => f.id).filter((id) => id !== 'caa.no-iodef'),
      ids,
    );
  });
}
