import type { CheckDefinition } from '../types.ts';
import type { BimiEvidence } from './check.ts';
import { checkBimi } from './check.ts';
import { gatherBimi } from './gather.ts';

const asset = {
  type: 'object',
  properties: {
    valid: { type: ['boolean', 'null'] },
    problems: { type: 'array', items: { type: 'string' } },
  },
  required: ['valid', 'problems'],
};

export const bimiCheck: CheckDefinition<BimiEvidence> = {
  id: 'bimi',
  title: 'BIMI',
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
  async run(domain, ctx, prior) {
    return checkBimi(await gatherBimi(domain, ctx, prior));
  },
};
