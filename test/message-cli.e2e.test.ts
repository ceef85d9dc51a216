/**
 * `mailsec message` as a user runs it: a .eml, an mbox (JSON Lines, one unreadable message), a
 * Maildir, stdin-free offline mode, --help and usage errors; JSON validated against
 * schema/message.schema.json.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { KEY_RSA2048, KEY_SEALER } from '../testworld/message/keys.ts';
import { makeMessage, prepend, received, seal, sign } from '../testworld/message/mail.ts';
import { MESSAGE_IPS, message } from '../testworld/scenarios/message.ts';
import { ROOT, runCli } from './helpers.ts';
import { schemaValidator } from './schema.ts';

let tw: Testworld;
let dir: string;
let validate: (doc: unknown) => boolean;

async function good(from = 'Alice <alice@msg-sender.test>', i = 1): Promise<Buffer> {
  const m = await sign(makeMessage({ from, messageId: `<m${i}@msg-sender.test>` }), {
    domain: 'msg-sender.test',
    selector: 'rsa2048',
    key: KEY_RSA2048,
  });
  return prepend(
    m,
    'Return-Path: <alice@msg-sender.test>',
    received({ helo: 'mail.msg-sender.test', ip: MESSAGE_IPS.sender, by: 'mx.receiver.test' }),
  );
}

before(async () => {
  tw = await startTestworld({ scenarios: [message] });
  dir = await mkdtemp(join(tmpdir(), 'mailsec-message-'));
  const schema = JSON.parse(await readFile(join(ROOT, 'schema/message.schema.json'), 'utf8'));
  const ajv = schemaValidator();
  const v = ajv.compile(schema);
  validate = (doc) => {
    const ok = v(doc) as boolean;
    if (!ok) assert.fail(JSON.stringify(v.errors, null, 2));
    return ok;
  };
});
after(async () => {
  await tw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const net = () => ['--resolver', tw.resolver];

test('one .eml: --json is one schema-valid object; human output names the verdict', async () => {
  const file = join(dir, 'good.eml');
  await writeFile(file, await good());
  const r = await runCli(['message', file, '--json', ...net()]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  validate(doc);
  assert.equal(doc.dmarc.result, 'pass');
  assert.equal(doc.spf.result, 'pass');
  assert.deepEqual(doc.source, { path: file, index: 1 });
  const h = await runCli(['message', file, ...net()]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^DMARC pass for msg-sender\.test/);
  assert.match(h.stdout, /DKIM {8}pass {2}d=msg-sender\.test s=rsa2048 rsa-sha256 2048-bit \(aligned\)/);
});

test('an mbox gives JSON Lines; an unreadable message is its own line and exit 2', async () => {
  const forwardedSealed = await seal(prepend(await good(), 'X-List: yes'), {
    domain: 'msg-list.test',
    selector: 'arc',
    key: KEY_SEALER,
    cv: 'none',
    authResults:
      'mx.msg-list.test; spf=pass smtp.mailfrom=alice@msg-sender.test; dmarc=pass header.from=msg-sender.test',
  });
  const msgs = [await good(undefined, 1), Buffer.from('#!/bin/sh\r\nrm -rf /\r\n'), forwardedSealed];
  const mbox = Buffer.concat(
    msgs.flatMap((m, i) => [
      Buffer.from(`From sender${i}@example.test Mon Jun  1 10:00:0${i} 2026\n`),
      m,
      Buffer.from('\n'),
    ]),
  );
  const file = join(dir, 'inbox.mbox');
  await writeFile(file, mbox);
  const r = await runCli(['message', file, '--json', '--trusted-sealers', 'msg-list.test', ...net()]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  for (const l of lines) validate(l);
  assert.equal(lines[0].dmarc.result, 'pass');
  assert.deepEqual(lines[1], {
    source: { path: file, index: 2 },
    error: {
      part: 'header',
      message: 'header: the first line "#!/bin/sh" is not a header field: not a mail message',
    },
  });
  assert.equal(lines[2].arc.result, 'pass');
  assert.equal(lines[2].arc.chain[0].trusted, true);
});

test('a Maildir: each message of cur/ and new/', async () => {
  const md = join(dir, 'Maildir');
  await mkdir(join(md, 'cur'), { recursive: true });
  await mkdir(join(md, 'new'), { recursive: true });
  await writeFile(join(md, 'cur', '1.eml'), await good(undefined, 1));
  await writeFile(join(md, 'new', '2.eml'), await good('b@msg-split.test', 2));
  const r = await runCli(['message', md, '--json', ...net()]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.source.index, l.from.domain, l.dmarc.result]),
    [
      [1, 'msg-sender.test', 'pass'],
      [2, 'msg-split.test', 'fail'],
    ],
  );
});

test('--offline needs no resolver; own results are null', async () => {
  const file = join(dir, 'offline.eml');
  await writeFile(
    file,
    prepend(
      await good(),
      'Authentication-Results: spf=none (sender IP is 192.168.1.8) smtp.mailfrom=maliciousdomain.com; contoso.com; dkim=pass (signature was verified) header.d=maliciousdomain.com; contoso.com; dmarc=none action=none header.from=contoso.com; compauth=fail reason=001',
      'X-Forefront-Antispam-Report: CIP:192.168.1.8;CTRY:;LANG:en;SCL:5;SRV:;IPV:NLI;SFV:SPM;H:x;PTR:;CAT:SPOOF;DIR:INB;',
    ),
  );
  const r = await runCli(['message', file, '--offline', '--json'], { MAILSEC_RESOLVER: '' });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  validate(doc);
  assert.deepEqual([doc.spf, doc.dkim, doc.arc, doc.dmarc], [null, null, null, null]);
  assert.equal(doc.microsoft.compauth.reason, '001');
  assert.equal(doc.microsoft.cat, 'SPOOF');
  const h = await runCli(['message', file, '--offline']);
  assert.match(h.stdout, /Composite authentication: compauth=fail reason=001/);
  assert.match(h.stdout, /CAT:SPOOF/);
});

test('--help with examples; usage errors exit 2 and say what to do', async () => {
  const h = await runCli(['message', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--trusted-sealers <d1,d2>/);
  assert.match(h.stdout, /EXAMPLES\n {2}\$ mailsec message/);
  const none = await runCli(['message']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give one message file/);
  const ip = await runCli(['message', join(dir, 'good.eml'), '--ip', 'nope', '--offline']);
  assert.equal(ip.code, 2);
  assert.match(ip.stderr, /--ip "nope" is not an IP address/);
  const missing = await runCli(['message', join(dir, 'nope.eml'), '--offline']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.eml: ENOENT/);
  const hops = await runCli(['message', join(dir, 'good.eml'), '--trusted-hops', '0', '--offline']);
  assert.equal(hops.code, 2);
  assert.match(hops.stderr, /--trusted-hops "0"/);
});
