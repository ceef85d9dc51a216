// Writes the generated documents: schema/check.schema.json, schema/message.schema.json and docs/findings.md.
//   node scripts/gen-docs.ts
import { writeFileSync } from 'node:fs';
import { findingsMarkdown } from '../src/audit/findings-doc.ts';
import { buildCheckSchema } from '../src/audit/schema.ts';
import { buildMessageSchema } from '../src/message/schema.ts';

const schema = new URL('../schema/check.schema.json', import.meta.url);
writeFileSync(schema, `${JSON.stringify(buildCheckSchema(), null, 2)}\n`);
const messageSchema = new URL('../schema/message.schema.json', import.meta.url);
writeFileSync(messageSchema, `${JSON.stringify(buildMessageSchema(), null, 2)}\n`);
const findings = new URL('../docs/findings.md', import.meta.url);
writeFileSync(findings, findingsMarkdown());
console.log(`wrote ${schema.pathname} and ${findings.pathname}`);
