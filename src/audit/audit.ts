import { CHECKS } from '../checks/index.ts';
import type { CheckDefinition, CheckId, CheckOptions, GatherContext, PriorResults } from '../checks/types.ts';
import { isMailsecError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { CheckResult, QueryLogEntry } from '../core/result.ts';
import { statusFrom } from '../core/status.ts';
import type { Resolver } from '../dns/types.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import type { HttpFetcher } from '../net/https.ts';
import type { Prober } from '../net/prober.ts';

/** Everything one run shares across domains (scan shares it across millions). */
export interface AuditEnvironment {
  readonly resolver: Resolver;
  readonly resolverName: string;
  readonly resolverValidates: boolean;
  readonly addressPolicy: AddressPolicy;
  readonly options: CheckOptions;
  readonly now: () => Date;
  readonly signal: AbortSignal;
  /** SMTP/STARTTLS prober shared across domains (one probe per address and SNI name per run) */
  readonly prober?: Prober;
  /** HTTPS fetcher shared across domains (absent: MTA-STS policy, security.txt, … are skipped) */
  readonly http?: HttpFetcher;
  /** run only these checks (their prerequisites run too, but are not reported) */
  readonly only?: readonly CheckId[];
}

export interface DomainAudit {
  readonly domain: string;
  readonly checkedAt: Date;
  readonly results: readonly CheckResult<object>[];
}

function recording(inner: Resolver, log: QueryLogEntry[]): Resolver {
  return {
    async query(name, type, options) {
      const a = await inner.query(name, type, options);
      log.push({ name: a.name, type, rcode: a.rcode, count: a.records.length });
      return a;
    },
  };
}

/** Selects the checks to run: the requested ones and, transitively, what they require. */
export function plan(only?: readonly CheckId[]): { run: CheckDefinition[]; report: Set<CheckId> } {
  const report = new Set<CheckId>(only?.length ? only : CHECKS.map((c) => c.id));
  const need = new Set<CheckId>();
  const add = (id: CheckId) => {
    if (need.has(id)) return;
    need.add(id);
    for (const r of CHECKS.find((c) => c.id === id)?.requires ?? []) add(r);
  };
  for (const id of report) add(id);
  return { run: CHECKS.filter((c) => need.has(c.id)), report };
}

/** One domain: every check gathers (shared resolver and cache), then judges. Checks run concurrently. */
export async function auditDomain(domain: string, env: AuditEnvironment): Promise<DomainAudit> {
  const checkedAt = env.now();
  const { run, report } = plan(env.only);
  const started = new Map<CheckId, Promise<CheckResult<object>>>();
  const start = (def: CheckDefinition): Promise<CheckResult<object>> => {
    const existing = started.get(def.id);
    if (existing) return existing;
    const p = (async () => {
      const prior: PriorResults = {};
      for (const r of def.requires ?? []) {
        const dep = run.find((c) => c.id === r);
        if (dep) prior[r] = await start(dep);
      }
      const log: QueryLogEntry[] = [];
      const ctx: GatherContext = {
        resolver: recording(env.resolver, log),
        addressPolicy: env.addressPolicy,
        options: env.options,
        now: env.now,
        signal: env.signal,
        resolverValidates: env.resolverValidates,
        resolverName: env.resolverName,
        ...(env.prober ? { prober: env.prober } : {}),
        ...(env.http && !env.options.noHttp ? { http: env.http } : {}),
      };
      try {
        const result = await def.run(domain, ctx, prior);
        return { ...result, queries: log };
      } catch (e) {
        if (isMailsecError(e)) throw e;
        const finding: Finding = {
          id: `${def.id}.undetermined`,
          check: def.id,
          severity: 'warning',
          message: `Could not determine ${def.title}: internal error (${e instanceof Error ? e.message : String(e)}).`,
          fix: 'Please report this with the domain name.',
          params: { reason: `internal error (${e instanceof Error ? e.message : String(e)})` },
        };
        return {
          check: def.id,
          status: statusFrom('unknown', [finding]),
          evidence: {},
          findings: [finding],
          queries: log,
        };
      }
    })();
    started.set(def.id, p);
    return p;
  };
  const all = await Promise.all(run.map(start));
  return { domain, checkedAt, results: all.filter((r) => report.has(r.check as CheckId)) };
}
