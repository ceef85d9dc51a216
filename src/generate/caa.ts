/**
 * `mailsec generate caa`: CAA records (RFC 8659) for the CAs that issued the certificates the
 * domain's own names present: its web hosts (apex, www), mta-sts and the MX hosts inside the
 * domain. A provider's MX (mx.provider.net) says nothing about the domain's CAs and is not used.
 * Issuers map to CAA identifiers through caa-issuers.ts; unknown issuers are listed, never guessed,
 * and refuse the set (it would stop that CA from renewing) unless mapped or --force. Pure.
 */

import { parseIssueValue } from '../checks/caa/parse.ts';
import { caaIodef, caaIssue, parseCaaRdata, serialiseCaa } from '../checks/caa/serialise.ts';
import { caaIdentifierOf } from './caa-issuers.ts';
import { changeOf, inside, record, refusal } from './records.ts';
import type { GenerateInput, GeneratorDef, PresentedCertificate, Proposal } from './types.ts';

export interface CaaOptions {
  /** CAA identifiers to allow besides those found (e.g. a CA you are moving to) */
  readonly issuers: readonly string[];
  /** issuer organisation → CAA identifier, for issuers the table does not know */
  readonly issuerMap: Readonly<Record<string, string>>;
  /** iodef URL (mailto: or https:) */
  readonly iodef?: string;
}

/** The certificates presented for names inside the domain: web hosts and own-named MX hosts. */
export function ownCertificates(input: GenerateInput<CaaOptions>): PresentedCertificate[] {
  const { domain, live } = input;
  if (!live) return [];
  const out: PresentedCertificate[] = (live.web ?? []).map(({ response: _r, ...c }) => c);
  for (const h of live.results.smtp?.evidence.hosts ?? []) {
    if (!inside(h.exchange, domain)) continue;
    // a host that offers no TLS presents no certificate: no CA to allow for it
    if (h.outcome === 'no-starttls' || h.outcome === 'starttls-refused') continue;
    if (
      out.some(
        (c) => c.host === h.exchange && c.via === 'smtp' && c.issuer === (h.certificate?.issuer ?? null),
      )
    )
      continue;
    out.push({
      host: h.exchange,
      via: 'smtp',
      issuer: h.outcome === 'ok' ? (h.certificate?.issuer ?? null) : null,
      problem:
        h.outcome === 'ok' ? (h.certificate ? null : 'no certificate') : `no TLS session (${h.outcome})`,
    });
  }
  return out;
}

function propose(input: GenerateInput<CaaOptions>): Proposal {
  const { domain, live, options: o } = input;
  const ttl = o.ttl;
  const notes: string[] = [];
  const warnings: string[] = [];
  const certs = ownCertificates(input);
  const byCaa = new Map<string, Set<string>>();
  const unknown = new Map<string, Set<string>>();
  // a host without an address needs no certificate; an invalid one names no CA worth keeping; any
  // other failure (timeout, refused, not fetched) leaves the host's CA unknown
  const invalid: string[] = [];
  const unread: string[] = [];
  for (const c of certs) {
    if (!c.issuer) {
      if (!c.problem || /^no address/.test(c.problem)) continue;
      if (/^invalid certificate|^no TLS session \(handshake-failed\)/.test(c.problem))
        invalid.push(`${c.host} (${c.via}): ${c.problem}`);
      else unread.push(`${c.host} (${c.via}): ${c.problem}`);
      continue;
    }
    const id = caaIdentifierOf(c.issuer, o.issuerMap);
    const where = `${c.host} (${c.via})`;
    if (id.caa) byCaa.set(id.caa, new Set([...(byCaa.get(id.caa) ?? []), where]));
    else unknown.set(c.issuer, new Set([...(unknown.get(c.issuer) ?? []), where]));
  }
  // what is published for the domain now (possibly inherited from a parent)
  const caa = live?.results.caa?.evidence;
  const existing = caa?.records ?? [];
  const foundAt = caa?.foundAt ?? null;
  const keep = existing.filter((r) => r.tag.toLowerCase() === 'issue' || r.tag.toLowerCase() === 'issuewild');
  for (const id of o.issuers)
    byCaa.set(id.toLowerCase(), new Set([...(byCaa.get(id.toLowerCase()) ?? []), '--issuer']));
  for (const [id, where] of byCaa)
    notes.push(`issue "${id}": issued the certificates of ${[...where].join(', ')}.`);
  const details = {
    certificates: certs,
    issuers: [...byCaa.keys()],
    unknownIssuers: [...unknown].map(([issuer, where]) => ({ issuer, hosts: [...where] })),
  };
  if (unknown.size) {
    const list = [...unknown].map(([issuer, where]) => `"${issuer}" (${[...where].join(', ')})`).join('; ');
    if (!o.force)
      return {
        ...refusal(
          `Unknown certificate issuer${unknown.size > 1 ? 's' : ''}: ${list}. mailsec does not guess CAA identifiers, and a CAA set without that CA stops it from renewing those certificates.`,
          'Look up the CA’s CAA identifier (its CPS, section 4.2) and pass --issuer-map "ORGANISATION=identifier"; for a private CA (which does not check CAA) pass --force.',
          notes,
        ),
        details,
      };
    warnings.push(
      `--force: no issue record for ${list}; that CA can no longer issue for ${domain} if it checks CAA.`,
    );
  }
  if (unread.length && !o.force)
    return {
      ...refusal(
        `Could not read the certificate of ${unread.join('; ')}: the CA it uses is unknown, and a CAA set without it would stop that CA from renewing.`,
        'Run again (a timeout passes), or name the CA with --issuer; --force publishes without it.',
        notes,
      ),
      details,
    };
  if (unread.length) warnings.push(`--force: the CA of ${unread.join('; ')} is unknown and not in the set.`);
  if (invalid.length)
    warnings.push(
      `${invalid.join('; ')}: no valid certificate, so no CA to keep; the CA that will issue one must be in the set (--issuer).`,
    );
  if (!byCaa.size && !keep.length)
    return {
      ...refusal(
        `No certificate of ${domain}'s own names (web, www, mta-sts, MX hosts inside the domain) could be read, so there is no CA to allow.`,
        'Name the CA with --issuer letsencrypt.org (its CAA identifier).',
        notes,
      ),
      details,
    };
  const values: string[] = [];
  for (const id of [...byCaa.keys()].sort()) values.push(serialiseCaa(caaIssue(id)));
  for (const r of keep) {
    const issuer = parseIssueValue(r.value).issuer;
    // an existing record that names a CA found again (possibly with parameters) replaces the plain one
    if (r.tag.toLowerCase() === 'issue' && issuer && byCaa.has(issuer)) {
      const plain = serialiseCaa(caaIssue(issuer));
      const i = values.indexOf(plain);
      if (i >= 0) values[i] = serialiseCaa({ flags: 0, tag: r.tag, value: r.value });
      continue;
    }
    const v = serialiseCaa({ flags: 0, tag: r.tag, value: r.value });
    if (!values.includes(v)) {
      values.push(v);
      notes.push(`Kept ${v} from the published set: it may allow a CA for names mailsec did not see.`);
    }
  }
  const iodefs = existing.filter((r) => r.tag.toLowerCase() === 'iodef');
  if (o.iodef) values.push(serialiseCaa(caaIodef(o.iodef)));
  else if (iodefs.length)
    for (const r of iodefs) values.push(serialiseCaa({ flags: 0, tag: 'iodef', value: r.value }));
  else notes.push('No iodef: pass --iodef mailto:security@… to hear from CAs about refused requests.');
  for (const r of existing)
    if (!['issue', 'issuewild', 'iodef'].includes(r.tag.toLowerCase())) {
      const v = serialiseCaa(r);
      values.push(v);
      notes.push(`Kept ${v} from the published set.`);
    }
  if (foundAt && foundAt !== domain)
    notes.push(
      `The set at ${foundAt} applies to ${domain} now; a set at ${domain} replaces it for ${domain} and its subdomains (RFC 8659 §3).`,
    );
  notes.push(
    'No issuewild: without it the issue records govern wildcard certificates too (RFC 8659 §4.3).',
    'CAA restricts only CAs that are not listed; certificates issued before stay valid.',
  );
  const published = live ? (foundAt === domain ? existing.map((r) => serialiseCaa(r)) : []) : null;
  const records = values
    .filter((v) => parseCaaRdata(v).ok)
    .map((v) => record(domain, 'CAA', v, ttl, changeOf(v, published)));
  if (!live)
    warnings.push('Generated from options alone: run with --for DOMAIN to read the certificates in use.');
  return { records, files: [], notes, warnings, refused: null, details };
}

export const caaGenerator: GeneratorDef<CaaOptions> = {
  kind: 'caa',
  live: ['caa', 'mx', 'smtp'],
  web: true,
  sections: ['caa'],
  propose,
};
