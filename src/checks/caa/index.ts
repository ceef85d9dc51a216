import type { Answer, CaaRecord } from '../../dns/types.ts';
import { isFailure } from '../../dns/types.ts';
import type { CheckDefinition } from '../types.ts';
import type { CaaEvidence } from './check.ts';
import { checkCaa } from './check.ts';
import { caaStatistics } from './statistics.ts';
import { caaSummary } from './summary.ts';

export const caaCheck: CheckDefinition<CaaEvidence> = {
  id: 'caa',
  title: 'CAA',
  summary: caaSummary,
  schema: {
    properties: {
      records: {
        type: 'array',
        items: {
          type: 'object',
          properties: { flags: { type: 'integer' }, tag: { type: 'string' }, value: { type: 'string' } },
          required: ['flags', 'tag', 'value'],
        },
      },
      foundAt: { type: ['string', 'null'] },
      tried: { type: 'array', items: { type: 'string' } },
    },
    required: ['records', 'foundAt'],
  },
  /** RFC 8659 §3: climb from the name towards the root until a non-empty CAA set (the root excluded). */
  statistics: caaStatistics,
  async run(domain, ctx) {
    const climb: Answer<CaaRecord>[] = [];
    const labels = domain.split('.');
    for (let i = 0; i < labels.length; i++) {
      const name = labels.slice(i).join('.');
      const a = await ctx.resolver.query(name, 'CAA', { signal: ctx.signal });
      climb.push(a);
      if (isFailure(a) || a.records.length) break;
    }
    return checkCaa({ domain, climb });
  },
};
