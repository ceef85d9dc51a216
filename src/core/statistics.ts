/**
 * What a check contributes to the TLD statistics (`mailsec report`): its keys (each a verdict per
 * domain: yes / no / error / skipped) and its shares (names counted once per domain). Every check
 * definition carries one (`CheckDefinition.statistics`), so a new check is one folder and one
 * registry line; the scan store keeps each key's verdict as a typed column and `report` counts
 * them in the database.
 *
 * A verdict is `error` when the section could not be determined (timeout, SERVFAIL, …) and
 * `skipped` when it was not tested (an option such as `--no-http`, `--only`, a missing
 * prerequisite): an undetermined answer is never counted as "no".
 */
import type { Status } from './status.ts';

export type Verdict = 'yes' | 'no' | 'error' | 'skipped';

/** The verdicts as stored (a UTINYINT column per key). */
export const VERDICT_CODE: Readonly<Record<Verdict, number>> = { no: 0, yes: 1, error: 2, skipped: 3 };

/** `all`: over every domain; `mx`: over the domains with a non-empty MX RRset (Null MX included). */
export type Denominator = 'all' | 'mx';

/** A stored section of the document: its status and the check's evidence (older documents may lack fields). */
export type StoredSection<E> = { readonly status: Status } & Partial<E>;

/** What a verdict may read of the whole document besides its own section. */
export interface DocumentView {
  readonly domain: string;
  readonly findings: readonly { readonly id: string }[];
  readonly [section: string]: unknown;
}

export interface StatisticKey<E> {
  /** `<area>.<name>`, stable once published (`spf.present`) */
  readonly key: string;
  readonly over: Denominator;
  /**
   * A narrower denominator: only the domains counted yes in this other key (of the same check,
   * defined before this one) — `dane.invalid` over the domains with TLSA (`dane.present`). The
   * verdict is not asked for the other domains.
   */
  readonly within?: string;
  /** one domain's verdict; `section` is undefined when the check did not run (`--only`) */
  verdict(section: StoredSection<E> | undefined, doc: DocumentView): Verdict;
}

/** `providers` (MX), `dnsProviders` (NS), `issuers`, `software`: lists of `{ name, count, denominator, percent }`. */
export type ShareName = 'providers' | 'dnsProviders' | 'issuers' | 'software';

export interface ShareContribution<E> {
  readonly share: ShareName;
  /**
   * `all`: over every domain (names asked for every domain); `mx`: over domains with MX; `seen`:
   * over domains with MX where at least one name was seen
   */
  readonly over: 'all' | 'mx' | 'seen';
  /** the names of one domain (counted once each); asked for domains with MX unless `over` is `all` */
  names(section: StoredSection<E> | undefined, doc: DocumentView): readonly string[];
}

export interface StatisticsContribution<E> {
  readonly keys: readonly StatisticKey<E>[];
  readonly shares?: readonly ShareContribution<E>[];
}

/** A contribution of nothing (a check whose evidence no statistic reads). */
export const NO_STATISTICS: StatisticsContribution<never> = { keys: [] };

/**
 * The common key: error / skipped from the section's status (a section that did not run is
 * skipped), otherwise `yes` when `pred` holds.
 */
export function keyOf<E>(
  key: string,
  over: Denominator,
  pred: (s: StoredSection<E>, doc: DocumentView) => boolean,
): StatisticKey<E> {
  return {
    key,
    over,
    verdict(s, doc) {
      if (!s) return 'skipped';
      if (s.status === 'error') return 'error';
      if (s.status === 'skipped') return 'skipped';
      return pred(s, doc) ? 'yes' : 'no';
    },
  };
}

/**
 * A key about what the section's evidence shows — a DNS record and what it says, a file that was
 * found: `fact` returns true or false when the evidence decides, null when it does not. Only then
 * does the section's status decide (error → `error`, skipped → `skipped`, else `no`), so a record
 * that was found stays `yes` when a later HTTPS or SMTP step of the same section failed (the BIMI
 * record whose logo host is down is a BIMI record).
 */
export function factOf<E>(
  key: string,
  over: Denominator,
  fact: (s: StoredSection<E>, doc: DocumentView) => boolean | null,
  o: { readonly within?: string } = {},
): StatisticKey<E> {
  return {
    key,
    over,
    ...(o.within ? { within: o.within } : {}),
    verdict(s, doc) {
      if (!s) return 'skipped';
      const f = fact(s, doc);
      if (f !== null) return f ? 'yes' : 'no';
      if (s.status === 'error') return 'error';
      if (s.status === 'skipped') return 'skipped';
      return 'no';
    },
  };
}

/** `fact` when the section has its record (`hasRecord`), else undecided: the status says why there is none. */
export function ofRecord<
  E extends { readonly record?: string | null; readonly records?: readonly unknown[] },
>(
  fact: (s: StoredSection<E>, doc: DocumentView) => boolean,
): (s: StoredSection<E>, doc: DocumentView) => boolean | null {
  return (s, doc) => (hasRecord(s) ? fact(s, doc) : null);
}

/** A section's record was found (pass, warn or fail). */
export const deployed = (s: { readonly status: Status }): boolean =>
  s.status === 'pass' || s.status === 'warn' || s.status === 'fail';

/** `record` set (exactly one) or any `records[]` (several). */
export const hasRecord = (s: {
  readonly record?: string | null;
  readonly records?: readonly unknown[];
}): boolean => typeof s.record === 'string' || (Array.isArray(s.records) && s.records.length > 0);
