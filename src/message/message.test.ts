/**
 * Pure parts of the message analysis: RFC 8601 Authentication-Results (the RFC's Appendix B
 * examples), the seed's Exchange Online examples (two compauth headers, one ARC-Authentication-
 * Results), Microsoft's antispam headers, the trust boundary, the mbox splitter, the schema file,
 * and hostile input (offline, so no DNS).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseAuthResults } from './auth-results.ts';
import { explainResult } from './explain.ts';
import { analyseMessage, MessageInputError } from './index.ts';
import { splitMboxStream } from './mailbox.ts';
import { microsoftReport } from './microsoft.ts';
import { parseHop, selectBoundary } from './received.ts';
import { buildMessageSchema } from './schema.ts';

const unfold = (s: string) => s.replace(/\r?\n[ \t]+/g, ' ');
const value = (header: string) => unfold(header).replace(/^[^:]+:\s*/, '');

describe('RFC 8601 Appendix B examples', () => {
  test('B.2: service provided, no authentication done (`; none`, version 1)', () => {
    const h = parseAuthResults('example.org 1; none');
    assert.equal(h.authservId, 'example.org');
    assert.equal(h.version, 1);
    assert.equal(h.none, true);
    assert.deepEqual(h.results, []);
  });

  test('B.3: spf=pass smtp.mailfrom', () => {
    const h = parseAuthResults(
      value('Authentication-Results: example.com;\n          spf=pass smtp.mailfrom=example.net'),
    );
    assert.equal(h.authservId, 'example.com');
    assert.deepEqual(
      h.results.map((r) => [r.method, r.result, r.props['smtp.mailfrom']]),
      [['spf', 'pass', 'example.net']],
    );
    assert.match(
      explainResult(h.results[0]!),
      /SPF pass: the sending IP is authorised .* example\.net \(MAIL FROM identity\)/,
    );
  });

  test('B.4: auth with a comment, spf; iprev with policy.iprev', () => {
    const h = parseAuthResults(
      value(
        'Authentication-Results: example.com;\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\n          spf=pass smtp.mailfrom=example.net',
      ),
    );
    assert.deepEqual(
      h.results.map((r) => [r.method, r.result, r.comments.join(), Object.entries(r.props).flat().join('=')]),
      [
        ['auth', 'pass', 'cram-md5', 'smtp.auth=sender@example.net'],
        ['spf', 'pass', '', 'smtp.mailfrom=example.net'],
      ],
    );
    const i = parseAuthResults(
      value('Authentication-Results: example.com; iprev=pass\n          policy.iprev=192.0.2.200'),
    );
    assert.equal(i.results[0]?.props['policy.iprev'], '192.0.2.200');
    assert.match(explainResult(i.results[0]!), /^Reverse DNS pass/);
  });

  test('B.5 / B.6: dkim with comment or quoted reason, header.i', () => {
    const b5 = parseAuthResults('example.com; dkim=pass (good signature) header.d=example.com');
    assert.deepEqual(
      [b5.results[0]?.result, b5.results[0]?.comments, b5.results[0]?.props['header.d']],
      ['pass', ['good signature'], 'example.com'],
    );
    const b6 = parseAuthResults(
      value(
        'Authentication-Results: example.com;\n      dkim=pass reason="good signature"\n        header.i=@mail-router.example.net;\n      dkim=fail reason="bad signature"\n        header.i=@newyork.example.com',
      ),
    );
    assert.deepEqual(
      b6.results.map((r) => [r.result, r.reason, r.props['header.i']]),
      [
        ['pass', 'good signature', '@mail-router.example.net'],
        ['fail', 'bad signature', '@newyork.example.com'],
      ],
    );
    assert.match(
      explainResult(b6.results[1]!),
      /^DKIM fail for d=newyork\.example\.com: .* reason: bad signature/,
    );
  });

  test('B.7: the comment-heavy example', () => {
    const h = parseAuthResults(
      value(
        "Authentication-Results: foo.example.net (foobar) 1 (baz);\n    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\n      policy (A dot can go here) . (like that) expired\n      (this surprised me) = (as I wasn't expecting it) 1362471462",
      ),
    );
    assert.equal(h.authservId, 'foo.example.net');
    assert.equal(h.version, 1);
    assert.deepEqual(h.comments, ['foobar', 'baz']);
    const r = h.results[0]!;
    assert.deepEqual([r.method, r.version, r.result], ['dkim', '1', 'fail']);
    assert.equal(r.props['policy.expired'], '1362471462');
  });
});

// the seed (002, Exchange Online Protection), verbatim apart from line breaks
const SEED_COMPAUTH_PASS = `Authentication-Results: spf=pass (sender IP is 10.2.3.4)
  smtp.mailfrom=fabrikam.com; contoso.com; dkim=none
  (message not signed) header.d=none; contoso.com; dmarc=bestguesspass
  action=none header.from=fabrikam.com; compauth=pass reason=109`;
const SEED_COMPAUTH_FAIL = `Authentication-Results: spf=none (sender IP is 192.168.1.8)
  smtp.mailfrom=maliciousdomain.com; contoso.com; dkim=pass
  (signature was verified) header.d=maliciousdomain.com;
  contoso.com; dmarc=none action=none header.from=contoso.com;
  compauth=fail reason=001`;
const SEED_AAR = `ARC-Authentication-Results: i=2; mx.microsoft.com 1; spf=pass (sender ip is
40.107.13.59) smtp.rcpttodomain=ntx.at smtp.mailfrom=etc.at; dmarc=pass
(p=none sp=none pct=100) action=none header.from=etc.at; dkim=pass (signature
was verified) header.d=aetc.onmicrosoft.com; arc=pass (0 oda=1 ltdi=1
spf=[1,1,smtp.mailfrom=etc.at] dkim=[1,1,header.d=etc.at]
dmarc=[1,1,header.from=etc.at])`;

describe('the seed’s Exchange Online headers', () => {
  test('compauth=pass reason=109 (From and SPF match, no DMARC record: bestguesspass)', () => {
    const h = parseAuthResults(value(SEED_COMPAUTH_PASS));
    assert.equal(h.authservId, null, 'Microsoft writes no authserv-id');
    assert.deepEqual(h.stray, ['contoso.com', 'contoso.com']);
    assert.deepEqual(
      h.results.map((r) => [r.method, r.result]),
      [
        ['spf', 'pass'],
        ['dkim', 'none'],
        ['dmarc', 'bestguesspass'],
        ['compauth', 'pass'],
      ],
    );
    const [spf, dkim, dmarc, compauth] = h.results.map(explainResult);
    assert.match(spf!, /SPF pass: .* fabrikam\.com .*the receiver saw IP 10\.2\.3\.4/);
    assert.match(dkim!, /DKIM none .*not DKIM-signed/);
    assert.match(dmarc!, /bestguesspass.*Action: no action was taken/);
    assert.match(
      compauth!,
      /compauth|composite authentication pass reason=109: the message passed composite authentication/,
    );
  });

  test('compauth=fail reason=001 (DKIM passes for another domain than From)', () => {
    const h = parseAuthResults(value(SEED_COMPAUTH_FAIL));
    const byMethod = Object.fromEntries(h.results.map((r) => [r.method, r]));
    assert.equal(byMethod.dkim?.props['header.d'], 'maliciousdomain.com');
    assert.equal(byMethod.dmarc?.props['header.from'], 'contoso.com');
    assert.deepEqual([byMethod.compauth?.result, byMethod.compauth?.reason], ['fail', '001']);
    assert.match(explainResult(byMethod.compauth!), /implicitly failed email authentication/);
    const ms = microsoftReport({
      compauth: { result: 'fail', reason: '001' },
      forefront: null,
      antispam: null,
    });
    assert.match(
      ms!.explanation[0]!,
      /^Composite authentication: compauth=fail reason=001: the message implicitly failed/,
    );
  });

  test('the ARC-Authentication-Results example: i=2, authserv-id with version, Microsoft’s arc comment', () => {
    const h = parseAuthResults(value(SEED_AAR), { arc: true });
    assert.deepEqual([h.instance, h.authservId, h.version], [2, 'mx.microsoft.com', 1]);
    assert.deepEqual(
      h.results.map((r) => [r.method, r.result]),
      [
        ['spf', 'pass'],
        ['dmarc', 'pass'],
        ['dkim', 'pass'],
        ['arc', 'pass'],
      ],
    );
    const spf = h.results[0]!;
    assert.equal(spf.props['smtp.rcpttodomain'], 'ntx.at');
    assert.match(explainResult(spf), /the receiver saw IP 40\.107\.13\.59/);
    assert.equal(h.results[2]!.props['header.d'], 'aetc.onmicrosoft.com');
    assert.match(h.results[3]!.comments[0]!, /oda=1 ltdi=1 spf=\[1,1,smtp\.mailfrom=etc\.at\]/);
  });

  test('X-Forefront-Antispam-Report and X-Microsoft-Antispam fields', () => {
    const ms = microsoftReport({
      compauth: null,
      forefront:
        'CIP:203.0.113.5;CTRY:AT;LANG:de;SCL:5;SRV:;IPV:NLI;SFV:SPM;H:mail.example.at;PTR:mail.example.at;CAT:SPOOF;SFS:(13230040)(366016);DIR:INB;',
      antispam: 'BCL:7;ARA:13230040',
    })!;
    assert.deepEqual(
      [ms.cip, ms.ctry, ms.scl, ms.sfv, ms.cat, ms.ipv, ms.ptr, ms.helo, ms.dir, ms.bcl],
      ['203.0.113.5', 'AT', 5, 'SPM', 'SPOOF', 'NLI', 'mail.example.at', 'mail.example.at', 'INB', 7],
    );
    const text = ms.explanation.join('\n');
    assert.match(text, /SCL:5: spam confidence level 5: spam/);
    assert.match(text, /SFV:SPM: spam filtering marked the message as spam/);
    assert.match(text, /CAT:SPOOF: .*spoofing/);
    assert.match(text, /IPV:NLI: the connecting IP was not found on any IP reputation list/);
    assert.match(text, /BCL:7: bulk complaint level 7: from a bulk sender that generates a mixed number/);
  });
});

describe('other receivers', () => {
  test('Gmail: header.b with / and =, dmarc comment with p/sp/dis', () => {
    const h = parseAuthResults(
      'mx.google.com; dkim=pass header.i=@example.com header.s=20230601 header.b=ab/C+d=; spf=pass (google.com: domain of a@example.com designates 192.0.2.7 as permitted sender) smtp.mailfrom=a@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com',
    );
    assert.equal(h.results[0]?.props['header.b'], 'ab/C+d=');
    assert.equal(h.results[0]?.props['header.s'], '20230601');
    assert.match(explainResult(h.results[1]!), /the receiver saw IP 192\.0\.2\.7/);
    assert.match(explainResult(h.results[2]!), /p=reject sp=reject and its disposition none/);
  });
});

describe('the trust boundary', () => {
  const hop = (v: string, field: number, n: number) =>
    parseHop({ name: 'Received', key: 'received', value: v, index: field }, n);
  const hops = [
    hop(
      'from AM6PR02MB1.eurprd02.prod.outlook.com (2603:10a6:20b:1::1) by AM6PR02MB2.eurprd02.prod.outlook.com with HTTPS; Mon, 1 Jun 2026 10:00:02 +0000',
      2,
      1,
    ),
    hop(
      'from mail.example.net (mail.example.net [192.0.2.10]) by mx.example.com (Postfix) with ESMTPS id 4AB (envelope-from <bounce@example.net>); Mon, 1 Jun 2026 10:00:01 +0000',
      4,
      2,
    ),
  ];
  test('Exchange Online’s bare address in the comment is the client IP', () => {
    assert.equal(hops[0]!.ip, '2603:10a6:20b:1::1');
    assert.equal(hops[1]!.envelopeFrom, 'bounce@example.net');
  });
  test('--trusted-hops picks the Nth Received; options win; --authserv-id trusts its own header', () => {
    const b1 = selectBoundary({ hops, authResults: [], returnPath: null, options: {} });
    assert.deepEqual([b1.ip, b1.source.ip, b1.hop], ['2603:10a6:20b:1::1', 'received', 1]);
    const b2 = selectBoundary({
      hops,
      authResults: [],
      returnPath: 'x@example.org',
      options: { trustedHops: 2 },
    });
    assert.deepEqual(
      [b2.ip, b2.helo, b2.mailFrom, b2.source.mailFrom],
      ['192.0.2.10', 'mail.example.net', 'bounce@example.net', 'received'],
    );
    assert.match(b2.source.why, /--trusted-hops 2/);
    const b3 = selectBoundary({
      hops,
      authResults: [],
      returnPath: null,
      options: { trustedHops: 2, ip: '198.51.100.1' },
    });
    assert.deepEqual([b3.ip, b3.source.ip], ['198.51.100.1', 'option']);
    const ar = {
      field: 3,
      header: parseAuthResults(
        'mx.example.com; spf=pass smtp.mailfrom=bounce@example.net smtp.remote-ip=192.0.2.10',
      ),
    };
    const forged = {
      field: 1,
      header: parseAuthResults('mx.example.com.evil; spf=pass smtp.remote-ip=198.51.100.9'),
    };
    const b4 = selectBoundary({
      hops,
      authResults: [forged, ar],
      returnPath: null,
      options: { authservId: 'MX.example.com' },
    });
    assert.deepEqual(
      [b4.ip, b4.source.ip, b4.hop, b4.mailFrom],
      ['192.0.2.10', 'authentication-results', 2, 'bounce@example.net'],
    );
    const none = selectBoundary({ hops: [], authResults: [], returnPath: null, options: {} });
    assert.equal(none.ip, null);
    assert.match(none.source.why, /no Received field/);
  });
});

describe('mbox', () => {
  test('splits at From lines after an empty line, undoes mboxrd quoting, caps message size', async () => {
    const mbox = [
      'From a@example.com Mon Jun  1 10:00:00 2026',
      'Subject: one',
      '',
      '>From the start',
      '',
      'From b@example.com Mon Jun  1 10:00:01 2026',
      'Subject: two',
      '',
      `${'x'.repeat(200)}`,
      '',
      'From c@example.com Mon Jun  1 10:00:02 2026',
      'Subject: three',
      '',
      'body',
      '',
    ].join('\n');
    async function* chunks() {
      for (let i = 0; i < mbox.length; i += 7) yield Buffer.from(mbox.slice(i, i + 7));
    }
    const items = [];
    for await (const it of splitMboxStream(chunks(), 100)) items.push(it);
    assert.equal(items.length, 3);
    assert.equal((items[0] as { message: Buffer }).message.toString(), 'Subject: one\n\nFrom the start\n');
    assert.deepEqual(items[1], { index: 2, tooLarge: 216 });
    assert.equal((items[2] as { message: Buffer }).message.toString(), 'Subject: three\n\nbody\n');
  });
});

test('schema/message.schema.json is up to date (run: node scripts/gen-docs.ts)', () => {
  const committed = JSON.parse(
    readFileSync(new URL('../../schema/message.schema.json', import.meta.url), 'utf8'),
  );
  assert.deepEqual(committed, buildMessageSchema());
});

describe('hostile input (offline): bounded, a clear error naming the part, never a crash', () => {
  const ok = 'From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n';
  const rejects = async (b: Buffer, part: RegExp, msg: RegExp) => {
    await assert.rejects(analyseMessage(b, { offline: true }), (e: unknown) => {
      assert.ok(e instanceof MessageInputError, String(e));
      assert.match(e.part, part);
      assert.match(e.message, msg);
      return true;
    });
  };
  test('truncated: headers without end, multipart without closing boundary', async () => {
    const a = await analyseMessage(Buffer.from('From: a@example.com\r\nSubject: cut off her'), {
      offline: true,
    });
    assert.ok(a.problems.some((p) => p.part === 'body' && /truncated/.test(p.message)));
    const mp = await analyseMessage(
      Buffer.from(
        'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhalf',
      ),
      { offline: true },
    );
    assert.ok(
      mp.problems.some((p) => /no closing boundary/.test(p.message)),
      JSON.stringify(mp.problems),
    );
  });
  test('non-MIME input (a PNG, a shell script) is not a mail message', async () => {
    await rejects(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
      /^header$/,
      /not a mail message/,
    );
    await rejects(
      Buffer.from('#!/bin/sh\necho hi\n'),
      /^header$/,
      /first line "#!\/bin\/sh" is not a header field/,
    );
    await rejects(Buffer.alloc(0), /^message$/, /empty/);
  });
  test('8-bit garbage in header values is read as Latin-1, not a crash', async () => {
    const junk = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: '),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]),
      Buffer.from('\r\n\r\nbody\r\n'),
    ]);
    const a = await analyseMessage(junk, { offline: true });
    assert.equal(a.subject, '\u00ff\u00fe\u00c3(\u0080');
  });
  test('a header of 1 MB: refused, naming the field', async () => {
    const big = Buffer.from(`From: a@example.com\r\nX-Big: ${'a'.repeat(1_000_000)}\r\n\r\nbody\r\n`);
    await rejects(big, /^header field 2 \("X-Big"\)$/, /longer than 131,072 octets/);
    const folded = Buffer.from(
      `From: a@example.com\r\nX-Big: ${'a '.repeat(100).concat('\r\n ').repeat(5000)}\r\n\r\nbody\r\n`,
    );
    await rejects(folded, /^header field 2 \("X-Big"\)$/, /longer than/);
  });
  test('10,000 header fields: refused with the limit', async () => {
    const many = Buffer.from(`${'X-A: 1\r\n'.repeat(10_000)}${ok}`);
    await rejects(many, /^header$/, /more than 2,000 header fields/);
  });
  test('nested message/rfc822, 200 levels deep: walked 8 levels, attached messages listed', async () => {
    let inner = 'From: inner@example.org\r\nSubject: level 200\r\n\r\nhi\r\n';
    for (let i = 199; i >= 1; i--)
      inner = `From: l${i}@example.org\r\nSubject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n${inner}`;
    const a = await analyseMessage(
      Buffer.from(`From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n${inner}`),
      {
        offline: true,
      },
    );
    assert.equal(a.attachedMessages[0]?.from, 'l1@example.org');
    assert.equal(a.attachedMessages[0]?.part, 'body');
    assert.ok(a.attachedMessages.length <= 8);
    assert.ok(a.problems.some((p) => /MIME nesting deeper than 8 levels/.test(p.message)));
    assert.equal(a.from.address, 'a@example.com', 'the outer message is the one analysed');
  });
  test('offline: header explanation only, mailsec’s own results null', async () => {
    const a = await analyseMessage(Buffer.from(`${SEED_COMPAUTH_FAIL.replace(/\n/g, '\r\n')}\r\n${ok}`), {
      offline: true,
    });
    assert.deepEqual([a.spf, a.dkim, a.arc, a.dmarc], [null, null, null, null]);
    assert.equal(a.received[0]?.results.length, 4);
    assert.match(a.verdict, /^Offline \(not verified\).*compauth=fail reason=001/);
  });
});
