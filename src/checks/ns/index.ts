import { lookupAddresses } from '../shared/addresses.ts';
import type { CheckDefinition } from '../types.ts';
import type { NsEvidence } from './check.ts';
import { checkNs } from './check.ts';
import { nsSummary } from './summary.ts';

export const nsCheck: CheckDefinition<NsEvidence> = {
  id: 'ns',
  title: 'NS',
  summary: nsSummary,
  schema: {
    properties: {
      hosts: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, addresses: { type: 'array', items: { type: 'string' } } },
          required: ['name', 'addresses'],
        },
      },
    },
    required: ['hosts'],
  },
  async run(domain, ctx) {
    const ns = await ctx.resolver.query(domain, 'NS', { signal: ctx.signal });
    const names = [...new Set(ns.records)].sort();
    const hosts = await Promise.all(names.map((n) => lookupAddresses(ctx.resolver, n, ctx.signal)));
    return checkNs({ domain, ns, hosts });
  },
};
