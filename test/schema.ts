/**
 * The JSON Schema validator of the tests: draft 2020-12 with the formats (`date-time`, `uri`, …)
 * checked by ajv-formats — plain ajv only warns "unknown format … ignored" and lets any string pass.
 */
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export function schemaValidator(o: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, ...o });
  addFormats.default(ajv);
  return ajv;
}
