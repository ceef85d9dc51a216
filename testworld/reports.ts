/**
 * Generated feedback reports for tests and benchmarks (no third-party sample is copied in):
 * DMARC aggregate XML (RFC 7489 App. C), SMTP TLS reports (RFC 8460), ARF failure reports
 * (RFC 6591), the mails that carry them (gzip / zip / plain attachments, Microsoft's unwrapped
 * base64 lines) and mboxes. Deterministic: the same arguments give the same bytes.
 */
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';

export interface GenRecord {
  readonly ip: string;
  readonly count: number;
  readonly disposition?: 'none' | 'quarantine' | 'reject';
  /** policy-evaluated (aligned) results */
  readonly dkim?: 'pass' | 'fail';
  readonly spf?: 'pass' | 'fail';
  readonly headerFrom?: string;
  readonly envelopeFrom?: string;
  /** auth_results */
  readonly dkimAuth?: { domain: string; result: string; selector?: string }[];
  readonly spfAuth?: { domain: string; result: string }[];
  readonly reasons?: { type: string; comment?: string }[];
}

export interface GenAggregate {
  readonly org: string;
  readonly email?: string;
  readonly reportId: string;
  readonly domain: string;
  /** epoch seconds */
  readonly begin: number;
  readonly end?: number;
  readonly p?: string;
  readonly records: readonly GenRecord[] | number;
}

/** the i-th generated record of a report (varied sources and results) */
export function genRecord(i: number, domain: string): GenRecord {
  const pass = i % 10 !== 0;
  return {
    ip: `198.51.${(i >> 8) & 255}.${i & 255}`,
    count: 1 + (i % 7),
    disposition: pass ? 'none' : 'quarantine',
    dkim: pass ? 'pass' : 'fail',
    spf: i % 3 === 0 ? 'fail' : 'pass',
    headerFrom: domain,
    envelopeFrom: domain,
    dkimAuth: [{ domain, result: pass ? 'pass' : 'fail', selector: 's1' }],
    spfAuth: [{ domain, result: i % 3 === 0 ? 'softfail' : 'pass' }],
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function recordXml(r: GenRecord): string {
  const dkimAuth = (r.dkimAuth ?? [])
    .map(
      (d) =>
        `<dkim><domain>${d.domain}</domain>${d.selector ? `<selector>${d.selector}</selector>` : ''}<result>${d.result}</result></dkim>`,
    )
    .join('');
  const spfAuth = (r.spfAuth ?? [])
    .map((s) => `<spf><domain>${s.domain}</domain><result>${s.result}</result></spf>`)
    .join('');
  const reasons = (r.reasons ?? [])
    .map(
      (x) =>
        `<reason><type>${x.type}</type>${x.comment ? `<comment>${esc(x.comment)}</comment>` : ''}</reason>`,
    )
    .join('');
  return `  <record>
    <row><source_ip>${r.ip}</source_ip><count>${r.count}</count><policy_evaluated><disposition>${r.disposition ?? 'none'}</disposition><dkim>${r.dkim ?? 'pass'}</dkim><spf>${r.spf ?? 'pass'}</spf>${reasons}</policy_evaluated></row>
    <identifiers><header_from>${r.headerFrom ?? 'example.com'}</header_from>${r.envelopeFrom ? `<envelope_from>${r.envelopeFrom}</envelope_from>` : ''}</identifiers>
    <auth_results>${dkimAuth}${spfAuth}</auth_results>
  </record>
`;
}

/** An aggregate report's XML; `records` may be a count (generated with `genRecord`). */
export function aggregateXml(g: GenAggregate): string {
  const records =
    typeof g.records === 'number'
      ? Array.from({ length: g.records }, (_, i) => recordXml(genRecord(i, g.domain))).join('')
      : g.records.map(recordXml).join('');
  return `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <version>1.0</version>
  <report_metadata>
    <org_name>${esc(g.org)}</org_name>
    <email>${esc(g.email ?? `noreply-dmarc@${g.org}`)}</email>
    <report_id>${esc(g.reportId)}</report_id>
    <date_range><begin>${g.begin}</begin><end>${g.end ?? g.begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${g.domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${g.p ?? 'none'}</p><sp>none</sp><pct>100</pct></policy_published>
${records}</feedback>
`;
}

/** Streams the XML of a huge report in pieces (a million records never becomes one string). */
export function* aggregateXmlChunks(
  g: GenAggregate & { records: number },
  perChunk = 10_000,
): Generator<string> {
  const whole = aggregateXml({ ...g, records: [] });
  const cut = whole.lastIndexOf('</feedback>');
  yield whole.slice(0, cut);
  for (let i = 0; i < g.records; i += perChunk) {
    let s = '';
    for (let j = i; j < Math.min(g.records, i + perChunk); j++) s += recordXml(genRecord(j, g.domain));
    yield s;
  }
  yield whole.slice(cut);
}

export interface GenTls {
  readonly org: string;
  readonly reportId: string;
  readonly domain: string;
  readonly begin: number;
  readonly successful: number;
  readonly failures: readonly { type: string; mx: string; count: number; ip?: string }[];
}

export function tlsJson(g: GenTls): string {
  const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  return JSON.stringify({
    'organization-name': g.org,
    'date-range': { 'start-datetime': iso(g.begin), 'end-datetime': iso(g.begin + 86_399) },
    'contact-info': `tlsrpt@${g.org}`,
    'report-id': g.reportId,
    policies: [
      {
        policy: {
          'policy-type': 'sts',
          'policy-string': ['version: STSv1', 'mode: enforce', `mx: mx.${g.domain}`],
          'policy-domain': g.domain,
          'mx-host': [`mx.${g.domain}`],
        },
        summary: {
          'total-successful-session-count': g.successful,
          'total-failure-session-count': g.failures.reduce((n, f) => n + f.count, 0),
        },
        'failure-details': g.failures.map((f) => ({
          'result-type': f.type,
          'sending-mta-ip': f.ip ?? '203.0.113.5',
          'receiving-mx-hostname': f.mx,
          'failed-session-count': f.count,
        })),
      },
    ],
  });
}

export interface GenFailure {
  readonly domain: string;
  readonly ip: string;
  readonly messageId: string;
  readonly arrival: string;
  /** the message/rfc822 part inline (not an attachment) */
  readonly inline?: boolean;
}

/** An ARF (RFC 6591) DMARC failure report mail. */
export function failureMail(g: GenFailure): string {
  return [
    `From: dmarc-failures@receiver.example`,
    `To: ruf@${g.domain}`,
    `Subject: DMARC failure report for ${g.domain}`,
    `Message-ID: <${g.messageId}>`,
    `Date: ${g.arrival}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
    '',
    '--arf',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an authentication failure report.',
    '--arf',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: auth-failure',
    'User-Agent: mailsec-testworld/1.0',
    'Version: 1',
    'Auth-Failure: dmarc',
    `Source-IP: ${g.ip}`,
    `Reported-Domain: ${g.domain}`,
    `Arrival-Date: ${g.arrival}`,
    '--arf',
    `Content-Type: message/rfc822${g.inline ? '\r\nContent-Disposition: inline' : ''}`,
    '',
    `From: ceo@${g.domain}`,
    `Subject: invoice ${g.messageId}`,
    `Message-ID: <orig-${g.messageId}>`,
    '',
    'body',
    '--arf--',
    '',
  ].join('\r\n');
}

export interface GenMail {
  readonly messageId: string;
  readonly subject?: string;
  readonly attachment: Uint8Array;
  readonly name: string;
  readonly type: string;
  /** base64 line length; 0: one line (Microsoft) */
  readonly lineLength?: number;
}

/** A report mail with one base64 attachment. */
export function reportMail(g: GenMail): string {
  const b64 = Buffer.from(g.attachment).toString('base64');
  const n = g.lineLength ?? 76;
  const lines = n ? (b64.match(new RegExp(`.{1,${n}}`, 'g')) ?? []) : [b64];
  return [
    'From: noreply-dmarc@receiver.example',
    'To: rua@example.com',
    `Subject: ${g.subject ?? `Report ${g.messageId}`}`,
    `Message-ID: <${g.messageId}>`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="rep"',
    '',
    '--rep',
    'Content-Type: text/plain',
    '',
    'A report.',
    '--rep',
    `Content-Type: ${g.type}; name="${g.name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${g.name}"`,
    '',
    ...lines,
    '--rep--',
    '',
  ].join('\r\n');
}

/** The n-th of a varied set of report mails: aggregate as .xml.gz, .zip or .xml, TLS-RPT .json.gz, ARF failure. */
export function variedReportMail(n: number, domain = 'example.com', begin = 1_764_547_200): string {
  const id = `gen-${n}@receiver.example`;
  const agg = () =>
    aggregateXml({
      org: `receiver${n % 5}.example`,
      reportId: `r${n}`,
      domain,
      begin: begin + (n % 30) * 86_400,
      records: 3 + (n % 5),
    });
  switch (n % 6) {
    case 0:
      return reportMail({
        messageId: id,
        attachment: gzipSync(agg()),
        name: `r${n}.xml.gz`,
        type: 'application/gzip',
      });
    case 1:
      return reportMail({
        messageId: id,
        attachment: zipSync({ [`r${n}.xml`]: Buffer.from(agg()) }),
        name: `r${n}.zip`,
        type: 'application/zip',
      });
    case 2:
      // Microsoft: the whole base64 on one line
      return reportMail({
        messageId: id,
        attachment: gzipSync(agg()),
        name: `r${n}.xml.gz`,
        type: 'application/gzip',
        lineLength: 0,
      });
    case 3:
      return reportMail({
        messageId: id,
        attachment: gzipSync(
          tlsJson({
            org: `tls${n % 3}.example`,
            reportId: `t${n}`,
            domain,
            begin: begin + (n % 30) * 86_400,
            successful: 100 + n,
            failures: n % 2 ? [{ type: 'certificate-expired', mx: `mx.${domain}`, count: 2 }] : [],
          }),
        ),
        name: `t${n}.json.gz`,
        type: 'application/tlsrpt+gzip',
      });
    case 4:
      return failureMail({
        domain,
        ip: `203.0.113.${n % 250}`,
        messageId: id,
        arrival: 'Tue, 01 Dec 2026 10:00:00 +0000',
        inline: n % 12 === 4,
      });
    default:
      return reportMail({
        messageId: id,
        attachment: Buffer.from(agg()),
        name: `r${n}.xml`,
        type: 'text/xml',
      });
  }
}

/** A plain mail that holds no report. */
export function plainMail(messageId: string): string {
  return `From: someone@example.net\r\nTo: rua@example.com\r\nSubject: hello\r\nMessage-ID: <${messageId}>\r\n\r\nnot a report\r\n`;
}

/** An mbox of mails (LF line ends, "From " lines escaped in bodies). */
export function mbox(mails: Iterable<string>): string {
  const out: string[] = [];
  for (const m of mails) {
    out.push(
      `From mailsec@testworld Tue Dec  1 10:00:00 2026\n${m.replace(/\r\n/g, '\n').replace(/^From /gm, '>From ')}\n`,
    );
  }
  return out.join('');
}
