/**
 * JSON Schema (draft 2020-12) of one `mailsec message --json` object (MessageAnalysis, plus the
 * CLI's `source`), written to schema/message.schema.json by scripts/gen-docs.ts and checked by a
 * test. Kept beside types.ts: a field added there is added here.
 */
import { MESSAGE_SCHEMA_VERSION } from './types.ts';

const str = { type: 'string' };
const strOrNull = { type: ['string', 'null'] };
const boolOrNull = { type: ['boolean', 'null'] };
const intOrNull = { type: ['integer', 'null'] };
const strings = { type: 'array', items: str };
const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });

const SPF_RESULTS = ['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror'];
const DKIM_RESULTS = ['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror'];
const DMARC_RESULTS = ['none', 'pass', 'fail', 'temperror', 'permerror'];
const ACTIONS = ['none', 'quarantine', 'reject'];

const authResult = obj(
  {
    method: str,
    version: str,
    result: str,
    reason: str,
    properties: { type: 'array', items: obj({ ptype: str, property: str, value: str }) },
    props: { type: 'object', additionalProperties: str },
    comments: strings,
    explanation: str,
  },
  ['method', 'result', 'properties', 'props', 'comments', 'explanation'],
);

export function buildMessageSchema(): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://mailsec.invalid/schema/message.schema.json',
    title: 'mailsec message: one analysed message',
    type: 'object',
    properties: {
      source: obj({ path: str, index: { type: 'integer' } }),
      schemaVersion: { const: MESSAGE_SCHEMA_VERSION },
      messageId: strOrNull,
      subject: strOrNull,
      date: strOrNull,
      offline: { type: 'boolean' },
      from: obj({ address: strOrNull, domain: strOrNull, addresses: { type: 'integer' } }),
      spf: nullable(
        obj(
          {
            result: { enum: [...SPF_RESULTS, null] },
            domain: strOrNull,
            ip: strOrNull,
            helo: strOrNull,
            mailFrom: strOrNull,
            source: obj({ ip: strOrNull, helo: strOrNull, mailFrom: strOrNull, header: strOrNull, why: str }),
            reason: str,
            explanation: str,
            lookups: { type: 'integer' },
            voidLookups: { type: 'integer' },
            aligned: boolOrNull,
          },
          [
            'result',
            'domain',
            'ip',
            'helo',
            'mailFrom',
            'source',
            'reason',
            'lookups',
            'voidLookups',
            'aligned',
          ],
        ),
      ),
      dkim: nullable({
        type: 'array',
        items: obj({
          domain: strOrNull,
          selector: strOrNull,
          algorithm: strOrNull,
          keyType: strOrNull,
          keyBits: intOrNull,
          result: { enum: DKIM_RESULTS },
          reason: str,
          failure: { enum: ['body-hash', 'signature', 'key', 'dns', 'syntax', 'expired', 'weak-key', null] },
          aligned: boolOrNull,
          identity: strOrNull,
          canonicalization: strOrNull,
          signedHeaders: strings,
          bodyLength: nullable(obj({ limit: { type: 'integer' }, total: { type: 'integer' } })),
          signTime: strOrNull,
          expires: strOrNull,
          notes: strings,
          key: nullable(
            obj({
              name: str,
              record: strOrNull,
              lookup: { enum: ['found', 'nxdomain', 'nodata', 'error', 'not-fetched'] },
              revoked: { type: 'boolean' },
              testing: { type: 'boolean' },
              findings: { type: 'array', items: obj({ id: str, severity: str, message: str }) },
            }),
          ),
        }),
      }),
      arc: nullable(
        obj({
          result: { enum: ['none', 'pass', 'fail'] },
          reason: str,
          instances: { type: 'integer' },
          undetermined: { type: 'boolean' },
          chain: {
            type: 'array',
            items: obj({
              instance: { type: 'integer' },
              domain: strOrNull,
              selector: strOrNull,
              algorithm: strOrNull,
              cv: strOrNull,
              sealValid: boolOrNull,
              amsValid: boolOrNull,
              authservId: strOrNull,
              claims: obj({ spf: strOrNull, dkim: strOrNull, dmarc: strOrNull, arc: strOrNull }),
              trusted: { type: 'boolean' },
            }),
          },
        }),
      ),
      dmarc: nullable(
        obj({
          result: { enum: DMARC_RESULTS },
          reason: str,
          domain: strOrNull,
          record: strOrNull,
          policyDomain: strOrNull,
          policy: { enum: [...ACTIONS, null] },
          policySource: { enum: ['p', 'sp', 'np', null] },
          p: { enum: [...ACTIONS, null] },
          sp: { enum: [...ACTIONS, null] },
          np: { enum: [...ACTIONS, null] },
          testing: { type: 'boolean' },
          orgDomain: strOrNull,
          alignment: obj({ spf: { enum: ['relaxed', 'strict'] }, dkim: { enum: ['relaxed', 'strict'] } }),
          spfAligned: { type: 'boolean' },
          dkimAligned: { type: 'boolean' },
          alignedDkimDomain: strOrNull,
          disposition: obj({
            action: { enum: ACTIONS },
            overridePossible: { type: 'boolean' },
            override: nullable(obj({ sealer: str, instance: { type: 'integer' }, claims: str })),
            note: str,
          }),
        }),
      ),
      bimi: nullable(
        obj({
          result: { enum: ['pass', 'fail', 'none', 'skipped', 'error'] },
          reason: str,
          record: strOrNull,
          location: strOrNull,
          authority: strOrNull,
          dmarcEnforced: boolOrNull,
          svgValid: boolOrNull,
          certificateValid: boolOrNull,
        }),
      ),
      received: {
        type: 'array',
        items: obj({
          header: { enum: ['Authentication-Results', 'ARC-Authentication-Results', 'Received-SPF'] },
          field: { type: 'integer' },
          authservId: strOrNull,
          instance: intOrNull,
          trusted: { type: 'boolean' },
          raw: str,
          results: { type: 'array', items: authResult },
          explanation: str,
        }),
      },
      hops: {
        type: 'array',
        items: obj({
          hop: { type: 'integer' },
          field: { type: 'integer' },
          helo: strOrNull,
          ip: strOrNull,
          by: strOrNull,
          with: strOrNull,
          envelopeFrom: strOrNull,
          date: strOrNull,
        }),
      },
      microsoft: nullable(
        obj({
          compauth: nullable(obj({ result: str, reason: strOrNull, meaning: str })),
          cip: strOrNull,
          ctry: strOrNull,
          helo: strOrNull,
          ptr: strOrNull,
          ipv: strOrNull,
          sfv: strOrNull,
          scl: intOrNull,
          cat: strOrNull,
          dir: strOrNull,
          lang: strOrNull,
          bcl: intOrNull,
          pcl: intOrNull,
          fields: { type: 'array', items: obj({ name: str, value: str, meaning: strOrNull }) },
          explanation: strings,
        }),
      ),
      comparison: {
        type: 'array',
        items: obj({
          method: { enum: ['spf', 'dkim', 'dmarc', 'arc'] },
          receiver: str,
          field: { type: 'integer' },
          theirs: str,
          ours: strOrNull,
          agree: { type: 'boolean' },
          likelyReason: strOrNull,
        }),
      },
      attachedMessages: { type: 'array', items: obj({ part: str, from: strOrNull, subject: strOrNull }) },
      problems: { type: 'array', items: obj({ part: str, message: str }) },
      verdict: str,
      error: obj({ part: str, message: str }),
    },
    oneOf: [
      {
        required: [
          'schemaVersion',
          'from',
          'spf',
          'dkim',
          'arc',
          'dmarc',
          'received',
          'hops',
          'microsoft',
          'comparison',
          'attachedMessages',
          'problems',
          'offline',
          'verdict',
        ],
      },
      { required: ['source', 'error'] },
    ],
  };
}
