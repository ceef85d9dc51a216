/**
 * `mailsec scan export --format gmp-csv`: one stored `check --json` document as a row of
 * Get-Mailprotection's `-CSVExport` (v1.23, ../shared/docs/reference/get-mailprotection.md §3): its
 * 40 columns, names and order, each filled with mailsec's own (better) finding of the same fact, so
 * spreadsheets and SQL made for the predecessor keep working.
 *
 * As `Export-Csv` writes it: every field quoted, arrays joined with spaces, line breaks flattened to
 * spaces, booleans `True` / `False`, CRLF line ends. Where mailsec could not determine a fact
 * (timeout, SERVFAIL, not tested with --no-smtp / --no-http), the cell is **empty**, never `False`
 * or `None` (Get-Mailprotection's `StartTLSSupport = None` without an SMTP connection is its
 * weakness 18). A cell that a spreadsheet would run as a formula (= + - @ first) is prefixed with `'`.
 */
import type { BimiEvidence } from '../checks/bimi/check.ts';
import type { CaaEvidence } from '../checks/caa/check.ts';
import type { DidEvidence } from '../checks/did/check.ts';
import type { DkimEvidence } from '../checks/dkim/check.ts';
import type { DmarcEvidence } from '../checks/dmarc/check.ts';
import type { DnssecEvidence } from '../checks/dnssec/check.ts';
import type { McpEvidence } from '../checks/mcp/check.ts';
import type { EndpointEvidence } from '../checks/microsoft-dns/check.ts';
import type { Microsoft365Evidence } from '../checks/microsoft365/check.ts';
import type { MtaStsEvidence } from '../checks/mta-sts/check.ts';
import type { MxEvidence } from '../checks/mx/check.ts';
import type { NsEvidence } from '../checks/ns/check.ts';
import type { SecurityTxtEvidence } from '../checks/security-txt/check.ts';
import type { SmtpEvidence, SmtpHost } from '../checks/smtp/check.ts';
import type { SpfEvidence } from '../checks/spf/check.ts';
import type { TlsRptEvidence } from '../checks/tls-rpt/check.ts';
import type { Status } from '../core/status.ts';

/** Get-Mailprotection v1.23's properties, in its order (§3). */
export const GMP_COLUMNS = [
  'Domain',
  'NameServer',
  'ZoneDNSSigned',
  'CAA',
  'MXCount',
  'MXRecord',
  'MXIP',
  'MXReverseLookup',
  'StartTLSCount',
  'StartTLSSupport',
  'SMTPBanner',
  'SMTPCertIssuer',
  'SMTPError',
  'SPFAvailable',
  'SPFRecord',
  'SPFLookupCount',
  'DomainKeyAvailable',
  'DomainKeySupport',
  'DomainKeyRecord',
  'DMARCAvailable',
  'DMARCRecord',
  'DMARCAuthorisationRecord',
  'DANECount',
  'DANESupport',
  'DANERecord',
  'BIMIAvailable',
  'BIMIRecord',
  'MTASTSAvailable',
  'MTASTSWeb',
  'TLSRPT',
  'Autodiscover',
  'LyncDiscover',
  'SkypeFederation',
  'M365',
  'TenantID',
  'M365NameSpaceType',
  'M365FederatedAuthURL',
  'SecurityTXT',
  'DID',
  'MCP',
] as const;

export type GmpColumn = (typeof GMP_COLUMNS)[number];

type Cell = string | number | boolean | null | readonly (string | number)[];
type Section<E> = ({ readonly status: Status } & Partial<E>) | undefined;

const section = <E>(doc: Record<string, unknown>, id: string): Section<E> => {
  const s = doc[id];
  return s && typeof s === 'object' && typeof (s as { status?: unknown }).status === 'string'
    ? (s as { status: Status } & Partial<E>)
    : undefined;
};

/** the section ran and said what it found (not skipped, not undetermined) */
const decided = (s: Section<unknown>): boolean => !!s && s.status !== 'skipped' && s.status !== 'error';

/** a boolean fact: true when seen; false only when the section decided; empty (null) otherwise */
const fact = (s: Section<unknown>, seen: boolean): boolean | null =>
  seen ? true : decided(s) ? false : null;

const strip = (name: string) => name.replace(/\.$/, '');
const isIpv4 = (a: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a);

/** the deliverable MX hosts' results, one entry per exchange (several addresses each) */
function byExchange(hosts: readonly SmtpHost[]): Map<string, SmtpHost[]> {
  const out = new Map<string, SmtpHost[]>();
  for (const h of hosts) out.set(h.exchange, [...(out.get(h.exchange) ?? []), h]);
  return out;
}

const roll = (n: number, of: number): string | null =>
  of === 0 ? null : n === of ? 'All' : n > 0 ? 'Some' : 'None';

function verifiedDids(did: Section<DidEvidence>): string[] | null {
  const dids = [
    ...new Set((did?.linkages ?? []).filter((l) => l.verified && l.did !== null).map((l) => l.did as string)),
  ];
  return dids.length ? dids : null;
}

/** The row of one stored document, by column. */
export function gmpValues(doc: Record<string, unknown>): Record<GmpColumn, Cell> {
  const domain = String(doc.domain ?? '');
  const ns = section<NsEvidence>(doc, 'ns');
  const dnssec = section<DnssecEvidence>(doc, 'dnssec');
  const caa = section<CaaEvidence>(doc, 'caa');
  const mx = section<MxEvidence>(doc, 'mx');
  const smtp = section<SmtpEvidence>(doc, 'smtp');
  const spf = section<SpfEvidence>(doc, 'spf');
  const dkim = section<DkimEvidence>(doc, 'dkim');
  const dmarc = section<DmarcEvidence>(doc, 'dmarc');
  const bimi = section<BimiEvidence>(doc, 'bimi');
  const sts = section<MtaStsEvidence>(doc, 'mtaSts');
  const rpt = section<TlsRptEvidence>(doc, 'tlsRpt');
  const auto = section<EndpointEvidence>(doc, 'autodiscover');
  const lync = section<EndpointEvidence>(doc, 'lyncdiscover');
  const sip = section<EndpointEvidence>(doc, 'sipFederation');
  const m365 = section<Microsoft365Evidence>(doc, 'microsoft365');
  const sectxt = section<SecurityTxtEvidence>(doc, 'securityTxt');
  const did = section<DidEvidence>(doc, 'did');
  const mcp = section<McpEvidence>(doc, 'mcp');

  const mxRecords = mx?.records ?? [];
  const nullMx = mxRecords.filter((r) => r.kind === 'null');
  const realMx = mxRecords.filter((r) => r.kind !== 'null');
  const hosts = smtp?.hosts ?? [];
  const exchanges = byExchange(hosts);
  const smtpTested = !!smtp && smtp.starttlsSupport !== 'skipped' && smtp.status !== 'skipped';
  const reached = hosts.filter((h) => h.banner !== null);
  const spfRecords = spf?.records ?? [];
  const selectors = dkim?.selectors ?? [];
  const external = [...(dmarc?.rua ?? []), ...(dmarc?.ruf ?? [])].filter((d) => d.external);
  const withTlsa = [...exchanges.entries()].filter(([, hs]) =>
    hs.some((h) => (h.dane?.records?.length ?? 0) > 0),
  );
  const tlsa = [
    ...new Set(
      hosts.flatMap((h) =>
        (h.dane?.records ?? []).map((r) => `${r.usage} ${r.selector} ${r.matchingType} ${r.data}`),
      ),
    ),
  ];
  const policy = sts?.policy;
  const target = (e: Section<EndpointEvidence>) => e?.target ?? null;
  const error = [...hosts]
    .reverse()
    .find((h) => h.banner !== null && h.outcome === 'refused' && !h.connectionRefused);

  return {
    Domain: domain,
    NameServer: (ns?.hosts ?? []).map((h) => strip(h.name)),
    // a validated chain of trust (mailsec's validating resolver), not the AD bit of one answer
    ZoneDNSSigned: dnssec?.validation ? dnssec.validation === 'secure' : null,
    CAA: (caa?.records ?? []).map((r) => `${r.flags} ${r.tag} "${r.value}"`),
    MXCount: decided(mx) || realMx.length ? realMx.length : null,
    MXRecord: [...nullMx.map(() => 'NullMX'), ...realMx.map((r) => strip(r.exchange))],
    MXIP: [...new Set(realMx.flatMap((r) => r.addresses.filter(isIpv4)))],
    MXReverseLookup: [...new Set(realMx.flatMap((r) => r.ptr.flatMap((p) => p.names.map(strip))))],
    // an MX host counts when STARTTLS completed on one of its addresses (not merely advertised)
    StartTLSCount: smtpTested
      ? [...exchanges.values()].filter((hs) => hs.some((h) => h.starttls === 'yes')).length
      : null,
    StartTLSSupport:
      smtp?.starttlsSupport === 'all'
        ? 'All'
        : smtp?.starttlsSupport === 'some'
          ? 'Some'
          : smtp?.starttlsSupport === 'none'
            ? 'None'
            : null,
    SMTPBanner: reached.map((h) => `220 ${(h.banner ?? '').split(/\r?\n/)[0]}`),
    SMTPCertIssuer: [...new Set(hosts.flatMap((h) => (h.certificate?.issuer ? [h.certificate.issuer] : [])))],
    SMTPError: error ? ((error.banner ?? '').split(/\r?\n/)[0] ?? '') : null,
    SPFAvailable: fact(spf, spfRecords.length > 0),
    SPFRecord: spfRecords.length > 1 ? 'MULTIPLE SPF RECORDS' : (spf?.record ?? null),
    // RFC 7208 §4.6.4, counted properly; 0 without a record or with several (as Get-Mailprotection)
    SPFLookupCount: spf?.record ? (spf.lookups ?? 0) : decided(spf) || spfRecords.length ? 0 : null,
    // a key found under any selector mailsec tried (Get-Mailprotection tried selector1/2 only)
    DomainKeyAvailable: fact(dkim, selectors.length > 0),
    DomainKeySupport: fact(dkim, selectors.length > 0),
    DomainKeyRecord: selectors.map((s) => strip(s.cname ?? `${s.selector}._domainkey.${domain}`)),
    DMARCAvailable: fact(dmarc, !!dmarc?.record || (dmarc?.records?.length ?? 0) > 0),
    DMARCRecord: dmarc?.record ?? dmarc?.records?.at(-1) ?? null,
    // every external rua/ruf destination has its authorisation record (RFC 7489 §7.1); empty when
    // there is none to authorise or a lookup failed
    DMARCAuthorisationRecord: external.some((d) => d.authorised === false)
      ? false
      : external.length && external.every((d) => d.authorised === true)
        ? true
        : null,
    DANECount: smtp ? withTlsa.length : null,
    DANESupport: smtp ? roll(withTlsa.length, exchanges.size) : null,
    DANERecord: tlsa,
    BIMIAvailable: fact(bimi, !!bimi?.record || (bimi?.records?.length ?? 0) > 0),
    BIMIRecord: bimi?.record ?? null,
    MTASTSAvailable: fact(sts, !!sts?.record || (sts?.records?.length ?? 0) > 0),
    MTASTSWeb: policy
      ? [
          'version: STSv1',
          `mode: ${policy.mode}`,
          ...policy.mx.map((m) => `mx: ${m}`),
          `max_age: ${policy.maxAge}`,
        ].join(' ')
      : null,
    TLSRPT: rpt?.record ?? null,
    Autodiscover: target(auto),
    LyncDiscover: target(lync),
    SkypeFederation: target(sip),
    M365: fact(m365, typeof m365?.tenantId === 'string'),
    TenantID: m365?.tenantId ?? null,
    M365NameSpaceType: m365?.namespaceType ?? null,
    M365FederatedAuthURL: m365?.federationUrl ?? null,
    SecurityTXT: fact(sectxt, typeof sectxt?.url === 'string'),
    // only DIDs whose domain linkage verified against their did:web key (Get-Mailprotection showed
    // the JWT's iss unverified: get-mailprotection.md §4 item 30)
    DID: verifiedDids(did),
    MCP: mcp?.description ?? null,
  };
}

/** One field as Export-Csv writes it (quoted), formula-safe. */
function field(v: Cell): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'boolean') s = v ? 'True' : 'False';
  else if (Array.isArray(v)) s = v.join(' ');
  else s = String(v);
  s = s.replace(/[\r\n]+/g, ' ');
  if (/^[=+\-@\t]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** The header line (CRLF-terminated). */
export function gmpHeader(): string {
  return `${GMP_COLUMNS.map((c) => `"${c}"`).join(',')}\r\n`;
}

/** One document's line (CRLF-terminated). */
export function gmpLine(doc: Record<string, unknown>): string {
  const v = gmpValues(doc);
  return `${GMP_COLUMNS.map((c) => field(v[c])).join(',')}\r\n`;
}
