import type { Details, Summary } from '../types.ts';
import type { SmtpEvidence } from './check.ts';

export const smtpSummary: Summary<SmtpEvidence> = (s) => {
  const hosts = s.hosts ?? [];
  if (!hosts.length) return undefined;
  const yes = hosts.filter((h) => h.starttls === 'yes').length;
  const known = hosts.filter((h) => h.starttls === 'yes' || h.starttls === 'no').length;
  const dane = hosts.filter((h) => h.dane?.status === 'valid').length;
  const daneBad = hosts.filter((h) => h.dane?.status === 'invalid' || h.dane?.status === 'error').length;
  // a closed port 25 is said as such, not lumped with "not determined"
  const refused = hosts.filter((h) => h.connectionRefused === true).length;
  const timedOut = hosts.filter((h) => h.outcome === 'timeout').length;
  const parts = [`STARTTLS on ${yes} of ${hosts.length} MX address${hosts.length > 1 ? 'es' : ''}`];
  if (refused) parts.push(`${refused} refused the connection`);
  if (timedOut) parts.push(`${timedOut} did not answer in time`);
  const other = hosts.length - known - refused - timedOut;
  if (other > 0) parts.push(`${other} not determined`);
  if (dane) parts.push(`DANE valid on ${dane}`);
  if (daneBad) parts.push(`DANE failing on ${daneBad}`);
  return parts.join(', ');
};

/** hosts listed under the SMTP line at most (a domain may have many MX addresses) */
const MAX_HOST_LINES = 8;
const OUTCOME_WORDS: Record<string, string> = {
  'no-starttls': 'no STARTTLS offered',
  'starttls-refused': 'STARTTLS refused',
  'handshake-failed': 'TLS handshake failed',
  refused: 'refused',
  timeout: 'did not answer in time',
  'refused-address': 'not probed (special-purpose address)',
  skipped: 'not probed',
};

/** Each MX address with its TLS version, cipher, certificate issuer and expiry (a date). */
export const smtpDetails: Details<SmtpEvidence> = (s) => {
  const hosts = s.hosts ?? [];
  const lines = hosts.slice(0, MAX_HOST_LINES).map((h) => {
    const where = `${h.exchange} (${h.address})`;
    if (h.outcome === 'ok' && h.tls) {
      const tls = [h.tls.version, h.tls.cipher].filter(Boolean).join(' ');
      const c = h.certificate;
      const cert = c
        ? `, issuer ${c.issuer || '(none)'}, expires ${c.notAfter.slice(0, 10)}${c.trusted ? '' : ', untrusted'}${c.nameMatch ? '' : ', name mismatch'}`
        : '';
      return `${where}: ${tls || 'TLS'}${cert}`;
    }
    if (h.connectionRefused) return `${where}: refused the connection on port 25`;
    return `${where}: ${OUTCOME_WORDS[h.outcome] ?? h.outcome}`;
  });
  if (hosts.length > MAX_HOST_LINES) lines.push(`… and ${hosts.length - MAX_HOST_LINES} more (see --json)`);
  return lines;
};
