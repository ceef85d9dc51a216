/** `mailsec generate tls-rpt`: the SMTP TLS reporting record (RFC 8460 §3). Pure. */
import { parseTlsRpt } from '../checks/tls-rpt/parse.ts';
import { defaultTlsRptRua, serialiseTlsRpt, tlsRptName } from '../checks/tls-rpt/serialise.ts';
import { changeOf, record } from './records.ts';
import type { GenerateInput, GeneratorDef, LiveEvidence, Proposal } from './types.ts';

export interface TlsRptOptions {
  /** report destinations (mailto:/https:); default: those published now, else tls-reports@<domain> */
  readonly rua: readonly string[];
}

/** The rua published now (one usable record), or null. */
export function liveTlsRptRua(live: LiveEvidence | null): string[] | null {
  const r = live?.results.tlsRpt?.evidence.record;
  if (!r) return null;
  const parsed = parseTlsRpt(r);
  return parsed.ok && parsed.value.rua.length ? parsed.value.rua : null;
}

/** The TLS-RPT record for a domain: shared with `generate mta-sts`, which adds it when absent. */
export function tlsRptProposal(
  domain: string,
  rua: readonly string[],
  live: LiveEvidence | null,
  ttl: number,
): Proposal {
  const notes: string[] = [];
  const warnings: string[] = [];
  const current = liveTlsRptRua(live);
  let uris = [...rua];
  if (!uris.length && current) {
    uris = current;
    notes.push(`rua: kept the destinations published now (${current.join(', ')}).`);
  } else if (!uris.length) {
    uris = [defaultTlsRptRua(domain)];
    warnings.push(
      `rua=${uris[0]} is mailsec's default: create that mailbox (or pass --rua) before publishing, or the reports are lost.`,
    );
  }
  notes.push(
    'TLS-RPT (RFC 8460) asks sending servers for daily reports of failed TLS sessions to your MX hosts: it shows an MTA-STS or DANE problem before it costs mail.',
  );
  const value = serialiseTlsRpt({ rua: uris });
  const published = live?.results.tlsRpt ? (live.results.tlsRpt.evidence.records as string[]) : null;
  return {
    records: [record(tlsRptName(domain), 'TXT', value, ttl, changeOf(value, published))],
    files: [],
    notes,
    warnings,
    refused: null,
  };
}

export const tlsRptGenerator: GeneratorDef<TlsRptOptions> = {
  kind: 'tls-rpt',
  live: ['tlsRpt'],
  sections: ['tlsRpt'],
  propose: (input: GenerateInput<TlsRptOptions>) =>
    tlsRptProposal(input.domain, input.options.rua, input.live, input.options.ttl),
};
