/** A Resolver wrapper that logs one QueryLogEntry per query (to count the queries of a check). */
import type { QueryLogEntry } from '../core/result.ts';
import { isCachedAnswer } from './cache.ts';
import type { Answer, QueryOptions, RecordOf, Resolver, RRType } from './types.ts';

export function recording(inner: Resolver, log: QueryLogEntry[]): Resolver {
  return {
    async query<T extends RRType>(name: string, type: T, opts?: QueryOptions): Promise<Answer<RecordOf<T>>> {
      const a = await inner.query(name, type, opts);
      log.push({
        name: a.name,
        type,
        rcode: a.rcode,
        count: a.records.length,
        ...(isCachedAnswer(a) ? { cached: true } : {}),
      });
      return a;
    },
  };
}
