/**
 * check_host throughput on the openspf RFC 7208 suite's zone data: evaluations per second of
 * mailsec's checkHostFor (the path of `mailsec spf --ip`) and, side by side, of pyspf (Debian's
 * python3-spf, driven by pyspf_bench.py) against the same mini-dns server.
 *
 *   node bench/checks/spf/check-host.bench.ts [--seconds 0.5] [--no-pyspf]
 *
 * testworld/mini-dns runs in a child process (its CPU is not counted) and serves one suite
 * scenario at a time. Cases that wait for a TIMEOUT record are left out (they measure the timeout,
 * not the engine); every implementation runs the same cases. Variants:
 * - mailsec warm: one resolver per scenario with its answer cache warmed by a first round;
 * - mailsec uncached: the resolver without cache, every lookup a UDP round trip to mini-dns;
 * - pyspf: spf.check2() per case (a fresh query object each time, as pyspf is used: its DNS cache
 *   lives in the query), every lookup a UDP round trip through pydns to the same mini-dns.
 * Prints a table and one line of JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { checkHostFor } from '../../../src/checks/spf/evaluate.ts';
import { createResolver } from '../../../src/dns/index.ts';
import { startMiniDns, zoneFromRfc7208 } from '../../../testworld/mini-dns.ts';

const SUITE = fileURLToPath(new URL('../../../../shared/testdata/spf/rfc7208-tests.yml', import.meta.url));
const PYSPF = fileURLToPath(new URL('./pyspf_bench.py', import.meta.url));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '0.5' },
    'no-pyspf': { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
  },
});

interface Case {
  name: string;
  ip: string;
  sender: string;
  helo: string;
  expected: string[];
}

if (values.serve) {
  // child: the authoritative side; one JSON zonedata per stdin line, answered with "ok"
  const dns = await startMiniDns({ address: '127.0.0.1', zone: {} });
  process.stdout.write(`${dns.spec}\n`);
  let buf = '';
  process.stdin.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      dns.setZone(zoneFromRfc7208(JSON.parse(line)));
      process.stdout.write('ok\n');
    }
  });
  process.stdin.on('end', () => void dns.stop().then(() => process.exit(0)));
} else {
  const seconds = Number(values.seconds);
  const docs = parseAllDocuments(readFileSync(SUITE, 'latin1')).map(
    (d) =>
      d.toJS() as {
        description: string;
        tests: Record<string, { host: string; mailfrom: string; helo: string; result: string | string[] }>;
        zonedata: Record<string, unknown[] | null>;
      },
  );
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let waiting: ((l: string) => void) | undefined;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
      const l = out.slice(0, i);
      out = out.slice(i + 1);
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(l);
      } else lines.push(l);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve) => {
      const l = lines.shift();
      if (l !== undefined) resolve(l);
      else waiting = resolve;
    });
  const spec = await nextLine();
  const [host, port] = [spec.slice(0, spec.lastIndexOf(':')), spec.slice(spec.lastIndexOf(':') + 1)];

  const totals = {
    warm: { evals: 0, ms: 0 },
    uncached: { evals: 0, ms: 0 },
    pyspf: { evals: 0, ms: 0, agree: 0, total: 0, disagree: [] as string[] },
  };
  let cases = 0;
  let excluded = 0;
  let mailsecAgree = 0;
  const run = async (
    resolver: ReturnType<typeof createResolver>,
    list: Case[],
  ): Promise<{ evals: number; ms: number }> => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < seconds * 1000) {
      for (const c of list) {
        await checkHostFor({ ip: c.ip, sender: c.sender, helo: c.helo }, { resolver });
        n++;
      }
    }
    return { evals: n, ms: performance.now() - t0 };
  };

  for (const doc of docs) {
    child.stdin!.write(`${JSON.stringify(doc.zonedata ?? {})}\n`);
    await nextLine();
    const all: Case[] = Object.entries(doc.tests).map(([name, t]) => ({
      name,
      ip: t.host,
      sender: t.mailfrom,
      helo: t.helo,
      expected: Array.isArray(t.result) ? t.result : [t.result],
    }));
    // leave out the cases that wait for a TIMEOUT record (cold, uncached dry run)
    const probe = createResolver(spec, { timeoutMs: 300, attempts: 1, cache: false });
    const list: Case[] = [];
    for (const c of all) {
      const t0 = performance.now();
      const r = await checkHostFor({ ip: c.ip, sender: c.sender, helo: c.helo }, { resolver: probe });
      if (performance.now() - t0 > 150) {
        excluded++;
        continue;
      }
      if (c.expected.includes(r.result)) mailsecAgree++;
      list.push(c);
    }
    await probe.close();
    cases += list.length;
    if (list.length === 0) continue;

    const warm = createResolver(spec, { timeoutMs: 300, attempts: 1 });
    for (const c of list)
      await checkHostFor({ ip: c.ip, sender: c.sender, helo: c.helo }, { resolver: warm });
    const w = await run(warm, list);
    await warm.close();
    totals.warm.evals += w.evals;
    totals.warm.ms += w.ms;

    const cold = createResolver(spec, { timeoutMs: 300, attempts: 1, cache: false });
    const u = await run(cold, list);
    await cold.close();
    totals.uncached.evals += u.evals;
    totals.uncached.ms += u.ms;

    if (!values['no-pyspf']) {
      const file = join(tmpdir(), `mailsec-pyspf-cases-${process.pid}.json`);
      writeFileSync(file, JSON.stringify(list));
      const py = spawnSync(
        '/usr/bin/python3',
        [PYSPF, '--server', host, '--port', port, '--cases', file, '--seconds', String(seconds)],
        { encoding: 'utf8' },
      );
      if (py.status !== 0) throw new Error(`pyspf_bench.py failed: ${py.stderr}`);
      const r = JSON.parse(py.stdout) as {
        evals: number;
        ms: number;
        agree: number;
        total: number;
        disagree: string[];
      };
      totals.pyspf.evals += r.evals;
      totals.pyspf.ms += r.ms;
      totals.pyspf.agree += r.agree;
      totals.pyspf.total += r.total;
      totals.pyspf.disagree.push(...r.disagree);
    }
  }
  child.stdin!.end();

  const rate = (t: { evals: number; ms: number }) => Math.round((t.evals / t.ms) * 1000);
  const result = {
    bench: 'spf/check-host',
    date: new Date().toISOString(),
    node: process.version,
    cases,
    excludedTimeoutCases: excluded,
    mailsecAgreesWithSuite: `${mailsecAgree}/${cases}`,
    mailsecWarmPerSec: rate(totals.warm),
    mailsecUncachedPerSec: rate(totals.uncached),
    ...(values['no-pyspf']
      ? {}
      : {
          pyspfPerSec: rate(totals.pyspf),
          pyspfAgreesWithSuite: `${totals.pyspf.agree}/${totals.pyspf.total}`,
          pyspfDisagrees: totals.pyspf.disagree,
          ratioUncachedVsPyspf: Number((rate(totals.uncached) / rate(totals.pyspf)).toFixed(1)),
          ratioWarmVsPyspf: Number((rate(totals.warm) / rate(totals.pyspf)).toFixed(1)),
        }),
  };
  console.log(
    [
      `check_host over ${cases} openspf cases (${excluded} TIMEOUT cases left out), ${seconds}s per scenario and variant`,
      `  mailsec, warm cache   ${String(result.mailsecWarmPerSec).padStart(8)} evaluations/s`,
      `  mailsec, no cache     ${String(result.mailsecUncachedPerSec).padStart(8)} evaluations/s`,
      ...(values['no-pyspf']
        ? []
        : [`  pyspf 2.0.14 (pydns)  ${String(result.pyspfPerSec).padStart(8)} evaluations/s`]),
    ].join('\n'),
  );
  console.log(JSON.stringify(result));
}
