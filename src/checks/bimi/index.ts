import type { CheckDefinition } from '../types.ts';
import { checkBimiAssets } from './assets.ts';
import type { BimiEvidence } from './check.ts';
import { checkBimi } from './check.ts';
import { gatherBimi, gatherBimiAssets } from './gather.ts';
import { bimiStatistics } from './statistics.ts';
import { bimiSummary } from './summary.ts';

const asset = {
  type: 'object',
  properties: {
    valid: { type: ['boolean', 'null'] },
    problems: { type: 'array', items: { type: 'string' } },
    logoMatches: { type: ['boolean', 'null'] },
  },
  required: ['valid', 'problems'],
};

export const bimiCheck: CheckDefinition<BimiEvidence> = {
  id: 'bimi',
  title: 'BIMI',
  summary: bimiSummary,
  requires: ['dmarc'],
  schema: {
    properties: {
      record: { type: ['string', 'null'] },
      records: { type: 'array', items: { type: 'string' } },
      selector: { type: 'string' },
      foundAt: { type: ['string', 'null'] },
      location: { type: ['string', 'null'] },
      authority: { type: ['string', 'null'] },
      declination: { type: 'boolean' },
      svg: asset,
      certificate: asset,
      assetsChecked: { type: 'boolean' },
      dmarcEnforced: { type: ['boolean', 'null'] },
    },
    required: ['record', 'location', 'authority', 'svg', 'certificate'],
  },
  statistics: bimiStatistics,
  async run(domain, ctx, prior) {
    const result = checkBimi(await gatherBimi(domain, ctx, prior));
    const e = result.evidence;
    if (e.declination || (!e.location && !e.authority)) return result;
    const assets = await gatherBimiAssets(e.location, e.authority, ctx);
    if (!assets) return result;
    return checkBimiAssets(result, assets, { roots: ctx.options.vmcRoots ?? null, now: ctx.now() });
  },
};
