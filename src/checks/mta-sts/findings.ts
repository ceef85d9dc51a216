import { defineFindings } from '../../core/finding.ts';

type D = { domain: string };
const example = (d: string) => `_mta-sts.${d} TXT "v=STSv1; id=20260101T000000;"`;

export const mtaStsFindings = defineFindings('mtaSts', {
  'not-found': {
    severity: 'info',
    why: 'Without MTA-STS (or DANE) a man in the middle can strip STARTTLS and read or redirect mail sent to you.',
    message: (p: D) => `${p.domain} publishes no MTA-STS record at _mta-sts.${p.domain}.`,
    fix: (p: D) =>
      `Serve https://mta-sts.${p.domain}/.well-known/mta-sts.txt ("version: STSv1", "mode: testing", one "mx: <your MX host>" line per MX, "max_age: 604800"), then publish ${example(p.domain)}.`,
  },
  'multiple-records': {
    severity: 'error',
    why: 'With more than one MTA-STS record senders assume the domain has no MTA-STS policy (RFC 8461 §3.1).',
    message: (p: D & { count: number; records: string }) =>
      `_mta-sts.${p.domain} holds ${p.count} MTA-STS records: ${p.records}.`,
    fix: (p: D) => `Keep exactly one record: ${example(p.domain)}.`,
  },
  'version-invalid': {
    severity: 'error',
    why: 'Records that do not begin with exactly "v=STSv1" are discarded by senders (RFC 8461 §3.1).',
    message: (p: D & { record: string }) =>
      `The TXT record at _mta-sts.${p.domain} does not begin with "v=STSv1": "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'id-missing': {
    severity: 'error',
    why: 'The id field is required (RFC 8461 §3.1); without it senders ignore the record and never fetch the policy.',
    message: (p: D & { record: string }) => `The MTA-STS record of ${p.domain} has no id: "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}; change the id whenever the policy changes.`,
  },
  'id-invalid': {
    severity: 'error',
    why: 'The id must be 1 to 32 letters or digits (RFC 8461 §3.1); senders treat any other record as malformed and ignore it.',
    message: (p: D & { id: string }) =>
      `The MTA-STS id "${p.id}" of ${p.domain} is not 1–32 letters or digits.`,
    fix: (p: D) => `Use a timestamp without separators: ${example(p.domain)}.`,
  },
  'record-syntax': {
    severity: 'error',
    why: 'A malformed record is ignored by senders (RFC 8461 §3.1).',
    message: (p: D & { problem: string; record: string }) =>
      `The MTA-STS record of ${p.domain} is malformed (${p.problem}): "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
});
