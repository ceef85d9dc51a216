/**
 * `mailsec serve --db FILE [--listen 127.0.0.1:8025] …`: the web dashboard (src/serve/). This file
 * turns flags into the server's options and enforces the start-up rules of interface.md: off
 * loopback the server refuses to start without `--token-file` and `--tls-cert`/`--tls-key`, naming
 * what is missing; a token file must be mode ≤ 0600 and carry ≥ 128 bits; live checks get their
 * own address policy (`--live-allow-private`, default none), never `--allow-private`.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { auditDomain } from '../audit/audit.ts';
import { toDocument } from '../audit/document.ts';
import { createAuditEnvironment, openResolver } from '../audit/environment.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { type FixRecords, LiveChecks } from '../serve/live.ts';
import { storeReportData } from '../serve/reports.ts';
import { storeScanData } from '../serve/scans.ts';
import { isLoopback, type ListenAddress, MIN_TOKEN_BITS, newToken, tokenBits } from '../serve/security.ts';
import { DEFAULT_DB } from '../store/scan-store.ts';
import { CHECK_OPTIONS, parseOnly } from './check.ts';
import type { CommandDef, CommandIo } from './command.ts';
import { bool, list, str } from './command.ts';
import { auditConfig, networkAuditConfig } from './environment.ts';
import { EXIT } from './exit.ts';
import { networkConfig } from './options.ts';
import { mailsecVersion } from './version.ts';

export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
  const port = Number(m?.[3]);
  if (!m || !(port >= 0 && port <= 65535) || (host !== 'localhost' && isIP(host) === 0)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--listen "${text}" is not ADDRESS:PORT with an IP address`,
      'try --listen 127.0.0.1:8025 (or [::1]:8025, or 0.0.0.0:8443 with --token-file and --tls-cert/--tls-key)',
    );
  }
  return { host, port };
}

/** Reads a token file: a regular file, mode ≤ 0600, content (trimmed) of at least 128 bits. */
export function readTokenFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--token-file ${path}: cannot read it (${(e as { code?: string }).code ?? (e as Error).message})`,
      `write one with: mailsec serve --generate-token ${path}`,
      { cause: e },
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new MailsecError(ErrorCode.Usage, `--token-file ${path}: not a regular file`);
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new MailsecError(
        ErrorCode.Usage,
        `--token-file ${path}: mode ${mode.toString(8).padStart(4, '0')} lets others read it (at most 0600)`,
        `chmod 600 ${path}`,
      );
    }
    const token = readFileSync(fd, 'utf8').trim();
    const bits = tokenBits(token);
    if (bits < MIN_TOKEN_BITS) {
      throw new MailsecError(
        ErrorCode.Usage,
        `--token-file ${path}: the token carries at most ${Math.floor(bits)} bits; at least ${MIN_TOKEN_BITS} are needed`,
        `write a new one with: mailsec serve --generate-token ${path}.new`,
      );
    }
    return token;
  } finally {
    closeSync(fd);
  }
}

/** Writes a new 256-bit token to a file that does not exist yet, mode 0600. */
export function generateTokenFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new MailsecError(
      ErrorCode.Usage,
      `--generate-token ${path}: ${code === 'EEXIST' ? 'the file exists (a token is never overwritten)' : `cannot create it (${code ?? (e as Error).message})`}`,
      code === 'EEXIST' ? `use it with --token-file ${path}, or remove it first` : 'give a writable path',
      { cause: e },
    );
  }
  try {
    writeSync(fd, `${newToken()}\n`);
  } finally {
    closeSync(fd);
  }
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--${flag} ${path}: cannot read it (${(e as { code?: string }).code ?? (e as Error).message})`,
      'give a PEM file',
      { cause: e },
    );
  }
}

const { verbose: _v, json: _j, 'fail-on': _f, ...LIVE_CHECK_OPTIONS } = CHECK_OPTIONS;

export const serveCommand: CommandDef = {
  name: 'serve',
  summary: 'Web dashboard over stored scans, domains and DMARC/TLS reports, with live checks.',
  usage:
    'mailsec serve [--db FILE] [--listen 127.0.0.1:8025] [--token-file FILE --tls-cert PEM --tls-key PEM] [--resolver ADDR] [--live-allow-private CIDR,…]',
  description:
    'Listens on loopback by default and answers 421 to a request for another host name (DNS rebinding).\n' +
    'Any other address needs --token-file (mode 0600, at least 128 bits; --generate-token FILE writes one)\n' +
    'and --tls-cert/--tls-key; with --token-file every page and API call but /login needs the token\n' +
    '(API: Authorization: Bearer <token>; pages: a session cookie after /login). The database is opened\n' +
    'read-only for each request, so the server works beside a running scan or import. Live checks\n' +
    'connect only to public addresses and those in --live-allow-private, never --allow-private’s.\n' +
    'See docs/serve.md.',
  options: {
    db: { type: 'string', value: 'FILE', description: 'the database', default: DEFAULT_DB },
    listen: {
      type: 'string',
      value: 'ADDR:PORT',
      description: 'where to listen (port 0: any free port)',
      default: '127.0.0.1:8025',
    },
    'token-file': {
      type: 'string',
      value: 'FILE',
      description: 'the access token (mode 0600, ≥ 128 bits); required off loopback',
    },
    'generate-token': {
      type: 'string',
      value: 'FILE',
      description: 'write a new 256-bit token to FILE (mode 0600) and exit',
    },
    'tls-cert': {
      type: 'string',
      value: 'PEM',
      description: 'TLS certificate (chain); required off loopback',
    },
    'tls-key': { type: 'string', value: 'PEM', description: 'TLS private key; required off loopback' },
    'server-name': {
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: 'a further host name the server answers as (Host header), e.g. dash.example.ch',
    },
    'live-allow-private': {
      type: 'string',
      multiple: true,
      value: 'cidr,…',
      description: 'special-purpose ranges a live check may connect to [default: none]',
    },
    'no-live': { type: 'boolean', description: 'no live checks' },
    imap: {
      type: 'string',
      value: 'URL',
      description:
        'imaps://user@host/FOLDER (or imap:// with STARTTLS): watch the folder and import the reports that arrive, as reports import --watch does; the server is then the writer',
    },
    'password-file': {
      type: 'string',
      value: 'FILE',
      description: 'IMAP: the password (first line); else MAILSEC_IMAP_PASSWORD',
    },
    'move-to': {
      type: 'string',
      value: 'FOLDER',
      description: 'IMAP: move each imported report mail to FOLDER',
    },
    'mark-seen': { type: 'boolean', description: 'IMAP: flag each imported report mail \\Seen' },
    'max-message-size': {
      type: 'string',
      value: 'BYTES',
      description: 'IMAP: larger messages are not fetched (k/M suffix)',
      default: '50M',
    },
    ...LIVE_CHECK_OPTIONS,
  },
  examples: [
    'mailsec serve --db ch.duckdb --resolver 127.0.0.1',
    'mailsec serve --generate-token ~/.config/mailsec/token',
    'mailsec serve --db ch.duckdb --listen 0.0.0.0:8443 --token-file ~/.config/mailsec/token --tls-cert cert.pem --tls-key key.pem --server-name dash.example.ch',
    'curl -H "Authorization: Bearer $(cat ~/.config/mailsec/token)" https://dash.example.ch:8443/api/scans',
    'MAILSEC_IMAP_PASSWORD=… mailsec serve --db reports.duckdb --imap imaps://dmarc%40example.ch@imap.example.ch/INBOX',
  ],
  async run(args, io) {
    const gen = str(args, 'generate-token');
    if (gen !== undefined) {
      const path = resolve(io.cwd, gen);
      generateTokenFile(path);
      io.stdout.write(`${path}\n`);
      io.stderr.write(`mailsec: wrote a new token to ${path} (mode 0600); start with --token-file ${gen}\n`);
      return EXIT.ok;
    }
    return serve(args, io);
  },
};

async function serve(args: Parameters<CommandDef['run']>[0], io: CommandIo): Promise<number> {
  const listen = parseListen(str(args, 'listen') ?? '127.0.0.1:8025');
  const tokenFile = str(args, 'token-file');
  const certFile = str(args, 'tls-cert');
  const keyFile = str(args, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `${certFile === undefined ? '--tls-cert' : '--tls-key'} is missing (TLS needs both --tls-cert and --tls-key)`,
      'give both: --tls-cert cert.pem --tls-key key.pem',
    );
  }
  if (!isLoopback(listen.host)) {
    const missing = [
      ...(tokenFile === undefined ? ['--token-file'] : []),
      ...(certFile === undefined ? ['--tls-cert/--tls-key'] : []),
    ];
    if (missing.length) {
      throw new MailsecError(
        ErrorCode.Usage,
        `--listen ${str(args, 'listen')} is not a loopback address: it needs --token-file and --tls-cert/--tls-key (missing: ${missing.join(', ')})`,
        'write a token with mailsec serve --generate-token FILE, and give a certificate and key; or listen on 127.0.0.1',
      );
    }
  }
  const token = tokenFile !== undefined ? readTokenFile(resolve(io.cwd, tokenFile)) : undefined;
  const tls =
    certFile !== undefined && keyFile !== undefined
      ? {
          cert: readPem(resolve(io.cwd, certFile), 'tls-cert'),
          key: readPem(resolve(io.cwd, keyFile), 'tls-key'),
        }
      : undefined;
  const imapUrl = str(args, 'imap');
  // the URL is checked before anything listens (a password in it, an unknown scheme: exit 2)
  const imap = imapUrl !== undefined ? await import('./reports/imap.ts') : null;
  if (imap && imapUrl !== undefined) imap.parseImapUrl(imapUrl);
  const dbPath = resolve(io.cwd, str(args, 'db') ?? DEFAULT_DB);
  const liveAllow = list(args, 'live-allow-private');
  const cfg = await networkConfig(args, io.env);
  // a live check's configuration: the check flags, with --live-allow-private as its only allowed ranges
  const liveConfig = { ...auditConfig(args, cfg, parseOnly(args)), allowPrivate: liveAllow };

  const live = bool(args, 'no-live')
    ? null
    : new LiveChecks({
        run: async (domain, signal) => {
          // a fresh environment per check: a re-check sees today's records, not an earlier check's cache
          const env = await createAuditEnvironment(liveConfig, { signal });
          try {
            const audit = await auditDomain(domain, env);
            const doc = toDocument(audit, { address: cfg.resolver, validates: env.probe.validates });
            // the records its findings ask for: `check --fix`, the generators of `mailsec generate`
            let fix: FixRecords | null = null;
            try {
              const f = await (await import('../generate/fix.ts')).fixDomain(audit, env);
              fix = { records: f.records, files: f.files, notes: f.notes };
            } catch {
              fix = null; // a generator that fails leaves the check's result standing
            }
            return { doc, fix };
          } finally {
            await env.close();
          }
        },
      });

  // identifies report sources (PTR, forward confirmation) as `mailsec reports sources` does; its cache lives with the server
  const reportsResolver = openResolver(networkAuditConfig(cfg));
  const { createServer } = await import('../serve/server.ts');
  const served = await createServer({
    listen,
    ...(tls ? { tls } : {}),
    ...(token !== undefined ? { token } : {}),
    serverNames: list(args, 'server-name'),
    scans: storeScanData(dbPath),
    reports: storeReportData(dbPath, { resolver: reportsResolver }),
    live,
    version: mailsecVersion(),
    livePolicy: liveAllow.length ? liveAllow.join(', ') : '',
  });
  let address: string;
  try {
    address = await served.app.listen({ host: listen.host, port: listen.port });
  } catch (e) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--listen ${str(args, 'listen') ?? '127.0.0.1:8025'}: cannot listen (${(e as { code?: string }).code ?? (e as Error).message})`,
      'is another server on that port? try another port',
      { cause: e },
    );
  }
  const port = (served.app.server.address() as { port: number }).port;
  const shownHost = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}/`;
  io.stdout.write(
    `${JSON.stringify({ url, db: dbPath, auth: token !== undefined, tls: tls !== undefined })}\n`,
  );
  io.stderr.write(
    `mailsec serve: ${url} (database ${dbPath}, ${imapUrl ? 'reports from IMAP written into it' : 'read-only per request'}${token ? ', token required' : ''}${live ? '' : ', live checks off'}); ^C stops\n`,
  );
  void address;
  // --imap: the IMAP watcher of `reports import --watch` in this process; the server is then the
  // writer (its own reads wait for the watcher's passes: guardInProcess in src/store/duckdb.ts)
  const watcher =
    imap && imapUrl !== undefined
      ? imap.importImap(
          imapUrl,
          { values: { ...args.values, watch: true, json: false }, positionals: [] },
          dbPath,
          str(args, 'db') ?? DEFAULT_DB,
          { ...io, stdout: io.stderr },
        )
      : null;
  let failed: unknown = null;
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    watcher?.then(
      () => undefined,
      (e) => {
        failed = e;
        stop();
      },
    );
  });
  live?.close();
  await served.app.close();
  await reportsResolver.close();
  if (failed) throw failed;
  await watcher;
  return EXIT.ok;
}
