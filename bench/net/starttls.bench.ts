// CPU time per STARTTLS probe (greeting, EHLO, STARTTLS, TLS 1.3 handshake, chain capture, QUIT)
// and probes per second at a given concurrency, against a testworld SMTP server (testworld/smtp/)
// running in a child process so that only the client's CPU is measured.
//   node bench/net/starttls.bench.ts [--probes 300] [--concurrency 1,8,32]
// Prints one JSON line.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { probeSmtp } from '../../src/net/smtp.ts';
import { createTestCa } from '../../testworld/ca.ts';
import { startSmtpServer } from '../../testworld/smtp/server.ts';

const { values } = parseArgs({
  options: {
    probes: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,8,32' },
    serve: { type: 'boolean', default: false },
  },
});

if (values.serve) {
  // child: one STARTTLS host with a testworld CA certificate (leaf + intermediate)
  const dir = mkdtempSync(join(tmpdir(), 'mailsec-bench-'));
  const ca = await createTestCa(dir);
  const leaf = await ca.issue('mx.bench.test');
  const server = await startSmtpServer({
    hostname: 'mx.bench.test',
    address: '127.0.0.1',
    port: 0,
    starttls: 'yes',
    keyPem: leaf.keyPem,
    chainPem: leaf.chainPem,
  });
  process.send?.({ port: server.port, rootPem: ca.rootPem });
  process.on('disconnect', async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port, rootPem } = await new Promise<{ port: number; rootPem: string }>((resolve) =>
    child.once('message', (m) => resolve(m as { port: number; rootPem: string })),
  );
  const ca = [rootPem];
  const one = async () => {
    const r = await probeSmtp({
      address: '127.0.0.1',
      port,
      sni: 'mx.bench.test',
      ehlo: 'bench.mailsec.test',
      timeoutMs: 10_000,
      ca,
    });
    if (r.outcome !== 'ok') throw new Error(`probe failed: ${r.outcome} ${r.error}`);
  };
  for (let i = 0; i < 20; i++) await one(); // warm-up (JIT, CA store parsing)
  const probes = Number(values.probes);
  const out: Record<string, unknown> = { bench: 'net/starttls', node: process.version, probes };
  const levels = values.concurrency.split(',').map(Number);
  const results: Record<string, { cpuMsPerProbe: number; wallMsPerProbe: number; probesPerSecond: number }> =
    {};
  for (const c of levels) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next < probes) {
          next++;
          await one();
        }
      }),
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    results[`c${c}`] = {
      cpuMsPerProbe: Number(((cpu.user + cpu.system) / 1000 / probes).toFixed(3)),
      wallMsPerProbe: Number((wall / probes).toFixed(3)),
      probesPerSecond: Math.round((probes / wall) * 1000),
    };
  }
  out.results = results;
  console.log(JSON.stringify(out));
  child.disconnect();
}
