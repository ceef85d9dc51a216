import type { CheckDefinition } from '../types.ts';
import type { DidEvidence } from './check.ts';
import { checkDid } from './check.ts';
import { gatherDid } from './gather.ts';
import { didStatistics } from './statistics.ts';
import { didSummary } from './summary.ts';

export const didCheck: CheckDefinition<DidEvidence> = {
  id: 'did',
  title: 'DID configuration',
  label: 'DID',
  summary: didSummary,
  schema: {
    properties: {
      url: { type: ['string', 'null'] },
      dids: { type: 'array', items: { type: 'string' } },
      verified: { type: 'boolean' },
      problems: { type: 'array', items: { type: 'string' } },
      linkages: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            did: { type: ['string', 'null'] },
            format: { enum: ['jwt', 'json-ld', 'invalid'] },
            verified: { type: 'boolean' },
            undetermined: { type: 'boolean' },
            problems: { type: 'array', items: { type: 'string' } },
          },
          required: ['did', 'format', 'verified', 'problems'],
        },
      },
      httpStatus: { type: ['integer', 'null'] },
    },
    required: ['url', 'dids', 'verified', 'problems'],
  },
  statistics: didStatistics,
  async run(domain, ctx) {
    return checkDid(await gatherDid(domain, ctx), ctx.now());
  },
};
