import { hostname } from 'node:os';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { parseCidr } from '../net/address-policy.ts';
import { parseQueueUrl } from '../queue/connection.ts';
import { runWorker } from '../queue/worker.ts';
import type { CommandDef } from './command.ts';
import { bool, list, str } from './command.ts';
import { EXIT } from './exit.ts';
import { boundHeapGrowth } from './heap.ts';
import { allowPrivate } from './options.ts';
import { nonNegativeInt, positiveInt, queueConnect, readExclusions } from './scan.ts';

export const workerCommand: CommandDef = {
  name: 'worker',
  summary: 'Run the chunk jobs of scale-out scans (`scan --queue`) from Redis.',
  usage: 'mailsec worker --queue redis://HOST:PORT[/DB] [OPTIONS]',
  description:
    'Takes chunk jobs of any scan enqueued with `mailsec scan INPUT --queue URL` and audits their domains with the options the scan carries — narrowed by this worker’s own: a job never gets more --allow-private than the worker has, the worker’s --exclude always applies, and its DNS goes only to a --resolver of the worker’s (or, without one, to an address its --allow-private allows). The documents go back through Redis; the scan’s process stores them. Start as many workers on as many machines as you like; SIGTERM finishes the chunks in hand, a second one abandons them (another worker retries them). Password: env MAILSEC_REDIS_PASSWORD. See docs/scale-out.md.',
  options: {
    queue: {
      type: 'string',
      value: 'URL',
      description: 'redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB] (TLS)',
    },
    concurrency: {
      type: 'string',
      value: 'N',
      description: 'domains in flight in this worker',
      default: '64',
    },
    jobs: {
      type: 'string',
      value: 'N',
      description: 'chunks run at once (the domains in flight are shared among them)',
      default: '2',
    },
    resolver: {
      type: 'string',
      multiple: true,
      value: 'addr',
      description:
        'the resolvers jobs may use (a job naming another is refused) [default: any address --allow-private allows]',
    },
    'allow-private': {
      type: 'string',
      multiple: true,
      value: 'cidr,…',
      description:
        'the most special-purpose ranges a job may connect to (a job’s own list is cut down to these; env MAILSEC_ALLOW_PRIVATE)',
      default: 'none',
    },
    exclude: {
      type: 'string',
      value: 'FILE',
      description:
        'domains, addresses and CIDRs this worker never scans, asks or connects to, whatever a job says',
    },
    qps: {
      type: 'string',
      value: 'N',
      description: 'a ceiling of this worker’s own on a scan’s DNS rate (0: the scan’s)',
      default: '0',
    },
    'ns-qps': {
      type: 'string',
      value: 'N',
      description: 'a ceiling of this worker’s own on the per-operator rate (0: the scan’s)',
      default: '0',
    },
    'ca-file': {
      type: 'string',
      value: 'pem',
      description: 'extra trusted CA certificates (SMTP, HTTPS, DoH, rediss://)',
    },
    'stall-ms': {
      type: 'string',
      value: 'ms',
      description:
        'the job lock and the stall check interval: a killed worker’s chunk is retried after about this',
      default: '30000',
    },
    'max-chunks': {
      type: 'string',
      value: 'N',
      description: 'exit after this many chunks [default: run until stopped]',
    },
    json: { type: 'boolean', description: 'print a JSON summary on stdout when it stops' },
  },
  examples: [
    'mailsec scan ch.zone.gz --db ch.duckdb --scan ch --queue redis://10.0.0.5:6379/0    # the scan and its collector, on one machine',
    'mailsec worker --queue redis://10.0.0.5:6379/0 --resolver 10.0.0.53    # on every worker machine',
    'MAILSEC_REDIS_PASSWORD=… mailsec worker --queue rediss://queue.example.net:6380/0 --concurrency 256 --jobs 4 --exclude exclude.txt',
    'mailsec worker --queue redis://127.0.0.1:6379 --allow-private 127.0.0.0/8 --stall-ms 5000    # a testworld (mailsec testworld up)',
    'mailsec scan --queue redis://10.0.0.5:6379/0 --status ch    # progress across the workers',
  ],
  exitStatus: {
    0: 'stopped (SIGTERM/^C, or --max-chunks reached) after the chunks in hand',
    2: 'usage error',
    3: 'could not run (Redis unreachable, wrong password or certificate)',
  },
  async run(args, io) {
    const url = str(args, 'queue');
    if (!url) {
      throw new MailsecError(
        ErrorCode.Usage,
        'mailsec worker needs --queue',
        'try: mailsec worker --queue redis://127.0.0.1:6379',
      );
    }
    const target = parseQueueUrl(url);
    boundHeapGrowth(process.execArgv);
    const ranges = allowPrivate(args, io.env);
    for (const r of ranges) parseCidr(r);
    const exclusions = readExclusions(str(args, 'exclude'), io.cwd);
    const caFile = str(args, 'ca-file');
    const maxChunks =
      str(args, 'max-chunks') === undefined ? undefined : positiveInt(args, 'max-chunks', 1, 1_000_000_000);
    const stop = new AbortController();
    const abort = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) abort.abort();
      else stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const summary = await runWorker({
        target,
        connect: queueConnect(args, io.env),
        policy: {
          allowPrivate: ranges,
          exclude: exclusions.lines,
          resolvers: list(args, 'resolver'),
          qps: nonNegativeInt(args, 'qps', 0),
          nsQps: nonNegativeInt(args, 'ns-qps', 0),
          ...(caFile ? { caFile } : {}),
        },
        concurrency: positiveInt(args, 'concurrency', 64, 10_000),
        jobs: positiveInt(args, 'jobs', 2, 256),
        stallMs: positiveInt(args, 'stall-ms', 30_000, 3_600_000),
        ...(maxChunks !== undefined ? { maxChunks } : {}),
        stop: stop.signal,
        abort: abort.signal,
        log: (l) => io.stderr.write(`${l}\n`),
      });
      io.stderr.write(
        `mailsec worker ${hostname()}:${process.pid}: ${summary.chunks} chunks, ${summary.domains} domains${summary.rejected ? `, ${summary.rejected} jobs refused` : ''}\n`,
      );
      if (bool(args, 'json')) io.stdout.write(`${JSON.stringify(summary)}\n`);
      return EXIT.ok;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
