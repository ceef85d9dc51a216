import type { Summary } from '../types.ts';
import type { DmarcEvidence } from './check.ts';

export const dmarcSummary: Summary<DmarcEvidence> = (s) => {
  if (!s.record) return undefined;
  const effective =
    s.effectivePolicy && s.effectivePolicy !== s.policy ? `, effective ${s.effectivePolicy}` : '';
  return `p=${s.policy ?? '?'}${effective}${s.policyDomain ? ` (at _dmarc.${s.policyDomain})` : ''}`;
};
