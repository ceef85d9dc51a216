import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { HttpResponse } from '../../net/https.ts';
import { classifyWellKnown, isObject, parseJson } from '../shared/well-known.ts';
import { mcpFindings as F } from './findings.ts';

export interface McpEvidence {
  /** the URL the description was read from; null when none is served */
  readonly url: string | null;
  /** a JSON object within the size cap */
  readonly valid: boolean;
  /** what is wrong with what is served (the finding ids' slugs) */
  readonly problems: string[];
  /** the HTTP status (null: no response, or not fetched) */
  readonly httpStatus: number | null;
  /** the description's `name`, when it has a string one */
  readonly name: string | null;
  /** the description as served, re-serialised compactly (a JSON object within the size cap; null otherwise) */
  readonly description: string | null;
}

export type McpResult = CheckResult<McpEvidence>;

export interface McpGathered {
  readonly domain: string;
  readonly url: string;
  /** null: not fetched (--no-http) */
  readonly response: HttpResponse | null;
}

const isJsonMedia = (m: string | null) => m === 'application/json' || (m?.endsWith('+json') ?? false);

/** The MCP description at /.well-known/mcp.json: served → a JSON object within the cap. */
export function checkMcp(g: McpGathered): McpResult {
  const findings: Finding[] = [];
  const problems: string[] = [];
  const result = (deployed: boolean | 'unknown' | 'skipped', e: Partial<McpEvidence> = {}): McpResult => ({
    check: 'mcp',
    status: statusFrom(deployed, findings),
    evidence: {
      url: null,
      valid: false,
      problems,
      httpStatus: g.response?.status ?? null,
      name: null,
      description: null,
      ...e,
    },
    findings,
  });
  if (!g.response) return result('skipped');
  const url = g.url;
  const v = classifyWellKnown(g.response);
  switch (v.kind) {
    case 'not-fetched':
      findings.push(F.make('not-fetched', { url, reason: v.reason }));
      return result('skipped');
    case 'unknown':
      findings.push(undetermined('mcp', `${url}: ${v.reason}`));
      return result('unknown');
    case 'certificate':
      findings.push(F.make('invalid-cert', { url, reason: v.reason }));
      findings.push(undetermined('mcp', `${url}: the certificate is not valid, so nothing was fetched`));
      return result('unknown');
    case 'absent':
      findings.push(F.make('not-found', { url, reason: v.reason }));
      return result(false);
    case 'too-large':
      problems.push('too-large');
      findings.push(F.make('too-large', { url, reason: v.reason }));
      return result(true, { url });
    case 'served':
      break;
  }
  const mediaType = v.response.mediaType;
  if (!isJsonMedia(mediaType)) {
    problems.push('media-type');
    findings.push(F.make('media-type', { url, mediaType: mediaType ?? 'no media type' }));
  }
  const parsed = parseJson(v.body);
  if ('error' in parsed) {
    problems.push('invalid-json');
    findings.push(F.make('invalid-json', { url, error: parsed.error }));
    return result(true, { url });
  }
  if (!isObject(parsed.value)) {
    const type = Array.isArray(parsed.value) ? 'array' : parsed.value === null ? 'null' : typeof parsed.value;
    problems.push('not-object');
    findings.push(F.make('not-object', { url, type }));
    return result(true, { url });
  }
  const name = typeof parsed.value.name === 'string' ? parsed.value.name.slice(0, 200) : null;
  return result(true, { url, valid: true, name, description: JSON.stringify(parsed.value) });
}
