/**
 * A resolver that answers some (name, type) pairs as they would be once proposed records are
 * published, and every other question from the real resolver. `mailsec generate` uses it to run
 * mailsec's own checks on records before anyone publishes them.
 *
 * An edit is a function from the real records to the new ones (so a TXT edit can replace the SPF
 * record and keep the others). An overlaid answer keeps the real answer's AD bit (a record added
 * to an unsigned zone is no more secure than its zone) and never hides a failure: when the real
 * lookup fails (SERVFAIL, timeout), the proposal cannot be judged and the failure is returned.
 */
import { normaliseDomain } from '../core/names.ts';
import type { Answer, QueryOptions, RecordMap, RecordOf, Resolver, RRType } from '../dns/types.ts';
import { isFailure } from '../dns/types.ts';

export type OverlayEdit<T extends RRType> = (real: readonly RecordMap[T][]) => readonly RecordMap[T][];
export type OverlayEdits = { [T in RRType]?: OverlayEdit<T> };

const key = (name: string) => {
  const r = normaliseDomain(name);
  return r.ok ? r.name : name.toLowerCase().replace(/\.$/, '');
};

export function overlayResolver(inner: Resolver, edits: ReadonlyMap<string, OverlayEdits>): Resolver {
  const byName = new Map<string, OverlayEdits>();
  for (const [name, e] of edits) byName.set(key(name), e);
  return {
    async query<T extends RRType>(name: string, type: T, options?: QueryOptions) {
      const real = await inner.query(name, type, options);
      const edit = byName.get(key(name))?.[type] as OverlayEdit<T> | undefined;
      if (edit === undefined || isFailure(real)) return real;
      // records behind a CNAME belong to the target's zone: the proposal replaces the alias
      const before = real.cnames.length ? [] : (real.records as readonly RecordMap[T][]);
      const records = edit(before) as readonly RecordOf<T>[];
      const answer: Answer<RecordOf<T>> = {
        name: real.name,
        type,
        rcode: records.length || real.rcode === 'NOERROR' ? 'NOERROR' : real.rcode,
        records,
        authenticated: real.authenticated,
        cnames: [],
        ...(real.ttl !== undefined ? { ttl: real.ttl } : {}),
      };
      return answer;
    },
  };
}
