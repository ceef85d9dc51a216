/**
 * Plain sentences for what a receiver wrote in Authentication-Results / ARC-Authentication-Results
 * (RFC 8601 §2.7 result meanings, RFC 8617, RFC 7489/9989, Microsoft's and Google's documented
 * extras). Pure.
 */
import type { AuthResult, AuthResultsHeader } from './auth-results.ts';
import { compauthMeaning } from './microsoft.ts';

const SPF: Record<string, string> = {
  pass: 'the sending IP is authorised by the SPF record of',
  fail: 'the sending IP is explicitly NOT authorised (-all) by the SPF record of',
  softfail: 'the sending IP is probably not authorised (~all) by the SPF record of',
  neutral: 'the SPF record makes no statement (?all) about the sending IP for',
  none: 'there is no SPF record (or no domain to check) for',
  temperror: 'a temporary DNS error prevented the SPF check of',
  permerror: 'the SPF record cannot be evaluated (syntax error or more than 10 lookups) for',
};

const DKIM: Record<string, string> = {
  pass: 'the DKIM signature verified',
  fail: 'the DKIM signature did not verify (the message or its signed headers changed, or the key does not match)',
  none: 'the message was not DKIM-signed',
  neutral: 'the DKIM signature could not be processed (syntax error, or a key problem)',
  policy:
    'the DKIM signature verified but the receiver did not accept it by local policy (e.g. a weak key or rsa-sha1)',
  temperror: 'a temporary DNS error prevented fetching the DKIM key',
  permerror: 'the DKIM signature cannot be verified (the key is missing, revoked or invalid)',
};

const DMARC: Record<string, string> = {
  pass: 'an SPF or DKIM identity aligned with the From domain passed: DMARC passed',
  fail: 'no SPF or DKIM identity aligned with the From domain passed: DMARC failed',
  none: 'the From domain publishes no DMARC policy',
  temperror: 'a temporary DNS error prevented the DMARC check',
  permerror: 'the DMARC record of the From domain cannot be used',
  bestguesspass:
    'the From domain has no DMARC record, but Microsoft found that one would have passed (bestguesspass)',
};

const ARC: Record<string, string> = {
  pass: 'the ARC chain of earlier intermediaries validated',
  fail: 'the ARC chain is broken (a seal or the newest message signature did not verify)',
  none: 'the message carried no ARC chain',
};

const IPREV: Record<string, string> = {
  pass: 'the sending IP has a PTR name that resolves back to it (forward-confirmed reverse DNS)',
  fail: 'the sending IP has no PTR name that resolves back to it',
  temperror: 'a temporary DNS error prevented the reverse DNS check',
  permerror: 'the reverse DNS of the sending IP cannot be checked (no PTR)',
};

const ACTION: Record<string, string> = {
  none: 'no action was taken',
  quarantine: 'the message was quarantined (DMARC p=quarantine)',
  reject: 'the message was rejected (DMARC p=reject)',
  pquarantine:
    'DMARC said quarantine but the receiver delivered by its own policy (p=quarantine not enforced)',
  preject: 'DMARC said reject but the receiver delivered by its own policy',
  oreject:
    'override reject: the message failed a p=reject policy and Microsoft marked it as spam instead of rejecting it',
  'o.reject':
    'override reject: the message failed a p=reject policy and Microsoft marked it as spam instead of rejecting it',
  'pct.quarantine': 'quarantine applied to only part of the failing messages (pct<100)',
  'pct.reject': 'reject applied to only part of the failing messages (pct<100)',
  permerror: 'the DMARC check ended in a permanent error',
  temperror: 'the DMARC check ended in a temporary error',
};

function identity(r: AuthResult): string {
  const p = r.props;
  return p['smtp.mailfrom'] || p['smtp.helo'] || p['header.from'] || p['header.d'] || p['header.i'] || '';
}

/** One plain sentence for one result. */
export function explainResult(r: AuthResult): string {
  const p = r.props;
  const comment = r.comments.length ? ` (${r.comments.join('; ')})` : '';
  switch (r.method) {
    case 'spf': {
      const who = p['smtp.mailfrom'] ?? p['smtp.helo'] ?? 'the sender';
      const id = p['smtp.mailfrom'] !== undefined ? 'MAIL FROM' : p['smtp.helo'] !== undefined ? 'HELO' : '';
      const ip = /(?:sender ip is|designates|client-ip=)\s*([0-9a-f.:]+)/i.exec(r.comments.join(' '))?.[1];
      return `SPF ${r.result}: ${SPF[r.result] ?? `result "${r.result}" for`} ${who}${id ? ` (${id} identity)` : ''}${ip ? `; the receiver saw IP ${ip}` : ''}.`;
    }
    case 'dkim': {
      const d = p['header.d'] ?? p['header.i']?.replace(/^.*@/, '') ?? '?';
      const s = p['header.s'] ? ` selector ${p['header.s']}` : '';
      const why = r.reason ? ` — reason: ${r.reason}` : comment;
      return `DKIM ${r.result} for d=${d}${s}: ${DKIM[r.result] ?? `result "${r.result}"`}${why}.`;
    }
    case 'dmarc': {
      const from = p['header.from'] ?? '?';
      const action = p.action !== undefined ? ` Action: ${ACTION[p.action.toLowerCase()] ?? p.action}.` : '';
      const policy = p['policy.dmarc'] ? ` The policy applied was ${p['policy.dmarc']}.` : '';
      const g = /p=(\w+)\s+sp=(\w+)\s+dis=(\w+)/i.exec(r.comments.join(' '));
      const google = g
        ? ` The receiver noted p=${g[1]!.toLowerCase()} sp=${g[2]!.toLowerCase()} and its disposition ${g[3]!.toLowerCase()}.`
        : '';
      return `DMARC ${r.result} for ${from}: ${DMARC[r.result] ?? `result "${r.result}"`}.${policy}${action}${google}`;
    }
    case 'arc': {
      const chain = p['arc.chain'] ? ` (sealers: ${p['arc.chain']})` : '';
      return `ARC ${r.result}: ${ARC[r.result] ?? `result "${r.result}"`}${chain}${comment}.`;
    }
    case 'compauth':
      return `Microsoft composite authentication ${r.result}${r.reason ? ` reason=${r.reason}` : ''}: ${compauthMeaning(r.result, r.reason ?? null)}.`;
    case 'iprev':
      return `Reverse DNS ${r.result}: ${IPREV[r.result] ?? `result "${r.result}"`}${p['policy.iprev'] ? ` (${p['policy.iprev']})` : ''}${comment}.`;
    case 'auth':
      return `SMTP AUTH ${r.result}: ${r.result === 'pass' ? `the client authenticated${p['smtp.auth'] ? ` as ${p['smtp.auth']}` : ''}` : 'the client did not authenticate successfully'}${comment}.`;
    case 'bimi':
      return `BIMI ${r.result}${p['header.d'] ? ` for ${p['header.d']}` : ''}: ${r.result === 'pass' ? 'the receiver may show the brand logo' : 'no logo is shown'}${comment}.`;
    case 'dkim-atps':
      return `DKIM third-party authorisation (RFC 6541) ${r.result}${comment}.`;
    case 'rrvs':
      return `Require-Recipient-Valid-Since (RFC 7293) ${r.result}${comment}.`;
    case 'smime':
      return `S/MIME ${r.result}${comment}.`;
    case 'vbr':
      return `Vouch By Reference (RFC 5518) ${r.result}${comment}.`;
    case 'dnswl':
      return `DNS allow list ${r.result}${p['policy.ip'] ? ` (${p['policy.ip']})` : ''}${comment}.`;
    default:
      return `${r.method} ${r.result}${identity(r) ? ` for ${identity(r)}` : ''}${comment} (not a method mailsec explains).`;
  }
}

/** One sentence for a whole header: who wrote it and what it says. */
export function explainHeader(
  h: AuthResultsHeader,
  kind: 'Authentication-Results' | 'ARC-Authentication-Results',
): string {
  const who =
    h.authservId !== null
      ? `${h.authservId}${h.instance !== undefined ? ` (ARC instance ${h.instance})` : ''}`
      : 'a receiver that writes no authserv-id (Microsoft 365 does this)';
  if (h.none) return `${kind} by ${who}: the receiver ran no authentication method.`;
  const parts = h.results.map((r) => `${r.method}=${r.result}`).join(', ');
  return `${kind} by ${who}: ${parts || 'no results'}.`;
}
