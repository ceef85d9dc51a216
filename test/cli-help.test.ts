// Issue 9 item 7, "help" and usage corners: `mailsec help <command>`, each command lists only the
// options it uses, exit statuses and defaults in --help, and mailsec's own words for a missing
// option value (never parseArgs' raw text). No network: nothing here gets past argument parsing,
// so the CLI's entry function runs in this process (as bin/mailsec calls it), with its own streams.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runMain } from './helpers.ts';

const runCli = runMain;

const optionsOf = (help: string) => {
  const block = help.slice(help.indexOf('OPTIONS'), help.indexOf('EXAMPLES'));
  return [...block.matchAll(/^\s+(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]!);
};

describe('help', () => {
  test('`mailsec help <command>` prints that command’s help, as `<command> --help` does', async () => {
    for (const cmd of ['check', 'spf', 'scan', 'testworld']) {
      const [viaHelp, viaFlag] = await Promise.all([runCli(['help', cmd]), runCli([cmd, '--help'])]);
      assert.equal(viaHelp.code, 0, viaHelp.stderr);
      assert.equal(viaHelp.stdout, viaFlag.stdout, cmd);
      assert.match(viaHelp.stdout, new RegExp(`mailsec ${cmd}`));
    }
    const unknown = await runCli(['help', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "nope"/);
  });

  test('each command lists only the options it uses', async () => {
    const [spf, check, scan] = await Promise.all([
      runCli(['spf', '--help']),
      runCli(['check', '--help']),
      runCli(['scan', '--help']),
    ]);
    // spf makes no SMTP or HTTPS connection: no timeouts or address ranges for them
    const spfOptions = optionsOf(spf.stdout);
    for (const o of ['smtp-timeout', 'http-timeout', 'allow-private', 'verbose', 'only'])
      assert.ok(!spfOptions.includes(o), `spf lists --${o}`);
    for (const o of ['ip', 'sender', 'helo', 'resolver', 'timeout', 'json', 'fail-on'])
      assert.ok(spfOptions.includes(o), `spf lacks --${o}`);
    // scan prints no human report and sets no exit status from findings
    const scanOptions = optionsOf(scan.stdout);
    for (const o of ['verbose', 'fail-on']) assert.ok(!scanOptions.includes(o), `scan lists --${o}`);
    for (const o of ['db', 'only', 'allow-private', 'resolver'])
      assert.ok(scanOptions.includes(o), `scan lacks --${o}`);
    const checkOptions = optionsOf(check.stdout);
    for (const o of ['only', 'verbose', 'fail-on', 'allow-private', 'smtp-timeout', 'json'])
      assert.ok(checkOptions.includes(o), `check lacks --${o}`);
  });

  test('--help states the exit statuses and the defaults of --resolver and --fail-on', async () => {
    for (const cmd of ['check', 'spf']) {
      const { stdout } = await runCli([cmd, '--help']);
      assert.match(stdout, /EXIT STATUS\n\s+0\s+success\n\s+1\s+with --fail-on/, cmd);
      assert.match(stdout, /\n\s+2\s+usage or input error/, cmd);
      assert.match(stdout, /\n\s+3\s+could not run \(e\.g\. the resolver does not answer\)/, cmd);
      assert.match(
        stdout,
        /--resolver <addr>.*\[default: the first nameserver of \/etc\/resolv\.conf\]/,
        cmd,
      );
      assert.match(stdout, /--fail-on <severity>.*\[default: never\]/, cmd);
    }
    const main = await runCli(['--help']);
    assert.match(main.stdout, /EXIT STATUS/);
    assert.match(main.stdout, /mailsec help <command>/);
  });

  test('`mailsec worker --help`: its options, examples with the scan that feeds it, exit statuses', async () => {
    const { code, stdout } = await runCli(['worker', '--help']);
    assert.equal(code, 0);
    const options = optionsOf(stdout);
    for (const o of [
      'queue',
      'concurrency',
      'jobs',
      'resolver',
      'allow-private',
      'exclude',
      'stall-ms',
      'json',
    ])
      assert.ok(options.includes(o), `worker lacks --${o}`);
    // a worker prints no report and checks no domain of its own
    for (const o of ['db', 'fail-on', 'verbose']) assert.ok(!options.includes(o), `worker lists --${o}`);
    const examples = stdout.slice(stdout.indexOf('EXAMPLES'));
    assert.match(examples, /\$ mailsec worker --queue redis:\/\//);
    assert.match(examples, /\$ mailsec scan .*--queue redis:\/\//);
    assert.match(examples, /--status/);
    assert.match(stdout, /MAILSEC_REDIS_PASSWORD/);
    assert.match(stdout, /EXIT STATUS\n\s+0\s+stopped/);
    assert.match(stdout, /\n\s+3\s+could not run \(Redis unreachable/);
    const scan = await runCli(['scan', '--help']);
    for (const o of ['queue', 'chunk', 'status'])
      assert.ok(optionsOf(scan.stdout).includes(o), `scan lacks --${o}`);
    const missing = await runCli(['worker']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /mailsec worker needs --queue/);
    const bad = await runCli(['worker', '--queue', 'http://127.0.0.1:6379']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a redis:\/\/ or rediss:\/\/ URL/);
  });

  test('the testworld’s --help examples hard-code no slot address', async () => {
    const { stdout } = await runCli(['testworld', '--help']);
    assert.doesNotMatch(stdout, /127\.\d+\.0\.53/);
    assert.match(stdout, /MAILSEC_ALLOW_PRIVATE/);
  });
});

describe('usage errors in mailsec’s words', () => {
  const cases: [title: string, args: string[], message: RegExp, hint: RegExp][] = [
    [
      'a string option at the end without its value',
      ['check', 'a.test', '--resolver'],
      /^mailsec: --resolver needs a value \(addr\)\n/,
      /try: --resolver 127\.0\.0\.1/,
    ],
    [
      'a string option followed by another option',
      ['check', 'a.test', '--resolver', '--json'],
      /--resolver needs a value \(addr\), but another option follows it/,
      /try: --resolver/,
    ],
    [
      '--fail-on without a severity',
      ['spf', 'a.test', '--fail-on'],
      /--fail-on needs a value \(severity\)/,
      /try: --fail-on warning/,
    ],
    [
      'a boolean option given a value',
      ['spf', 'a.test', '--json=yes'],
      /--json takes no value/,
      /see: mailsec spf --help/,
    ],
    [
      'an unknown option',
      ['check', 'a.test', '--colour'],
      /check: unknown option --colour/,
      /see: mailsec check --help/,
    ],
    [
      '--only with an unknown check',
      ['check', 'a.test', '--only', 'spf,dane-ish'],
      /--only: unknown check "dane-ish"/,
      /checks: dnssec, ns, caa, mx/,
    ],
  ];
  for (const [title, args, message, hint] of cases) {
    test(title, async () => {
      const run = await runCli(args, { MAILSEC_RESOLVER: '127.0.0.1:9' });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, hint);
      assert.doesNotMatch(run.stderr, /Option '|argument missing|ERR_PARSE_ARGS|To specify/);
    });
  }
});
