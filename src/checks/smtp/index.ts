import type { CheckDefinition } from '../types.ts';
import type { SmtpEvidence } from './check.ts';
import { checkSmtp, WEIGHED_BY_SUPPORT } from './check.ts';
import { gatherSmtp } from './gather.ts';
import { smtpStatistics } from './statistics.ts';
import { smtpDetails, smtpSummary } from './summary.ts';

const str = { type: 'string' };
const strOrNull = { type: ['string', 'null'] };

export const smtpCheck: CheckDefinition<SmtpEvidence> = {
  id: 'smtp',
  title: 'SMTP STARTTLS and DANE',
  label: 'SMTP',
  summary: smtpSummary,
  details: smtpDetails,
  requires: ['mx', 'dnssec'],
  weighedByBase: WEIGHED_BY_SUPPORT,
  schema: {
    properties: {
      hosts: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            exchange: str,
            address: str,
            sni: str,
            outcome: {
              enum: [
                'ok',
                'no-starttls',
                'starttls-refused',
                'handshake-failed',
                'refused',
                'timeout',
                'refused-address',
                'skipped',
              ],
            },
            starttls: { enum: ['yes', 'no', 'error', 'skipped'] },
            connectionRefused: {
              type: 'boolean',
              description:
                'outcome refused because the TCP connection to port 25 was refused (nothing listens)',
            },
            banner: strOrNull,
            ehlo: { type: 'array', items: str },
            starttlsReply: strOrNull,
            tls: {
              type: ['object', 'null'],
              properties: { version: strOrNull, cipher: strOrNull },
              required: ['version', 'cipher'],
            },
            certificate: {
              type: ['object', 'null'],
              properties: {
                subject: str,
                sans: { type: 'array', items: str },
                issuer: str,
                notBefore: str,
                notAfter: str,
                keyType: str,
                keyBits: { type: ['integer', 'null'] },
                sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                spkiSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                trusted: { type: 'boolean' },
                nameMatch: { type: 'boolean' },
                trustError: strOrNull,
                nameError: strOrNull,
              },
              required: [
                'subject',
                'sans',
                'issuer',
                'notBefore',
                'notAfter',
                'keyType',
                'keyBits',
                'sha256',
                'spkiSha256',
                'trusted',
                'nameMatch',
              ],
            },
            chain: { type: 'array', items: { type: 'object' } },
            dane: {
              type: 'object',
              properties: {
                status: { enum: ['valid', 'invalid', 'none', 'error', 'skipped'] },
                base: str,
                dnssec: { enum: ['secure', 'insecure', 'error', 'unvalidated'] },
                records: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      usage: { type: 'integer' },
                      selector: { type: 'integer' },
                      matchingType: { type: 'integer' },
                      data: str,
                      usable: { type: 'boolean' },
                      problem: strOrNull,
                      matched: { type: ['boolean', 'null'] },
                    },
                    required: ['usage', 'selector', 'matchingType', 'data', 'usable', 'matched'],
                  },
                },
                usable: { type: 'integer', minimum: 0 },
              },
              required: ['status', 'records'],
            },
            error: strOrNull,
            elapsedMs: { type: ['integer', 'null'] },
          },
          required: [
            'exchange',
            'address',
            'outcome',
            'starttls',
            'banner',
            'ehlo',
            'tls',
            'certificate',
            'dane',
          ],
        },
      },
      starttlsSupport: { enum: ['all', 'some', 'none', 'error', 'skipped'] },
      undetermined: { type: 'integer', minimum: 0 },
    },
    required: ['hosts', 'starttlsSupport', 'undetermined'],
  },
  statistics: smtpStatistics,
  async run(domain, ctx, prior) {
    return checkSmtp(await gatherSmtp(domain, ctx, prior));
  },
};
