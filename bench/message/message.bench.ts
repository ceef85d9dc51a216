/**
 * Messages per second of `analyseMessage` (the path of `mailsec message --json` over an mbox) and,
 * side by side, of mailauth's own `authenticate()` on the same messages and the same resolver.
 *
 *   node bench/message/message.bench.ts [--messages 10000]
 *
 * The messages are DKIM-signed here (half RSA-2048, half Ed25519, by msg-sender.test with the
 * testworld's fixed keys), each with its own Message-ID and body, written to one mbox. DNS comes
 * from testworld/mini-dns in a child process (its CPU is not counted) through one mailsec resolver
 * with its answer cache warmed by a first pass over 200 messages: the run measures the analysis,
 * not the network. Both sides read the messages from the same mbox splitter, one message at a
 * time (split once, then alternated in 5 rounds so that load on the shared machine hits both alike),
 * and get the same client IP, HELO and MAIL FROM (mailsec from the Received and Return-Path
 * fields, mailauth as options); mailauth without BIMI (mailsec checks BIMI only with --bimi).
 * Prints a table and one line of JSON.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { authenticate } from 'mailauth';
import { createResolver } from '../../src/dns/index.ts';
import { analyseMessage } from '../../src/message/index.ts';
import { mailauthResolver } from '../../src/message/mailauth-dns.ts';
import { splitMboxStream } from '../../src/message/mailbox.ts';
import { KEY_ED25519, KEY_RSA2048 } from '../../testworld/message/keys.ts';
import { makeMessage, prepend, received, sign } from '../../testworld/message/mail.ts';
import { type MiniZone, startMiniDns } from '../../testworld/mini-dns.ts';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '10000' }, serve: { type: 'boolean', default: false } },
});

const ZONE: MiniZone = {
  test: { SOA: { mname: 'ns.test', rname: 'hostmaster.test', minimum: 3600 } },
  'msg-sender.test': { TXT: ['v=spf1 ip4:192.0.2.10 -all'], A: ['192.0.2.10'] },
  '_dmarc.msg-sender.test': { TXT: ['v=DMARC1; p=reject'] },
  'rsa2048._domainkey.msg-sender.test': { TXT: [`v=DKIM1; k=rsa; p=${KEY_RSA2048.publicKey}`] },
  'ed25519._domainkey.msg-sender.test': { TXT: [`v=DKIM1; k=ed25519; p=${KEY_ED25519.publicKey}`] },
};

if (values.serve) {
  const dns = await startMiniDns({ address: '127.0.0.1', zone: ZONE });
  process.stdout.write(`${dns.spec}\n`);
  process.stdin.on('end', () => void dns.stop().then(() => process.exit(0)));
  process.stdin.resume();
} else {
  const n = Number(values.messages);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const spec = await new Promise<string>((resolve) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  const dir = await mkdtemp(join(tmpdir(), 'mailsec-bench-message-'));
  const resolver = createResolver(spec, { timeoutMs: 2000, attempts: 2 });
  try {
    const t0 = performance.now();
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const ed = i % 2 === 1;
      const m = await sign(
        makeMessage({
          from: 'Alice <alice@msg-sender.test>',
          messageId: `<bench-${i}@msg-sender.test>`,
          body: `Message ${i}.\r\n\r\n${'Lorem ipsum dolor sit amet. '.repeat(20)}\r\n`,
        }),
        {
          domain: 'msg-sender.test',
          selector: ed ? 'ed25519' : 'rsa2048',
          key: ed ? KEY_ED25519 : KEY_RSA2048,
        },
      );
      const d = prepend(
        m,
        'Return-Path: <alice@msg-sender.test>',
        received({ helo: 'mail.msg-sender.test', ip: '192.0.2.10', by: 'mx.receiver.test' }),
      );
      parts.push(Buffer.from(`From alice@msg-sender.test Mon Jun  1 10:00:00 2026\n`), d, Buffer.from('\n'));
    }
    const mbox = join(dir, 'bench.mbox');
    await writeFile(mbox, Buffer.concat(parts));
    const prepMs = performance.now() - t0;

    // split once (the splitter is the CLI's); the rounds below take slices of it
    const all: Buffer[] = [];
    for await (const it of splitMboxStream(createReadStream(mbox, { highWaterMark: 1 << 20 }), 64 << 20))
      if ('message' in it) all.push(it.message);
    if (all.length !== n) throw new Error(`the mbox split into ${all.length} messages, not ${n}`);
    const adapter = mailauthResolver(resolver);
    const runMailsec = async (skip: number, limit: number) => {
      let pass = 0;
      for (const m of all.slice(skip, skip + limit)) {
        const a = await analyseMessage(m, { resolver });
        if (a.dmarc?.result === 'pass' && a.spf?.result === 'pass') pass++;
      }
      return pass;
    };
    const runMailauth = async (skip: number, limit: number) => {
      let pass = 0;
      for (const m of all.slice(skip, skip + limit)) {
        const r = await authenticate(m, {
          ip: '192.0.2.10',
          helo: 'mail.msg-sender.test',
          sender: 'alice@msg-sender.test',
          mta: 'mx.receiver.test',
          resolver: adapter as never,
          disableBimi: true,
        });
        if (r.dmarc && r.dmarc.status.result === 'pass' && r.spf && r.spf.status.result === 'pass') pass++;
      }
      return pass;
    };
    // warm the answer cache (and the JIT) for both
    await runMailsec(0, 200);
    await runMailauth(0, 200);
    // the machine is shared: alternate the two in rounds so that drift hits both alike
    const rounds = 5;
    const per = Math.ceil(n / rounds);
    const ms = { ms: 0, pass: 0 };
    const ma = { ms: 0, pass: 0 };
    const rssBefore = process.memoryUsage().rss;
    for (let r = 0; r < rounds; r++) {
      const skip = r * per;
      const count = Math.min(per, n - skip);
      let s = performance.now();
      ms.pass += await runMailsec(skip, count);
      ms.ms += performance.now() - s;
      s = performance.now();
      ma.pass += await runMailauth(skip, count);
      ma.ms += performance.now() - s;
    }
    const rssAfter = process.memoryUsage().rss;
    const rate = (x: { ms: number }) => n / (x.ms / 1000);
    const rows = [
      ['mailsec analyseMessage', rate(ms), ms.pass],
      ['mailauth authenticate()', rate(ma), ma.pass],
    ] as const;
    console.error(
      `${n} messages (mbox ${(parts.reduce((s, p) => s + p.length, 0) / 1e6).toFixed(1)} MB, signed in ${(prepMs / 1000).toFixed(1)} s)`,
    );
    console.error('implementation               msg/s   all pass');
    for (const [name, r, pass] of rows)
      console.error(`${name.padEnd(26)} ${r.toFixed(0).padStart(7)}   ${pass}/${n}`);
    console.error(`ratio mailsec / mailauth: ${(rate(ms) / rate(ma)).toFixed(2)}`);
    console.log(
      JSON.stringify({
        bench: 'message',
        messages: n,
        mailsecPerSecond: Math.round(rate(ms)),
        mailauthPerSecond: Math.round(rate(ma)),
        ratio: Number((rate(ms) / rate(ma)).toFixed(2)),
        mailsecPass: ms.pass,
        mailauthPass: ma.pass,
        rssMb: Math.round(rssAfter / 1e6),
        rssGrowthMb: Math.round((rssAfter - rssBefore) / 1e6),
      }),
    );
  } finally {
    await resolver.close();
    child.stdin!.end();
    await rm(dir, { recursive: true, force: true });
  }
}
