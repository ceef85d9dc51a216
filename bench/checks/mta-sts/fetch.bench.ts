// Wall time of a full check (every section, SMTP and HTTPS) of a testworld domain: MTA-STS policy,
// security.txt, BIMI logo and Microsoft endpoints fetched over HTTPS, MX probed over SMTP.
//   node bench/checks/mta-sts/fetch.bench.ts [--runs 10] [--domain full.test]
// Each run gets a fresh resolver, prober and HTTPS fetcher (nothing cached by mailsec; Unbound warm
// after the first run). Prints one JSON line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { auditDomain } from '../../../src/audit/audit.ts';
import { checkOptionsFrom, probeResolver } from '../../../src/audit/check-domain.ts';
import { createResolver } from '../../../src/dns/index.ts';
import { createAddressPolicy } from '../../../src/net/address-policy.ts';
import { createHttpFetcher } from '../../../src/net/https.ts';
import { createProber } from '../../../src/net/prober.ts';
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
const addressPolicy = createAddressPolicy(['127.0.0.0/8', '::1/128']);
const tw = await startTestworld();
const [smtp, https] = await Promise.all([
  startSmtpHosts(tw, { postfix: false, ipv6: false }),
  startHttpsHosts(tw),
]);
const caFile = join(tw.dir, 'bench-roots.pem');
writeFileSync(caFile, readFileSync(smtp.caFile, 'utf8') + readFileSync(https.caFile, 'utf8'));
try {
  const once = async () => {
    const resolver = createResolver(tw.resolver, { timeoutMs: 2000, attempts: 3 });
    const probe = await probeResolver(resolver);
    const prober = createProber({ addressPolicy, timeoutMs: 5000, ehlo: 'bench.mailsec.invalid', caFile });
    const http = createHttpFetcher({ resolver, addressPolicy, timeoutMs: 5000, caFile });
    const t0 = performance.now();
    const audit = await auditDomain(values.domain, {
      resolver,
      resolverName: tw.resolver,
      resolverValidates: probe.validates,
      addressPolicy,
      options: checkOptionsFrom({ smtpTimeoutMs: 5000, httpTimeoutMs: 5000 }),
      prober,
      http,
      now: () => new Date(),
      signal: new AbortController().signal,
    });
    const ms = performance.now() - t0;
    await resolver.close();
    const statuses = Object.fromEntries(audit.results.map((r) => [r.check, r.status]));
    return { ms, requests: http.requests, connections: prober.connections, statuses };
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
