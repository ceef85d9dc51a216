// The process behind `mailsec testworld up`: starts the DNS testworld and its SMTP hosts, writes
// the state file when ready, and stops everything on SIGTERM/SIGINT.
//   node testworld/serve.ts <state-file>
import { rmSync, writeFileSync } from 'node:fs';
import { startTestworld } from './dns/world.ts';
import { startSmtpHosts } from './smtp/index.ts';

const stateFile = process.argv[2];
if (!stateFile) {
  process.stderr.write('usage: serve.ts <state-file>\n');
  process.exit(2);
}
const tw = await startTestworld();
let smtp: Awaited<ReturnType<typeof startSmtpHosts>> | undefined;
try {
  smtp = await startSmtpHosts(tw);
} catch (e) {
  process.stderr.write(`testworld: SMTP hosts did not start: ${e instanceof Error ? e.message : e}\n`);
}
const state = {
  ...tw.state(),
  servePid: process.pid,
  caFile: smtp?.caFile ?? null,
  smtpHosts: smtp?.addresses ?? {},
};
writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await smtp?.stop().catch(() => {});
  await tw.stop().catch(() => {});
  rmSync(stateFile, { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
