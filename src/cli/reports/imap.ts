/**
 * `mailsec reports import imaps://user@host[:port]/FOLDER` (and `imap://` with mandatory
 * STARTTLS) with imapflow.
 *
 * - The URL (RFC 5092): user and folder percent-decoded; a password in it is refused (exit 2) and
 *   never echoed; the password comes from MAILSEC_IMAP_PASSWORD or --password-file.
 * - The host is resolved through mailsec's resolver (an IP literal is used as given) and must pass
 *   the address policy (--allow-private for special-purpose addresses); the certificate is always
 *   verified against the host name (--ca-file adds trust, nothing turns it off).
 * - `imap://`: imapflow's `doSTARTTLS: true` — a server that does not offer STARTTLS fails the
 *   connection before any credential is sent (exit 3).
 * - Resume by UID: the folder's UIDVALIDITY and the highest UID read are stored with the
 *   reports; a re-run fetches the envelopes and sizes of new UIDs only, and the bodies of those
 *   it imports. When UIDVALIDITY changed, messages whose Message-ID and size were read before
 *   are not fetched again.
 * - A message larger than --max-message-size is not fetched; a message that holds no report is
 *   counted and left alone (never moved, flagged or deleted); --move-to / --mark-seen act only
 *   on messages whose reports were stored.
 * - --watch: IDLE (imapflow's), a pass whenever the folder grows (and every minute), reconnect
 *   with backoff (0.5 s doubling to 30 s) after the server went away; the database is opened per
 *   pass only, so `reports summary` and the others can read it in between.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import { sleep } from '../../core/abort.ts';
import { ErrorCode, MailsecError } from '../../core/errors.ts';
import { streamReports } from '../../ingest/read.ts';
import { createAddressPolicy } from '../../net/address-policy.ts';
import { trustStore } from '../../net/ca.ts';
import type { ImapMessageMark, ReportStore } from '../../store/report-store.ts';
import type { CommandIo, ParsedArgs } from '../command.ts';
import { bool, str } from '../command.ts';
import { EXIT } from '../exit.ts';
import { Importer, type ImportSummary } from './importer.ts';

export interface ImapTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly folder: string;
  /** the folder's identity in the database (no password, ever) */
  readonly mailbox: string;
}

const usage = (m: string, hint: string) => new MailsecError(ErrorCode.Usage, m, hint);

/** Parses an IMAP URL (RFC 5092); errors never repeat a password. */
export function parseImapUrl(raw: string): ImapTarget {
  const m = /^(imaps?):\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(raw.trim());
  if (!m) throw usage('not an IMAP URL', 'try: imaps://user@imap.example.ch/INBOX');
  const scheme = (m[1] as string).toLowerCase();
  const authority = m[2] as string;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : '';
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  if (userinfo.includes(':')) {
    throw usage(
      'the IMAP URL carries a password; it would end up in the shell history and the process list',
      'remove it from the URL and set MAILSEC_IMAP_PASSWORD or give --password-file FILE',
    );
  }
  const decode = (s: string, what: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw usage(`the IMAP URL's ${what} has a bad percent-escape`, 'escape @ as %40, / as %2F');
    }
  };
  // ";AUTH=…" (RFC 5092 §3.2) picks a SASL mechanism; imapflow chooses itself
  const user = decode(userinfo.replace(/;auth=[^;]*$/i, ''), 'user name');
  if (!user)
    throw usage('the IMAP URL names no user', 'try: imaps://dmarc%40example.ch@imap.example.ch/INBOX');
  const hp = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(hostport);
  if (!hp) throw usage('the IMAP URL names no host', 'try: imaps://user@imap.example.ch/INBOX');
  const host = (hp[1] as string).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const secure = scheme === 'imaps';
  const port = hp[2] ? Number(hp[2]) : secure ? 993 : 143;
  if (!(port > 0 && port < 65536)) throw usage(`the IMAP URL's port ${hp[2]} is not a port`, 'try :993');
  const path = (m[3] ?? '/').slice(1).replace(/;uidvalidity=\d+$/i, '');
  const folder = path ? decode(path, 'folder') : 'INBOX';
  return {
    secure,
    host,
    port,
    user,
    folder,
    // imap:// and imaps:// to the same host are the same folder
    mailbox: `imap://${encodeURIComponent(user)}@${host.includes(':') ? `[${host}]` : host}/${folder}`,
  };
}

/** "50M", "500k", "1000000" → bytes */
function sizeOf(raw: string): number {
  const m = /^(\d+)\s*([kKmMgG]?)[bB]?$/.exec(raw.trim());
  if (!m) throw usage(`--max-message-size "${raw}" is not a size`, 'try --max-message-size 50M');
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

function password(args: ParsedArgs, io: CommandIo): string {
  const file = str(args, 'password-file');
  if (file) {
    try {
      const line = readFileSync(file, 'utf8').split(/\r?\n/, 1)[0] ?? '';
      if (!line) throw new Error('the file is empty');
      return line;
    } catch (e) {
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `--password-file ${file}: ${(e as Error).message}`,
        'give a file whose first line is the password',
      );
    }
  }
  const env = io.env.MAILSEC_IMAP_PASSWORD;
  if (env) return env;
  throw usage('no IMAP password', 'set MAILSEC_IMAP_PASSWORD or give --password-file FILE');
}

const imapError = (m: string, hint: string, cause?: unknown) =>
  new MailsecError(ErrorCode.ImapFailed, m, hint, cause ? { cause } : undefined);

/** Resolves the host through mailsec's resolver (an IP literal as given) and applies the address policy. */
async function address(t: ImapTarget, args: ParsedArgs, io: CommandIo): Promise<string> {
  const { allowPrivate } = await import('../options.ts');
  const policy = createAddressPolicy(allowPrivate(args, io.env));
  let candidates: string[];
  if (isIP(t.host)) candidates = [t.host];
  else {
    const { networkConfig } = await import('../options.ts');
    const { networkAuditConfig } = await import('../environment.ts');
    const { openResolver } = await import('../../audit/environment.ts');
    const resolver = openResolver(networkAuditConfig(await networkConfig(args, io.env)));
    try {
      const a = await resolver.query(t.host, 'A');
      const aaaa = await resolver.query(t.host, 'AAAA');
      candidates = [...a.records, ...aaaa.records].map(String);
      if (!candidates.length) {
        const why = [a, aaaa].find((x) => x.rcode !== 'NOERROR')?.rcode ?? 'no address';
        throw imapError(`${t.host}: cannot resolve the IMAP host (${why})`, 'check the name, or --resolver');
      }
    } finally {
      (resolver as { close?: () => void }).close?.();
    }
  }
  const ok = candidates.find((a) => policy.verdict(a).allowed);
  if (!ok) {
    const v = policy.verdict(candidates[0] as string);
    throw usage(
      `${t.host}: ${candidates[0]} is a special-purpose address${v.range ? ` (${v.range})` : ''}; mailsec does not connect to it`,
      `allow it with --allow-private ${v.range ?? candidates[0]}`,
    );
  }
  return ok;
}

interface Session {
  readonly client: ImapFlow;
  readonly target: ImapTarget;
}

async function connect(
  t: ImapTarget,
  ip: string,
  pass: string,
  args: ParsedArgs,
  timeoutMs: number,
): Promise<Session> {
  const caFile = str(args, 'ca-file');
  const ca = trustStore(caFile);
  const client = new ImapFlow({
    host: ip,
    port: t.port,
    secure: t.secure,
    ...(t.secure ? {} : { doSTARTTLS: true }),
    ...(isIP(t.host) ? {} : { servername: t.host }),
    auth: { user: t.user, pass },
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: 5 * 60_000,
    maxIdleTime: 60_000,
    // --watch: IDLE a second after a pass (imapflow's default waits 15 s)
    autoIdleDelay: 1000,
  });
  client.on('error', () => {
    // reported through the pending command or the close event
  });
  try {
    await client.connect();
  } catch (e) {
    const err = e as {
      code?: string;
      authenticationFailed?: boolean;
      message?: string;
      responseText?: string;
    };
    const msg = String(err.message ?? e);
    if (/STARTTLS/i.test(msg) && !t.secure) {
      throw imapError(
        `${t.host}:${t.port} does not offer STARTTLS; mailsec sent no credential and stopped`,
        'use imaps:// (TLS from the first byte) if the server has it, or ask for STARTTLS',
        e,
      );
    }
    if (err.authenticationFailed) {
      throw imapError(
        `${t.host}: authentication failed for ${t.user}${err.responseText ? ` (${err.responseText})` : ''}`,
        'check the user and MAILSEC_IMAP_PASSWORD / --password-file',
        e,
      );
    }
    if (/certificate|self[- ]signed|unable to verify|altname|CERT_/i.test(`${msg} ${err.code ?? ''}`)) {
      throw imapError(
        `${t.host}: the server's certificate is not trusted (${msg})`,
        'certificates are always verified; --ca-file adds a CA to trust',
        e,
      );
    }
    throw imapError(
      `${t.host}:${t.port}: cannot connect to the IMAP server (${msg})`,
      'check host, port and the network',
      e,
    );
  }
  return { client, target: t };
}

interface PassOptions {
  readonly maxSize: number;
  readonly moveTo?: string;
  readonly markSeen: boolean;
}

/** messages handled between two commits (database, then move/flag) */
const IMAP_BATCH = 50;

/**
 * One pass over the folder: the envelopes of new UIDs, then each body, stored in batches; the
 * folder state is committed with the reports, before messages are moved.
 */
async function pass(
  s: Session,
  store: ReportStore,
  io: CommandIo,
  summary: ImportSummary,
  o: PassOptions,
): Promise<number> {
  const { client, target } = s;
  const lock = await client.getMailboxLock(target.folder);
  let read = 0;
  try {
    const box = client.mailbox;
    if (!box) throw imapError(`${target.folder}: cannot open the folder`, 'check its name');
    const uidValidity = Number(box.uidValidity);
    const state = await store.imapFolder(target.mailbox);
    const resumed = state !== undefined && state.uidValidity === uidValidity;
    const from = resumed ? state.lastUid + 1 : 1;
    // (the cached UIDNEXT of a mailbox kept selected is stale: ask the server)
    if (!box.exists) return 0;
    const meta: { uid: number; size: number; messageId: string | null }[] = [];
    for await (const m of client.fetch(
      `${from}:*`,
      { uid: true, size: true, envelope: true },
      { uid: true },
    )) {
      if (m.uid >= from)
        meta.push({ uid: m.uid, size: m.size ?? 0, messageId: m.envelope?.messageId ?? null });
    }
    meta.sort((a, b) => a.uid - b.uid);
    let skip = new Set<string>();
    if (!resumed && state !== undefined) {
      // UIDVALIDITY changed: the UIDs mean nothing now; what was read before is known by Message-ID and size
      const ids = meta
        .filter((m) => m.messageId)
        .map((m) => ({ messageId: m.messageId as string, size: m.size }));
      skip = await store.knownImapMessages(target.mailbox, ids);
      io.stderr.write(
        `mailsec: ${target.mailbox}: UIDVALIDITY changed (${state.uidValidity} → ${uidValidity}); messages read before are skipped by Message-ID\n`,
      );
    }
    if (o.moveTo && meta.length) {
      // MOVE to a folder that does not exist fails (TRYCREATE): create it first
      await client.mailboxCreate(o.moveTo).catch(() => undefined);
    }
    const importer = new Importer(store, io, summary);
    let lastUid = state && resumed ? state.lastUid : 0;
    for (let at = 0; at < meta.length; at += IMAP_BATCH) {
      const batch = meta.slice(at, at + IMAP_BATCH);
      const marks: ImapMessageMark[] = [];
      const done: number[] = [];
      for (const m of batch) {
        const shown = `${target.mailbox} UID ${m.uid}`;
        if (m.messageId && skip.has(`${m.messageId}\u0000${m.size}`)) {
          marks.push({ uid: m.uid, messageId: m.messageId, size: m.size, reports: 0 });
          continue;
        }
        if (m.size > o.maxSize) {
          summary.unreadable++;
          io.stderr.write(
            `mailsec: ${shown}: the message is larger than --max-message-size (${m.size} bytes); not fetched, left alone\n`,
          );
          marks.push({ uid: m.uid, messageId: m.messageId, size: m.size, reports: 0 });
          continue;
        }
        const msg = await client.fetchOne(String(m.uid), { uid: true, source: true }, { uid: true });
        read++;
        summary.messages = (summary.messages ?? 0) + 1;
        const source = msg ? msg.source : undefined;
        if (!source?.length) {
          summary.unreadable++;
          io.stderr.write(`mailsec: ${shown}: the server sent no message body\n`);
          continue;
        }
        const r = await importer.input(
          streamReports([source], shown, { limits: { maxMessageBytes: o.maxSize } }),
          shown,
        );
        marks.push({ uid: m.uid, messageId: m.messageId, size: m.size, reports: r.reports });
        if (r.reports > 0 && r.failed === 0 && r.unreadable === 0) done.push(m.uid);
      }
      await importer.flush();
      if (importer.takeFailures()) done.length = 0;
      lastUid = Math.max(lastUid, ...batch.map((m) => m.uid));
      await store.markImap(target.mailbox, { uidValidity, lastUid }, marks);
      if (done.length && o.markSeen) await client.messageFlagsAdd(done.join(','), ['\\Seen'], { uid: true });
      if (done.length && o.moveTo) {
        const moved = await client.messageMove(done.join(','), o.moveTo, { uid: true });
        if (!moved)
          io.stderr.write(
            `mailsec: ${target.mailbox}: could not move ${done.length} messages to ${o.moveTo}\n`,
          );
      }
    }
  } finally {
    lock.release();
  }
  return read;
}

/** a pause between polls that an abort ends early (resolving: the loop then sees the signal) */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, signal).catch(() => undefined);

export async function importImap(
  url: string,
  args: ParsedArgs,
  dbPath: string,
  dbName: string,
  io: CommandIo,
): Promise<number> {
  const target = parseImapUrl(url);
  if (bool(args, 'force'))
    throw usage('--force is for files; an IMAP import resumes by UID', 'leave --force out');
  const pass_ = password(args, io);
  const maxSize = sizeOf(str(args, 'max-message-size') ?? '50M');
  const timeout = Number(str(args, 'timeout') ?? 30_000);
  if (!(Number.isInteger(timeout) && timeout > 0))
    throw usage('--timeout is not a duration in milliseconds', 'try --timeout 30000');
  const moveTo = str(args, 'move-to');
  const o: PassOptions = { maxSize, markSeen: bool(args, 'mark-seen'), ...(moveTo ? { moveTo } : {}) };
  const json = bool(args, 'json');
  const watch = bool(args, 'watch');
  const ip = await address(target, args, io);
  const { openReportStore } = await import('../../store/report-store.ts');
  const summary: ImportSummary = {
    db: dbPath,
    messages: 0,
    reports: 0,
    new: 0,
    duplicates: 0,
    unreadable: 0,
  };
  const printSummary = (s: ImportSummary) =>
    io.stdout.write(
      json
        ? `${JSON.stringify(s)}\n`
        : `${s.messages} ${s.messages === 1 ? 'message' : 'messages'} read, ${s.reports} ${s.reports === 1 ? 'report' : 'reports'} found: ${s.new} new, ${s.duplicates} ${s.duplicates === 1 ? 'duplicate' : 'duplicates'}, ${s.unreadable} unreadable (${dbName})\n`,
    );
  /** one pass with the database open for its length only */
  const run = async (s: Session, into: ImportSummary) => {
    const store = await openReportStore(dbPath);
    try {
      return await pass(s, store, io, into, o);
    } finally {
      store.close();
    }
  };
  if (!watch) {
    const s = await connect(target, ip, pass_, args, timeout);
    try {
      await run(s, summary);
    } finally {
      await s.client.logout().catch(() => undefined);
    }
    printSummary(summary);
    return EXIT.ok;
  }
  // --watch: until SIGINT / SIGTERM
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let backoff = 500;
  let first = true;
  try {
    while (!stop.signal.aborted) {
      let s: Session;
      try {
        s = await connect(target, ip, pass_, args, timeout);
      } catch (e) {
        if (first || (e as MailsecError).message.includes('authentication failed')) throw e;
        io.stderr.write(`mailsec: ${(e as Error).message}; retrying in ${backoff / 1000} s\n`);
        await pause(backoff, stop.signal);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      first = false;
      backoff = 500;
      let wake: (() => void) | undefined;
      let grown = true;
      let closed = false;
      s.client.on('exists', () => {
        grown = true;
        wake?.();
      });
      s.client.on('close', () => {
        closed = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      stop.signal.addEventListener('abort', onAbort);
      try {
        while (!stop.signal.aborted && !closed) {
          if (grown) {
            grown = false;
            const before: ImportSummary = {
              db: dbPath,
              messages: 0,
              reports: 0,
              new: 0,
              duplicates: 0,
              unreadable: 0,
            };
            const n = await run(s, before);
            for (const k of ['messages', 'reports', 'new', 'duplicates', 'unreadable'] as const)
              summary[k] = (summary[k] ?? 0) + (before[k] ?? 0);
            if (n) printSummary(before);
            // the folder stays selected, so imapflow IDLEs and reports new mail as `exists`
          }
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(() => {
              grown = true;
              r();
            }, 60_000).unref();
          });
          wake = undefined;
        }
      } catch (e) {
        if (stop.signal.aborted) break;
        io.stderr.write(`mailsec: ${target.mailbox}: ${(e as Error).message}; reconnecting\n`);
      } finally {
        stop.signal.removeEventListener('abort', onAbort);
        if (!closed) await s.client.logout().catch(() => undefined);
      }
      if (!stop.signal.aborted) {
        io.stderr.write(
          `mailsec: ${target.mailbox}: connection closed; reconnecting in ${backoff / 1000} s\n`,
        );
        await pause(backoff, stop.signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  printSummary(summary);
  return EXIT.ok;
}
