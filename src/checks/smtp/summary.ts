import type { Summary } from '../types.ts';
import type { SmtpEvidence } from './check.ts';

export const smtpSummary: Summary<SmtpEvidence> = (s) => {
  const hosts = s.hosts ?? [];
  if (!hosts.length) return undefined;
  const yes = hosts.filter((h) => h.starttls === 'yes').length;
  const known = hosts.filter((h) => h.starttls === 'yes' || h.starttls === 'no').length;
  const dane = hosts.filter((h) => h.dane?.status === 'valid').length;
  const daneBad = hosts.filter((h) => h.dane?.status === 'invalid' || h.dane?.status === 'error').length;
  const parts = [`STARTTLS on ${yes} of ${hosts.length} MX address${hosts.length > 1 ? 'es' : ''}`];
  if (known < hosts.length) parts.push(`${hosts.length - known} not determined`);
  if (dane) parts.push(`DANE valid on ${dane}`);
  if (daneBad) parts.push(`DANE failing on ${daneBad}`);
  return parts.join(', ');
};
