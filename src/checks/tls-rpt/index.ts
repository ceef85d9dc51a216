import type { CheckDefinition } from '../types.ts';
import type { TlsRptEvidence } from './check.ts';
import { checkTlsRpt } from './check.ts';
import { gatherTlsRpt } from './gather.ts';
import { tlsRptStatistics } from './statistics.ts';
import { tlsRptSummary } from './summary.ts';

export const tlsRptCheck: CheckDefinition<TlsRptEvidence> = {
  id: 'tlsRpt',
  title: 'TLS-RPT',
  summary: tlsRptSummary,
  schema: {
    properties: {
      record: { type: ['string', 'null'] },
      records: { type: 'array', items: { type: 'string' } },
      rua: { type: 'array', items: { type: 'string' } },
    },
    required: ['record', 'rua'],
  },
  statistics: tlsRptStatistics,
  async run(domain, ctx) {
    return checkTlsRpt(await gatherTlsRpt(domain, ctx));
  },
};
