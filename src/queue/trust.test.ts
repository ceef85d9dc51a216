// What a worker lets a job decide (src/queue/trust.ts), and what a job or result from Redis must
// look like before anything runs (src/queue/jobs.ts): both are hostile input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseQueueUrl } from './connection.ts';
import {
  chunkId,
  decodeDocuments,
  encodeDocuments,
  InvalidJob,
  MAX_CHUNK,
  parseChunkJob,
  parseChunkResult,
  partName,
  scanKey,
} from './jobs.ts';
import { effectiveConfig, effectiveLimits, intersectRanges, type WorkerPolicy } from './trust.ts';

const policy = (o: Partial<WorkerPolicy> = {}): WorkerPolicy => ({
  allowPrivate: [],
  exclude: [],
  resolvers: [],
  qps: 0,
  nsQps: 0,
  ...o,
});

describe('intersectRanges: a job gets at most the worker’s --allow-private', () => {
  const cases: [job: string[], worker: string[], want: string[]][] = [
    [['0.0.0.0/0'], [], []],
    [['0.0.0.0/0'], ['127.0.0.0/8'], ['127.0.0.0/8']],
    [['127.0.0.0/8'], ['127.0.0.0/8'], ['127.0.0.0/8']],
    [['127.5.0.0/16'], ['127.0.0.0/8'], ['127.5.0.0/16']],
    [['127.0.0.0/8'], ['127.5.0.0/16'], ['127.5.0.0/16']],
    [['10.0.0.0/8'], ['127.0.0.0/8'], []],
    [['::/0'], ['127.0.0.0/8'], []],
    [
      ['::/0', '0.0.0.0/0'],
      ['::1/128', '127.0.0.0/8'],
      ['::1/128', '127.0.0.0/8'],
    ],
    [['fd00::/8'], ['fd12:3456::/32'], ['fd12:3456::/32']],
  ];
  for (const [job, worker, want] of cases) {
    test(`job ${job.join(',')} on a worker with ${worker.join(',') || 'none'} → ${want.join(',') || 'none'}`, () => {
      assert.deepEqual(intersectRanges(job, worker).sort(), [...want].sort());
    });
  }
});

describe('effectiveConfig', () => {
  test('exclusions: the worker’s always apply, a job can only add', () => {
    const c = effectiveConfig(
      { resolver: '127.0.0.53', exclude: ['job.example'] },
      policy({ allowPrivate: ['127.0.0.0/8'], exclude: ['mine.example', '192.0.2.0/24'] }),
    );
    assert.deepEqual(c.exclude, ['mine.example', '192.0.2.0/24', 'job.example']);
    const none = effectiveConfig(
      { resolver: '127.0.0.53' },
      policy({ allowPrivate: ['127.0.0.0/8'], exclude: ['mine.example'] }),
    );
    assert.deepEqual(none.exclude, ['mine.example']);
  });

  test('the resolver: one of the worker’s --resolver, or an address its policy allows', () => {
    const listed = policy({ resolvers: ['127.0.0.53'] });
    assert.equal(effectiveConfig({ resolver: '127.0.0.53' }, listed).resolver, '127.0.0.53');
    assert.throws(() => effectiveConfig({ resolver: '127.0.0.54' }, listed), /not one this worker may use/);
    // no --resolver: a public address is fine, a special-purpose one outside --allow-private is not
    assert.equal(effectiveConfig({ resolver: '9.9.9.9' }, policy()).resolver, '9.9.9.9');
    assert.throws(
      () => effectiveConfig({ resolver: '127.0.0.53' }, policy()),
      (e) => e instanceof InvalidJob && /outside this worker's --allow-private/.test(e.message),
    );
    assert.throws(() => effectiveConfig({ resolver: '10.1.2.3' }, policy()), InvalidJob);
    assert.throws(() => effectiveConfig({ resolver: '[::1]:53' }, policy()), InvalidJob);
    assert.equal(
      effectiveConfig({ resolver: '127.0.0.53' }, policy({ allowPrivate: ['127.0.0.0/8'] })).resolver,
      '127.0.0.53',
    );
    // a name would be resolved by someone else's DNS: only when the worker lists it
    assert.throws(
      () => effectiveConfig({ resolver: 'https://dns.example/dns-query' }, policy()),
      /a name, not an address/,
    );
  });

  test('the CA file is the worker’s; allowPrivate narrowed', () => {
    const c = effectiveConfig(
      { resolver: '9.9.9.9', allowPrivate: ['0.0.0.0/0', '::/0'] },
      policy({ caFile: '/etc/mailsec/ca.pem', allowPrivate: ['127.0.0.0/8'] }),
    );
    assert.equal(c.caFile, '/etc/mailsec/ca.pem');
    assert.deepEqual(c.allowPrivate, ['127.0.0.0/8']);
  });

  test('rates: the lower of the job’s and the worker’s (0: no ceiling of its own)', () => {
    const job = { qps: 5000, nsQps: 0, probeTtlMs: 60_000 };
    assert.deepEqual(effectiveLimits(job, policy()), job);
    assert.deepEqual(effectiveLimits(job, policy({ qps: 100, nsQps: 50 })), { ...job, qps: 100, nsQps: 50 });
    assert.deepEqual(effectiveLimits(job, policy({ qps: 9000 })), job);
  });
});

const job = (o: Record<string, unknown> = {}) => ({
  v: 1,
  scan: 'ch',
  chunk: 'ch-abc.0123',
  domains: ['a.ch', 'b.ch'],
  config: { resolver: '9.9.9.9' },
  limits: { qps: 0, nsQps: 0 },
  ...o,
});

describe('parseChunkJob: a job from Redis is validated before anything runs', () => {
  test('a well-formed job', () => {
    const j = parseChunkJob(job());
    assert.deepEqual(j.domains, ['a.ch', 'b.ch']);
    assert.equal(j.limits.probeTtlMs, 6 * 3_600_000);
    assert.deepEqual(j.config.allowPrivate, []);
  });
  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'x', /not an object/],
    ['another format version', job({ v: 2 }), /job format 2/],
    ['no domains', job({ domains: [] }), /domains: missing or empty/],
    [
      'too many domains',
      job({ domains: Array.from({ length: MAX_CHUNK + 1 }, (_, i) => `d${i}.ch`) }),
      /at most 10000/,
    ],
    ['a name that is not normalised', job({ domains: ['A.CH'] }), /not a normalised domain name/],
    ['a name with a space', job({ domains: ['a b.ch'] }), /not a normalised domain name/],
    ['a chunk id with a slash', job({ chunk: '../x' }), /chunk: not an id/],
    ['no resolver', job({ config: {} }), /config.resolver: missing/],
    [
      'a bad range',
      job({ config: { resolver: '9.9.9.9', allowPrivate: ['everything'] } }),
      /not an address range/,
    ],
    ['an unknown check', job({ config: { resolver: '9.9.9.9', only: ['spf', 'rm -rf'] } }), /unknown check/],
    [
      'a selector with a slash',
      job({ config: { resolver: '9.9.9.9', selectors: ['a/b'] } }),
      /not a selector/,
    ],
    ['a timeout out of bounds', job({ config: { resolver: '9.9.9.9', timeoutMs: 10 } }), /timeoutMs/],
    [
      'a string for a boolean',
      job({ config: { resolver: '9.9.9.9', noSmtp: 'yes' } }),
      /noSmtp: not true or false/,
    ],
    [
      'an EHLO that is no name',
      job({ config: { resolver: '9.9.9.9', ehlo: 'x\r\nMAIL FROM:<a@b>' } }),
      /config.ehlo/,
    ],
    ['limits missing', job({ limits: undefined }), /limits: not an object/],
    ['a negative rate', job({ limits: { qps: -1 } }), /qps/],
  ];
  for (const [title, data, message] of bad) {
    test(`refused: ${title}`, () => {
      assert.throws(
        () => parseChunkJob(data),
        (e) => e instanceof InvalidJob && message.test(e.message),
      );
    });
  }
});

describe('results', () => {
  test('documents round-trip through gzip’d JSON Lines', () => {
    const docs = [
      { domain: 'a.ch', x: 1 },
      { domain: 'b.ch', y: [1, 2] },
    ];
    assert.deepEqual(decodeDocuments(encodeDocuments(docs)), docs);
    assert.deepEqual(decodeDocuments(''), []);
  });
  test('a hostile result is refused with the reason', () => {
    assert.throws(() => decodeDocuments('not base64 gzip'), /not gzip'd JSON Lines/);
    assert.throws(
      () => decodeDocuments(encodeDocuments([{ nodomain: 1 } as never])),
      /a document without a domain/,
    );
    assert.throws(() => parseChunkResult({ v: 1, scan: 'ch' }), /missing/);
    assert.throws(() => parseChunkResult({ v: 1, scan: 'ch', chunk: 'c', docs: '', failed: [1] }), /failed/);
  });
  test('ids: the same chunk is one job; a scan name never makes another scan’s key', () => {
    assert.equal(chunkId('ch', ['a.ch', 'b.ch']), chunkId('ch', ['a.ch', 'b.ch']));
    assert.notEqual(chunkId('ch', ['a.ch', 'b.ch']), chunkId('ch', ['b.ch', 'a.ch']));
    assert.notEqual(chunkId('ch', ['a.ch']), chunkId('li', ['a.ch']));
    assert.notEqual(scanKey('a:b'), scanKey('a_b'));
    assert.match(scanKey('x:*{}\n'), /^[A-Za-z0-9_-]+$/);
    assert.match(partName(chunkId('ch', ['a.ch'])), /^q-[0-9a-f]{24}$/);
  });
});

describe('parseQueueUrl', () => {
  test('redis:// and rediss:// with database, user and password', () => {
    assert.deepEqual(parseQueueUrl('redis://127.0.0.1:6380/2'), {
      host: '127.0.0.1',
      port: 6380,
      db: 2,
      tls: false,
      display: 'redis://127.0.0.1:6380/2',
    });
    const t = parseQueueUrl('rediss://u:p%40ss@queue.example.net');
    assert.equal(t.tls, true);
    assert.equal(t.port, 6379);
    assert.equal(t.username, 'u');
    assert.equal(t.password, 'p@ss');
    assert.doesNotMatch(t.display, /p@ss|p%40ss/, 'the password never shows');
    assert.equal(parseQueueUrl('redis://[::1]:7000').host, '::1');
  });
  for (const [text, reason] of [
    ['127.0.0.1:6379', /not a URL|not a redis/],
    ['http://127.0.0.1:6379', /not a redis:\/\/ or rediss:\/\/ URL/],
    ['redis://127.0.0.1/abc', /not a database number/],
    ['redis://127.0.0.1/?db=1', /takes no query/],
  ] as const) {
    test(`refused: ${text}`, () => assert.throws(() => parseQueueUrl(text), reason));
  }
});
