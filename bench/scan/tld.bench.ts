// Bulk scan throughput: the testworld's domains scanned --repeat times (each time under its own
// scan name, with its own mailsec resolver: mailsec cache cold, Unbound shared and warm), side by
// side, into a temporary DuckDB file through the same loop `mailsec scan` runs.
//   node bench/scan/tld.bench.ts [--repeat 24] [--concurrency 384] [--batch 200] [--smtp] [--http]
// Prints one JSON line: domains, seconds, domains/s, CPU ms per domain, peak RSS (MiB), rows stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditEnvironment } from '../../src/audit/environment.ts';
import { runScan } from '../../src/scan/run.ts';
import { openScanSink } from '../../src/scan/store.ts';
import { startTestworld } from '../../testworld/index.ts';
import { startSmtpHosts } from '../../testworld/smtp/index.ts';
import { machine } from '../machine.ts';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '24' },
    concurrency: { type: 'string', default: '384' },
    batch: { type: 'string', default: '200' },
    smtp: { type: 'boolean', default: false },
  },
});
const repeat = Number(values.repeat);
const tw = await startTestworld();
const smtp = values.smtp ? await startSmtpHosts(tw, { postfix: false, ipv6: false }) : undefined;
const dir = mkdtempSync(join(tmpdir(), 'mailsec-bench-scan-'));
const store = await openScanSink(join(dir, 'bench.duckdb'));
let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
const rssTimer = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 50);
try {
  let domains = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // the rounds run side by side (a TLD has no barrier between domains), each with a share of the concurrency
  const perRound = Math.max(1, Math.floor(Number(values.concurrency) / repeat));
  for (let k = 0; k < repeat; k++) await store.begin(`bench-${k}`, {}, 'testworld');
  const rounds = Array.from({ length: repeat }, async (_, k) => {
    const env = await createAuditEnvironment({
      resolver: tw.resolver,
      allowPrivate: ['127.0.0.0/8', '::1/128'],
      noSmtp: !smtp,
      noHttp: true,
      ehlo: 'bench.mailsec.invalid',
      smtpTimeoutMs: 2000,
      ...(smtp ? { caFile: smtp.caFile } : {}),
    });
    const name = `bench-${k}`;
    const r = await runScan({
      scan: name,
      domains: [tw.domains],
      total: tw.domains.length,
      env,
      sink: store,
      resolver: { address: tw.resolver, validates: env.probe.validates },
      concurrency: perRound,
      batchSize: Number(values.batch),
    });
    await env.close();
    return r.done;
  });
  for (const n of await Promise.all(rounds)) domains += n;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  let stored = 0;
  for (let k = 0; k < repeat; k++) stored += await store.count(`bench-${k}`);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      bench: 'scan.tld',
      ...machine(),
      smtp: !!smtp,
      http: false,
      concurrency: Number(values.concurrency),
      domains,
      stored,
      seconds: Math.round(seconds * 100) / 100,
      domainsPerSecond: Math.round((domains / seconds) * 10) / 10,
      // user + system CPU of this process (mailsec and the DuckDB sink; the testworld servers run apart)
      cpuMsPerDomain: Math.round(((cpu.user + cpu.system) / 1000 / domains) * 100) / 100,
      cpuSysMsPerDomain: Math.round((cpu.system / 1000 / domains) * 100) / 100,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      peakHeapMiB: Math.round(peakHeap / 2 ** 20),
    }),
  );
} finally {
  clearInterval(rssTimer);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await smtp?.stop();
  await tw.stop();
}
