import { listOf } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { DkimEvidence } from './check.ts';

export const dkimSummary: Summary<DkimEvidence> = (s) => {
  const sel = s.selectors ?? [];
  if (!sel.length) return undefined;
  return listOf(
    sel.map(
      (k) =>
        `${k.selector} (${k.revoked ? 'revoked' : `${k.keyType ?? '?'}${k.keyBits ? ` ${k.keyBits}` : ''}`})`,
    ),
  );
};
