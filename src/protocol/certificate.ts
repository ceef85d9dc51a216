/**
 * X.509 name fields every protocol reads (SMTP/DANE, MTA-STS, HTTPS, BIMI mark certificates). Pure.
 *
 * Node renders `subjectAltName` as `TYPE:value` entries joined by ", "; a value holding a comma,
 * a quote or a non-printable character is written as a JSON string (`DNS:"a, b"`), so a hostile
 * certificate cannot smuggle a second entry into the list.
 */
import type { X509Certificate } from 'node:crypto';

export interface SanEntry {
  /** `DNS`, `IP Address`, `URI`, `email`, … as Node names them */
  readonly type: string;
  readonly value: string;
}

/** Parses Node's `subjectAltName` text into its entries. */
export function parseSubjectAltName(text: string | undefined): SanEntry[] {
  const out: SanEntry[] = [];
  if (!text) return out;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      // a JSON string: find its closing quote (skipping escapes)
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        value = text.slice(j + 1, k);
      }
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      value = end < 0 ? text.slice(j) : text.slice(j, end);
      j = end < 0 ? text.length : end;
    }
    out.push({ type, value });
    i = text.startsWith(', ', j) ? j + 2 : j + 1;
  }
  return out;
}

/** The SAN entries as Node writes them (`DNS:mx.example.ch`), for display. */
export function sanStrings(cert: X509Certificate): string[] {
  return parseSubjectAltName(cert.subjectAltName).map((e) => `${e.type}:${e.value}`);
}

/** SubjectAltName DNS entries, lower case. */
export function dnsNames(cert: X509Certificate): string[] {
  return parseSubjectAltName(cert.subjectAltName)
    .filter((e) => e.type === 'DNS')
    .map((e) => e.value.toLowerCase());
}

/** The subject CN (lower case), or null. */
export function commonName(cert: X509Certificate): string | null {
  const m = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** DNS-ID names of a certificate, or the CN when it has none (RFC 6125 §6.4.4, RFC 7672 §3.2.3). */
export function certificateNames(cert: X509Certificate): string[] {
  const dns = dnsNames(cert);
  if (dns.length) return dns;
  const cn = commonName(cert);
  return cn ? [cn] : [];
}
