import { NO_STATISTICS } from '../../core/statistics.ts';
import type { CheckDefinition } from '../types.ts';
import type { EndpointEvidence } from './check.ts';
import { checkEndpoint } from './check.ts';
import { gatherAutodiscover, gatherLyncdiscover, gatherSipFederation } from './gather.ts';
import { endpointSummary } from './summary.ts';

const schema = {
  properties: {
    target: { type: ['string', 'null'] },
    kind: { enum: ['cname', 'address', 'srv', null] },
    port: { type: ['integer', 'null'] },
    lookups: { type: 'array', items: { type: 'object' } },
  },
  required: ['target'],
};

export const autodiscoverCheck: CheckDefinition<EndpointEvidence> = {
  id: 'autodiscover',
  title: 'Autodiscover',
  summary: endpointSummary,
  schema,
  statistics: NO_STATISTICS,
  async run(domain, ctx) {
    return checkEndpoint('autodiscover', await gatherAutodiscover(domain, ctx));
  },
};

export const lyncdiscoverCheck: CheckDefinition<EndpointEvidence> = {
  id: 'lyncdiscover',
  title: 'Lyncdiscover',
  summary: endpointSummary,
  schema,
  statistics: NO_STATISTICS,
  async run(domain, ctx) {
    return checkEndpoint('lyncdiscover', await gatherLyncdiscover(domain, ctx));
  },
};

export const sipFederationCheck: CheckDefinition<EndpointEvidence> = {
  id: 'sipFederation',
  title: 'SIP federation',
  summary: endpointSummary,
  schema,
  statistics: NO_STATISTICS,
  async run(domain, ctx) {
    return checkEndpoint('sipFederation', await gatherSipFederation(domain, ctx));
  },
};
