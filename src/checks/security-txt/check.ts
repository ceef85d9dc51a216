import type { Finding } from '../../core/finding.ts';
import { DNS_FAILURE_FIX, undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { HttpResponse } from '../../net/https.ts';
import { securityTxtFindings as F } from './findings.ts';
import type { SecurityTxtGathered } from './gather.ts';
import { SECURITY_TXT_MAX_BYTES, usable } from './gather.ts';
import { parseExpires, parseSecurityTxt } from './parse.ts';

export interface SecurityTxtEvidence {
  /** the URL the file was read from (after redirects), null when none was found */
  readonly url: string | null;
  readonly contact: string[];
  /** Expires as written */
  readonly expires: string | null;
  /** OpenPGP cleartext signature framing present (the signature is not verified) */
  readonly signed: boolean;
  readonly canonical: string[];
  /** found only at the legacy /security.txt */
  readonly legacy: boolean;
  /** the HTTP status of the well-known URL (null: no response, or not fetched) */
  readonly httpStatus: number | null;
}

export type SecurityTxtResult = CheckResult<SecurityTxtEvidence>;

/** RFC 9116 §2.5.5: "less than a year into the future": one calendar year from now */
const aYearFrom = (now: Date) => {
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.getTime();
};
const LINE_CODES = new Set(['prec_ws', 'no_space', 'empty_value', 'invalid_line']);

function normaliseUri(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return uri;
  }
}

function empty(httpStatus: number | null): SecurityTxtEvidence {
  return { url: null, contact: [], expires: null, signed: false, canonical: [], legacy: false, httpStatus };
}

/** The advice for a fetch that could not tell whether a file is there, matching how it failed. */
function undeterminedFix(r: HttpResponse, url: string): string {
  if (r.outcome === 'dns-error') return DNS_FAILURE_FIX;
  const host = new URL(url).host;
  if (r.outcome === 'ok' && r.status !== null && r.status >= 500)
    return `The web server of ${host} answered HTTP ${r.status} (a server error): fix it (its error log tells why), then run the check again.`;
  if (r.outcome === 'timeout')
    return `The web server of ${host}${r.address ? ` (${r.address})` : ''} did not answer in time: check that it accepts HTTPS on port 443, then run the check again (with a longer HTTP timeout if it is slow).`;
  if (r.outcome === 'unreachable')
    return `There is no route from this machine to ${r.address ?? host}: run the check again from a network that reaches it.`;
  return `The connection to the web server of ${host} failed (${r.error ?? r.outcome}): check the server and its TLS set-up, then run the check again.`;
}

/** RFC 9116: location, transport, fields, signature framing. */
export function checkSecurityTxt(g: SecurityTxtGathered, now: Date): SecurityTxtResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const result = (
    deployed: boolean | 'unknown' | 'skipped',
    evidence: SecurityTxtEvidence,
  ): SecurityTxtResult => ({
    check: 'securityTxt',
    status: statusFrom(deployed, findings),
    evidence,
    findings,
  });
  if (!g.wellKnown) return result('skipped', empty(null));
  const wk = g.wellKnown.responses.at(-1)!;
  const httpStatus = g.wellKnown.responses[0]?.status ?? null;
  // the well-known location could not be read (a 5xx, or a text body over the cap): a file found
  // at the legacy location does not show that the well-known one is missing
  const wkUnread =
    (wk.outcome === 'ok' && wk.status !== null && wk.status >= 500) ||
    (wk.outcome === 'too-large' && wk.mediaType !== 'text/html');
  let found: HttpResponse | undefined;
  let legacy = false;
  if (usable(wk)) found = wk;
  else if (g.legacy && usable(g.legacy.responses.at(-1))) {
    found = g.legacy.responses.at(-1)!;
    legacy = true;
  }
  if (!found) {
    const url = g.wellKnown.url;
    const reason = `${wk.outcome}${wk.error ? `: ${wk.error}` : ''}`;
    // could not test (never "absent"): DNS failure, timeout, connection reset, a 5xx; each with
    // the advice that matches the failure
    const serverError = wk.outcome === 'ok' && wk.status !== null && wk.status >= 500;
    if (
      wk.outcome === 'dns-error' ||
      wk.outcome === 'timeout' ||
      wk.outcome === 'reset' ||
      wk.outcome === 'unreachable' ||
      wk.outcome === 'error' ||
      serverError
    ) {
      const why = serverError ? `HTTP ${wk.status}` : reason;
      findings.push(undetermined('securityTxt', `${url}: ${why}`, undeterminedFix(wk, url)));
      return result('unknown', empty(httpStatus));
    }
    // interface.md: no web server (the connection to port 443 refused, or no address) is absent,
    // with that reason
    if (wk.outcome === 'refused') {
      const at = wk.address ? ` at ${wk.address}` : '';
      findings.push(
        F.make('not-found', {
          domain,
          url,
          reason: `no web server: the connection to port 443${at} was refused`,
        }),
      );
      return result(false, empty(httpStatus));
    }
    // a body over the cap was not read: unless it is an HTML page, a file may well be there
    if (wk.outcome === 'too-large' && wk.mediaType !== 'text/html') {
      findings.push(
        undetermined(
          'securityTxt',
          `${wk.url}: ${reason}, not read`,
          `Serve a security.txt smaller than ${SECURITY_TXT_MAX_BYTES / 1024} KiB at ${wk.url}.`,
        ),
      );
      return result('unknown', empty(httpStatus));
    }
    if (wk.outcome === 'refused-address') {
      findings.push(F.make('not-fetched', { domain, url, reason: wk.error ?? 'address not allowed' }));
      return result('skipped', empty(httpStatus));
    }
    if (wk.outcome === 'certificate') {
      // nothing was requested, so whether a file is there is unknown: not "deployed" (which would
      // count every host with a hoster's default certificate as having a security.txt)
      findings.push(F.make('invalid-cert', { domain, url, reason: wk.error ?? 'invalid' }));
      findings.push(
        undetermined(
          'securityTxt',
          `${url}: the certificate is not valid, so nothing was fetched`,
          `Install a certificate from a public CA naming ${domain}, then run the check again.`,
        ),
      );
      return result('unknown', empty(httpStatus));
    }
    if (wk.outcome === 'ok' && wk.status === 200)
      findings.push(F.make('soft-404', { domain, url: wk.url, mediaType: wk.mediaType ?? 'no media type' }));
    else
      findings.push(
        F.make('not-found', { domain, url, reason: wk.outcome === 'ok' ? `HTTP ${wk.status}` : reason }),
      );
    return result(false, empty(httpStatus));
  }
  const url = found.url;
  const u = { domain, url };
  if (legacy && wkUnread) {
    const reason =
      wk.outcome === 'ok' ? `HTTP ${wk.status}` : `${wk.outcome}${wk.error ? `: ${wk.error}` : ''}`;
    findings.push(undetermined('securityTxt', `${g.wellKnown.url} could not be read (${reason})`));
  } else if (legacy) findings.push(F.make('location', u));
  if (!found.mediaType) findings.push(F.make('no-content-type', u));
  else if (found.mediaType !== 'text/plain')
    findings.push(F.make('invalid-media', { ...u, mediaType: found.mediaType }));
  if (found.charset && found.charset !== 'utf-8')
    findings.push(F.make('invalid-charset', { ...u, charset: found.charset }));
  const parsed = parseSecurityTxt(found.body!.toString('utf8'));
  for (const p of parsed.problems) {
    if (LINE_CODES.has(p.code))
      findings.push(F.make('line-format', { ...u, code: p.code, text: p.text ?? '', line: p.at ?? 0 }));
    else if (p.code === 'unknown_field') findings.push(F.make('unknown-field', { ...u, name: p.text ?? '' }));
    else if (p.code === 'no_uri') findings.push(F.make('no-uri', { ...u, text: p.text ?? '' }));
    else if (p.code === 'no_https') findings.push(F.make('no-https', { ...u, text: p.text ?? '' }));
    else if (p.code === 'bom_in_file') findings.push(F.make('bom-in-file', u));
    else if (p.code === 'no_line_separators') findings.push(F.make('no-line-separators', u));
    else if (p.code === 'signed_format_issue') findings.push(F.make('signed-format-issue', u));
    else if (p.code === 'data_after_sig') findings.push(F.make('data-after-sig', u));
  }
  const values = (name: string) => parsed.fields.filter((f) => f.name === name).map((f) => f.value);
  const contact = values('contact');
  const expiresAll = values('expires');
  const canonical = values('canonical');
  if (!contact.length) findings.push(F.make('no-contact', u));
  if (!expiresAll.length) findings.push(F.make('no-expire', u));
  else if (expiresAll.length > 1) findings.push(F.make('multi-expire', { ...u, count: expiresAll.length }));
  const expires = expiresAll[0] ?? null;
  if (expires !== null) {
    const d = parseExpires(expires);
    if (!d) findings.push(F.make('invalid-expiry', { ...u, value: expires }));
    else if (d.getTime() < now.getTime()) findings.push(F.make('expired', { ...u, expires }));
    else if (d.getTime() > aYearFrom(now)) findings.push(F.make('long-expiry', { ...u, expires }));
  }
  // RFC 9116 §2.5.2: the URI used to retrieve the file must be listed. URIs are compared as URIs
  // (host case, IDN A-/U-labels, default port), and either the URI asked or, after a redirect,
  // the one that answered counts.
  const retrievedBy = new Set([url, legacy ? g.legacy!.url : g.wellKnown.url].map(normaliseUri));
  if (canonical.length && !canonical.some((c) => retrievedBy.has(normaliseUri(c))))
    findings.push(F.make('no-canonical-match', { ...u, canonical: canonical.join(', ') }));
  if (values('preferred-languages').length > 1) findings.push(F.make('multi-lang', u));
  if (parsed.signed && !canonical.length) findings.push(F.make('no-canonical', u));
  if (!parsed.signed) findings.push(F.make('not-signed', u));
  if (contact.some((c) => c.toLowerCase().startsWith('mailto:')) && !values('encryption').length)
    findings.push(F.make('no-encryption', u));
  return result(legacy && wkUnread ? 'unknown' : true, {
    url,
    contact,
    expires,
    signed: parsed.signed,
    canonical,
    legacy,
    httpStatus,
  });
}
