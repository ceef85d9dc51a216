/**
 * DMARC failure reports (RFC 6591 ARF auth-failure, updated by RFC 9991): the fields of the
 * message/feedback-report part, plus a few headers of the original message when they were sent.
 * Pure. Field names are case-insensitive; folded lines are unfolded.
 */
import type { FailureReport, Parsed, Problem, ReportSource } from './normalise.ts';
import { isoTime, keyword, text } from './normalise.ts';

/** "Name: value" fields with RFC 5322 unfolding; names lower-cased, repeated fields kept in order */
export function parseFields(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^([\x21-\x39\x3b-\x7e]+)\s*:\s*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const key = m[1].toLowerCase();
    const list = fields.get(key) ?? [];
    list.push((m[2] ?? '').trim());
    fields.set(key, list);
  }
  return fields;
}

const listOf = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');

export function parseFailureReport(
  feedback: string,
  originalHeaders: string | undefined,
  source: ReportSource,
): Parsed<FailureReport> {
  const f = parseFields(feedback);
  const one = (k: string) => text(f.get(k)?.[0]);
  const feedbackType = keyword(one('feedback-type'));
  if (feedbackType === null) {
    return {
      ok: false,
      problems: [{ code: 'not-arf', text: 'the feedback report has no Feedback-Type field' }],
    };
  }
  if (feedbackType !== 'auth-failure') {
    return {
      ok: false,
      problems: [
        {
          code: 'not-auth-failure',
          text: `an ARF report of type "${feedbackType}", not a DMARC failure report`,
        },
      ],
    };
  }
  const problems: Problem[] = [];
  const authFailure = listOf(one('auth-failure') ?? undefined);
  if (!authFailure.length)
    problems.push({ code: 'auth-failure-missing', text: 'no Auth-Failure field (RFC 9991)' });
  const identityAlignment = listOf(one('identity-alignment') ?? undefined);
  const reportedDomain = one('reported-domain')?.toLowerCase() ?? null;
  if (reportedDomain === null) problems.push({ code: 'reported-domain-missing' });
  const arrival = one('arrival-date');
  const arrivalDate = arrival === null ? null : isoTime(arrival);
  if (arrival !== null && arrivalDate === null)
    problems.push({ code: 'arrival-date-invalid', text: arrival });
  let original: FailureReport['original'] = null;
  if (originalHeaders !== undefined) {
    const h = parseFields(originalHeaders);
    const hv = (k: string) => text(h.get(k)?.[0]);
    original = {
      from: hv('from'),
      to: hv('to'),
      subject: hv('subject'),
      messageId: hv('message-id'),
      date: hv('date'),
    };
  }
  const mailFrom = one('original-mail-from');
  return {
    ok: true,
    value: {
      kind: 'dmarc-failure',
      source,
      feedbackType,
      userAgent: one('user-agent'),
      version: one('version'),
      authFailure,
      identityAlignment,
      reportedDomain,
      sourceIp: one('source-ip'),
      arrivalDate,
      originalMailFrom: mailFrom?.replace(/^<(.*)>$/, '$1') ?? null,
      originalRcptTo: (f.get('original-rcpt-to') ?? [])
        .map((s) => s.replace(/^<(.*)>$/, '$1'))
        .filter((s) => s !== ''),
      originalEnvelopeId: one('original-envelope-id'),
      deliveryResult: keyword(one('delivery-result')),
      authenticationResults: (f.get('authentication-results') ?? []).filter((s) => s !== ''),
      dkimDomain: one('dkim-domain')?.toLowerCase() ?? null,
      dkimIdentity: one('dkim-identity'),
      dkimSelector: one('dkim-selector'),
      original,
      problems,
    },
    problems,
  };
}

/**
 * Exim's DMARC failure report (`dmarc_forensic_sender`): a plain-text mail with no
 * message/feedback-report part, "Sender Domain:", "Sender IP Address:", "Received Date:",
 * "SPF Alignment:", "DKIM Alignment:" and "DMARC Results:" lines, then the original header lines.
 * Read as a `dmarc-failure` report with the problem `plain-text-report`.
 */
export function parseEximFailure(body: string, source: ReportSource): Parsed<FailureReport> {
  const lines = body.split(/\r?\n/);
  const fields = new Map<string, string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m =
      /^\s*(Sender Domain|Sender IP Address|Received Date|SPF Alignment|DKIM Alignment|DMARC Results)\s*:\s*(.*?)\s*$/i.exec(
        line,
      );
    if (m?.[1]) fields.set(m[1].toLowerCase(), m[2] ?? '');
    else if (fields.size && /original|header/i.test(line)) {
      i++;
      break;
    }
  }
  const domain = text(fields.get('sender domain'))?.toLowerCase() ?? null;
  const ip = text(fields.get('sender ip address'));
  if (domain === null && ip === null) {
    return {
      ok: false,
      problems: [{ code: 'not-failure-text', text: 'no "Sender Domain" or "Sender IP Address" line' }],
    };
  }
  const problems: Problem[] = [
    {
      code: 'plain-text-report',
      text: 'a plain-text failure report (Exim) without a message/feedback-report part',
    },
  ];
  const no = (k: string) => /^no$/i.test(fields.get(k) ?? '');
  const authFailure: string[] = ['dmarc'];
  const identityAlignment: string[] = [];
  if (no('spf alignment') && no('dkim alignment')) identityAlignment.push('none');
  else {
    if (!no('dkim alignment') && fields.has('dkim alignment')) identityAlignment.push('dkim');
    if (!no('spf alignment') && fields.has('spf alignment')) identityAlignment.push('spf');
  }
  const received = text(fields.get('received date'));
  const arrivalDate = received === null ? null : isoTime(received);
  if (received !== null && arrivalDate === null)
    problems.push({ code: 'arrival-date-invalid', text: received });
  const headerBlock = lines
    .slice(i)
    .map((l) => l.replace(/^ {1,2}(?=\S)/, ''))
    .join('\n')
    .trim();
  let original: FailureReport['original'] = null;
  if (headerBlock) {
    const h = parseFields(headerBlock);
    const hv = (k: string) => text(h.get(k)?.[0]);
    if (h.size) {
      original = {
        from: hv('from'),
        to: hv('to'),
        subject: hv('subject'),
        messageId: hv('message-id'),
        date: hv('date'),
      };
    }
  }
  const disposition = keyword(fields.get('dmarc results'));
  return {
    ok: true,
    value: {
      kind: 'dmarc-failure',
      source,
      feedbackType: 'auth-failure',
      userAgent: 'Exim',
      version: null,
      authFailure,
      identityAlignment,
      reportedDomain: domain,
      sourceIp: ip,
      arrivalDate,
      originalMailFrom: null,
      originalRcptTo: [],
      originalEnvelopeId: null,
      deliveryResult: disposition,
      authenticationResults: [],
      dkimDomain: null,
      dkimIdentity: null,
      dkimSelector: null,
      original,
      problems,
    },
    problems,
  };
}
