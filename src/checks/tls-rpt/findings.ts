import { defineFindings } from '../../core/finding.ts';
import { recordText } from '../../protocol/presentation.ts';
import { defaultTlsRptRua, tlsRptName, tlsRptRecord } from './serialise.ts';

type D = { domain: string };
const example = (d: string) => recordText(tlsRptName(d), 'TXT', tlsRptRecord(d));

export const tlsRptFindings = defineFindings('tlsRpt', {
  'not-found': {
    severity: 'info',
    why: 'Without TLS-RPT you do not learn when senders fail to reach you over TLS (MTA-STS or DANE problems, expired certificates).',
    message: (p: D) => `${p.domain} publishes no TLS-RPT record at _smtp._tls.${p.domain}.`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'multiple-records': {
    severity: 'error',
    why: 'With more than one TLS-RPT record senders treat the domain as not implementing TLS-RPT (RFC 8460 §3) and send no reports.',
    message: (p: D & { count: number; records: string }) =>
      `_smtp._tls.${p.domain} holds ${p.count} TLS-RPT records: ${p.records}.`,
    fix: (p: D) => `Keep exactly one record, listing all destinations in one rua: ${example(p.domain)}.`,
  },
  'version-invalid': {
    severity: 'error',
    why: 'Records that do not begin with exactly "v=TLSRPTv1" are discarded (RFC 8460 §3).',
    message: (p: D & { record: string }) =>
      `The TXT record at _smtp._tls.${p.domain} does not begin with "v=TLSRPTv1": "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'rua-missing': {
    severity: 'error',
    why: 'rua is required (RFC 8460 §3); without it there is nowhere to send reports.',
    message: (p: D & { record: string }) => `The TLS-RPT record of ${p.domain} has no rua: "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'rua-scheme': {
    severity: 'error',
    why: 'TLS-RPT reports are delivered only by mailto: or https: (RFC 8460 §3); other destinations get nothing.',
    message: (p: D & { uri: string }) =>
      `The TLS-RPT destination "${p.uri}" of ${p.domain} is neither mailto: nor https:.`,
    fix: (p: D) => `Use rua=${defaultTlsRptRua(p.domain)} or rua=https://<host>/<path>.`,
  },
  'rua-invalid': {
    severity: 'error',
    why: 'A destination that is not a valid address or URL receives no reports.',
    message: (p: D & { uri: string }) =>
      `The TLS-RPT destination "${p.uri}" of ${p.domain} is not a valid URI.`,
    fix: (p: D) => `Use rua=${defaultTlsRptRua(p.domain)}.`,
  },
  'record-syntax': {
    severity: 'error',
    why: 'A malformed record is ignored by senders (RFC 8460 §3).',
    message: (p: D & { problem: string; record: string }) =>
      `The TLS-RPT record of ${p.domain} is malformed (${p.problem}): "${p.record}".`,
    fix: (p: D) => `Publish ${example(p.domain)}.`,
  },
  'unknown-tag': {
    severity: 'warning',
    why: 'Extension tags are allowed (RFC 8460 §3) but none is defined; senders ignore them, and some strict checkers reject the record.',
    message: (p: D & { tag: string }) =>
      `The TLS-RPT record of ${p.domain} has the extension tag "${p.tag}".`,
    fix: () => 'Remove the tag unless a report receiver asked for it.',
  },
  'destination-no-mail': {
    severity: 'warning',
    why: 'Reports mailed to a domain that accepts no mail (no MX or address, or a Null MX) are lost.',
    message: (p: D & { host: string }) =>
      `The TLS-RPT mailto: destination domain ${p.host} does not accept mail.`,
    fix: (p: D & { host: string }) =>
      `Use an address whose domain has MX records, or publish MX records for ${p.host}.`,
  },
});
