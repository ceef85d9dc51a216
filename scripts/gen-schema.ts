// Writes schema/check.schema.json from the checks' section schemas: node scripts/gen-schema.ts
import { writeFileSync } from 'node:fs';
import { buildCheckSchema } from '../src/audit/schema.ts';

const target = new URL('../schema/check.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(buildCheckSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
