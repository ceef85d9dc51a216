import type { Summary } from '../types.ts';
import type { TlsRptEvidence } from './check.ts';

export const tlsRptSummary: Summary<TlsRptEvidence> = (s) => s.record ?? undefined;
