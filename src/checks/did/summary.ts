import type { Summary } from '../types.ts';
import type { DidEvidence } from './check.ts';

export const didSummary: Summary<DidEvidence> = (s) => {
  const dids = s.dids ?? [];
  if (!s.url || !dids.length) return undefined;
  const shown = dids.slice(0, 2).join(', ') + (dids.length > 2 ? ` and ${dids.length - 2} more` : '');
  return `${shown}${s.verified ? ', verified' : ', not verified'}`;
};
