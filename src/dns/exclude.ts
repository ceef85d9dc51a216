/** A Resolver that asks nothing under an excluded name (`--exclude`): such a query ends REFUSED, unsent. */
import type { Answer, QueryOptions, RecordOf, Resolver, RRType } from './types.ts';
import { failedAnswer, queryName } from './wire.ts';

export function excludingNames(inner: Resolver, excluded: (name: string) => boolean): Resolver {
  return {
    query<T extends RRType>(name: string, type: T, opts?: QueryOptions): Promise<Answer<RecordOf<T>>> {
      const q = queryName(name);
      if (excluded(q))
        return Promise.resolve(
          failedAnswer(
            { name: q, type, checkingDisabled: opts?.checkingDisabled === true },
            'REFUSED',
            `${q} is on the exclusion list (not asked)`,
          ),
        );
      return inner.query(name, type, opts);
    },
  };
}
