/**
 * `mailsec generate mta-sts`: the policy file and the `_mta-sts` TXT record (RFC 8461), plus
 * the TLS-RPT record when none is published. `mode: enforce` is refused while any MX is not
 * covered or does not present a certificate that passes RFC 8461 §4.2 (as the smtp check saw
 * it): with enforce, senders would not deliver to that MX. Pure.
 */
import { mxCertificate } from '../checks/mta-sts/check.ts';
import type { MtaStsPolicyFile } from '../checks/mta-sts/policy.ts';
import { MAX_AGE_LIMIT, mxMatches } from '../checks/mta-sts/policy.ts';
import {
  mtaStsName,
  POLICY_CONTENT_TYPE,
  POLICY_PATH,
  policyHost,
  policyIdAt,
  serialiseMtaStsPolicy,
  serialiseMtaStsTxt,
} from '../checks/mta-sts/serialise.ts';
import { changeOf, record, refusal } from './records.ts';
import { tlsRptProposal } from './tls-rpt.ts';
import type { GenerateInput, GeneratorDef, Proposal } from './types.ts';

export interface MtaStsOptions {
  readonly mode: 'enforce' | 'testing' | 'none';
  /** mx patterns; default: the MX hosts published now */
  readonly mx: readonly string[];
  /** max_age in seconds; default one week */
  readonly maxAge?: number;
  /** policy id; default: kept when the policy is unchanged, else a timestamp */
  readonly id?: string;
  /** TLS-RPT destinations, when a TLS-RPT record is added */
  readonly rua: readonly string[];
}

/** One week: long enough to protect, short enough to change (RFC 8461 §3.2 suggests weeks). */
export const DEFAULT_MAX_AGE = 604_800;

export const policyUrlOf = (domain: string) => `https://${policyHost(domain)}${POLICY_PATH}`;

function propose(input: GenerateInput<MtaStsOptions>): Proposal {
  const { domain, live, options: o, now } = input;
  const ttl = o.ttl;
  const notes: string[] = [];
  const warnings: string[] = [];
  const mxRecords = live?.results.mx?.evidence.records ?? [];
  const exchanges = [...mxRecords]
    .filter((r) => r.kind !== 'null')
    .sort((a, b) => a.preference - b.preference)
    .map((r) => r.exchange);
  if (live && !exchanges.length)
    return refusal(
      `${domain} has no MX hosts${live.results.mx?.evidence.nullMx ? ' (Null MX)' : ''}: MTA-STS protects delivery to MX hosts, so there is nothing to protect.`,
      'Publish MX records first, or use mailsec generate parked for a domain without mail.',
    );
  const patterns = o.mx.length ? [...o.mx] : exchanges;
  if (!patterns.length)
    return refusal(
      'No MX host to list in the policy.',
      'Name them with --mx mx1.example.ch,mx2.example.ch, or use --for DOMAIN.',
    );
  if (o.mode !== 'none' && live) {
    const problems: string[] = [];
    for (const exchange of exchanges) {
      const covered = patterns.some((p) => mxMatches(p, exchange));
      const cert = mxCertificate(exchange, live.results.smtp?.evidence.hosts);
      if (!covered) problems.push(`${exchange} matches none of the mx patterns (${patterns.join(', ')})`);
      if (cert.ok === false)
        problems.push(`${exchange} presents a certificate senders reject: ${cert.reason}`);
      if (cert.ok === null) problems.push(`${exchange}: its certificate was not checked (${cert.reason})`);
    }
    if (problems.length && o.mode === 'enforce') {
      if (!o.force)
        return refusal(
          `mode: enforce refused: with it, senders that honour MTA-STS would not deliver to ${problems.length === 1 ? 'this MX' : 'these MX hosts'}: ${problems.join('; ')}.`,
          'Fix the certificates (a certificate from a public CA that names the MX host, TLS 1.2 or later) and run again; or publish --mode testing first (TLS-RPT reports show the failures without losing mail); or pass --force.',
        );
      warnings.push(`--force: mode: enforce although ${problems.join('; ')}.`);
    } else if (problems.length)
      warnings.push(
        `Under mode: enforce this would fail: ${problems.join('; ')}. Fix it before switching to enforce.`,
      );
    else if (exchanges.length)
      notes.push(
        `Every MX host (${exchanges.join(', ')}) is covered and presents a certificate that passes RFC 8461 §4.2.`,
      );
  }
  const maxAge = o.maxAge ?? DEFAULT_MAX_AGE;
  if (maxAge > MAX_AGE_LIMIT)
    return refusal(
      `max_age ${maxAge} is over RFC 8461's limit of ${MAX_AGE_LIMIT}.`,
      `Use --max-age ${DEFAULT_MAX_AGE}.`,
    );
  const policy: MtaStsPolicyFile = { mode: o.mode, mx: o.mode === 'none' ? [] : patterns, maxAge };
  const body = serialiseMtaStsPolicy(policy);
  const livePolicy = live?.results.mtaSts?.evidence.policy ?? null;
  const liveId = live?.results.mtaSts?.evidence.id ?? null;
  const same =
    livePolicy !== null &&
    livePolicy.mode === policy.mode &&
    livePolicy.maxAge === policy.maxAge &&
    livePolicy.mx.join(',') === policy.mx.join(',');
  const id = o.id ?? (same && liveId ? liveId : policyIdAt(now));
  const txt = serialiseMtaStsTxt({ id, extensions: [] });
  const published = live?.results.mtaSts ? [...live.results.mtaSts.evidence.records] : null;
  notes.push(
    `mode: ${o.mode}${o.mode === 'enforce' ? ' — senders that honour MTA-STS deliver only over TLS with a valid certificate to the hosts listed' : o.mode === 'testing' ? ' — senders report failures (TLS-RPT) but still deliver' : ' — withdraws a policy'}.`,
    `max_age: ${maxAge} s: how long senders cache the policy; ${maxAge >= DEFAULT_MAX_AGE ? 'a week or more protects against an attacker who blocks the policy fetch' : 'short, so a mistake expires quickly'}.`,
    same && liveId && !o.id
      ? `id=${id}: the policy equals the one published, so the id stays.`
      : `id=${id}: a new id tells senders to fetch the policy again; change it whenever the file changes.`,
    `Publish in this order: serve the file at ${policyUrlOf(domain)} (HTTPS, Content-Type text/plain), then the TXT record; senders fetch the policy once they see the TXT.`,
  );
  const web = live?.web?.find((w) => w.host === policyHost(domain));
  if (web) {
    if (web.problem)
      warnings.push(
        `${policyHost(domain)}: ${web.problem}. The file must be served there over HTTPS with a certificate for ${policyHost(domain)}, or senders ignore the policy.`,
      );
    else
      notes.push(
        `${policyHost(domain)} answers HTTPS with a valid certificate${web.issuer ? ` (issuer ${web.issuer})` : ''}.`,
      );
  }
  const records = [record(mtaStsName(domain), 'TXT', txt, ttl, changeOf(txt, published))];
  const tlsRpt = live?.results.tlsRpt;
  if ((tlsRpt && tlsRpt.status === 'absent') || o.rua.length) {
    const t = tlsRptProposal(domain, o.rua, live, ttl);
    records.push(...t.records);
    notes.push('Added the TLS-RPT record: without it a failing MTA-STS policy goes unnoticed.', ...t.notes);
    warnings.push(...t.warnings);
  } else if (!live)
    notes.push('Publish a TLS-RPT record too (mailsec generate tls-rpt), or failures go unnoticed.');
  return {
    records,
    files: [{ url: policyUrlOf(domain), contentType: POLICY_CONTENT_TYPE, body }],
    notes,
    warnings,
    refused: null,
    details: { mode: o.mode, mx: policy.mx, maxAge, id },
  };
}

export const mtaStsGenerator: GeneratorDef<MtaStsOptions> = {
  kind: 'mta-sts',
  live: ['mx', 'smtp', 'mtaSts', 'tlsRpt'],
  web: true,
  sections: ['mtaSts', 'tlsRpt'],
  expected: (o) =>
    o.mode === 'testing'
      ? ['mtaSts.enforce-would-fail', 'mtaSts.mx-certificate-testing', 'mtaSts.mx-not-covered-testing']
      : [],
  propose,
};
