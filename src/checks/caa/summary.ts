import { listOf } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { CaaEvidence } from './check.ts';

export const caaSummary: Summary<CaaEvidence> = (s) => {
  const recs = s.records ?? [];
  if (!recs.length) return s.status === 'absent' ? 'no CAA on the name or its parents' : undefined;
  return `${listOf(
    recs.map((r) => `${r.tag} "${r.value}"`),
    2,
  )}${s.foundAt ? ` (at ${s.foundAt})` : ''}`;
};
