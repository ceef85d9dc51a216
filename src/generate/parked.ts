/**
 * `mailsec generate parked`: the records of a domain that sends and receives no mail (M3AAWG
 * "Protecting Parked Domains"): a Null MX (RFC 7505), SPF that authorises nobody (RFC 7208
 * §10.1.2) and DMARC p=reject, which covers the subdomains too (sp and np default to p). Pure.
 */
import { dmarcName, serialiseDmarc } from '../checks/dmarc/serialise.ts';
import { NULL_MX, serialiseMx } from '../checks/mx/serialise.ts';
import { SPF_SENDS_NOTHING } from '../checks/spf/serialise.ts';
import { externalRuaNotes } from './dmarc.ts';
import { changeOf, record, refusal } from './records.ts';
import type { GenerateInput, GeneratorDef, Proposal } from './types.ts';

export interface ParkedOptions {
  /** aggregate reports to an address of another domain (a parked domain has no mailbox) */
  readonly rua: readonly string[];
}

function propose(input: GenerateInput<ParkedOptions>): Proposal {
  const { domain, live, options } = input;
  const ttl = options.ttl;
  const notes: string[] = [];
  const warnings: string[] = [];
  const mx = live?.results.mx?.evidence;
  const spf = live?.results.spf?.evidence;
  const dkim = live?.results.dkim?.evidence;
  const dmarc = live?.results.dmarc?.evidence;
  if (live && !options.force) {
    const receiving = (mx?.records ?? []).filter((r) => r.kind !== 'null').map((r) => r.exchange);
    if (receiving.length)
      return refusal(
        `${domain} has MX records (${receiving.join(', ')}): it receives mail, and a Null MX would make every sender bounce it.`,
        'Remove the MX records first if the domain really takes no mail, or pass --force.',
      );
    const sends = spf?.record && spf.record.trim().toLowerCase() !== SPF_SENDS_NOTHING;
    const keys = (dkim?.selectors ?? []).filter((s) => !s.revoked).map((s) => s.selector);
    if (sends || keys.length)
      return refusal(
        `${domain} looks like it sends mail: ${[
          sends ? `its SPF record authorises senders ("${spf?.record}")` : null,
          keys.length ? `it publishes DKIM keys (selectors ${keys.join(', ')})` : null,
        ]
          .filter(Boolean)
          .join(' and ')}.`,
        'Check that nothing sends in its name (reports: mailsec reports summary), then pass --force.',
      );
  }
  const current = (type: string): string[] | null => {
    if (!live) return null;
    if (type === 'MX')
      return (mx?.records ?? []).map((r) => serialiseMx({ preference: r.preference, exchange: r.exchange }));
    if (type === 'SPF') return spf ? [...spf.records] : [];
    return dmarc?.policyDomain === domain ? [...(dmarc.records ?? [])] : [];
  };
  const mxValue = serialiseMx(NULL_MX);
  const dmarcValue = serialiseDmarc({ p: 'reject', ...(options.rua.length ? { rua: options.rua } : {}) });
  notes.push(
    'MX 0 . (Null MX, RFC 7505): senders bounce mail to the domain at once instead of queueing it for days.',
    'SPF "v=spf1 -all": no server may send mail as the domain (RFC 7208 §10.1.2).',
    'DMARC p=reject: receivers reject mail that claims the domain; sp and np default to p, so subdomains and names that do not exist are covered too.',
  );
  if (options.rua.length) notes.push(...externalRuaNotes(domain, options.rua, warnings));
  else
    notes.push(
      'No rua: the domain has no mailbox to receive reports; pass --rua mailto:dmarc@<another domain> to see who abuses the name.',
    );
  notes.push(
    'DKIM: publish no keys. Subdomains with their own records (MX, SPF) are not covered by these; park them the same way.',
  );
  return {
    records: [
      record(domain, 'MX', mxValue, ttl, changeOf(mxValue, current('MX'))),
      record(domain, 'TXT', SPF_SENDS_NOTHING, ttl, changeOf(SPF_SENDS_NOTHING, current('SPF'))),
      record(dmarcName(domain), 'TXT', dmarcValue, ttl, changeOf(dmarcValue, current('DMARC'))),
    ],
    files: [],
    notes,
    warnings,
    refused: null,
  };
}

export const parkedGenerator: GeneratorDef<ParkedOptions> = {
  kind: 'parked',
  live: ['mx', 'spf', 'dkim', 'dmarc'],
  sections: ['mx', 'spf', 'dmarc'],
  // a parked domain has no mailbox for reports: dmarc.no-rua (info) is what it implies
  propose,
};
