// The process behind `mailsec testworld up`: starts the DNS testworld with its SMTP and HTTPS hosts, writes
// the state file when ready, and stops everything on SIGTERM/SIGINT.
//   node testworld/serve.ts <state-file>
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestworld } from './dns/world.ts';
import { startHttpsHosts } from './https/index.ts';
import { startSmtpHosts } from './smtp/index.ts';

const stateFile = process.argv[2];
if (!stateFile) {
  process.stderr.write('usage: serve.ts <state-file>\n');
  process.exit(2);
}
const tw = await startTestworld();
let smtp: Awaited<ReturnType<typeof startSmtpHosts>> | undefined;
let https: Awaited<ReturnType<typeof startHttpsHosts>> | undefined;
try {
  // MAILSEC_TESTWORLD_IPV6=0: leave ::1:25 to another testworld (tests); MAILSEC_TESTWORLD_POSTFIX=0: no Postfix
  smtp = await startSmtpHosts(tw, {
    ipv6: process.env.MAILSEC_TESTWORLD_IPV6 !== '0',
    postfix: process.env.MAILSEC_TESTWORLD_POSTFIX !== '0',
  });
} catch (e) {
  process.stderr.write(`testworld: SMTP hosts did not start: ${e instanceof Error ? e.message : e}\n`);
}
try {
  https = await startHttpsHosts(tw);
} catch (e) {
  process.stderr.write(`testworld: HTTPS hosts did not start: ${e instanceof Error ? e.message : e}\n`);
}
// one file with every testworld root, for NODE_EXTRA_CA_CERTS
const roots = [smtp?.caFile, https?.caFile].filter((f): f is string => typeof f === 'string');
const caFile = roots.length ? join(tw.dir, 'testworld-roots.pem') : null;
if (caFile) writeFileSync(caFile, roots.map((f) => readFileSync(f, 'utf8')).join(''));
const state = {
  ...tw.state(),
  servePid: process.pid,
  caFile,
  vmcRootsFile: https?.markRootFile ?? null,
  smtpHosts: smtp?.addresses ?? {},
  httpsHosts: https?.addresses ?? {},
};
// atomically: a concurrent reader sees no file or the whole file, never a part
const partial = `${stateFile}.${process.pid}.tmp`;
writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
renameSync(partial, stateFile);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await smtp?.stop().catch(() => {});
  await https?.stop().catch(() => {});
  await tw.stop().catch(() => {});
  rmSync(stateFile, { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
