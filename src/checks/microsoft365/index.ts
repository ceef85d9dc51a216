import type { CheckDefinition } from '../types.ts';
import type { Microsoft365Evidence } from './check.ts';
import { checkMicrosoft365 } from './check.ts';
import { gatherMicrosoft365 } from './gather.ts';
import { microsoft365Statistics } from './statistics.ts';
import { microsoft365Summary } from './summary.ts';

export const microsoft365Check: CheckDefinition<Microsoft365Evidence> = {
  id: 'microsoft365',
  title: 'Microsoft 365',
  summary: microsoft365Summary,
  requires: ['mx', 'autodiscover', 'dkim'],
  schema: {
    properties: {
      tenantId: { type: ['string', 'null'] },
      namespaceType: { type: ['string', 'null'] },
      federationUrl: { type: ['string', 'null'] },
      brandName: { type: ['string', 'null'] },
      exchangeOnlineMx: { type: ['boolean', 'null'] },
      autodiscover: { type: 'boolean' },
      dkimCnames: { type: 'boolean' },
    },
    required: ['tenantId', 'namespaceType', 'federationUrl'],
  },
  statistics: microsoft365Statistics,
  async run(domain, ctx, prior) {
    return checkMicrosoft365(await gatherMicrosoft365(domain, ctx, prior));
  },
};
