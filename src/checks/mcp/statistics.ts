import { factOf, type StatisticsContribution } from '../../core/statistics.ts';
import type { McpEvidence } from './check.ts';

export const mcpStatistics: StatisticsContribution<McpEvidence> = {
  keys: [
    // an MCP description is served at /.well-known/mcp.json
    factOf('mcp.present', 'all', (s) => (typeof s.url === 'string' && s.url !== '' ? true : null)),
    // over the domains that serve one: a JSON object within the size cap
    factOf('mcp.valid', 'all', (s) => s.valid === true, { within: 'mcp.present' }),
  ],
};
