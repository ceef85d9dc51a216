// The testworld finds Debian's daemons in /usr/sbin even when PATH lacks it (issue 9: a fresh clone
// run with PATH=/usr/bin:/bin installed the packages, then failed "nsd … not installed").
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findTool, SBIN_DIRS } from './tools.ts';

test('PATH first, then the sbin directories; null when nowhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-tools-'));
  try {
    const own = join(dir, 'mailsec-fake-tool');
    writeFileSync(own, '#!/bin/sh\n');
    chmodSync(own, 0o755);
    assert.equal(findTool('mailsec-fake-tool', `/nonexistent:${dir}`), own);
    assert.equal(findTool('mailsec-no-such-tool', dir), null);
    assert.equal(findTool(own, ''), own, 'an absolute path is taken as it is');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const daemon of ['nsd', 'unbound', 'postfix']) {
  const inSbin = SBIN_DIRS.map((d) => join(d, daemon)).find((f) => findTool(f) !== null);
  test(`${daemon} is found with PATH=/usr/bin:/bin`, {
    skip: inSbin ? false : `${daemon} not installed in sbin`,
  }, () => {
    assert.equal(findTool(daemon, '/usr/bin:/bin'), inSbin);
  });
}
