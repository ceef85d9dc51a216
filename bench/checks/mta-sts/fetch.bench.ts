// Wall time of a full check (every section, SMTP and HTTPS) of a testworld domain: MTA-STS policy,
// security.txt, BIMI logo and Microsoft endpoints fetched over HTTPS, MX probed over SMTP.
//   node bench/checks/mta-sts/fetch.bench.ts [--runs 10] [--domain full.test]
// Each run gets a fresh resolver, prober and HTTPS fetcher (nothing cached by mailsec; Unbound warm
// after the first run). Prints one JSON line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { auditDomain } from '../../../src/audit/audit.ts';
import { createAuditEnvironment } from '../../../src/audit/environment.ts';
import { startHttpsHosts } from '../../../testworld/https/index.ts';
import { startTestworld } from '../../../testworld/index.ts';
import { startSmtpHosts } from '../../../testworld/smtp/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    domain: { type: 'string', default: 'full.test' },
  },
});
const runs = Number(values.runs);
const tw = await startTestworld();
const [smtp, https] = await Promise.all([
  startSmtpHosts(tw, { postfix: false, ipv6: false }),
  startHttpsHosts(tw),
]);
const caFile = join(tw.dir, 'bench-roots.pem');
writeFileSync(caFile, readFileSync(smtp.caFile, 'utf8') + readFileSync(https.caFile, 'utf8'));
try {
  const once = async () => {
    const env = await createAuditEnvironment({
      resolver: tw.resolver,
      allowPrivate: ['127.0.0.0/8', '::1/128'],
      caFile,
      ehlo: 'bench.mailsec.invalid',
      smtpTimeoutMs: 5000,
      httpTimeoutMs: 5000,
    });
    const t0 = performance.now();
    const audit = await auditDomain(values.domain, env);
    const ms = performance.now() - t0;
    await env.close();
    const statuses = Object.fromEntries(audit.results.map((r) => [r.check, r.status]));
    return { ms, requests: env.http?.requests, connections: env.prober?.connections, statuses };
  };
  const first = await once();
  const times: number[] = [];
  let last = first;
  for (let i = 0; i < runs; i++) {
    last = await once();
    times.push(last.ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'checks/mta-sts/fetch',
      domain: values.domain,
      runs,
      firstRunMs: +first.ms.toFixed(2),
      medianMs: +sorted[Math.floor(sorted.length / 2)]!.toFixed(2),
      minMs: +sorted[0]!.toFixed(2),
      maxMs: +sorted.at(-1)!.toFixed(2),
      httpsRequests: last.requests,
      smtpConnections: last.connections,
      statuses: last.statuses,
    }),
  );
} finally {
  await https.stop();
  await smtp.stop();
  await tw.stop();
}
