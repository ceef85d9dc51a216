import { factOf, type StatisticsContribution } from '../../core/statistics.ts';
import { registrableDomain } from '../../protocol/psl.ts';
import type { MxEvidence } from './check.ts';

export const mxStatistics: StatisticsContribution<MxEvidence> = {
  keys: [
    // the denominator of the `mx` keys: a non-empty MX RRset, Null MX and localhost included
    // from the MX RRset itself: an address lookup of an MX host that fails changes none of them
    factOf('mx.present', 'all', (s) => ((s.records?.length ?? 0) > 0 ? true : null)),
    factOf('mx.nullMx', 'mx', (s) => ((s.records?.length ?? 0) > 0 ? s.nullMx === true : null)),
    factOf('mx.localhost', 'mx', (s) =>
      (s.records?.length ?? 0) > 0 ? (s.records ?? []).some((r) => r.kind === 'localhost') : null,
    ),
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
