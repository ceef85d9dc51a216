import type { CheckDefinition } from '../types.ts';
import type { MxEvidence } from './check.ts';
import { checkMx } from './check.ts';
import { gatherMx } from './gather.ts';
import { mxStatistics } from './statistics.ts';
import { mxSummary } from './summary.ts';

export const mxCheck: CheckDefinition<MxEvidence> = {
  id: 'mx',
  title: 'MX',
  summary: mxSummary,
  schema: {
    properties: {
      records: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            preference: { type: 'integer', minimum: 0, maximum: 65535 },
            exchange: { type: 'string' },
            addresses: { type: 'array', items: { type: 'string' } },
            kind: { enum: ['host', 'null', 'localhost', 'private', 'ip-literal', 'cname', 'unresolvable'] },
            ptr: { type: 'array', items: { type: 'object' } },
          },
          required: ['preference', 'exchange', 'addresses', 'kind'],
        },
      },
      nullMx: { type: 'boolean' },
    },
    required: ['records', 'nullMx'],
  },
  statistics: mxStatistics,
  async run(domain, ctx) {
    return checkMx(await gatherMx(domain, ctx));
  },
};
