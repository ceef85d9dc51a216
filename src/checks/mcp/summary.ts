import type { Summary } from '../types.ts';
import type { McpEvidence } from './check.ts';

export const mcpSummary: Summary<McpEvidence> = (s) => {
  if (!s.url) return undefined;
  return `${s.url}${s.valid ? `, a JSON object${s.name ? ` (${s.name})` : ''}` : ', not valid'}`;
};
