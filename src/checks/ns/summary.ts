import { listOf } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { NsEvidence } from './check.ts';

export const nsSummary: Summary<NsEvidence> = (s) => {
  const hosts = s.hosts ?? [];
  return hosts.length
    ? `${hosts.length} name server${hosts.length > 1 ? 's' : ''}: ${listOf(hosts.map((h) => h.name))}`
    : undefined;
};
