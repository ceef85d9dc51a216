/**
 * What a worker lets a job decide. A job's options are plain data from Redis, and anyone who can
 * write to that Redis can write a job: so a worker takes a job's options only as far as its own
 * allow them, and never further.
 *
 * - `allowPrivate`: the job's ranges **intersected** with the worker's own `--allow-private`
 *   (a job that asks for 0.0.0.0/0 on a worker without --allow-private gets nothing special);
 * - exclusions: the worker's own `--exclude` list **and** the job's (the union: a job can only add);
 * - the resolver: one of the worker's `--resolver` addresses when it names any; otherwise an
 *   address (UDP or a DoH URL with an address) the worker's address policy allows — a job cannot
 *   aim the worker's DNS at a special-purpose address outside the worker's `--allow-private`;
 * - rates: the lower of the job's and the worker's ceiling (0 = none);
 * - the CA file is the worker's (a job never names a file of the worker's machine).
 */
import type { AuditConfig } from '../audit/environment.ts';
import { parseResolverSpec } from '../dns/spec.ts';
import { createAddressPolicy, parseCidr } from '../net/address-policy.ts';
import { inPrefix, parseIp } from '../protocol/ip.ts';
import { InvalidJob, type JobConfig, type RunLimits } from './jobs.ts';

export interface WorkerPolicy {
  /** the worker's own --allow-private ranges */
  readonly allowPrivate: readonly string[];
  /** the worker's own --exclude lines */
  readonly exclude: readonly string[];
  /** resolvers the worker may use (its --resolver); empty: any the address policy allows */
  readonly resolvers: readonly string[];
  /** the worker's ceilings (0: none of its own) */
  readonly qps: number;
  readonly nsQps: number;
  /** the worker's CA file (SMTP, HTTPS, DoH) */
  readonly caFile?: string;
}

/** The ranges both lists allow: for each pair, the narrower one when one contains the other. */
export function intersectRanges(a: readonly string[], b: readonly string[]): string[] {
  const out = new Set<string>();
  for (const x of a) {
    const cx = parseCidr(x);
    const ix = parseIp(cx.address);
    if (!ix) continue;
    for (const y of b) {
      const cy = parseCidr(y);
      const iy = parseIp(cy.address);
      if (!iy || ix.family !== iy.family) continue;
      if (cx.prefix >= cy.prefix && inPrefix(ix, iy, cy.prefix)) out.add(`${ix.text}/${cx.prefix}`);
      else if (cy.prefix >= cx.prefix && inPrefix(iy, ix, cx.prefix)) out.add(`${iy.text}/${cy.prefix}`);
    }
  }
  return [...out];
}

const lower = (a: number, b: number) => (a <= 0 ? b : b <= 0 ? a : Math.min(a, b));

/** The configuration a worker audits a job's domains with, narrowed by the worker's policy. */
export function effectiveConfig(job: JobConfig, p: WorkerPolicy): AuditConfig {
  const allowPrivate = intersectRanges(job.allowPrivate ?? [], p.allowPrivate);
  const resolver = job.resolver as string;
  if (p.resolvers.length) {
    if (!p.resolvers.includes(resolver))
      throw new InvalidJob(`resolver ${resolver}: not one this worker may use (${p.resolvers.join(', ')})`);
  } else {
    let spec: ReturnType<typeof parseResolverSpec>;
    try {
      spec = parseResolverSpec(resolver);
    } catch {
      throw new InvalidJob(`resolver ${resolver}: not a resolver address`);
    }
    const address = spec.kind === 'doh' ? spec.host : spec.address;
    if (!parseIp(address))
      throw new InvalidJob(
        `resolver ${resolver}: a name, not an address (start the worker with this --resolver to allow it)`,
      );
    const v = createAddressPolicy(p.allowPrivate).verdict(address);
    if (!v.allowed)
      throw new InvalidJob(
        `resolver ${resolver}: ${v.reason ?? 'not allowed'} (outside this worker's --allow-private)`,
      );
  }
  return {
    ...job,
    resolver,
    allowPrivate,
    exclude: [...p.exclude, ...(job.exclude ?? [])],
    ...(p.caFile ? { caFile: p.caFile } : {}),
  };
}

export function effectiveLimits(job: RunLimits, p: WorkerPolicy): RunLimits {
  return { ...job, qps: lower(job.qps, p.qps), nsQps: lower(job.nsQps, p.nsQps) };
}
