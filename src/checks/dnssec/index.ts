import type { CheckDefinition } from '../types.ts';
import type { DnssecEvidence } from './check.ts';
import { checkDnssec } from './check.ts';
import { gatherDnssec } from './gather.ts';
import { dnssecStatistics } from './statistics.ts';
import { dnssecSummary } from './summary.ts';

export const dnssecCheck: CheckDefinition<DnssecEvidence> = {
  id: 'dnssec',
  title: 'DNSSEC',
  summary: dnssecSummary,
  schema: {
    properties: {
      validation: { enum: ['secure', 'insecure', 'bogus', 'indeterminate', null] },
      resolverValidates: { type: 'boolean' },
      exists: { type: ['boolean', 'null'] },
      dnskeys: { type: 'integer', minimum: 0 },
      ds: { type: 'array', items: { type: 'object' } },
      algorithms: { type: 'array', items: { type: 'integer' } },
    },
    required: ['validation', 'resolverValidates'],
  },
  statistics: dnssecStatistics,
  async run(domain, ctx) {
    return checkDnssec(await gatherDnssec(domain, ctx, ctx.resolverName));
  },
};
