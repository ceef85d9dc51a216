import { CHECKS } from '../checks/index.ts';
import type { CheckDefinition, CheckId, CheckOptions, GatherContext, PriorResults } from '../checks/types.ts';
import { isMailsecError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { CheckResult, QueryLogEntry } from '../core/result.ts';
import { statusFrom } from '../core/status.ts';
import type { Answer, QueryOptions, QueryScope, RecordOf, Resolver, RRType } from '../dns/types.ts';
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
  /**
   * false: each result carries its `queryCount` only, not the log of its queries (a scan stores
   * the count; an entry per query was ~5 % of its allocation). Default true.
   */
  readonly queryLog?: boolean;
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

/** The checks that still count for a name that does not exist (DNSSEC tells whether the denial is signed). */
const RUN_WHEN_NOT_FOUND: ReadonlySet<CheckId> = new Set<CheckId>(['dnssec']);

/**
 * Whether the name exists: its SOA query (the one the DNSSEC check asks too, so a caching
 * resolver answers it once). NXDOMAIN at the name itself (not at the end of a CNAME chain: an
 * alias exists) is "does not exist"; a failure is unknown (null).
 */
export async function existenceOf(
  resolver: Resolver,
  domain: string,
  signal?: AbortSignal,
  scope?: QueryScope,
): Promise<{ exists: boolean | null; authenticated: boolean }> {
  const a = await resolver.query(
    domain,
    'SOA',
    signal || scope ? { ...(signal ? { signal } : {}), ...(scope ? { scope } : {}) } : undefined,
  );
  if (a.rcode === 'NXDOMAIN' && a.cnames.length === 0)
    return { exists: false, authenticated: a.authenticated };
  if (a.rcode === 'NOERROR' || a.rcode === 'NXDOMAIN')
    return { exists: true, authenticated: a.authenticated };
  return { exists: null, authenticated: false };
}

/**
 * A check's view of the shared resolver: counts the queries it asks (when asked, so cache hits
 * count and nothing waits on the answer for it) and, with a log, records how each ended.
 */
class CheckResolver implements Resolver {
  count = 0;
  readonly inner: Resolver;
  readonly log: QueryLogEntry[] | undefined;
  /** the audit's domain, passed with every query (see QueryScope) */
  readonly scope: QueryScope;
  private readonly scopeOnly: QueryOptions;
  constructor(inner: Resolver, log: QueryLogEntry[] | undefined, scope: QueryScope) {
    this.inner = inner;
    this.log = log;
    this.scope = scope;
    this.scopeOnly = { scope };
  }

  query<T extends RRType>(name: string, type: T, options?: QueryOptions): Promise<Answer<RecordOf<T>>> {
    this.count++;
    const p = this.inner.query(
      name,
      type,
      options ? (options.scope ? options : { ...options, scope: this.scope }) : this.scopeOnly,
    );
    const log = this.log;
    if (!log) return p;
    return p.then((a) => {
      log.push({ name: a.name, type, rcode: a.rcode, count: a.records.length });
      return a;
    });
  }
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

/**
 * One domain: every check gathers (shared resolver and cache), then judges. Checks run
 * concurrently, and beside them the existence query (the name's SOA, which the DNSSEC check asks
 * too: one packet). A name that does not exist gets one verdict (domain.not-found); the other
 * checks, which would only say "absent, publish this" for every record, are reported as skipped
 * (interface.md, `exists`) and their results dropped. Nothing waits for the existence answer
 * first, so a name that exists pays nothing for it. (A per-domain abort signal to stop them early
 * cost about a third of a warm audit's time, for names that are rare in practice: not done.)
 */
export async function auditDomain(domain: string, env: AuditEnvironment): Promise<DomainAudit> {
  const checkedAt = env.now();
  const { run, report } = plan(env.only);
  // names at or below the domain: their answers live with this audit, not in the run's cache
  const scope: QueryScope = { domain };
  const existenceP = existenceOf(env.resolver, domain, env.signal, scope);
  const started = new Map<CheckId, Promise<CheckResult<object>>>();
  const logQueries = env.queryLog !== false;
  // what every check's context shares (each adds its own counting resolver)
  const base: Omit<GatherContext, 'resolver'> = {
    addressPolicy: env.addressPolicy,
    options: env.options,
    now: env.now,
    signal: env.signal,
    resolverValidates: env.resolverValidates,
    resolverName: env.resolverName,
    ...(env.prober ? { prober: env.prober } : {}),
    ...(env.http && !env.options.noHttp ? { http: env.http } : {}),
  };
  const start = (def: CheckDefinition): Promise<CheckResult<object>> => {
    const existing = started.get(def.id);
    if (existing) return existing;
    const p = (async () => {
      const prior: PriorResults = {};
      for (const r of def.requires ?? []) {
        const dep = run.find((c) => c.id === r);
        if (dep) prior[r] = await start(dep);
      }
      const log: QueryLogEntry[] | undefined = logQueries ? [] : undefined;
      const resolver = new CheckResolver(env.resolver, log, scope);
      const ctx: GatherContext = { ...base, resolver };
      const asked = (): { queryCount: number; queries?: QueryLogEntry[] } =>
        log ? { queryCount: resolver.count, queries: log } : { queryCount: resolver.count };
      try {
        const result = await def.run(domain, ctx, prior);
        return { ...result, ...asked() };
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
          evidence: { undeterminedBecause: 'internal-error' },
          findings: [finding],
          ...asked(),
        };
      }
    })();
    started.set(def.id, p);
    return p;
  };
  const pending = run.map((def) => ({ def, p: start(def) }));
  try {
    const existence = await existenceP;
    const missing = existence.exists === false;
    const results: CheckResult<object>[] = [];
    for (const { def, p } of pending) {
      if (!report.has(def.id)) {
        await p.catch(() => undefined);
        continue;
      }
      if (!missing || RUN_WHEN_NOT_FOUND.has(def.id)) {
        results.push(await p);
        continue;
      }
      const r = await p.catch(() => undefined);
      results.push({
        check: def.id,
        status: statusFrom('skipped', []),
        evidence: { skippedBecause: 'domain-not-found' },
        findings: [],
        queryCount: r?.queryCount ?? 0,
        ...(logQueries ? { queries: r?.queries ?? [] } : {}),
      });
    }
    const findings: Finding[] = missing
      ? [domainFindings.make('not-found', { domain, proven: existence.authenticated })]
      : [];
    return { domain, checkedAt, exists: existence.exists, findings, results };
  } finally {
    // nothing left running behind the result (a failure above must not leave checks unobserved)
    await Promise.allSettled(pending.map((x) => x.p));
  }
}
