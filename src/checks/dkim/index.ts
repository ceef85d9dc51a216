import type { CheckDefinition } from '../types.ts';
import type { DkimEvidence } from './check.ts';
import { checkDkim } from './check.ts';
import { gatherDkim } from './gather.ts';
import { dkimStatistics } from './statistics.ts';
import { dkimSummary } from './summary.ts';

export const dkimCheck: CheckDefinition<DkimEvidence> = {
  id: 'dkim',
  title: 'DKIM',
  summary: dkimSummary,
  schema: {
    properties: {
      selectors: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            selector: { type: 'string' },
            keyType: { type: ['string', 'null'] },
            keyBits: { type: ['integer', 'null'] },
            revoked: { type: 'boolean' },
            testing: { type: 'boolean' },
            record: { type: 'string' },
            cname: { type: ['string', 'null'] },
            valid: { type: 'boolean' },
          },
          required: ['selector', 'keyType', 'keyBits', 'revoked', 'testing'],
        },
      },
      tried: { type: 'array', items: { type: 'string' } },
      selectorList: { enum: ['short', 'full'] },
      domainkeyNode: { type: ['boolean', 'null'] },
      undetermined: { type: 'array', items: { type: 'object' } },
      cnameWithoutKey: { type: 'array', items: { type: 'object' } },
      nonKeyTxt: { type: 'array', items: { type: 'string' } },
    },
    required: ['selectors', 'tried', 'selectorList', 'domainkeyNode'],
  },
  statistics: dkimStatistics,
  async run(domain, ctx) {
    return checkDkim(await gatherDkim(domain, ctx));
  },
};
