import { CHECKS } from '../checks/index.ts';
import type { CheckDefinition, CheckId, CheckOptions, GatherContext, PriorResults } from '../checks/types.ts';
import { isMailsecError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { CheckResult, QueryLogEntry } from '../core/result.ts';
import type { Resolver } from '../dns/types.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import type { HttpFetcher } from '../net/https.ts';
import type { Prober } from '../net/prober.ts';
import { domainFindings } from './findings.ts';

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
  /**
   * false: the name does not exist (NXDOMAIN, validated or not); then every check but DNSSEC is
   * skipped. null: the existence lookup failed (the checks run and report their own failures).
   */
  readonly exists: boolean | null;
  /** findings about the name itself (`domain.not-found`), before the checks' own */
  readonly findings: readonly Finding[];
  readonly results: readonly CheckResult<object>[];
}

/** The checks that still run for a name that does not exist (DNSSEC tells whether the denial is signed). */
const RUN_WHEN_NOT_FOUND: ReadonlySet<CheckId> = new Set<CheckId>(['dnssec']);
/**
 * How long the checks wait for the existence answer before starting anyway: an answer normally
 * comes in milliseconds; a name whose servers time out must not pay a whole timeout budget twice.
 * Checks started before a late NXDOMAIN are run but reported as skipped.
 */
const EXISTENCE_GRACE_MS = 1000;

/** `p`'s value when it settles within `ms`, else undefined (the timer is cleared either way). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the name exists: its SOA query (the one the DNSSEC check asks too, so a caching
 * resolver answers it once). NXDOMAIN at the name itself (not at the end of a CNAME chain: an
 * alias exists) is "does not exist"; a failure is unknown (null).
 */
export async function existenceOf(
  resolver: Resolver,
  domain: string,
  signal?: AbortSignal,
): Promise<{ exists: boolean | null; authenticated: boolean }> {
  const a = await resolver.query(domain, 'SOA', signal ? { signal } : undefined);
  if (a.rcode === 'NXDOMAIN' && a.cnames.length === 0)
    return { exists: false, authenticated: a.authenticated };
  if (a.rcode === 'NOERROR' || a.rcode === 'NXDOMAIN')
    return { exists: true, authenticated: a.authenticated };
  return { exists: null, authenticated: false };
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
  const planned = plan(env.only);
  const existenceP = existenceOf(env.resolver, domain, env.signal);
  const early = await within(existenceP, EXISTENCE_GRACE_MS);
  // a name that does not exist: one verdict (domain.not-found); the checks that would only say
  // "absent, publish this" for every record are skipped (interface.md, `exists`)
  const run = early?.exists === false ? planned.run.filter((c) => RUN_WHEN_NOT_FOUND.has(c.id)) : planned.run;
  const report = planned.report;
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
        };
        return { check: def.id, status: 'error' as const, evidence: {}, findings: [finding], queries: log };
      }
    })();
    started.set(def.id, p);
    return p;
  };
  const all = await Promise.all(run.map(start));
  const existence = await existenceP;
  const missing = existence.exists === false;
  const findings: Finding[] = missing
    ? [domainFindings.make('not-found', { domain, proven: existence.authenticated })]
    : [];
  const results = planned.run
    .filter((c) => report.has(c.id))
    .map((c): CheckResult<object> => {
      const r = all.find((x) => x.check === c.id);
      if (r && (!missing || RUN_WHEN_NOT_FOUND.has(c.id))) return r;
      return {
        check: c.id,
        status: 'skipped',
        evidence: { skippedBecause: 'domain-not-found' },
        findings: [],
        queries: r?.queries ?? [],
      };
    });
  return { domain, checkedAt, exists: existence.exists, findings, results };
}
