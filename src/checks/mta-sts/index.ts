import type { CheckDefinition } from '../types.ts';
import type { MtaStsEvidence } from './check.ts';
import { checkMtaSts } from './check.ts';
import { gatherMtaSts } from './gather.ts';
import { mtaStsStatistics } from './statistics.ts';
import { mtaStsSummary } from './summary.ts';

export const mtaStsCheck: CheckDefinition<MtaStsEvidence> = {
  id: 'mtaSts',
  title: 'MTA-STS',
  summary: mtaStsSummary,
  requires: ['mx', 'smtp', 'tlsRpt'],
  schema: {
    properties: {
      record: { type: ['string', 'null'] },
      records: { type: 'array', items: { type: 'string' } },
      id: { type: ['string', 'null'] },
      policy: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            properties: {
              mode: { enum: ['enforce', 'testing', 'none'] },
              mx: { type: 'array', items: { type: 'string' } },
              maxAge: { type: 'integer' },
            },
            required: ['mode', 'mx', 'maxAge'],
          },
        ],
      },
      mxMatch: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            exchange: { type: 'string' },
            matched: { type: 'boolean' },
            certificateOk: { type: ['boolean', 'null'] },
          },
          required: ['exchange', 'matched', 'certificateOk'],
        },
      },
      policyFetched: { type: 'boolean' },
      policyUrl: { type: ['string', 'null'] },
      httpStatus: { type: ['integer', 'null'] },
      location: { type: ['string', 'null'] },
      enforceReady: { type: ['boolean', 'null'] },
    },
    required: ['record', 'id', 'policy', 'mxMatch'],
  },
  statistics: mtaStsStatistics,
  async run(domain, ctx, prior) {
    return checkMtaSts(await gatherMtaSts(domain, ctx, prior));
  },
};
