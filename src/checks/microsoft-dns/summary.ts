import type { Summary } from '../types.ts';
import type { EndpointEvidence } from './check.ts';

/** Autodiscover, Lyncdiscover and SIP federation: where the endpoint points. */
export const endpointSummary: Summary<EndpointEvidence> = (s) => (s.target ? `→ ${s.target}` : undefined);
