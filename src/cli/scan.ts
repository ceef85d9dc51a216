import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import type { AuditConfig } from '../audit/environment.ts';
import {
  createAuditEnvironment,
  DEFAULTS,
  type OpenAuditEnvironment,
  openResolver,
} from '../audit/environment.ts';
import { ErrorCode, isMailsecError, MailsecError } from '../core/errors.ts';
import { normaliseDomain } from '../core/names.ts';
import type { ResolverStats } from '../dns/index.ts';
import { createRateGate } from '../dns/rate.ts';
import { type Exclusions, NO_EXCLUSIONS, parseExclusions } from '../net/exclusions.ts';
import { parseQueueUrl } from '../queue/connection.ts';
import { markFinished, queueStatus, runQueuedScan } from '../queue/coordinator.ts';
import { DEFAULT_CHUNK, jobConfigOf, MAX_CHUNK } from '../queue/jobs.ts';
import type { InputFormat, InputStream } from '../scan/input.ts';
import { openInput } from '../scan/input.ts';
import { createOperatorGate } from '../scan/politeness.ts';
import { formatProgress, type RunCounters, runScan } from '../scan/run.ts';
import { openScanSink } from '../scan/store.ts';
import { DEFAULT_DB, type ScanStore, type Staged } from '../store/scan-store.ts';
import { CHECK_OPTIONS, parseOnly } from './check.ts';
import type { CommandDef, CommandIo, ParsedArgs } from './command.ts';
import { bool, list, str } from './command.ts';
import { auditConfig, selectorListOf } from './environment.ts';
import { EXIT } from './exit.ts';
import { boundHeapGrowth } from './heap.ts';
import { allowPrivate, networkConfig } from './options.ts';
import { scanExportCommand } from './scan-export.ts';

/** Defaults of the pacing options (docs/scan.md says why). */
export const DEFAULT_QPS = 10_000;
export const DEFAULT_NS_QPS = 2_000;

export function nonNegativeInt(args: ParsedArgs, name: string, fallback: number): number {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--${name} "${raw}" is not a whole number ≥ 0`,
      `try --${name} ${fallback}`,
    );
  }
  return n;
}

/**
 * The EHLO name of a scan's probes: --ehlo, else this machine's name when it is fully qualified
 * (so a postmaster can see who knocks), else mailsec.invalid with a note to set one.
 */
function scanEhlo(given: string | undefined, stderr: NodeJS.WritableStream, noSmtp: boolean): string {
  if (given) return given;
  const host = hostname().toLowerCase();
  if (host.includes('.') && normaliseDomain(host).ok) return host;
  if (!noSmtp) {
    stderr.write(
      'mailsec: SMTP probes say EHLO mailsec.invalid; give --ehlo with a name of yours that explains the scan (a web page at it helps postmasters)\n',
    );
  }
  return 'mailsec.invalid';
}

/** --exclude FILE, read once: the parsed list and its lines (for the environment). */
export function readExclusions(file: string | undefined, cwd: string): Exclusions & { lines: string[] } {
  if (!file) return { ...NO_EXCLUSIONS, lines: [] };
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--exclude ${file}: ${(e as Error).message}`,
      'give a readable file',
      {
        cause: e,
      },
    );
  }
  return { ...parseExclusions(text, file), lines: text.split('\n') };
}

export function positiveInt(args: ParsedArgs, name: string, fallback: number, max: number): number {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n > 0 && n <= max)) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--${name} "${raw}" is not a whole number from 1 to ${max}`,
      `try --${name} ${fallback}`,
    );
  }
  return n;
}

/** The default scan name: the input's file name without extensions (`-`: stdin), so a re-run resumes. */
export function defaultScanName(input: string): string {
  if (input === '-') return 'stdin';
  return (
    basename(input)
      .replace(/(\.gz)$/i, '')
      .replace(/\.(txt|zone|list|csv|db)$/i, '') || 'scan'
  );
}

const SCAN_OPTIONS: CommandDef['options'] = {
  db: {
    type: 'string',
    value: 'FILE',
    description: 'the embedded database (DuckDB) file',
    default: DEFAULT_DB,
  },
  scan: {
    type: 'string',
    value: 'NAME',
    description: 'the scan’s name; re-running with the same name resumes it [default: the input’s file name]',
  },
  'input-format': {
    type: 'string',
    value: 'list|zone',
    description: 'the input’s format [default: sniffed]',
  },
  origin: { type: 'string', value: 'NAME', description: 'zone file: the origin before any $ORIGIN' },
  concurrency: { type: 'string', value: 'N', description: 'domains in flight at once', default: '64' },
  batch: {
    type: 'string',
    value: 'N',
    description: 'results written per part file (at least every 5 seconds)',
    default: '2000',
  },
  qps: {
    type: 'string',
    value: 'N',
    description:
      'DNS queries per second at most, retries included (0: no fixed ceiling; SERVFAIL/timeout storms still slow it)',
    default: String(DEFAULT_QPS),
  },
  'dns-in-flight': {
    type: 'string',
    value: 'N',
    description:
      'DNS queries on the wire at once, at most (a resolver drops what overflows its request list: each drop costs a timeout)',
    default: String(DEFAULTS.dnsInFlight),
  },
  'ns-qps': {
    type: 'string',
    value: 'N',
    description:
      'queries per second per name-server operator (the registrable domains of a domain’s NS hosts; 0: no limit)',
    default: String(DEFAULT_NS_QPS),
  },
  exclude: {
    type: 'string',
    value: 'FILE',
    description:
      'domains (with everything below them), addresses and CIDRs never scanned, asked or connected to',
  },
  'query-log': {
    type: 'string',
    value: 'FILE',
    description:
      'write every DNS query sent (name, type, CD bit) to FILE, one a line (benchmarks: bench/scan/)',
  },
  'progress-every': {
    type: 'string',
    value: 'S',
    description: 'seconds between progress lines when stderr is not a terminal',
    default: '30',
  },
  'retry-errors': {
    type: 'boolean',
    description:
      'also scan again the stored domains with a section that could not be determined (error), replacing them',
  },
  queue: {
    type: 'string',
    value: 'URL',
    description:
      'scale out: redis://HOST:PORT[/DB] or rediss://…; the scan becomes chunk jobs for `mailsec worker`s and this process collects their results (password: env MAILSEC_REDIS_PASSWORD; docs/scale-out.md)',
  },
  chunk: {
    type: 'string',
    value: 'N',
    description: 'with --queue: domains per chunk job',
    default: String(DEFAULT_CHUNK),
  },
  status: {
    type: 'string',
    value: 'NAME',
    description: 'with --queue: show the progress of scan NAME across its workers (no INPUT)',
  },
  ...CHECK_OPTIONS,
  json: { type: 'boolean', description: 'print a JSON summary of the run on stdout' },
};

export const scanCommand: CommandDef = {
  name: 'scan',
  summary: 'Audit every domain of a list or zone file into a database (resumable).',
  usage:
    'mailsec scan [OPTIONS] <INPUT | -> [--db FILE] [--scan NAME] | mailsec scan export --format csv|jsonl|parquet|gmp-csv',
  description:
    'INPUT: a domain list (one name a line, # comments) or a DNS zone file (the delegated names, i.e. owners of NS records below the apex); - reads stdin; .gz is unpacked. Each domain’s result (the `check --json` document) is stored once per scan; an interrupted scan resumes where it stopped when run again with the same --scan. Takes the options of `check`.',
  options: SCAN_OPTIONS,
  subcommands: { export: scanExportCommand },
  ownPositionals: true,
  examples: [
    'mailsec scan domains.txt --db ch.duckdb --scan ch-2026-11 --resolver 127.0.0.1',
    'zcat ch.zone.gz | mailsec scan - --scan ch --no-http --concurrency 256',
    'mailsec scan ch.zone.gz --scan ch    # run again after a crash: resumes',
    'mailsec scan ch.zone.gz --scan ch --retry-errors    # later: a second pass over timeouts and SERVFAILs',
    'mailsec report --db ch.duckdb --scan ch --json',
    'mailsec scan export --db ch.duckdb --scan ch --format parquet --out ch.parquet',
    'mailsec scan ch.zone.gz --db ch.duckdb --scan ch --queue redis://10.0.0.5:6379/0 --chunk 500    # with `mailsec worker`s',
    'mailsec scan --queue redis://10.0.0.5:6379/0 --status ch',
  ],
  async run(args, io) {
    const queueUrl = str(args, 'queue');
    const statusOf = str(args, 'status');
    if (statusOf !== undefined) {
      if (!queueUrl) {
        throw new MailsecError(
          ErrorCode.Usage,
          '--status needs --queue',
          'try: mailsec scan --queue redis://127.0.0.1:6379 --status NAME',
        );
      }
      return showStatus(queueUrl, statusOf, args, io);
    }
    if (args.positionals.length !== 1) {
      throw new MailsecError(
        ErrorCode.Usage,
        'give one input: a domain list, a zone file or -',
        'try: mailsec scan domains.txt',
      );
    }
    const input = args.positionals[0] as string;
    const format = str(args, 'input-format');
    if (format !== undefined && format !== 'list' && format !== 'zone') {
      throw new MailsecError(
        ErrorCode.Usage,
        `--input-format "${format}" is not list or zone`,
        'try --input-format zone',
      );
    }
    const only = parseOnly(args);
    const concurrency = positiveInt(args, 'concurrency', 64, 10_000);
    const batchSize = positiveInt(args, 'batch', 2000, 100_000);
    boundHeapGrowth(process.execArgv);
    const cfg = await networkConfig(args, io.env);
    let source: InputStream;
    try {
      source = await openInput(input === '-' ? '-' : resolve(io.cwd, input), {
        ...(format ? { format: format as InputFormat } : {}),
        ...(str(args, 'origin') ? { origin: str(args, 'origin') } : {}),
      });
    } catch (e) {
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `${input}: ${(e as Error).message}`,
        'give a readable file or -',
        {
          cause: e,
        },
      );
    }
    const scanName = str(args, 'scan') ?? defaultScanName(input);
    const dbPath = resolve(io.cwd, str(args, 'db') ?? DEFAULT_DB);
    const options = {
      only: only ?? null,
      selectors: list(args, 'selectors'),
      selectorList: selectorListOf(args, 'short'),
      noSmtp: bool(args, 'no-smtp'),
      noHttp: bool(args, 'no-http'),
      ehlo: str(args, 'ehlo') ?? null,
      allowPrivate: allowPrivate(args, io.env),
      resolver: cfg.resolver,
    };
    const qps = nonNegativeInt(args, 'qps', DEFAULT_QPS);
    const nsQps = nonNegativeInt(args, 'ns-qps', DEFAULT_NS_QPS);
    const exclusions = readExclusions(str(args, 'exclude'), io.cwd);
    let excluded = 0;
    const wanted = async function* (chunks: AsyncIterable<string[]>): AsyncGenerator<string[]> {
      for await (const chunk of chunks) {
        const keep = chunk.filter((d) => !exclusions.excludesName(d));
        excluded += chunk.length - keep.length;
        yield keep;
      }
    };
    const store = await openScanSink(dbPath);
    const rate = createRateGate({ qps });
    const progressEvery = positiveInt(args, 'progress-every', 30, 86_400) * 1000;
    const logFile = str(args, 'query-log');
    const queryLog = logFile ? bufferedLines(createWriteStream(resolve(io.cwd, logFile))) : null;
    const config = auditConfig(args, cfg, only, {
      selectorList: 'short',
      scan: true,
      ehlo: scanEhlo(str(args, 'ehlo'), io.stderr, bool(args, 'no-smtp')),
      exclude: exclusions.lines,
    });
    const dnsInFlight = positiveInt(args, 'dns-in-flight', DEFAULTS.dnsInFlight, 1_000_000);
    const resolver = openResolver(
      { ...config, dnsInFlight },
      {
        rate,
        // shared infrastructure (hosters' NS, MX, SPF includes) is a few thousand names; per-domain names are asked once
        cache: { maxEntries: 50_000, maxBytes: 32 * 2 ** 20 },
        ...(queryLog
          ? { onQuery: (n: string, t: string, cd: boolean) => queryLog.line(`${n} ${t} ${cd ? 1 : 0}`) }
          : {}),
      },
    );
    // the first ^C (or SIGTERM) finishes the domains in flight and stores them; a second one aborts them
    const soft = new AbortController();
    const hard = new AbortController();
    const onSignal = () => {
      if (soft.signal.aborted) hard.abort();
      else {
        soft.abort();
        io.stderr.write('\nmailsec: stopping — finishing the domains in flight (^C again to abort them)\n');
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let env: OpenAuditEnvironment | undefined;
    try {
      const scan = await store.begin(scanName, options, input);
      if (JSON.stringify(scan.options) !== JSON.stringify(options)) {
        io.stderr.write(
          `mailsec: scan "${scanName}" was started with other options (${JSON.stringify(scan.options)}); the remaining domains use these ones\n`,
        );
      }
      let staged: Staged;
      try {
        staged = await store.stage(scanName, wanted(source.chunks), {
          retryErrors: bool(args, 'retry-errors'),
        });
      } catch (e) {
        if (isMailsecError(e)) throw e;
        throw new MailsecError(
          ErrorCode.InputUnreadable,
          `${input}: ${(e as Error).message}`,
          'give a readable file or -',
          {
            cause: e,
          },
        );
      }
      const counters = source.counters;
      if (counters.invalid) {
        io.stderr.write(
          `mailsec: ${counters.invalid} invalid name(s) skipped (e.g. ${counters.invalidSamples.join(', ')})\n`,
        );
      }
      await store.setTotal(scanName, staged.unique);
      const duplicates = staged.duplicates + counters.repeats;
      if (queueUrl) {
        return await queuedScan({
          queueUrl,
          args,
          io,
          store,
          scanName,
          dbPath,
          staged,
          config,
          qps,
          nsQps,
          stop: soft.signal,
          tty: io.stderr.isTTY === true,
          progressEvery,
          summary: { invalid: counters.invalid, duplicates, excluded: () => excluded },
        });
      }
      // the environment wraps the resolver (exclusions) and the address policy; it does not close it
      env = await createAuditEnvironment(config, { resolver, signal: hard.signal });
      const probe = env.probe;
      if (!probe.reachable) {
        io.stderr.write(`mailsec: the resolver ${cfg.resolver} does not answer; nothing scanned.\n`);
        return EXIT.cannotRun;
      }
      const tty = io.stderr.isTTY === true;
      let doneSoFar = 0;
      const result = await runScan({
        scan: scanName,
        domains: store.pending(),
        total: staged.todo,
        env,
        sink: store,
        resolver: { address: cfg.resolver, validates: probe.validates },
        concurrency,
        batchSize,
        replace: bool(args, 'retry-errors'),
        stop: soft.signal,
        gate: createOperatorGate({
          resolver: env.resolver,
          qps: nsQps,
          queriesPerDomain: () => {
            const s = resolver.stats();
            const done = Math.max(1, doneSoFar);
            return doneSoFar < 50 ? 20 : s.sent / done;
          },
        }),
        counters: () => resolverCounters(resolver.stats()),
        // a live line on a terminal; otherwise one line every 30 s
        progressMs: tty ? 250 : progressEvery,
        progress: tty
          ? (p) => {
              doneSoFar = p.audited ?? p.done;
              io.stderr.write(`\r\x1b[K${scanName}: ${formatProgress(p)}`);
            }
          : (() => {
              let last = Date.now();
              return (p) => {
                doneSoFar = p.audited ?? p.done;
                if (Date.now() - last < progressEvery - 50) return;
                last = Date.now();
                io.stderr.write(`mailsec scan ${scanName}: ${formatProgress(p)}\n`);
              };
            })(),
      });
      if (tty) io.stderr.write('\n');
      const queries = resolver.stats().sent;
      if (!result.aborted) await store.finish(scanName);
      const total = await store.count(scanName);
      const rate = result.elapsedMs > 0 ? ((result.done / result.elapsedMs) * 1000).toFixed(1) : '0';
      io.stderr.write(
        `mailsec scan ${scanName}: ${result.done} domains scanned in ${(result.elapsedMs / 1000).toFixed(1)} s (${rate}/s), ${staged.stored} already stored, ${total}/${staged.unique} in ${dbPath}` +
          `${counters.invalid ? `, ${counters.invalid} invalid names skipped` : ''}${duplicates ? `, ${duplicates} duplicates` : ''}${excluded ? `, ${excluded} excluded` : ''}` +
          `${result.failed ? `, ${result.failed} failed (re-run to retry)` : ''}${result.aborted ? ', interrupted (re-run to resume)' : ''}` +
          `; ${queries} DNS queries sent${result.done ? ` (${(queries / result.done).toFixed(1)}/domain)` : ''}\n`,
      );
      if (bool(args, 'json')) {
        io.stdout.write(
          `${JSON.stringify({ scan: scanName, db: dbPath, domains: staged.unique, stored: total, scanned: result.done, alreadyStored: staged.stored, invalid: counters.invalid, failed: result.failed, aborted: result.aborted, queries, excluded })}\n`,
        );
      }
      return result.aborted || result.failed ? EXIT.cannotRun : EXIT.ok;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await env?.close();
      await resolver.close();
      await store.close();
      if (queryLog) await queryLog.end();
    }
  },
};

/**
 * Lines to a stream in 64 KiB writes: a scan logs ~22 queries per domain, and a stream write per
 * line (its buffered request, its writev entry) cost more than the line.
 */
function bufferedLines(out: WriteStream): { line(s: string): void; end(): Promise<void> } {
  let pending = '';
  return {
    line(s) {
      pending += `${s}\n`;
      if (pending.length >= 65_536) {
        out.write(pending);
        pending = '';
      }
    },
    end: () => new Promise((r) => out.end(pending, () => r())),
  };
}

/** The progress line's network counters from the resolver's. */
function resolverCounters(s: ResolverStats): RunCounters {
  return {
    queries: s.sent,
    errors: {
      timeout: s.timeouts,
      network: s.netErrors,
      SERVFAIL: s.rcodes?.SERVFAIL ?? 0,
      REFUSED: s.rcodes?.REFUSED ?? 0,
    },
  };
}

/** The queue's connection options from the flags and MAILSEC_REDIS_PASSWORD. */
export function queueConnect(args: ParsedArgs, env: NodeJS.ProcessEnv) {
  const password = env.MAILSEC_REDIS_PASSWORD;
  const caFile = str(args, 'ca-file');
  return { ...(password ? { password } : {}), ...(caFile ? { caFile } : {}) };
}

async function showStatus(queueUrl: string, scan: string, args: ParsedArgs, io: CommandIo): Promise<number> {
  const target = parseQueueUrl(queueUrl);
  const s = await queueStatus(target, queueConnect(args, io.env), scan);
  if (!s) {
    io.stderr.write(`mailsec: no scan "${scan}" on the queue ${target.display}\n`);
    return EXIT.usage;
  }
  if (bool(args, 'json')) {
    io.stdout.write(`${JSON.stringify(s)}\n`);
    return EXIT.ok;
  }
  const n = (k: string) => Number(s[k] ?? 0);
  const done = n('alreadyStored') + n('collected');
  const workers = s.workers as {
    id: string;
    chunks: number;
    domains: number;
    active: { chunk: string; domains: number }[];
  }[];
  const results = s.results as Record<string, number>;
  io.stdout.write(
    [
      `scan ${scan}: ${String(s.state)}${s.collectorAlive || s.state === 'finished' ? '' : ' (no collector running: re-run the scan command to collect)'}`,
      `  stored ${done}/${n('unique')} (${n('unique') ? ((done / n('unique')) * 100).toFixed(1) : '100.0'}%), this run ${n('collected')}/${n('todo')}, failed ${n('failed')}, excluded ${n('excluded')}`,
      `  chunks: ${n('chunksCollected')} collected, ${n('chunksOut')} out (${n('chunkSize')} domains each), ${n('failedChunks')} failed, ${n('lost')} lost and re-enqueued; results waiting ${results.waiting ?? 0}`,
      `  DNS queries ${n('queries')}; started ${String(s.started)}, updated ${String(s.updated)}`,
      `  workers: ${workers.length}`,
      ...workers.map(
        (w) =>
          `    ${w.id}: ${w.chunks} chunks, ${w.domains} domains; now ${w.active.length ? w.active.map((a) => `${a.chunk} (${a.domains})`).join(', ') : 'idle for this scan'}`,
      ),
    ].join('\n') + '\n',
  );
  return EXIT.ok;
}

interface QueuedScanArgs {
  readonly queueUrl: string;
  readonly args: ParsedArgs;
  readonly io: CommandIo;
  readonly store: ScanStore;
  readonly scanName: string;
  readonly dbPath: string;
  readonly staged: Staged;
  readonly config: AuditConfig;
  readonly qps: number;
  readonly nsQps: number;
  readonly stop: AbortSignal;
  readonly tty: boolean;
  readonly progressEvery: number;
  readonly summary: { invalid: number; duplicates: number; excluded: () => number };
}

/** `scan --queue`: chunk jobs out, results in (src/queue/coordinator.ts). */
async function queuedScan(q: QueuedScanArgs): Promise<number> {
  const { args, io, scanName } = q;
  const target = parseQueueUrl(q.queueUrl);
  const chunkSize = positiveInt(args, 'chunk', DEFAULT_CHUNK, MAX_CHUNK);
  const connect = queueConnect(args, io.env);
  if (q.staged.todo > 0)
    io.stderr.write(
      `mailsec scan ${scanName}: ${q.staged.todo} domains to scan as chunks of ${chunkSize} on ${target.display}; start workers with: mailsec worker --queue ${target.display}\n`,
    );
  let last = Date.now();
  const result = await runQueuedScan({
    scan: scanName,
    store: q.store,
    staged: q.staged,
    target,
    connect,
    chunkSize,
    config: jobConfigOf(q.config),
    limits: { qps: q.qps, nsQps: q.nsQps, probeTtlMs: 6 * 3_600_000 },
    replace: bool(args, 'retry-errors'),
    stallMs: 30_000,
    stop: q.stop,
    progressMs: q.tty ? 250 : q.progressEvery,
    progress: (p) => {
      const line = `${formatProgress(p)} chunks out ${p.out} workers ${p.workers}`;
      if (q.tty) io.stderr.write(`\r\x1b[K${scanName}: ${line}`);
      else if (Date.now() - last >= q.progressEvery - 50) {
        last = Date.now();
        io.stderr.write(`mailsec scan ${scanName}: ${line}\n`);
      }
    },
    log: (l) => io.stderr.write(`${q.tty ? '\n' : ''}${l}\n`),
    meta: { db: q.dbPath },
  });
  if (q.tty) io.stderr.write('\n');
  if (!result.aborted) await q.store.finish(scanName);
  const total = await q.store.count(scanName);
  if (!result.aborted) await markFinished(target, connect, scanName, total).catch(() => undefined);
  const rate = result.elapsedMs > 0 ? ((result.done / result.elapsedMs) * 1000).toFixed(1) : '0';
  const excluded = q.summary.excluded() + result.excluded;
  io.stderr.write(
    `mailsec scan ${scanName}: ${result.done} domains collected from ${result.chunks} chunks in ${(result.elapsedMs / 1000).toFixed(1)} s (${rate}/s), ${q.staged.stored} already stored, ${total}/${q.staged.unique} in ${q.dbPath}` +
      `${q.summary.invalid ? `, ${q.summary.invalid} invalid names skipped` : ''}${q.summary.duplicates ? `, ${q.summary.duplicates} duplicates` : ''}${excluded ? `, ${excluded} excluded` : ''}` +
      `${result.failed ? `, ${result.failed} failed (re-run to retry)` : ''}${result.dropped ? `, ${result.dropped} duplicate results dropped` : ''}${result.lost ? `, ${result.lost} lost chunks re-enqueued` : ''}${result.aborted ? ', interrupted (re-run to resume; the workers go on with the queued chunks)' : ''}` +
      `; ${result.queries} DNS queries sent${result.done ? ` (${(result.queries / result.done).toFixed(1)}/domain)` : ''}\n`,
  );
  if (bool(args, 'json')) {
    io.stdout.write(
      `${JSON.stringify({ scan: scanName, db: q.dbPath, queue: target.display, domains: q.staged.unique, stored: total, scanned: result.done, alreadyStored: q.staged.stored, invalid: q.summary.invalid, failed: result.failed, aborted: result.aborted, queries: result.queries, excluded, chunks: result.chunks, elapsedMs: result.elapsedMs, workerMs: result.workerMs, dropped: result.dropped, lost: result.lost })}\n`,
    );
  }
  return result.aborted || result.failed ? EXIT.cannotRun : EXIT.ok;
}
