/**
 * What every pure parser returns (records, policy files, reports, messages): the value when it is
 * usable, and every problem it saw as data — a parser never throws for bad input.
 */

/** One problem seen by a parser: a stable code, the 0-based offset in the input, the text at fault. */
export interface Problem {
  readonly code: string;
  readonly at?: number;
  readonly text?: string;
}

export type Parsed<T> = { ok: true; value: T; problems: Problem[] } | { ok: false; problems: Problem[] };
