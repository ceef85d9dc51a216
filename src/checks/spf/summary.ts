import { clip } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { SpfEvidence } from './check.ts';

export const spfSummary: Summary<SpfEvidence> = (s) => {
  if (!s.record) return undefined;
  const lookups = typeof s.lookups === 'number' ? `, ${s.lookups}/10 lookups` : '';
  return `${clip(s.record, 60)}${lookups}`;
};
