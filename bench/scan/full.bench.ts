/**
 * The whole check set at scale with latency: a generated TLD (testworld/scale/) served by NSD
 * behind the testworld's delaying relay (`--latency` ms per round trip to the authoritative
 * servers), a validating Unbound, and a real SMTP server (STARTTLS, a certificate from the test
 * CA; the DANE hosts' certificate carries the key their TLSA records pin) on every shared MX
 * address of the world. The same domains are scanned twice with the `mailsec scan` CLI — DNS only
 * (`--no-smtp --no-http`), then everything — each after a cold Unbound, so the difference is what
 * SMTP and HTTPS add.
 *
 *   node bench/scan/full.bench.ts [--size 20000] [--domains 10000] [--latency 30] [--concurrency 1024]
 *
 * What the world has and has not (say so with the figures): MX hosts are shared by hosters (the
 * ones with one MX name per domain on shared addresses get one probe per name, as interface.md
 * says); self-hosted MX hosts sit on addresses nothing listens on (connection refused, at once);
 * the world publishes no web hosts (no A record for mta-sts.<domain> or the apex), so the HTTPS
 * checks end at their DNS answers. Prints one JSON line: per pass domains/s, CPU ms per domain of
 * mailsec and of Unbound, peak RSS, queries per domain; SMTP connections and distinct MX hosts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestCa } from '../../testworld/ca.ts';
import { infrastructure, MX_NET } from '../../testworld/scale/records.ts';
import { startScaleWorld } from '../../testworld/scale/serve.ts';
import { type RunningSmtpServer, startSmtpServer } from '../../testworld/smtp/server.ts';
import { cpuOf, launcherEnv, machine } from '../machine.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '20000' },
    domains: { type: 'string', default: '10000' },
    seed: { type: 'string', default: 'ch23' },
    latency: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '1024' },
    keep: { type: 'boolean', default: false },
  },
});
const peakOf = (pid: number): number => {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

interface Pass {
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
  code: number | null;
  summary: { scanned?: number; queries?: number };
  stderr: string;
}

function scan(args: string[]): Promise<Pass> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: launcherEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid as number;
    let cpu = 0;
    let peak = 0;
    const timer = setInterval(() => {
      cpu = Math.max(cpu, cpuOf(pid));
      peak = Math.max(peak, peakOf(pid));
    }, 200);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      let summary = {};
      try {
        summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      } catch {
        // no summary: the exit code says why
      }
      resolve({
        wallS: (performance.now() - t0) / 1000,
        cpuS: cpu,
        peakRssMiB: Math.round(peak),
        code,
        summary,
        stderr,
      });
    });
  });
}

const latencyMs = Number(values.latency);
const sw = await startScaleWorld({
  seed: values.seed as string,
  size: Number(values.size),
  ...(latencyMs > 0 ? { latencyMs } : {}),
  log: (l) => process.stderr.write(`${l}\n`),
});
const dir = mkdtempSync(join(tmpdir(), 'mailsec-bench-full-'));
const servers: RunningSmtpServer[] = [];
try {
  // every shared MX address of the world, with the names that lead to it and whether DANE pins it
  const hosts = new Map<string, { names: string[]; dane: boolean }>();
  const tlsaOwners = new Set<string>();
  for (const d of infrastructure().domains)
    for (const [owner, type, value] of d.records) {
      const name = owner === '@' ? d.name : owner.endsWith('.') ? owner : `${owner}.${d.name}`;
      if (type === 'TLSA') tlsaOwners.add(name.replace(/^_25\._tcp\./, '').replace(/\.$/, ''));
      if (type === 'A' && value.startsWith(`{net}.${MX_NET}.`)) {
        const h = hosts.get(value) ?? { names: [], dane: false };
        h.names.push(name.replace(/\.$/, ''));
        hosts.set(value, h);
      }
    }
  for (const h of hosts.values()) h.dane = h.names.some((n) => tlsaOwners.has(n));
  const ca = await createTestCa(join(dir, 'ca'));
  for (const [value, h] of hosts) {
    const cn = h.names.find((n) => !n.startsWith('*.')) ?? (h.names[0] as string);
    const leaf = await ca.issue(cn, { sans: h.names, ...(h.dane ? { key: 'dane-ee' } : {}) });
    servers.push(
      await startSmtpServer({
        hostname: cn,
        address: sw.tw.ip(value.slice('{net}.'.length)),
        port: 25,
        starttls: 'yes',
        keyPem: leaf.keyPem,
        chainPem: leaf.chainPem,
      }),
    );
  }
  const list = join(dir, 'domains.txt');
  const n = Number(values.domains);
  writeFileSync(
    list,
    `${readFileSync(sw.world.domainsFile, 'utf8').split('\n').filter(Boolean).slice(0, n).join('\n')}\n`,
  );
  const unbound = Number(readFileSync(join(sw.tw.dir, 'unbound.pid'), 'utf8').trim()) || 0;
  const common = [
    '--resolver',
    sw.tw.resolver,
    '--allow-private',
    '127.0.0.0/8',
    '--concurrency',
    values.concurrency as string,
    '--progress-every',
    '30',
    '--json',
  ];
  const pass = async (name: string, extra: string[]) => {
    process.kill(unbound, 'SIGHUP'); // a cold cache for each pass
    await new Promise((r) => setTimeout(r, 1500));
    const connections0 = servers.reduce((a, s) => a + s.connections, 0);
    const ub0 = cpuOf(unbound);
    const self0 = process.cpuUsage();
    const r = await scan([
      'scan',
      list,
      '--db',
      join(dir, `${name}.duckdb`),
      '--scan',
      name,
      ...common,
      ...extra,
    ]);
    const self = process.cpuUsage(self0);
    const done = Math.max(1, r.summary.scanned ?? 0);
    if (r.code !== 0) process.stderr.write(r.stderr);
    return {
      exit: r.code,
      domains: r.summary.scanned ?? 0,
      seconds: Math.round(r.wallS * 10) / 10,
      domainsPerSecond: Math.round((done / r.wallS) * 10) / 10,
      cpuMsPerDomain: Math.round((r.cpuS / done) * 100000) / 100,
      unboundCpuMsPerDomain: Math.round(((cpuOf(unbound) - ub0) / done) * 100000) / 100,
      smtpServersCpuMsPerDomain: Math.round(((self.user + self.system) / 1000 / done) * 100) / 100,
      queriesPerDomain: Math.round(((r.summary.queries ?? 0) / done) * 10) / 10,
      smtpConnections: servers.reduce((a, s) => a + s.connections, 0) - connections0,
      peakRssMiB: r.peakRssMiB,
    };
  };
  const dnsOnly = await pass('dns', ['--no-smtp', '--no-http']);
  const full = await pass('full', ['--ca-file', ca.rootFile]);
  console.log(
    JSON.stringify({
      bench: 'scan.full',
      ...machine(),
      world: sw.world.key,
      latencyMs,
      concurrency: Number(values.concurrency),
      mxAddresses: hosts.size,
      mxDaneAddresses: [...hosts.values()].filter((h) => h.dane).length,
      dnsOnly,
      full,
      fullOverDnsOnlyWall: Math.round((full.seconds / Math.max(0.1, dnsOnly.seconds)) * 100) / 100,
    }),
  );
} finally {
  await Promise.all(servers.map((s) => s.close()));
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  await sw.stop();
}
