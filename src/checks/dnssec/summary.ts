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
  return TEXT[s.validation ?? 'indeterminate'];
};
