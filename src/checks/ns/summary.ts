import { listOf } from '../shared/summary.ts';
import type { Summary } from '../types.ts';
import type { NsEvidence } from './check.ts';

export const nsSummary: Summary<NsEvidence> = (s) => {
  const hosts = s.hosts ?? [];
  // interface.md: a name below a zone apex is skipped, with its zone and that zone's name servers
  if (s.apex === false)
    return typeof s.zone === 'string'
      ? `not a zone apex: part of the zone ${s.zone}${hosts.length ? ` (${listOf(hosts.map((h) => h.name))})` : ''}`
      : 'not a zone apex (its zone could not be found)';
  return hosts.length
    ? `${hosts.length} name server${hosts.length > 1 ? 's' : ''}: ${listOf(hosts.map((h) => h.name))}`
    : undefined;
};
