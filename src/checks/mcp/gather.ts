import type { GatherContext } from '../types.ts';
import type { McpGathered } from './check.ts';

/** the size cap of /.well-known/mcp.json */
export const MCP_MAX_BYTES = 64 * 1024;

export const mcpUrl = (domain: string) => `https://${domain}/.well-known/mcp.json`;

/** One GET of https://<domain>/.well-known/mcp.json (no redirect followed, body capped). */
export async function gatherMcp(domain: string, ctx: GatherContext): Promise<McpGathered> {
  const url = mcpUrl(domain);
  if (!ctx.http || ctx.options.noHttp) return { domain, url, response: null };
  const response = await ctx.http.fetch(url, {
    maxBytes: MCP_MAX_BYTES,
    signal: ctx.signal,
    accept: 'application/json',
  });
  return { domain, url, response };
}
