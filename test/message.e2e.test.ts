/**
 * `analyseMessage` against the testworld (NSD + validating Unbound serving the message scenario):
 * messages signed and ARC-sealed here with mailauth's signer and the scenario's keys; one suite on
 * testworld/mini-dns.ts for a key lookup that times out (deterministic).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GatherContext } from '../src/checks/types.ts';
import { createResolver, type ManagedResolver } from '../src/dns/index.ts';
import { analyseMessage } from '../src/message/index.ts';
import { createAddressPolicy } from '../src/net/address-policy.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import {
  KEY_ED25519,
  KEY_ESP,
  KEY_ROGUE,
  KEY_RSA1024,
  KEY_RSA2048,
  KEY_SEALER,
} from '../testworld/message/keys.ts';
import { makeMessage, prepend, received, seal, sign } from '../testworld/message/mail.ts';
import { startMiniDns } from '../testworld/mini-dns.ts';
import { MESSAGE_IPS, message } from '../testworld/scenarios/message.ts';

let tw: Testworld;
let resolver: ManagedResolver;

before(async () => {
  tw = await startTestworld({ scenarios: [message] });
  resolver = createResolver(tw.resolver);
});
after(async () => {
  await resolver?.close();
  await tw?.stop();
});

const SENDER = 'Alice <alice@msg-sender.test>';

/** As delivered to mx.receiver.test by `ip`, with Return-Path from `mailFrom`. */
function delivered(m: Buffer, ip: string, mailFrom: string, helo = 'mail.example.test'): Buffer {
  return prepend(m, `Return-Path: <${mailFrom}>`, received({ helo, ip, by: 'mx.receiver.test' }));
}

const signed = (from: string, domain: string, selector: string, key: typeof KEY_RSA2048, body?: string) =>
  sign(makeMessage({ from, ...(body ? { body } : {}) }), { domain, selector, key });

describe('aligned and unaligned', () => {
  test('aligned pass: SPF and DKIM aligned, DMARC pass', async () => {
    const m = delivered(
      await signed(SENDER, 'msg-sender.test', 'rsa2048', KEY_RSA2048),
      MESSAGE_IPS.sender,
      'alice@msg-sender.test',
    );
    const a = await analyseMessage(m, { resolver });
    assert.equal(a.spf?.result, 'pass');
    assert.equal(a.spf?.source.ip, 'received');
    assert.equal(a.spf?.source.mailFrom, 'return-path');
    assert.equal(a.spf?.aligned, true);
    assert.deepEqual(
      a.dkim?.map((d) => [d.domain, d.selector, d.result, d.aligned, d.keyType, d.keyBits]),
      [['msg-sender.test', 'rsa2048', 'pass', true, 'rsa', 2048]],
    );
    assert.equal(a.dmarc?.result, 'pass');
    assert.equal(a.dmarc?.spfAligned, true);
    assert.equal(a.dmarc?.dkimAligned, true);
    assert.equal(a.dmarc?.policy, 'reject');
    assert.equal(a.dmarc?.disposition.action, 'none');
    assert.match(a.verdict, /^DMARC pass for msg-sender\.test/);
  });

  test('SPF pass but unaligned (an ESP bounce domain), no DKIM: DMARC fail, p=reject', async () => {
    const m = delivered(makeMessage({ from: SENDER }), MESSAGE_IPS.esp, 'bounce@msg-esp.test');
    const a = await analyseMessage(m, { resolver });
    assert.equal(a.spf?.result, 'pass');
    assert.equal(a.spf?.domain, 'msg-esp.test');
    assert.equal(a.spf?.aligned, false);
    assert.equal(a.dmarc?.result, 'fail');
    assert.equal(a.dmarc?.spfAligned, false);
    assert.match(a.dmarc!.reason, /SPF passes for msg-esp\.test but it is not aligned/);
    assert.equal(a.dmarc?.disposition.action, 'reject');
  });

  test('DKIM pass for a third-party domain only (the seed’s compauth=fail reason=001 case)', async () => {
    const seedAr =
      'Authentication-Results: spf=none (sender IP is 192.0.2.99) smtp.mailfrom=msg-esp.test; contoso.com; dkim=pass (signature was verified) header.d=msg-esp.test; contoso.com; dmarc=none action=none header.from=msg-nodmarc.test; compauth=fail reason=001';
    const base = await signed('chris@msg-nodmarc.test', 'msg-esp.test', 'esp', KEY_ESP);
    const m = prepend(delivered(base, '192.0.2.99', 'chris@msg-nodmarc.test'), seedAr);
    const a = await analyseMessage(m, { resolver });
    assert.deepEqual(
      a.dkim?.map((d) => [d.domain, d.result, d.aligned]),
      [['msg-esp.test', 'pass', false]],
    );
    assert.equal(a.spf?.result, 'softfail');
    assert.equal(a.dmarc?.result, 'none');
    assert.equal(a.microsoft?.compauth?.result, 'fail');
    assert.equal(a.microsoft?.compauth?.reason, '001');
    assert.match(a.microsoft!.compauth!.meaning, /implicitly failed/);
    const dmarcRow = a.comparison.find((c) => c.method === 'dmarc');
    assert.equal(dmarcRow?.agree, true);
    // the same signature under a From domain with p=reject: DMARC fail
    const b = await analyseMessage(
      delivered(await signed(SENDER, 'msg-esp.test', 'esp', KEY_ESP), '192.0.2.99', 'alice@msg-sender.test'),
      { resolver },
    );
    assert.equal(b.dkim?.[0]?.result, 'pass');
    assert.equal(b.dmarc?.result, 'fail');
    assert.match(b.dmarc!.reason, /DKIM passes only for d=msg-esp\.test, not aligned/);
  });
});

describe('DKIM failures told apart', () => {
  test('body modified after signing → fail (body hash); header modified → fail (signature)', async () => {
    const m = await signed(SENDER, 'msg-sender.test', 'rsa2048', KEY_RSA2048);
    const body = Buffer.from(m.toString('utf8').replace('attached.', 'attached. [EXTERNAL]'));
    const head = Buffer.from(
      m.toString('utf8').replace('Subject: Quarterly figures', 'Subject: [list] Quarterly figures'),
    );
    const b = await analyseMessage(delivered(body, MESSAGE_IPS.stranger, 'x@msg-nodmarc.test'), { resolver });
    const h = await analyseMessage(delivered(head, MESSAGE_IPS.stranger, 'x@msg-nodmarc.test'), { resolver });
    assert.equal(b.dkim?.[0]?.result, 'fail');
    assert.equal(b.dkim?.[0]?.failure, 'body-hash');
    assert.match(b.dkim![0]!.reason, /body hash/);
    assert.equal(b.dkim?.[0]?.keyBits, 2048, 'the key is still read for the key checks');
    assert.equal(h.dkim?.[0]?.result, 'fail');
    assert.equal(h.dkim?.[0]?.failure, 'signature');
    assert.match(h.dkim![0]!.reason, /signed header/);
  });

  test('revoked key (empty p=) and missing key (NXDOMAIN) → permerror with the reason', async () => {
    const rev = await analyseMessage(
      delivered(
        await signed(SENDER, 'msg-sender.test', 'revoked', KEY_RSA2048),
        MESSAGE_IPS.stranger,
        'x@msg-nodmarc.test',
      ),
      { resolver },
    );
    assert.equal(rev.dkim?.[0]?.result, 'permerror');
    assert.equal(rev.dkim?.[0]?.failure, 'key');
    assert.match(rev.dkim![0]!.reason, /revoked \(empty p=\)/);
    assert.equal(rev.dkim?.[0]?.key?.revoked, true);
    assert.ok(rev.dkim?.[0]?.key?.findings.some((f) => f.id === 'dkim.revoked'));
    const gone = await analyseMessage(
      delivered(
        await signed(SENDER, 'msg-sender.test', 'gone', KEY_RSA2048),
        MESSAGE_IPS.stranger,
        'x@msg-nodmarc.test',
      ),
      { resolver },
    );
    assert.equal(gone.dkim?.[0]?.result, 'permerror');
    assert.match(gone.dkim![0]!.reason, /gone\._domainkey\.msg-sender\.test does not exist \(NXDOMAIN\)/);
    assert.equal(gone.dkim?.[0]?.key?.lookup, 'nxdomain');
    assert.equal(gone.dmarc?.result, 'fail');
  });

  test('RSA-1024, RSA-2048 and Ed25519 signatures verify; the 1024-bit key gets the key finding', async () => {
    for (const [selector, key, type, bits, algo] of [
      ['rsa1024', KEY_RSA1024, 'rsa', 1024, 'rsa-sha256'],
      ['rsa2048', KEY_RSA2048, 'rsa', 2048, 'rsa-sha256'],
      ['ed25519', KEY_ED25519, 'ed25519', 256, 'ed25519-sha256'],
    ] as const) {
      const a = await analyseMessage(
        delivered(
          await signed(SENDER, 'msg-sender.test', selector, key),
          MESSAGE_IPS.stranger,
          'x@msg-nodmarc.test',
        ),
        { resolver },
      );
      const d = a.dkim![0]!;
      assert.deepEqual([d.result, d.keyType, d.keyBits, d.algorithm], ['pass', type, bits, algo], selector);
      assert.equal(a.dmarc?.result, 'pass', selector);
      const ids = d.key?.findings.map((f) => f.id) ?? [];
      assert.equal(
        ids.includes('dkim.rsa-key-short'),
        selector === 'rsa1024',
        `${selector}: ${ids.join(',')}`,
      );
    }
  });

  test('l= and over-signing notes', async () => {
    const m = await sign(makeMessage({ from: SENDER }), {
      domain: 'msg-sender.test',
      selector: 'rsa2048',
      key: KEY_RSA2048,
      bodyLength: 10,
    });
    const withFrom = prepend(m, 'From: Mallory <mallory@msg-sender.test>');
    const a = await analyseMessage(delivered(withFrom, MESSAGE_IPS.stranger, 'x@msg-nodmarc.test'), {
      resolver,
    });
    const d = a.dkim![0]!;
    assert.equal(d.bodyLength?.limit, 10);
    assert.ok(
      d.notes.some((n) => /^l=10: only the first 10 of \d+ body octets are signed/.test(n)),
      d.notes.join('\n'),
    );
    assert.ok(
      d.notes.some((n) => /2 from fields but the signature covers 1/.test(n)),
      d.notes.join('\n'),
    );
    assert.equal(a.dmarc?.result, 'permerror', 'two From addresses: no single author domain');
  });
});

describe('DMARC policy discovery', () => {
  test('subdomain sender: the policy at the organisational domain applies (sp defaults to p)', async () => {
    const ok = await analyseMessage(
      delivered(
        await signed('a@news.msg-sender.test', 'msg-sender.test', 'rsa2048', KEY_RSA2048),
        MESSAGE_IPS.stranger,
        'a@news.msg-sender.test',
      ),
      { resolver },
    );
    assert.equal(ok.dmarc?.result, 'pass');
    assert.equal(ok.dmarc?.policyDomain, 'msg-sender.test');
    assert.equal(ok.dmarc?.orgDomain, 'msg-sender.test');
    assert.equal(ok.dkim?.[0]?.aligned, true, 'relaxed: same organisational domain');
    const bad = await analyseMessage(
      delivered(
        makeMessage({ from: 'a@news.msg-sender.test' }),
        MESSAGE_IPS.stranger,
        'a@news.msg-sender.test',
      ),
      { resolver },
    );
    assert.equal(bad.spf?.result, 'fail');
    assert.equal(bad.dmarc?.result, 'fail');
    assert.equal(bad.dmarc?.policySource, 'p');
    assert.equal(bad.dmarc?.policy, 'reject');
    assert.equal(bad.dmarc?.disposition.action, 'reject');
  });

  test('p=reject with sp=none: a subdomain falls under none, the domain itself under reject', async () => {
    const sub = await analyseMessage(
      delivered(
        makeMessage({ from: 'x@shop.msg-split.test' }),
        MESSAGE_IPS.stranger,
        'x@shop.msg-split.test',
      ),
      { resolver },
    );
    assert.equal(sub.dmarc?.result, 'fail');
    assert.equal(sub.dmarc?.policyDomain, 'msg-split.test');
    assert.equal(sub.dmarc?.policySource, 'sp');
    assert.equal(sub.dmarc?.policy, 'none');
    assert.equal(sub.dmarc?.disposition.action, 'none');
    const apex = await analyseMessage(
      delivered(makeMessage({ from: 'x@msg-split.test' }), MESSAGE_IPS.stranger, 'x@msg-split.test'),
      { resolver },
    );
    assert.equal(apex.dmarc?.policy, 'reject');
    assert.equal(apex.dmarc?.disposition.action, 'reject');
  });
});

describe('ARC', () => {
  /** signed by the author, delivered to the list, footer added, sealed by `sealer`, then forwarded. */
  async function forwarded(sealer: 'msg-list.test' | 'msg-rogue.test') {
    const original = await signed(SENDER, 'msg-sender.test', 'rsa2048', KEY_RSA2048);
    let m = prepend(
      original,
      received({ helo: 'mail.msg-sender.test', ip: MESSAGE_IPS.sender, by: `mx.${sealer}` }),
    );
    m = Buffer.from(m.toString('utf8').replace('attached.\r\n', 'attached.\r\n-- \r\nthe list footer\r\n'));
    m = await seal(m, {
      domain: sealer,
      selector: 'arc',
      key: sealer === 'msg-list.test' ? KEY_SEALER : KEY_ROGUE,
      cv: 'none',
      authResults: `mx.${sealer}; spf=pass smtp.mailfrom=alice@msg-sender.test; dkim=pass header.d=msg-sender.test; dmarc=pass header.from=msg-sender.test`,
    });
    return delivered(m, MESSAGE_IPS.list, 'alice@msg-sender.test', `mx.${sealer}`);
  }

  test('forwarded: SPF fails, ARC from a trusted sealer carries pass: DMARC fail, override noted', async () => {
    const a = await analyseMessage(await forwarded('msg-list.test'), {
      resolver,
      trustedSealers: ['msg-list.test'],
    });
    assert.equal(a.spf?.result, 'fail');
    assert.equal(a.dkim?.[0]?.failure, 'body-hash');
    assert.equal(a.arc?.result, 'pass');
    assert.deepEqual(
      a.arc?.chain.map((c) => [
        c.instance,
        c.domain,
        c.cv,
        c.sealValid,
        c.amsValid,
        c.trusted,
        c.claims.dmarc,
      ]),
      [[1, 'msg-list.test', 'none', true, true, true, 'pass']],
    );
    assert.equal(a.dmarc?.result, 'fail', 'an ARC chain never turns fail into pass');
    assert.equal(a.dmarc?.disposition.action, 'reject');
    assert.equal(a.dmarc?.disposition.overridePossible, true);
    assert.deepEqual(a.dmarc?.disposition.override, {
      sealer: 'msg-list.test',
      instance: 1,
      claims: 'spf=pass dkim=pass dmarc=pass',
    });
    assert.match(a.dmarc!.disposition.note, /may override the policy/);
    const spfRow = a.comparison.find((c) => c.method === 'spf');
    assert.equal(spfRow?.agree, false);
    assert.match(spfRow!.likelyReason!, /forward/);
    const dkimRow = a.comparison.find((c) => c.method === 'dkim');
    assert.match(dkimRow!.likelyReason!, /body changed after that hop/);
  });

  test('the same chain from a sealer not in --trusted-sealers: no override', async () => {
    const a = await analyseMessage(await forwarded('msg-rogue.test'), {
      resolver,
      trustedSealers: ['msg-list.test'],
    });
    assert.equal(a.arc?.result, 'pass');
    assert.equal(a.dmarc?.result, 'fail');
    assert.equal(a.dmarc?.disposition.overridePossible, false);
    assert.match(a.dmarc!.disposition.note, /not in --trusted-sealers/);
  });

  test('broken chains: the AAR altered after sealing (seal), the body after sealing (AMS)', async () => {
    const good = await forwarded('msg-list.test');
    const aar = Buffer.from(
      good.toString('utf8').replace('dmarc=pass header.from', 'dmarc=pass  (edited) header.from'),
    );
    const a = await analyseMessage(aar, { resolver, trustedSealers: ['msg-list.test'] });
    assert.equal(a.arc?.result, 'fail');
    assert.equal(a.arc?.chain[0]?.sealValid, false);
    assert.equal(a.arc?.undetermined, false);
    assert.equal(a.dmarc?.disposition.overridePossible, false);
    const body = Buffer.from(good.toString('utf8').replace('the list footer', 'the list footer, edited'));
    const b = await analyseMessage(body, { resolver, trustedSealers: ['msg-list.test'] });
    assert.equal(b.arc?.result, 'fail');
    assert.equal(b.arc?.chain[0]?.amsValid, false);
    assert.match(b.arc!.reason, /ARC-Message-Signature of i=1 does not verify/);
  });
});

describe('BIMI (--bimi)', () => {
  test('the check sections run for the From domain: no BIMI record → none; not offered offline', async () => {
    const ctx: GatherContext = {
      resolver,
      addressPolicy: createAddressPolicy(['127.0.0.0/8']),
      options: {
        selectors: [],
        selectorList: 'full',
        obsoleteSpfType: true,
        noSmtp: true,
        noHttp: true,
        ehlo: 'mailsec.test',
        smtpTimeoutMs: 2000,
        httpTimeoutMs: 2000,
      },
      now: () => new Date(),
      signal: AbortSignal.timeout(30_000),
      resolverValidates: true,
      resolverName: tw.resolver,
    };
    const m = delivered(
      await signed(SENDER, 'msg-sender.test', 'rsa2048', KEY_RSA2048),
      MESSAGE_IPS.sender,
      'alice@msg-sender.test',
    );
    const a = await analyseMessage(m, { resolver, bimi: ctx });
    assert.equal(a.bimi?.result, 'none');
    assert.equal(a.bimi?.reason, 'no BIMI record');
    const plain = await analyseMessage(m, { resolver });
    assert.equal('bimi' in plain, false, 'only with --bimi');
  });
});

describe('a key lookup that times out (mini-dns, deterministic)', () => {
  test('temperror, not fail; and DMARC stays open', async () => {
    const key = (p: string) => ({ TXT: [`v=DKIM1; k=rsa; p=${p}`] });
    const dns = await startMiniDns({
      address: '127.0.0.1',
      zone: {
        'msg-sender.test': { TXT: [`v=spf1 ip4:${MESSAGE_IPS.sender} -all`] },
        '_dmarc.msg-sender.test': { TXT: ['v=DMARC1; p=reject'] },
        'rsa2048._domainkey.msg-sender.test': key(KEY_RSA2048.publicKey),
        'slow._domainkey.msg-sender.test': 'TIMEOUT',
        'broken._domainkey.msg-sender.test': 'SERVFAIL',
      },
    });
    const r = createResolver(dns.spec, { timeoutMs: 200, attempts: 1 });
    try {
      for (const [selector, detail] of [
        ['slow', /timed out/],
        ['broken', /SERVFAIL/],
      ] as const) {
        const m = delivered(
          await signed(SENDER, 'msg-sender.test', selector, KEY_RSA2048),
          MESSAGE_IPS.stranger,
          'x@msg-sender.test',
        );
        const a = await analyseMessage(m, { resolver: r });
        assert.equal(a.dkim?.[0]?.result, 'temperror', selector);
        assert.equal(a.dkim?.[0]?.failure, 'dns');
        assert.match(a.dkim![0]!.reason, detail);
        assert.match(a.dkim![0]!.reason, /could not be tested/);
        assert.equal(a.dkim?.[0]?.key?.lookup, 'error');
        assert.equal(a.dmarc?.result, 'temperror', 'an aligned signature could not be tested');
      }
    } finally {
      await r.close();
      await dns.stop();
    }
  });
});
