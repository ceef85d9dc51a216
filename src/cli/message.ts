import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createAuditEnvironment, openResolver } from '../audit/environment.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { Resolver } from '../dns/types.ts';
import { DEFAULT_MESSAGE_LIMITS, MessageInputError } from '../message/headers.ts';
import { type AnalyseMessageOptions, analyseMessage } from '../message/index.ts';
import { looksLikeMbox, splitMboxStream } from '../message/mailbox.ts';
import type { MessageAnalysis } from '../message/types.ts';
import { parseIp } from '../protocol/ip.ts';
import { createStyle, type Style, wantsColor } from '../render/style.ts';
import type { CommandDef, CommandIo, OptionDef, ParsedArgs } from './command.ts';
import { bool, list, str } from './command.ts';
import { auditConfig, networkAuditConfig } from './environment.ts';
import { EXIT } from './exit.ts';
import {
  CONNECT_OPTIONS,
  FAIL_ON_OPTION,
  type NetworkConfig,
  networkConfig,
  RESOLVER_OPTIONS,
} from './options.ts';

const RESULT_COLOUR: Record<string, 'green' | 'yellow' | 'red' | 'dim'> = {
  pass: 'green',
  none: 'dim',
  neutral: 'yellow',
  softfail: 'yellow',
  policy: 'yellow',
  temperror: 'yellow',
  fail: 'red',
  permerror: 'red',
};

function paint(st: Style, r: string | null): string {
  if (r === null) return st.dim('not evaluated');
  const c = RESULT_COLOUR[r] ?? 'dim';
  return st.bold(st[c](r));
}

/** The human report of one message. */
export function renderMessage(a: MessageAnalysis, st: Style, label?: string): string {
  const out: string[] = [];
  if (label) out.push(st.bold(label));
  out.push(`${a.verdict}`, '');
  out.push(
    `${st.bold('From')}        ${a.from.address ?? '(none)'}${a.subject ? `  ${st.dim(`“${a.subject}”`)}` : ''}`,
  );
  if (a.spf) {
    const s = a.spf;
    out.push(
      `${st.bold('SPF')}         ${paint(st, s.result)}  ${s.domain ?? ''}${s.ip ? ` for ${s.ip}` : ''}${s.result === 'pass' ? (s.aligned ? ' (aligned)' : ' (not aligned)') : ''}`,
      `            ${st.dim(s.reason)}`,
      `            ${st.dim(`trusted: ${s.source.header ?? 'none'} — ${s.source.why}`)}`,
    );
  }
  if (a.dkim) {
    if (a.dkim.length === 0) out.push(`${st.bold('DKIM')}        ${paint(st, 'none')}  not signed`);
    for (const d of a.dkim) {
      out.push(
        `${st.bold('DKIM')}        ${paint(st, d.result)}  d=${d.domain} s=${d.selector} ${d.algorithm ?? ''}${d.keyBits ? ` ${d.keyBits}-bit` : ''}${d.result === 'pass' ? (d.aligned ? ' (aligned)' : ' (not aligned)') : ''}`,
        `            ${st.dim(d.reason)}`,
      );
      for (const n of d.notes) out.push(`            ${st.dim(`note: ${n}`)}`);
      for (const f of d.key?.findings ?? []) out.push(`            ${st.yellow(f.severity)} ${f.message}`);
    }
  }
  if (a.arc && a.arc.result !== 'none') {
    out.push(`${st.bold('ARC')}         ${paint(st, a.arc.result)}  ${a.arc.reason}`);
    for (const c of a.arc.chain)
      out.push(
        `            i=${c.instance} ${c.domain ?? '?'} cv=${c.cv ?? '?'} seal ${c.sealValid === null ? '?' : c.sealValid ? 'ok' : 'BAD'}${c.amsValid === null ? '' : ` AMS ${c.amsValid ? 'ok' : 'BAD'}`}${c.trusted ? ' (trusted)' : ''} claimed spf=${c.claims.spf ?? '-'} dkim=${c.claims.dkim ?? '-'} dmarc=${c.claims.dmarc ?? '-'}`,
      );
  }
  if (a.dmarc) {
    const d = a.dmarc;
    out.push(
      `${st.bold('DMARC')}       ${paint(st, d.result)}  ${d.domain ?? ''}${d.policy ? ` policy ${d.policySource}=${d.policy}${d.policyDomain && d.policyDomain !== d.domain ? ` (from ${d.policyDomain})` : ''}` : ''}`,
      `            ${st.dim(d.reason)}`,
      `            ${d.disposition.note}`,
    );
  }
  if (a.bimi) out.push(`${st.bold('BIMI')}        ${paint(st, a.bimi.result)}  ${a.bimi.reason}`);
  if (a.received.length) {
    out.push('', st.bold('What the receivers wrote'));
    for (const r of a.received) {
      out.push(`  ${r.trusted ? st.green('trusted') : st.dim('claim')} field ${r.field}: ${r.explanation}`);
      for (const x of r.results) out.push(`    ${x.explanation}`);
    }
  }
  if (a.microsoft) {
    out.push('', st.bold('Microsoft 365'));
    for (const e of a.microsoft.explanation) out.push(`  ${e}`);
  }
  const dis = a.comparison.filter((c) => !c.agree);
  if (a.comparison.length) {
    out.push('', st.bold('Receivers vs mailsec'));
    for (const c of a.comparison)
      out.push(
        `  ${c.agree ? st.green('agree') : st.red('differ')} ${c.method}: ${c.receiver} said ${c.theirs}, mailsec ${c.ours}${c.likelyReason ? `\n         ${st.dim(`likely: ${c.likelyReason}`)}` : ''}`,
      );
    if (!dis.length) out.push(`  ${st.dim('no disagreements')}`);
  }
  if (a.attachedMessages.length) {
    out.push('', st.bold('Attached messages (not analysed)'));
    for (const m of a.attachedMessages)
      out.push(`  part ${m.part}: from ${m.from ?? '?'} “${m.subject ?? ''}”`);
  }
  if (a.problems.length) {
    out.push('', st.bold('Input problems'));
    for (const p of a.problems) out.push(`  ${p.part}: ${p.message}`);
  }
  return `${out.join('\n')}\n`;
}

type Source = {
  label: string;
  read: () => AsyncGenerator<{ index: number; bytes?: Buffer; error?: string; part?: string }>;
};

async function* one(read: () => Promise<Buffer>) {
  yield { index: 1, bytes: await read() };
}

async function readStdin(max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin) {
    n += (c as Buffer).length;
    if (n > max)
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `standard input: more than ${max} octets`,
        'analyse one message at a time',
      );
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The messages of a path: a file (one message or an mbox), a Maildir, or "-" (stdin). */
async function sources(path: string): Promise<Source> {
  const max = DEFAULT_MESSAGE_LIMITS.maxMessageBytes;
  if (path === '-') return { label: 'standard input', read: () => one(() => readStdin(max)) };
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `${path}: ${(e as Error).message}`,
      'give a .eml file, an mbox, a Maildir or - for stdin',
      { cause: e },
    );
  }
  if (st.isDirectory()) {
    const dirs = ['cur', 'new'];
    const files: string[] = [];
    for (const d of dirs) {
      try {
        for (const f of (await readdir(join(path, d))).sort())
          if (!f.startsWith('.')) files.push(join(path, d, f));
      } catch {
        // not there
      }
    }
    if (files.length === 0)
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `${path}: a directory without Maildir messages (cur/, new/)`,
        'give a Maildir, an mbox or a message file',
      );
    return {
      label: path,
      async *read() {
        for (const [i, f] of files.entries()) {
          const s = await stat(f);
          if (s.size > max)
            yield {
              index: i + 1,
              error: `${f}: ${s.size} octets, over the limit of ${max}`,
              part: 'message',
            };
          else yield { index: i + 1, bytes: await readFile(f) };
        }
      },
    };
  }
  const fh = await open(path, 'r');
  const head = Buffer.alloc(5);
  await fh.read(head, 0, 5, 0);
  await fh.close();
  if (looksLikeMbox(head)) {
    return {
      label: path,
      async *read() {
        for await (const item of splitMboxStream(createReadStream(path, { highWaterMark: 1 << 20 }), max)) {
          if ('tooLarge' in item)
            yield {
              index: item.index,
              error: `${item.tooLarge} octets, over the limit of ${max}`,
              part: 'message',
            };
          else yield { index: item.index, bytes: item.message };
        }
      },
    };
  }
  if (st.size > max)
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `${path}: ${st.size} octets, over the limit of ${max}`,
      'analyse one message at a time',
    );
  return { label: path, read: () => one(() => readFile(path)) };
}

function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new MailsecError(
      ErrorCode.Usage,
      `--${name} "${v}" is not a number of hops (1–100)`,
      `try --${name} 2`,
    );
  return n;
}

export const messageCommand: CommandDef = {
  name: 'message',
  summary: 'Verify SPF, DKIM, ARC and DMARC of a message, and explain its Authentication-Results.',
  usage: 'mailsec message [OPTIONS] <file.eml|mbox|Maildir|->',
  description:
    'Re-verifies one message (or each message of an mbox or Maildir, as JSON Lines): SPF for the connecting IP with ' +
    'mailsec’s RFC 7208 engine, every DKIM signature and the ARC chain (mailauth), DMARC with the RFC 9989 tree walk; ' +
    'then explains what the receivers wrote (Authentication-Results, ARC-Authentication-Results, Microsoft’s compauth ' +
    'and X-Forefront-Antispam-Report) and where mailsec agrees. The connecting IP, HELO and MAIL FROM come from the ' +
    'options, else from the Received field your MTA wrote (--trusted-hops) or your Authentication-Results (--authserv-id).',
  options: {
    ip: {
      type: 'string',
      value: 'ip',
      description: 'the SMTP client address (else from the trusted Received field)',
    },
    helo: { type: 'string', value: 'name', description: 'the HELO/EHLO name' },
    'mail-from': { type: 'string', value: 'addr', description: 'MAIL FROM ("" for the null sender <>)' },
    'trusted-hops': {
      type: 'string',
      value: 'n',
      description: 'the top N Received fields were written by your own MTAs',
      default: '1',
    },
    'authserv-id': {
      type: 'string',
      value: 'id',
      description: 'trust the topmost Authentication-Results with this authserv-id',
    },
    'trusted-sealers': {
      type: 'string',
      multiple: true,
      value: 'd1,d2',
      description: 'ARC sealers whose claims your local policy may honour',
    },
    bimi: { type: 'boolean', description: 'also check BIMI eligibility (record, logo, mark certificate)' },
    'vmc-roots': { type: 'string', value: 'pem', description: 'trusted mark certificate roots, for --bimi' },
    offline: {
      type: 'boolean',
      description: 'explain the headers only: no DNS, mailsec’s own results are null',
    },
    // DNS for the verdicts; HTTPS only for --bimi's logo and mark certificate; never SMTP
    ...RESOLVER_OPTIONS,
    'http-timeout': CONNECT_OPTIONS['http-timeout'] as OptionDef,
    'allow-private': CONNECT_OPTIONS['allow-private'] as OptionDef,
    json: { type: 'boolean', description: 'machine output on stdout (JSON Lines for an mbox or Maildir)' },
    ...FAIL_ON_OPTION,
  },
  examples: [
    'mailsec message suspicious.eml --resolver 127.0.0.1',
    'mailsec message suspicious.eml --offline',
    'mailsec message forwarded.eml --trusted-sealers lists.example.org --json --resolver 127.0.0.1',
    'mailsec message inbox.mbox --json --resolver 127.0.0.1 > verdicts.jsonl',
    'mailsec message - --ip 192.0.2.10 --mail-from alice@example.ch --helo mail.example.ch < msg.eml',
    'mailsec message msg.eml --authserv-id mx.example.net --resolver 127.0.0.1',
  ],
  async run(args, io) {
    if (args.positionals.length !== 1)
      throw new MailsecError(
        ErrorCode.Usage,
        'give one message file, mbox, Maildir or -',
        'try: mailsec message message.eml --offline',
      );
    const ip = str(args, 'ip');
    if (ip !== undefined && parseIp(ip) === null)
      throw new MailsecError(ErrorCode.Usage, `--ip "${ip}" is not an IP address`, 'try: --ip 192.0.2.10');
    const offline = bool(args, 'offline');
    if (offline && bool(args, 'bimi'))
      throw new MailsecError(
        ErrorCode.Usage,
        '--bimi needs DNS and HTTPS: it cannot be used with --offline',
        'drop one of them',
      );
    const trustedHops = positiveInt(args, 'trusted-hops');
    const authservId = str(args, 'authserv-id');
    const src = await sources(args.positionals[0]!);
    const json = bool(args, 'json');
    const failOn = str(args, 'fail-on');
    if (failOn !== undefined && !['error', 'warning', 'info'].includes(failOn))
      throw new MailsecError(
        ErrorCode.Usage,
        `--fail-on "${failOn}" is not a severity`,
        'try --fail-on error',
      );
    const cfg: NetworkConfig | null = offline ? null : await networkConfig(args, io.env);
    const style = createStyle(!json && wantsColor(io.stdout, io.env));
    const resolver = cfg ? openResolver(networkAuditConfig(cfg)) : null;
    let unreachable = false;
    const watched: Resolver | undefined = resolver
      ? {
          async query(name, type, options) {
            const a = await resolver.query(name, type, options);
            if (a.rcode === 'NETERROR') unreachable = true;
            return a;
          },
        }
      : undefined;
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let inputErrors = 0;
    let failing = 0;
    let count = 0;
    try {
      const bimi =
        cfg && watched && bool(args, 'bimi')
          ? await (async () => {
              const env = await createAuditEnvironment(auditConfig(args, cfg), {
                resolver: watched,
                signal: controller.signal,
              });
              return {
                resolver: env.resolver,
                addressPolicy: env.addressPolicy,
                options: env.options,
                now: env.now,
                signal: controller.signal,
                resolverValidates: false,
                resolverName: cfg.resolver,
                ...(env.http ? { http: env.http } : {}),
              };
            })()
          : undefined;
      const options: AnalyseMessageOptions = {
        offline,
        ...(watched ? { resolver: watched } : {}),
        ...(ip !== undefined ? { ip } : {}),
        ...(str(args, 'helo') !== undefined ? { helo: str(args, 'helo')! } : {}),
        ...(args.values['mail-from'] !== undefined ? { mailFrom: str(args, 'mail-from') ?? '' } : {}),
        ...(trustedHops !== undefined ? { trustedHops } : {}),
        ...(authservId !== undefined ? { authservId } : {}),
        trustedSealers: list(args, 'trusted-sealers'),
        ...(bimi ? { bimi } : {}),
        signal: controller.signal,
      };
      for await (const item of src.read()) {
        count++;
        const where =
          count > 1 || item.index > 1 || src.label !== args.positionals[0]
            ? `${src.label} #${item.index}`
            : src.label;
        const source = { path: src.label, index: item.index };
        let analysis: MessageAnalysis | null = null;
        let error: { part: string; message: string } | null = item.error
          ? { part: item.part ?? 'message', message: item.error }
          : null;
        if (!error) {
          try {
            analysis = await analyseMessage(item.bytes!, options);
          } catch (e) {
            if (!(e instanceof MessageInputError)) throw e;
            error = { part: e.part, message: e.message };
          }
        }
        if (error) {
          inputErrors++;
          if (json) io.stdout.write(`${JSON.stringify({ source, error })}\n`);
          else io.stderr.write(`mailsec: ${where}: ${error.message}\n`);
          continue;
        }
        const a = analysis!;
        const r = a.dmarc?.result;
        if (failOn && r && r !== 'pass' && (failOn !== 'error' || r !== 'none')) failing++;
        if (json) io.stdout.write(`${JSON.stringify({ source, ...a })}\n`);
        else io.stdout.write(`${renderMessage(a, style, count > 1 || item.index > 1 ? where : undefined)}\n`);
      }
    } finally {
      process.off('SIGINT', onSigint);
      await resolver?.close();
    }
    if (unreachable) return EXIT.cannotRun;
    if (inputErrors > 0) return EXIT.usage;
    if (failing > 0) return EXIT.findings;
    return EXIT.ok;
  },
};

export type { CommandIo };
