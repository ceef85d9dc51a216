/**
 * `mailsec generate bimi`: the BIMI assertion record (`<selector>._bimi.<domain>`) for a logo
 * (and mark certificate) the domain serves. Refused while DMARC is not at enforcement (receivers
 * show no logo then); the logo itself is fetched and validated (SVG Tiny PS) by the bimi check in
 * the dry run, before anything is published. Pure.
 */
import { dmarcShortfall } from '../checks/bimi/check.ts';
import { bimiName, serialiseBimi } from '../checks/bimi/serialise.ts';
import { changeOf, record, refusal } from './records.ts';
import type { GenerateInput, GeneratorDef, Proposal } from './types.ts';

export interface BimiOptions {
  /** l=: HTTPS URL of the SVG Tiny PS logo */
  readonly logo?: string;
  /** a=: HTTPS URL of the mark certificate (VMC/CMC, PEM) */
  readonly authority?: string;
  readonly selector: string;
}

function propose(input: GenerateInput<BimiOptions>): Proposal {
  const { domain, live, options: o } = input;
  const notes: string[] = [];
  const warnings: string[] = [];
  const ev = live?.results.bimi?.evidence;
  const ownRecord = ev && ev.foundAt === domain && ev.selector === o.selector ? ev : null;
  const location = o.logo ?? ownRecord?.location ?? null;
  const authority = o.authority ?? (o.logo ? null : (ownRecord?.authority ?? null));
  if (!location)
    return refusal(
      'No logo: BIMI points receivers to an SVG Tiny PS file the domain serves over HTTPS.',
      'Pass --logo https://<your web host>/bimi/logo.svg (and --authority for a mark certificate).',
    );
  if (live) {
    const d = live.results.dmarc;
    const shortfall = dmarcShortfall({ status: d?.status ?? null, evidence: d?.evidence ?? null });
    if (shortfall === undefined)
      return refusal(
        'The DMARC policy could not be determined, so whether receivers would show the logo is unknown.',
        'Run again when the DMARC lookup works.',
      );
    if (shortfall !== null && !o.force)
      return refusal(
        `BIMI needs DMARC at enforcement (p=quarantine or p=reject, no t=y, sp not none), but ${shortfall}: receivers would show no logo.`,
        'Raise DMARC first (mailsec generate dmarc --plan), or pass --force to publish the record in advance.',
      );
    if (shortfall !== null)
      warnings.push(`--force: ${shortfall}; receivers show no logo until DMARC enforces.`);
    else notes.push('DMARC is at enforcement, as BIMI requires.');
  }
  if (ev?.foundAt && ev.foundAt !== domain)
    notes.push(
      `The record at ${o.selector}._bimi.${ev.foundAt} applies now; this one takes precedence for ${domain}.`,
    );
  notes.push(`l=${location}: the logo, SVG Tiny PS (square, with a title, no scripts), served over HTTPS.`);
  if (authority) notes.push(`a=${authority}: the mark certificate (VMC or CMC) that vouches for the logo.`);
  else
    notes.push(
      'No a=: some receivers (Gmail, Apple Mail) show a logo only with a mark certificate (VMC or CMC) from a mark verifying authority.',
    );
  const value = serialiseBimi({ location, authority });
  const published = live ? (ownRecord ? [...ownRecord.records] : []) : null;
  if (!live)
    warnings.push(
      'Generated from options alone: run with --for DOMAIN to validate the logo and the DMARC policy.',
    );
  return {
    records: [record(bimiName(domain, o.selector), 'TXT', value, o.ttl, changeOf(value, published))],
    files: [],
    notes,
    warnings,
    refused: null,
  };
}

export const bimiGenerator: GeneratorDef<BimiOptions> = {
  kind: 'bimi',
  live: ['dmarc', 'bimi'],
  sections: ['bimi'],
  checkOptions: (o) => ({ bimiSelector: o.selector }),
  propose,
};
