// Wall time of `check --only dnssec,ns,caa,mx` against the testworld, cold and warm cache.
//   node bench/audit/check.bench.ts [--runs 20] [--domain secure.test] [--only dnssec,ns,caa,mx] [--smtp]
// --smtp starts the testworld SMTP hosts and probes them (a fresh prober per cold run), e.g.
//   node bench/audit/check.bench.ts --smtp --domain two-mx.test --only all
// Prints one JSON line. allCachesCold: the first run after the testworld starts (Unbound and
// mailsec caches empty: every query recurses from the root). Cold: a fresh mailsec resolver
// (empty mailsec cache, Unbound warm, as for a user re-running a check). Warm: the same resolver again.
import { parseArgs } from 'node:util';
import { auditDomain } from '../../src/audit/audit.ts';
import type { AuditConfig, OpenAuditEnvironment } from '../../src/audit/environment.ts';
import { createAuditEnvironment } from '../../src/audit/environment.ts';
import type { CheckId } from '../../src/checks/types.ts';
import { startTestworld } from '../../testworld/index.ts';
import { startSmtpHosts } from '../../testworld/smtp/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    domain: { type: 'string', default: 'secure.test' },
    only: { type: 'string', default: 'dnssec,ns,caa,mx' },
    smtp: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const only = values.only === 'all' ? undefined : (values.only.split(',') as CheckId[]);
const tw = await startTestworld();
const smtp = values.smtp ? await startSmtpHosts(tw, { postfix: false, ipv6: false }) : undefined;
// what `mailsec check` would be given: each environment has its own resolver (cache) and prober
const config: AuditConfig = {
  resolver: tw.resolver,
  allowPrivate: ['127.0.0.0/8', '::1/128'],
  noSmtp: !smtp,
  noHttp: true,
  ehlo: 'bench.mailsec.invalid',
  smtpTimeoutMs: 5000,
  ...(smtp ? { caFile: smtp.caFile } : {}),
  ...(only ? { only } : {}),
};
try {
  const once = async (env: OpenAuditEnvironment) => {
    const t0 = performance.now();
    let queries = 0;
    const audit = await auditDomain(values.domain, env);
    for (const r of audit.results) queries += r.queries?.length ?? 0;
    return { ms: performance.now() - t0, queries };
  };
  // the first run finds Unbound's cache empty too; later "cold" runs measure mailsec, not recursion
  const primer = await createAuditEnvironment(config);
  const first = await once(primer);
  await primer.close();
  const cold: number[] = [];
  const warm: number[] = [];
  let coldQueries = 0;
  for (let i = 0; i < runs; i++) {
    const env = await createAuditEnvironment(config);
    const c = await once(env);
    cold.push(c.ms);
    coldQueries = c.queries;
    warm.push((await once(env)).ms);
    await env.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    JSON.stringify({
      bench: 'audit/check',
      domain: values.domain,
      only: values.only,
      smtp: values.smtp,
      runs,
      allCachesColdMs: +first.ms.toFixed(2),
      coldMedianMs: +median(cold).toFixed(2),
      warmMedianMs: +median(warm).toFixed(2),
      queriesPerCheck: coldQueries,
    }),
  );
} finally {
  await smtp?.stop();
  await tw.stop();
}
