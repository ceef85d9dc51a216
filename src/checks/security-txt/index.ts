import type { CheckDefinition } from '../types.ts';
import type { SecurityTxtEvidence } from './check.ts';
import { checkSecurityTxt } from './check.ts';
import { gatherSecurityTxt } from './gather.ts';
import { securityTxtStatistics } from './statistics.ts';
import { securityTxtSummary } from './summary.ts';

export const securityTxtCheck: CheckDefinition<SecurityTxtEvidence> = {
  id: 'securityTxt',
  title: 'security.txt',
  summary: securityTxtSummary,
  schema: {
    properties: {
      url: { type: ['string', 'null'] },
      contact: { type: 'array', items: { type: 'string' } },
      expires: { type: ['string', 'null'] },
      signed: { type: 'boolean' },
      canonical: { type: 'array', items: { type: 'string' } },
      legacy: { type: 'boolean' },
      httpStatus: { type: ['integer', 'null'] },
    },
    required: ['url', 'contact', 'expires', 'signed'],
  },
  statistics: securityTxtStatistics,
  async run(domain, ctx) {
    return checkSecurityTxt(await gatherSecurityTxt(domain, ctx), ctx.now());
  },
};
