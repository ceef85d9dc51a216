/**
 * TLS-RPT record syntax, written (RFC 8460 §3): the inverse of parse.ts. Every TLS-RPT record
 * mailsec proposes is built here. Pure.
 */

export interface TlsRptSpec {
  /** mailto: or https: URIs */
  readonly rua: readonly string[];
  /** extension fields as written (`name=value`) */
  readonly extensions?: readonly string[];
}

export const tlsRptName = (domain: string) => `_smtp._tls.${domain}`;

/** The report address mailsec proposes when none is known (the mailbox must exist). */
export const defaultTlsRptRua = (domain: string) => `mailto:tls-reports@${domain}`;

/** `v=TLSRPTv1; rua=…` (a comma inside a URI must be percent-encoded, RFC 8460 §3). */
export function serialiseTlsRpt(s: TlsRptSpec): string {
  const rua = s.rua.map((u) => u.replace(/[,;]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  return ['v=TLSRPTv1', `rua=${rua.join(',')}`, ...(s.extensions ?? [])].join('; ');
}

export function tlsRptRecord(domain: string): string {
  return serialiseTlsRpt({ rua: [defaultTlsRptRua(domain)] });
}
