import type { CheckDefinition } from '../types.ts';
import type { DmarcEvidence } from './check.ts';
import { checkDmarc } from './check.ts';
import { gatherDmarc } from './gather.ts';
import { dmarcStatistics } from './statistics.ts';
import { dmarcSummary } from './summary.ts';

const policy = { enum: ['none', 'quarantine', 'reject', null] };
const destination = {
  type: 'object',
  properties: {
    uri: { type: 'string' },
    host: { type: ['string', 'null'] },
    external: { type: 'boolean' },
    authorised: { type: ['boolean', 'null'] },
    acceptsMail: { type: ['boolean', 'null'] },
  },
  required: ['uri', 'external', 'authorised'],
};

export const dmarcCheck: CheckDefinition<DmarcEvidence> = {
  id: 'dmarc',
  title: 'DMARC',
  summary: dmarcSummary,
  schema: {
    properties: {
      record: { type: ['string', 'null'] },
      records: { type: 'array', items: { type: 'string' } },
      policyDomain: { type: ['string', 'null'] },
      policy,
      subdomainPolicy: policy,
      nonExistentPolicy: policy,
      effectivePolicy: policy,
      orgDomain: { type: 'string' },
      discovery: { enum: ['treewalk', 'psl'] },
      pslOrgDomain: { type: 'string' },
      pslPolicyDomain: { type: ['string', 'null'] },
      testing: { type: 'boolean' },
      pct: { type: ['integer', 'null'] },
      psd: { enum: ['y', 'n', 'u', null] },
      adkim: { enum: ['r', 's', null] },
      aspf: { enum: ['r', 's', null] },
      rua: { type: 'array', items: destination },
      ruf: { type: 'array', items: destination },
      walk: { type: 'array', items: { type: 'object' } },
    },
    required: [
      'record',
      'policy',
      'subdomainPolicy',
      'effectivePolicy',
      'orgDomain',
      'discovery',
      'rua',
      'ruf',
    ],
  },
  statistics: dmarcStatistics,
  async run(domain, ctx) {
    return checkDmarc(await gatherDmarc(domain, ctx));
  },
};
