import { NO_STATISTICS } from '../../core/statistics.ts';
import type { CheckDefinition } from '../types.ts';
import type { McpEvidence } from './check.ts';
import { checkMcp } from './check.ts';
import { gatherMcp } from './gather.ts';
import { mcpSummary } from './summary.ts';

export const mcpCheck: CheckDefinition<McpEvidence> = {
  id: 'mcp',
  title: 'MCP',
  label: 'MCP',
  summary: mcpSummary,
  schema: {
    properties: {
      url: { type: ['string', 'null'] },
      valid: { type: 'boolean' },
      problems: { type: 'array', items: { type: 'string' } },
      httpStatus: { type: ['integer', 'null'] },
      name: { type: ['string', 'null'] },
    },
    required: ['url', 'valid', 'problems'],
  },
  statistics: NO_STATISTICS,
  async run(domain, ctx) {
    return checkMcp(await gatherMcp(domain, ctx));
  },
};
