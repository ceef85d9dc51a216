/**
 * DNS client throughput: queries per second and CPU µs per query (process.cpuUsage of this process
 * only) against a resolver whose cache is warm (every name asked once before measuring).
 *
 *   node bench/dns/client.bench.ts [--resolver ADDR] [--queries N] [--concurrency C] [--names N]
 *
 * Without --resolver it starts testworld/mini-dns in a child process (so its CPU is not counted)
 * serving h<i>.bench.example A records. With --resolver the same names are asked (a real resolver
 * answers NXDOMAIN from its cache after the warm-up: still one round trip each), or with
 * `--domains a.example,b.example` those names × A, AAAA, MX, TXT, NS, CAA.
 * Prints one line of JSON: `uncached` = the client without its own answer cache (every query is a
 * packet); `cached` = the same queries answered from mailsec's cache.
 */
import { spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createResolver } from '../../src/dns/index.ts';
import { type MiniZone, startMiniDns } from '../../testworld/mini-dns.ts';

const { values } = parseArgs({
  options: {
    resolver: { type: 'string' },
    queries: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '500' },
    names: { type: 'string', default: '5000' },
    domains: { type: 'string' },
    serve: { type: 'boolean', default: false },
  },
});
const domains = values.domains?.split(',').filter(Boolean) ?? [];
const TYPES = ['A', 'AAAA', 'MX', 'TXT', 'NS', 'CAA'] as const;
const names = domains.length > 0 ? domains.length * TYPES.length : Number(values.names);
const nameOf = (i: number) =>
  domains.length > 0 ? domains[i % domains.length]! : `h${i % names}.bench.example`;
const typeOf = (i: number) =>
  domains.length > 0 ? TYPES[Math.floor(i / domains.length) % TYPES.length]! : 'A';

if (values.serve) {
  // child: the authoritative side
  const zone: Record<string, MiniZone[string]> = {};
  for (let i = 0; i < names; i++) zone[nameOf(i)] = { A: [`10.${(i >> 8) & 255}.${i & 255}.1`] };
  const dns = await startMiniDns({ address: '127.0.0.1', zone });
  process.stdout.write(`${dns.spec}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void dns.stop().then(() => process.exit(0)));
} else {
  let child: ReturnType<typeof spawn> | undefined;
  let spec = values.resolver;
  if (!spec) {
    child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', '--names', String(names)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    spec = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child!.on('exit', (code) => reject(new Error(`mini-dns exited (${code})`)));
    });
  }
  const total = Number(values.queries);
  const concurrency = Number(values.concurrency);

  /** runs `count` queries at `concurrency`; `one(i)` answers whether query i failed */
  async function measure(count: number, one: (i: number) => Promise<boolean>) {
    let next = 0;
    let failures = 0;
    const worker = async () => {
      while (next < count) {
        if (await one(next++)) failures++;
      }
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      qps: Math.round((count / ms) * 1000),
      cpuUsPerQuery: Number(((cpu.user + cpu.system) / count).toFixed(1)),
      failures,
    };
  }
  const run = (r: ReturnType<typeof createResolver>, count: number) =>
    measure(count, async (i) => {
      const a = await r.query(nameOf(i), typeOf(i));
      return a.rcode === 'TIMEOUT' || a.rcode === 'NETERROR';
    });

  const uncached = createResolver(spec, { cache: false, timeoutMs: 2000, attempts: 3 });
  await run(uncached, names); // warm the resolver's cache (and the JIT)
  const u = await run(uncached, total);
  const stats = uncached.stats();
  await uncached.close();

  const cached = createResolver(spec, { cache: { maxEntries: names * 2 }, timeoutMs: 2000, attempts: 3 });
  await run(cached, names); // fill mailsec's cache
  const c = await run(cached, total);
  await cached.close();

  // reference: Node's own stub resolver (c-ares) against the same upstream and names
  const cares = new Resolver({ timeout: 2000, tries: 3 });
  cares.setServers([spec]);
  const caresRun = (count: number) =>
    measure(count, async (i) => {
      try {
        await cares.resolve(nameOf(i), typeOf(i));
        return false;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code !== 'ENOTFOUND' && code !== 'ENODATA';
      }
    });
  await caresRun(names);
  const ref = await caresRun(total);

  child?.stdin?.end();
  console.log(
    JSON.stringify({
      bench: 'dns/client',
      resolver: values.resolver ?? 'mini-dns (child process)',
      node: process.version,
      queries: total,
      concurrency,
      names,
      ...(domains.length > 0 ? { domains: domains.length } : {}),
      uncached: u,
      cached: c,
      reference: { client: 'node:dns Resolver (c-ares)', ...ref },
      ratioQpsVsReference: Number((u.qps / ref.qps).toFixed(2)),
      timeouts: stats.timeouts,
      tcpFallbacks: stats.tcpFallbacks,
    }),
  );
}
