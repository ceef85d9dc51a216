import type { Summary } from '../types.ts';
import type { SecurityTxtEvidence } from './check.ts';

export const securityTxtSummary: Summary<SecurityTxtEvidence> = (s) => {
  if (!s.url) return undefined;
  const exp = s.expires ? `, expires ${s.expires.slice(0, 10)}` : '';
  return `${s.url}${exp}${s.signed ? ', signed' : ''}`;
};
