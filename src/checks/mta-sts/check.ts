import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import { statusFrom } from '../../core/status.ts';
import type { SmtpHost } from '../smtp/check.ts';
import { mtaStsFindings as F } from './findings.ts';
import type { MtaStsGathered } from './gather.ts';
import { policyUrl } from './gather.ts';
import { isMtaStsRecord, looksLikeMtaSts, parseMtaStsTxt } from './parse.ts';
import { mxMatches, parseMtaStsPolicy } from './policy.ts';

export interface MtaStsPolicy {
  readonly mode: 'enforce' | 'testing' | 'none';
  readonly mx: string[];
  readonly maxAge: number;
}

export interface MtaStsEvidence {
  /** the record when exactly one MTA-STS record exists, else null */
  readonly record: string | null;
  readonly records: readonly string[];
  readonly id: string | null;
  /** the policy from https://mta-sts.<domain>/.well-known/mta-sts.txt; null while not fetched */
  readonly policy: MtaStsPolicy | null;
  readonly mxMatch: { exchange: string; matched: boolean; certificateOk: boolean | null }[];
  /** whether the policy file was fetched (false with --no-http or without a TXT record) */
  readonly policyFetched: boolean;
  /** the policy URL, when fetched */
  readonly policyUrl: string | null;
  /** the HTTP status of the policy fetch (null: no response) */
  readonly httpStatus: number | null;
  /** Location of a redirect (never followed, RFC 8461 §3.3) */
  readonly location: string | null;
  /** whether mode: enforce would deliver mail today (null: unknown or no policy) */
  readonly enforceReady: boolean | null;
}

export type MtaStsResult = CheckResult<MtaStsEvidence>;

/** Judges the `_mta-sts` TXT record (RFC 8461 §3.1). */
export function checkMtaStsTxt(g: MtaStsGathered): MtaStsResult {
  const { domain } = g;
  const findings: Finding[] = [];
  const sts = g.records.filter(isMtaStsRecord);
  for (const r of g.records.filter(looksLikeMtaSts))
    findings.push(F.make('version-invalid', { domain, record: r }));
  let id: string | null = null;
  if (sts.length > 1) {
    findings.push(
      F.make('multiple-records', { domain, count: sts.length, records: sts.map((r) => `"${r}"`).join(', ') }),
    );
  } else if (sts.length === 1) {
    const record = sts[0]!;
    const r = parseMtaStsTxt(record);
    if (r.ok) id = r.value.id;
    for (const p of r.problems) {
      if (p.code === 'id-missing') findings.push(F.make('id-missing', { domain, record }));
      else if (p.code === 'id-invalid') findings.push(F.make('id-invalid', { domain, id: p.text ?? '' }));
      else {
        const problem = `${p.code}${p.text ? ` "${p.text}"` : ''}${p.at !== undefined ? ` at offset ${p.at}` : ''}`;
        findings.push(F.make('record-syntax', { domain, problem, record }));
      }
    }
  }
  let deployed: boolean | 'unknown' = sts.length > 0 || findings.length > 0;
  if (g.outcome === 'error') {
    deployed = 'unknown';
    findings.push(undetermined('mtaSts', g.reason ?? 'lookup failed'));
  } else if (!deployed) findings.push(F.make('not-found', { domain }));
  const evidence: MtaStsEvidence = {
    record: sts.length === 1 ? sts[0]! : null,
    records: sts,
    id,
    policy: null,
    mxMatch: [],
    policyFetched: false,
    policyUrl: null,
    httpStatus: null,
    location: null,
    enforceReady: null,
  };
  return { check: 'mtaSts', status: statusFrom(deployed, findings), evidence, findings };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Whether the MX's certificate passes RFC 8461 §4.2 as the smtp check saw it; null: not probed. */
export function mxCertificate(
  exchange: string,
  hosts: readonly SmtpHost[] | null | undefined,
): { ok: boolean | null; reason: string } {
  const name = exchange.toLowerCase().replace(/\.$/, '');
  const mine = (hosts ?? []).filter((h) => h.exchange.toLowerCase().replace(/\.$/, '') === name);
  const decided = mine.filter((h) =>
    ['ok', 'no-starttls', 'starttls-refused', 'handshake-failed'].includes(h.outcome),
  );
  if (!decided.length) return { ok: null, reason: 'not probed' };
  for (const h of decided) {
    if (h.outcome !== 'ok') return { ok: false, reason: `${h.address}: ${h.outcome}` };
    const c = h.certificate;
    if (!c) return { ok: false, reason: `${h.address}: no certificate` };
    if (!c.trusted)
      return { ok: false, reason: `${h.address}: untrusted (${c.trustError ?? 'not PKIX-valid'})` };
    // RFC 8461 §4.2: the certificate must name the MX host (a DNS-ID). The smtp check's nameMatch
    // is against the SNI it sent, which with DANE may be the CNAME-expanded TLSA base instead.
    if (h.sni && h.sni.toLowerCase().replace(/\.$/, '') !== name) {
      const dnsIds = c.sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
      if (!dnsIds.some((p) => mxMatches(p, name)))
        return {
          ok: false,
          reason: `${h.address}: the certificate does not name ${name} (${dnsIds.join(', ') || 'no DNS names'})`,
        };
    } else if (!c.nameMatch) return { ok: false, reason: `${h.address}: ${c.nameError ?? 'name mismatch'}` };
    const v = h.tls?.version;
    if (v === 'TLSv1' || v === 'TLSv1.1')
      return { ok: false, reason: `${h.address}: ${v} (RFC 8461 needs TLS 1.2+)` };
  }
  return { ok: true, reason: '' };
}

/** RFC 8461: the TXT record, then the policy file (§3.2–3.3), MX patterns (§4.1) and certificates (§4.2). */
export function checkMtaSts(g: MtaStsGathered): MtaStsResult {
  const base = checkMtaStsTxt(g);
  const { domain } = g;
  const findings: Finding[] = [...base.findings];
  const evidence: Mutable<MtaStsEvidence> = { ...base.evidence };
  const p = g.policy;
  if (!p || 'skipped' in p) {
    if (p?.skipped === 'no-http' && base.evidence.id) findings.push(F.make('policy-not-fetched', { domain }));
    return { ...base, findings, evidence };
  }
  const r = p.response;
  const url = policyUrl(domain);
  evidence.policyUrl = url;
  evidence.httpStatus = r.status;
  evidence.location = r.location;
  let deployed: boolean | 'unknown' = true;
  const reason = `${r.outcome}${r.error ? ` (${r.error})` : ''}`;
  if (r.outcome === 'certificate')
    findings.push(F.make('policy-certificate', { domain, reason: r.error ?? 'invalid' }));
  else if (r.outcome === 'too-large')
    findings.push(F.make('policy-too-large', { domain, url, reason: r.error ?? '' }));
  else if (r.outcome === 'dns-error' || r.outcome === 'timeout' || r.outcome === 'unreachable') {
    deployed = 'unknown';
    findings.push(undetermined('mtaSts', `the policy ${url} could not be fetched: ${reason}`));
  } else if (r.outcome !== 'ok') findings.push(F.make('policy-unreachable', { domain, url, reason }));
  else if (r.status !== null && r.status >= 300 && r.status < 400)
    findings.push(
      F.make('policy-redirect', { domain, url, status: r.status, location: r.location ?? '(none)' }),
    );
  else if (r.status !== null && (r.status >= 500 || r.status === 429)) {
    // the web server failed (or is busy): the policy could not be fetched now, a later fetch may
    // deliver it — could not test, never "no policy" (the TXT record still counts)
    deployed = 'unknown';
    findings.push(undetermined('mtaSts', `the policy ${url} could not be fetched: HTTP ${r.status}`));
  } else if (r.status !== 200) findings.push(F.make('policy-status', { domain, url, status: r.status ?? 0 }));
  else {
    evidence.policyFetched = true;
    if (r.mediaType !== 'text/plain')
      findings.push(F.make('policy-media-type', { domain, mediaType: r.mediaType ?? '(none)' }));
    const parsed = parseMtaStsPolicy((r.body ?? Buffer.alloc(0)).toString('utf8'));
    for (const pr of parsed.problems) {
      if (pr.code === 'duplicate-key')
        findings.push(F.make('policy-duplicate-key', { domain, key: pr.text ?? '' }));
      else if (pr.code === 'unknown-key')
        findings.push(F.make('policy-unknown-key', { domain, key: pr.text ?? '' }));
      else if (pr.code === 'lf-only') findings.push(F.make('policy-lf-only', { domain }));
      else
        findings.push(
          F.make('policy-syntax', { domain, problem: `${pr.code}${pr.text ? ` "${pr.text}"` : ''}` }),
        );
    }
    if (parsed.ok) {
      const policy = parsed.value;
      evidence.policy = { mode: policy.mode, mx: policy.mx, maxAge: policy.maxAge };
      if (policy.maxAge < 86_400) findings.push(F.make('max-age-short', { domain, maxAge: policy.maxAge }));
      else if (policy.maxAge < 604_800)
        findings.push(F.make('max-age-under-week', { domain, maxAge: policy.maxAge }));
      if (policy.mode === 'none') findings.push(F.make('mode-none', { domain }));
      if (policy.mode === 'testing') findings.push(F.make('mode-testing', { domain }));
      const patterns = policy.mx.join(', ') || '(none)';
      const mxs = g.mx ?? [];
      const failing: string[] = [];
      const unknown: string[] = [];
      evidence.mxMatch = mxs.map((exchange) => {
        const matched = policy.mx.some((pat) => mxMatches(pat, exchange));
        const cert = mxCertificate(exchange, g.smtpHosts);
        if (!matched) {
          failing.push(`${exchange} matches no pattern`);
          if (policy.mode === 'enforce')
            findings.push(F.make('mx-not-covered', { domain, exchange, mode: policy.mode, patterns }));
          else if (policy.mode === 'testing')
            findings.push(F.make('mx-not-covered-testing', { domain, exchange, patterns }));
        }
        if (cert.ok === false) {
          failing.push(`${exchange} certificate: ${cert.reason}`);
          if (policy.mode === 'enforce')
            findings.push(F.make('mx-certificate', { domain, exchange, reason: cert.reason }));
          else if (policy.mode === 'testing')
            findings.push(F.make('mx-certificate-testing', { domain, exchange, reason: cert.reason }));
        } else if (cert.ok === null && matched) unknown.push(exchange);
        return { exchange, matched, certificateOk: cert.ok };
      });
      for (const pat of policy.mx)
        if (mxs.length && !mxs.some((m) => mxMatches(pat, m)))
          findings.push(F.make('pattern-unused', { domain, pattern: pat }));
      if (failing.length) {
        evidence.enforceReady = false;
        if (policy.mode !== 'enforce')
          findings.push(F.make('enforce-would-fail', { domain, hosts: failing.join('; ') }));
      } else if (unknown.length)
        findings.push(F.make('enforce-unknown', { domain, hosts: unknown.join(', ') }));
      else if (mxs.length) {
        evidence.enforceReady = true;
        findings.push(F.make('enforce-ready', { domain, count: mxs.length }));
      }
    }
  }
  if (g.tlsRptStatus === 'absent') findings.push(F.make('no-tlsrpt', { domain }));
  if (base.status === 'error') deployed = 'unknown';
  return { ...base, evidence, findings, status: statusFrom(deployed, findings) };
}
