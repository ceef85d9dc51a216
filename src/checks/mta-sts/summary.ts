import { listOf } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { MtaStsEvidence } from './check.ts';

export const mtaStsSummary: Summary<MtaStsEvidence> = (s) => {
  const p = s.policy;
  if (!p?.mode) return s.record ?? undefined;
  const days = typeof p.maxAge === 'number' ? `, max_age ${Math.round(p.maxAge / 86400)} d` : '';
  return `mode ${p.mode}, mx ${listOf(p.mx ?? [], 2)}${days}${s.enforceReady === true ? ', every MX covered' : ''}`;
};
