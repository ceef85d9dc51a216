import { keyOf, type StatisticsContribution } from '../../core/statistics.ts';
import { registrableDomain } from '../../protocol/psl.ts';
import type { MxEvidence } from './check.ts';

export const mxStatistics: StatisticsContribution<MxEvidence> = {
  keys: [
    // the denominator of the `mx` keys: a non-empty MX RRset, Null MX and localhost included
    keyOf('mx.present', 'all', (s) => (s.records?.length ?? 0) > 0),
    keyOf('mx.nullMx', 'mx', (s) => s.nullMx === true),
    keyOf('mx.localhost', 'mx', (s) => (s.records ?? []).some((r) => r.kind === 'localhost')),
  ],
  shares: [
    {
      // the registrable domain of each MX host; Null MX, localhost and IP literals left out
      share: 'providers',
      over: 'mx',
      names(s) {
        const out = new Set<string>();
        for (const r of s?.records ?? []) {
          if (!r.exchange || r.kind === 'null' || r.kind === 'ip-literal' || r.kind === 'localhost') continue;
          out.add(registrableDomain(r.exchange) ?? r.exchange);
        }
        return [...out];
      },
    },
  ],
};
