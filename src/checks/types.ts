import type { CheckResult } from '../core/result.ts';
import type { StatisticsContribution } from '../core/statistics.ts';
import type { Status } from '../core/status.ts';
import type { Resolver } from '../dns/types.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import type { HttpFetcher } from '../net/https.ts';
import type { Prober } from '../net/prober.ts';

/** The built-in DKIM selector lists (`--selector-list`). */
export type SelectorList = 'short' | 'full';

/** The JSON section keys; also `--only` values and finding-id prefixes. */
export type CheckId =
  | 'dnssec'
  | 'ns'
  | 'caa'
  | 'mx'
  | 'smtp'
  | 'spf'
  | 'dkim'
  | 'dmarc'
  | 'bimi'
  | 'mtaSts'
  | 'tlsRpt'
  | 'autodiscover'
  | 'lyncdiscover'
  | 'sipFederation'
  | 'microsoft365'
  | 'securityTxt'
  | 'did'
  | 'mcp';

/** Options of `mailsec check` that reach the checks (validated once, in cli/options.ts). */
export interface CheckOptions {
  /** DKIM selectors to try besides the built-in list */
  readonly selectors: readonly string[];
  /** which built-in DKIM selector list: `full` (check) or `short` (scan; src/checks/dkim/selectors.ts) */
  readonly selectorList: SelectorList;
  /** also ask the obsolete SPF RR type 99 (RFC 7208 §3.1: a note when published); check yes, scan no */
  readonly obsoleteSpfType: boolean;
  readonly bimiSelector?: string;
  /** --vmc-roots: PEM text of the trusted BIMI mark roots (absent: chains are not verified) */
  readonly vmcRoots?: string;
  readonly noSmtp: boolean;
  readonly noHttp: boolean;
  readonly ehlo: string;
  readonly smtpTimeoutMs: number;
  readonly httpTimeoutMs: number;
}

/** What a gather may use. Gathers keep no state: the caller owns cache and clock. */
export interface GatherContext {
  /** cached, recording per check; never a hidden default */
  readonly resolver: Resolver;
  readonly addressPolicy: AddressPolicy;
  readonly options: CheckOptions;
  /** certificate expiry, max_age: no hidden Date.now() */
  readonly now: () => Date;
  readonly signal: AbortSignal;
  /** whether the resolver sets the AD bit (detected once per run) */
  readonly resolverValidates: boolean;
  /** the resolver as the user named it, for messages */
  readonly resolverName: string;
  /** SMTP/STARTTLS probes, shared by the run (absent: nothing is probed, smtp becomes skipped) */
  readonly prober?: Prober;
  /** HTTPS fetches, shared by the run (absent or --no-http: the HTTP parts become skipped) */
  readonly http?: HttpFetcher;
}

/** Results of the checks a check depends on, by id. */
export type PriorResults = Partial<Record<CheckId, CheckResult<object>>>;

/**
 * A section as the document carries it: the check's evidence fields beside its status. Fields may
 * be missing (an internal error keeps only `undeterminedBecause`; a stored document may be older).
 */
export type SectionView<E extends object> = Partial<Readonly<E>> & { readonly status: Status };

/** One line saying what was seen (the terminal's verdict); undefined: nothing to add to the findings. */
export type Summary<E extends object> = (section: SectionView<E>) => string | undefined;

/** Lines under the verdict with what a reader needs beside it (SMTP: each host's TLS and certificate). */
export type Details<E extends object> = (section: SectionView<E>) => string[];

export interface CheckDefinition<E extends object = object> {
  readonly id: CheckId;
  /** the check's name for humans, e.g. 'SPF', 'MTA-STS' (docs/findings.md, the schema, messages) */
  readonly title: string;
  /** a shorter name where space is tight (the terminal's column); default: title */
  readonly label?: string;
  /** the one-line summary of the evidence, typed by the check's own evidence (render/human.ts) */
  readonly summary: Summary<E>;
  /** lines shown under the summary in the terminal (optional) */
  readonly details?: Details<E>;
  /**
   * Finding ids the check's base state already counts, so they do not lower it again (SMTP: the
   * hosts without STARTTLS are what makes support `some` → `warn`). `statusFrom` and the
   * status-consistency test take them from here.
   */
  readonly weighedByBase?: readonly string[];
  /** checks whose results this one reads (run first) */
  readonly requires?: readonly CheckId[];
  /**
   * JSON Schema (draft 2020-12) of this section's fields besides `status` (properties object and
   * required list); schema/check.schema.json is generated from these (scripts/gen-schema.ts).
   */
  readonly schema: { readonly properties: Record<string, object>; readonly required?: readonly string[] };
  /**
   * What this check adds to the TLD statistics (keys and shares, src/core/statistics.ts);
   * `NO_STATISTICS` when no statistic reads its evidence.
   */
  readonly statistics: StatisticsContribution<E>;
  /** gather (I/O through ctx) then check (pure) */
  run(domain: string, ctx: GatherContext, prior: PriorResults): Promise<CheckResult<E>>;
}
