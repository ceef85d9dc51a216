import { clip } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { BimiEvidence } from './check.ts';

export const bimiSummary: Summary<BimiEvidence> = (s) => {
  if (!s.record) return undefined;
  const parts = [clip(s.record, 50)];
  if (s.svg?.valid === true) parts.push('logo valid');
  if (s.svg?.valid === false) parts.push('logo invalid');
  if (s.certificate?.valid === true) parts.push('mark certificate valid');
  if (s.certificate?.valid === false) parts.push('mark certificate invalid');
  return parts.join(', ');
};
