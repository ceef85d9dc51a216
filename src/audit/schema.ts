import { CHECKS } from '../checks/index.ts';
import { STATUSES } from '../core/status.ts';
import { SCHEMA_VERSION } from './document.ts';

/** Builds the JSON Schema of `mailsec check --json` from the checks' own section schemas. */
export function buildCheckSchema(): Record<string, unknown> {
  const sections: Record<string, object> = {};
  for (const c of CHECKS) {
    sections[c.id] = {
      type: 'object',
      description: `${c.title} section`,
      properties: {
        status: { $ref: '#/$defs/status' },
        queryCount: { type: 'integer', minimum: 0 },
        skippedBecause: {
          enum: ['domain-not-found'],
          description: 'why a skipped section holds no fields (the name does not exist)',
        },
        undeterminedBecause: {
          enum: ['internal-error'],
          description:
            'why a section that could not be determined holds no fields (the check failed inside mailsec; its finding <check>.undetermined says how)',
        },
        ...c.schema.properties,
      },
      required: ['status'],
      // a section skipped because the name does not exist carries only its status
      if: { required: ['skippedBecause'] },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
      then: { properties: { status: { const: 'skipped' } } },
      else: {
        // a check that failed inside mailsec: an error (could not test), never absent
        if: { required: ['undeterminedBecause'] },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
        then: { properties: { status: { const: 'error' } } },
        else: { required: ['status', ...(c.schema.required ?? [])] },
      },
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:mailsec:schema:check:v${SCHEMA_VERSION}`,
    title: 'mailsec check result',
    description:
      'One document per domain (JSON Lines for several). Generated from the checks by scripts/gen-schema.ts; do not edit by hand.',
    type: 'object',
    required: ['schemaVersion', 'domain', 'checkedAt', 'resolver', 'exists', 'findings', 'summary'],
    properties: {
      schemaVersion: { const: SCHEMA_VERSION },
      domain: { type: 'string', pattern: '^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$' },
      checkedAt: { type: 'string', format: 'date-time' },
      resolver: {
        type: 'object',
        properties: { address: { type: 'string' }, validates: { type: 'boolean' } },
        required: ['address', 'validates'],
      },
      exists: {
        type: ['boolean', 'null'],
        description:
          'false: the name does not exist (NXDOMAIN); then every section but dnssec is skipped and the finding domain.not-found is reported. null: the lookup failed.',
      },
      findings: { type: 'array', items: { $ref: '#/$defs/finding' } },
      summary: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
      ...sections,
    },
    $defs: {
      status: { enum: [...STATUSES] },
      finding: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^[a-zA-Z0-9]+\\.[a-z0-9-]+$' },
          check: { type: 'string' },
          severity: { enum: ['error', 'warning', 'info'] },
          message: { type: 'string', minLength: 1 },
          why: { type: 'string' },
          fix: { type: 'string' },
          params: {
            type: 'object',
            description: 'the values the message and fix were made from, by name',
          },
        },
        required: ['id', 'check', 'severity', 'message'],
      },
    },
  };
}
