import { defineFindings } from '../../core/finding.ts';

type U = { url: string };

export const mcpFindings = defineFindings('mcp', {
  'not-found': {
    severity: 'info',
    why: 'A /.well-known/mcp.json tells AI agents which Model Context Protocol server a domain offers; it is optional.',
    message: (p: U & { reason: string }) => `No MCP description at ${p.url} (${p.reason}).`,
  },
  'not-fetched': {
    severity: 'info',
    why: 'The web host could not be asked, so whether an MCP description exists is not known.',
    message: (p: U & { reason: string }) => `${p.url} was not fetched: ${p.reason}.`,
  },
  'invalid-cert': {
    severity: 'error',
    why: 'Clients refuse a web host whose certificate is not valid, so nothing served there is usable.',
    message: (p: U & { reason: string }) => `The certificate of ${p.url} is not valid: ${p.reason}.`,
    fix: () => 'Install a certificate from a public CA naming the domain.',
  },
  'too-large': {
    severity: 'error',
    why: 'A description larger than the cap (64 KiB) is not read by mailsec, and is far larger than any server description needs.',
    message: (p: U & { reason: string }) => `${p.url} is larger than the 64 KiB cap (${p.reason}).`,
    fix: () => 'Serve a small JSON object (name, description, endpoint) at /.well-known/mcp.json.',
  },
  'invalid-json': {
    severity: 'error',
    why: 'An MCP description is a JSON document; clients cannot read anything else.',
    message: (p: U & { error: string }) => `${p.url} is not valid JSON: ${p.error}.`,
    fix: () => 'Serve a JSON object, e.g. {"name": "…", "description": "…", "endpoint": "https://…/mcp"}.',
  },
  'not-object': {
    severity: 'error',
    why: 'An MCP description is a JSON object; an array, string or number describes nothing.',
    message: (p: U & { type: string }) => `${p.url} holds a JSON ${p.type}, not an object.`,
    fix: () => 'Serve a JSON object, e.g. {"name": "…", "description": "…", "endpoint": "https://…/mcp"}.',
  },
  'media-type': {
    severity: 'warning',
    why: 'JSON is served as application/json; clients may refuse other media types.',
    message: (p: U & { mediaType: string }) => `${p.url} is served as ${p.mediaType}, not application/json.`,
    fix: () => 'Serve it with Content-Type: application/json.',
  },
});
