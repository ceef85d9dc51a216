import type { CheckDefinition } from '../types.ts';
import type { McpEvidence } from './check.ts';
import { checkMcp } from './check.ts';
import { gatherMcp } from './gather.ts';
import { mcpStatistics } from './statistics.ts';
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
      description: {
        type: ['string', 'null'],
        description: 'the description as served, re-serialised compactly (Get-Mailprotection’s MCP column)',
      },
    },
    required: ['url', 'valid', 'problems'],
  },
  statistics: mcpStatistics,
  async run(domain, ctx) {
    return checkMcp(await gatherMcp(domain, ctx));
  },
};
