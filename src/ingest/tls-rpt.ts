/**
 * SMTP TLS report JSON (RFC 8460 §4) → the normalised object. Pure. Tolerates Microsoft's
 * `policy-string` sent as one string holding a JSON array, `mx-host` as a string or an array,
 * missing `failure-details`, missing `sending-mta-ip`, `contact-info: null`.
 */
import type { Parsed, Problem, ReportSource, TlsFailure, TlsPolicy, TlsReport } from './normalise.ts';
import { arr, count, isoTime, keyword, text } from './normalise.ts';

/** failure-details kept per policy; more are counted in a problem */
export const MAX_FAILURE_DETAILS = 10_000;

type Node = Record<string, unknown>;
const obj = (v: unknown): Node =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {};

/** a list of strings from an array, a string, or a string that holds a JSON array (Microsoft) */
function strings(v: unknown, problems: Problem[], what: string): string[] {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        const inner: unknown = JSON.parse(t);
        if (Array.isArray(inner)) {
          problems.push({ code: `${what}-json-string`, text: `${what} is a JSON array inside a string` });
          return inner.map((x) => text(x)).filter((x): x is string => x !== null);
        }
      } catch {
        // not JSON: keep it as one line
      }
    }
    return t === '' ? [] : [t];
  }
  return arr(v as unknown[])
    .map((x) => text(x))
    .filter((x): x is string => x !== null);
}

function parseFailure(f: Node): TlsFailure {
  return {
    resultType: keyword(f['result-type']),
    sendingMtaIp: text(f['sending-mta-ip']),
    receivingMxHostname: text(f['receiving-mx-hostname'])?.toLowerCase() ?? null,
    receivingMxHelo: text(f['receiving-mx-helo']),
    receivingIp: text(f['receiving-ip']),
    failedSessions: count(f['failed-session-count']),
    additionalInformation: text(f['additional-information']),
    failureReasonCode: text(f['failure-reason-code']),
  };
}

function parsePolicy(p: Node, i: number, problems: Problem[]): TlsPolicy {
  const policy = obj(p.policy);
  const summary = obj(p.summary);
  const details = arr(p['failure-details'] as unknown[]);
  if (details.length > MAX_FAILURE_DETAILS) {
    problems.push({
      code: 'failure-details-capped',
      text: `policy ${i + 1}: ${details.length} failure details; only the first ${MAX_FAILURE_DETAILS} are listed`,
    });
  }
  const out: TlsPolicy = {
    policyType: keyword(policy['policy-type']),
    policyDomain: text(policy['policy-domain'])?.toLowerCase() ?? null,
    policyString: strings(policy['policy-string'], problems, 'policy-string'),
    mxHost: strings(policy['mx-host'], problems, 'mx-host'),
    successfulSessions: count(summary['total-successful-session-count']),
    failedSessions: count(summary['total-failure-session-count']),
    failures: details.slice(0, MAX_FAILURE_DETAILS).map((f) => parseFailure(obj(f))),
  };
  const missing = (['policyType', 'policyDomain', 'successfulSessions', 'failedSessions'] as const).filter(
    (k) => out[k] === null,
  );
  if (missing.length)
    problems.push({ code: 'policy-incomplete', text: `policy ${i + 1}: no ${missing.join(', ')}` });
  return out;
}

export function parseTlsRpt(json: string, source: ReportSource): Parsed<TlsReport> {
  let doc: unknown;
  try {
    doc = JSON.parse(json.replace(/^\uFEFF/, ''));
  } catch (e) {
    return {
      ok: false,
      problems: [{ code: 'json-syntax', text: `not valid JSON (${(e as Error).message})` }],
    };
  }
  const d = obj(doc);
  if (!('policies' in d) && !('organization-name' in d) && !('report-id' in d)) {
    return {
      ok: false,
      problems: [
        {
          code: 'not-tls-rpt',
          text: 'JSON, but not an SMTP TLS report (no organization-name, report-id or policies)',
        },
      ],
    };
  }
  const problems: Problem[] = [];
  const range = obj(d['date-range']);
  const begin = isoTime(text(range['start-datetime']));
  const end = isoTime(text(range['end-datetime']));
  if (begin === null || end === null)
    problems.push({ code: 'date-range-invalid', text: 'date-range unreadable or missing' });
  const organizationName = text(d['organization-name']);
  if (organizationName === null) problems.push({ code: 'organization-name-missing' });
  const reportId = text(d['report-id']);
  if (reportId === null) problems.push({ code: 'report-id-missing' });
  if (!Array.isArray(d.policies)) problems.push({ code: 'policies-missing', text: 'no policies array' });
  const policies = arr(d.policies as unknown[]).map((p, i) => parsePolicy(obj(p), i, problems));
  return {
    ok: true,
    value: {
      kind: 'tls-rpt',
      source,
      organizationName,
      contactInfo: text(d['contact-info']),
      reportId,
      begin,
      end,
      policies,
      problems,
    },
    problems,
  };
}
