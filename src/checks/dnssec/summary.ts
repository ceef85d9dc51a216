import type { Summary } from '../types.ts';
import type { DnssecEvidence, Validation } from './check.ts';

const TEXT: Record<Validation, string> = {
  secure: 'signed and validated (secure)',
  insecure: 'not signed (insecure)',
  bogus: 'signed, but validation fails (bogus)',
  indeterminate: 'could not be determined',
};

export const dnssecSummary: Summary<DnssecEvidence> = (s) => {
  if (s.status === 'skipped') return 'not tested: the resolver does not validate';
  // a name that does not exist: what its denial of existence says, never "absent … secure"
  if (s.exists === false && s.validation === 'secure')
    return 'the non-existence is proven by a validated denial (secure)';
  if (s.exists === false && s.validation === 'insecure') return 'the non-existence is not signed (insecure)';
  return TEXT[s.validation ?? 'indeterminate'];
};
