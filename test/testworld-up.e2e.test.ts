/**
 * `mailsec testworld up` as a user on a fresh clone runs it (issue 9 item 7): with a PATH that
 * lacks /usr/sbin (where Debian puts nsd, unbound and postfix), twice at once, keeping its state
 * per user and writing it atomically; then the README's "Checking a domain" lines, run as printed
 * with the settings `up` prints; then `down`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LOOPBACK_V4, ROOT, runCli } from './helpers.ts';

const home = mkdtempSync(join(tmpdir(), 'mailsec-up-'));
const env: Record<string, string> = {
  // a user's state dir, and a PATH without the sbin directories
  XDG_RUNTIME_DIR: home,
  PATH: '/usr/bin:/bin',
  // this machine runs other testworlds' tests at the same time: leave ::1:25 and Postfix to them
  MAILSEC_TESTWORLD_IPV6: '0',
  MAILSEC_TESTWORLD_POSTFIX: '0',
};
const stateFile = join(home, 'mailsec', 'testworld.json');
let ups: Awaited<ReturnType<typeof runCli>>[] = [];
const settings: Record<string, string> = {};

before(async () => {
  ups = await Promise.all([
    runCli(['testworld', 'up'], env, 120_000),
    runCli(['testworld', 'up'], env, 120_000),
  ]);
  for (const line of (ups[0]?.stdout ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) settings[m[1]!] = m[2]!;
  }
});
after(async () => {
  await runCli(['testworld', 'down'], env, 60_000);
  rmSync(home, { recursive: true, force: true });
});

describe('testworld up', () => {
  test('starts with PATH=/usr/bin:/bin (nsd, unbound found in /usr/sbin); two at once: one world, both exit 0', () => {
    for (const u of ups) assert.equal(u.code, 0, u.stderr);
    assert.match(ups[0]!.stdout, /^MAILSEC_RESOLVER=127\.\d+\.0\.53$/m);
    assert.equal(ups[0]!.stdout, ups[1]!.stdout, 'both print the settings of the same world');
    assert.ok(
      ups.some((u) => /already up/.test(u.stderr)),
      'the second waited for the first instead of starting another world',
    );
    assert.doesNotMatch(ups.map((u) => u.stderr).join(''), /not installed/);
  });
  test('prints MAILSEC_ALLOW_PRIVATE and --allow-private beside the resolver and CA settings', () => {
    assert.equal(settings.MAILSEC_ALLOW_PRIVATE, '127.0.0.0/8,::1/128');
    assert.ok(settings.NODE_EXTRA_CA_CERTS && existsSync(settings.NODE_EXTRA_CA_CERTS));
    assert.match(ups[0]!.stdout, /^--allow-private 127\.0\.0\.0\/8,::1\/128$/m);
  });
  test('keeps its state per user ($XDG_RUNTIME_DIR/mailsec), readable only by that user, whole', async () => {
    assert.ok(existsSync(stateFile), stateFile);
    assert.equal(statSync(stateFile).mode & 0o077, 0, 'mode 0600');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { resolver: string; servePid: number };
    assert.equal(state.resolver, settings.MAILSEC_RESOLVER);
    const status = await runCli(['testworld', 'status', '--json'], env);
    assert.equal((JSON.parse(status.stdout) as { resolver: string }).resolver, settings.MAILSEC_RESOLVER);
  });
});

/** The `mailsec …` lines of the README's "Checking a domain" block, with the exit status each promises. */
function readmeLines(): { args: string[]; exit: number; line: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Checking a domain'));
  const block = section.slice(
    section.indexOf('```sh') + 5,
    section.indexOf('```', section.indexOf('```sh') + 5),
  );
  return block
    .split('\n')
    .filter((l) => l.startsWith('mailsec ') && !l.startsWith('mailsec testworld'))
    .map((line) => {
      const [command, comment = ''] = line.split('#');
      return {
        line,
        args: command!.trim().split(/\s+/).slice(1),
        exit: /exit (\d)/.exec(comment)?.[1] ? Number(/exit (\d)/.exec(comment)![1]) : 0,
      };
    });
}

describe('the README’s examples run as printed', { concurrency: true }, () => {
  const lines = readmeLines();
  test('the README has the examples', () => assert.ok(lines.length >= 8, String(lines.length)));
  // the settings `up` printed, exported as the README does; IPv4 loopback only here, because
  // ::1 is held by another test file's SMTP host (see test/helpers.ts)
  const run = (args: string[]) => runCli(args, { ...settings, MAILSEC_ALLOW_PRIVATE: LOOPBACK_V4 }, 120_000);
  for (const l of lines) {
    test(l.line, async () => {
      const r = await run(l.args);
      assert.equal(r.code, l.exit, `${l.line}\n${r.stdout}\n${r.stderr}`);
      if (l.args[0] === 'check' && l.args[1] === 'secure.test' && !l.args.includes('--json')) {
        // with the settings `up` prints, the testworld MX is an ordinary host (not "localhost: fail")
        assert.match(r.stdout, /MX\s+pass\s+10 mx1\.secure\.test/);
      }
      if (l.args.includes('nonexistent.test')) assert.match(r.stdout, /nonexistent\.test does not exist/);
    });
  }
});
