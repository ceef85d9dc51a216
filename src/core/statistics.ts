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
  /** one domain's verdict; `section` is undefined when the check did not run (`--only`) */
  verdict(section: StoredSection<E> | undefined, doc: DocumentView): Verdict;
}

/** `providers`, `issuers`, `software`: lists of `{ name, count, denominator, percent }`. */
export type ShareName = 'providers' | 'issuers' | 'software';

export interface ShareContribution<E> {
  readonly share: ShareName;
  /** `mx`: over domains with MX; `seen`: over domains where at least one name was seen */
  readonly over: 'mx' | 'seen';
  /** the names of one domain (counted once each); only asked for domains with MX */
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

/** A section's record was found (pass, warn or fail). */
export const deployed = (s: { readonly status: Status }): boolean =>
  s.status === 'pass' || s.status === 'warn' || s.status === 'fail';

/** `record` set (exactly one) or any `records[]` (several). */
export const hasRecord = (s: {
  readonly record?: string | null;
  readonly records?: readonly unknown[];
}): boolean => typeof s.record === 'string' || (Array.isArray(s.records) && s.records.length > 0);
