import type { CheckDefinition } from '../types.ts';
import { checkSpf, type SpfEvidence } from './check.ts';
import { gatherSpf } from './gather.ts';
import { spfStatistics } from './statistics.ts';
import { spfSummary } from './summary.ts';

const term = {
  type: 'object',
  properties: {
    term: { type: 'string' },
    kind: {
      enum: ['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists', 'redirect', 'exp', 'modifier'],
    },
    qualifier: { enum: ['+', '-', '~', '?'] },
    lookups: { type: 'integer', minimum: 0 },
    evaluated: { type: 'boolean' },
    target: { type: 'string' },
    unresolved: { type: 'array', items: { type: 'string' } },
    void: { type: 'boolean' },
    mxHosts: { type: 'integer', minimum: 0 },
    networks: { type: 'array', items: { type: 'string' } },
    // the record behind an include or redirect: an spfNode again (validated one level deep)
    node: { type: 'object' },
  },
  required: ['term', 'kind', 'lookups', 'evaluated'],
};

/** JSON Schema of one node of the include/redirect tree (nodes nest through `terms[].node`). */
export const spfNodeSchema = {
  type: 'object',
  properties: {
    domain: { type: 'string' },
    via: { enum: ['root', 'include', 'redirect'] },
    record: { type: ['string', 'null'] },
    records: { type: 'array', items: { type: 'string' } },
    outcome: { enum: ['ok', 'none', 'multiple', 'syntax', 'error', 'loop', 'unresolved', 'too-deep'] },
    error: { type: 'string' },
    rcode: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          at: { type: 'integer' },
          text: { type: 'string' },
          fatal: { type: 'boolean' },
        },
        required: ['code', 'fatal'],
      },
    },
    terms: { type: 'array', items: term },
    lookups: { type: 'integer', minimum: 0 },
    totalLookups: { type: 'integer', minimum: 0 },
    voidLookups: { type: 'integer', minimum: 0 },
    size: { type: 'integer', minimum: 0 },
  },
  required: [
    'domain',
    'via',
    'record',
    'records',
    'outcome',
    'terms',
    'lookups',
    'totalLookups',
    'voidLookups',
  ],
};

export const spfCheck: CheckDefinition<SpfEvidence> = {
  id: 'spf',
  title: 'SPF',
  summary: spfSummary,
  schema: {
    properties: {
      record: { type: ['string', 'null'] },
      records: { type: 'array', items: { type: 'string' } },
      lookups: { type: 'integer', minimum: 0 },
      voidLookups: { type: 'integer', minimum: 0 },
      all: { enum: ['-all', '~all', '?all', '+all', null] },
      redirect: { type: ['string', 'null'] },
      size: { type: ['integer', 'null'] },
      tree: { anyOf: [{ type: 'null' }, spfNodeSchema] },
      flattened: {
        type: 'object',
        properties: {
          ip4: { type: 'array', items: { type: 'string' } },
          ip6: { type: 'array', items: { type: 'string' } },
          unresolved: { type: 'array', items: { type: 'string' } },
        },
        required: ['ip4', 'ip6', 'unresolved'],
      },
    },
    required: ['record', 'records', 'lookups', 'voidLookups', 'all', 'redirect', 'tree', 'flattened'],
  },
  statistics: spfStatistics,
  async run(domain, ctx) {
    return checkSpf(await gatherSpf(domain, ctx));
  },
};
