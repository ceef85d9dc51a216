import { listOf } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { MxEvidence } from './check.ts';

export const mxSummary: Summary<MxEvidence> = (s) => {
  const recs = s.records ?? [];
  if (s.nullMx && recs.length === 1) return 'Null MX: the domain accepts no mail (RFC 7505)';
  if (!recs.length) return s.status === 'absent' ? 'no MX records' : undefined;
  return listOf(recs.map((r) => `${r.preference} ${r.exchange}${r.kind !== 'host' ? ` [${r.kind}]` : ''}`));
};
