import { X509Certificate } from 'node:crypto';
import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import type { CheckResult } from '../../core/result.ts';
import type { Status } from '../../core/status.ts';
import { statusFrom } from '../../core/status.ts';
import type { SmtpOutcome } from '../../net/smtp.ts';
import type { CertificateInfo } from '../../net/tls-info.ts';
import { certificateNames } from '../../protocol/certificate.ts';
import { type DaneStatus, matchDane, nameMatches, type TlsaView, tlsaProblem } from './dane.ts';
import { smtpFindings } from './findings.ts';
import { MAX_PROBED_HOSTS, type SmtpGathered, type SmtpHostGathered, type TlsaLookup } from './gather.ts';

export type Starttls = 'yes' | 'no' | 'error' | 'skipped';
export type StarttlsSupport = 'all' | 'some' | 'none' | 'error' | 'skipped';

export interface SmtpCertificate {
  subject: string;
  sans: string[];
  issuer: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  keyBits: number | null;
  sha256: string;
  spkiSha256: string;
  trusted: boolean;
  nameMatch: boolean;
  trustError: string | null;
  nameError: string | null;
}

export interface SmtpHost {
  exchange: string;
  address: string;
  /** the SNI name sent (the TLSA base domain when DANE applies) */
  sni: string;
  outcome: SmtpOutcome;
  starttls: Starttls;
  /** outcome refused because the TCP connection itself was refused (nothing listens on port 25) */
  connectionRefused: boolean;
  banner: string | null;
  ehlo: string[];
  starttlsReply: string | null;
  tls: { version: string | null; cipher: string | null } | null;
  certificate: SmtpCertificate | null;
  /** the chain as presented, leaf first (DER base64 for independent verifiers) */
  chain: {
    subject: string;
    issuer: string;
    sha256: string;
    spkiSha256: string;
    presented: boolean;
    der: string;
  }[];
  dane: {
    status: DaneStatus;
    /** the TLSA base domain */
    base: string;
    /** how the TLSA lookup ended */
    dnssec: 'secure' | 'insecure' | 'error' | 'unvalidated';
    records: TlsaView[];
    usable: number;
  };
  error: string | null;
  elapsedMs: number | null;
}

export interface SmtpEvidence {
  hosts: SmtpHost[];
  starttlsSupport: StarttlsSupport;
  /** hosts whose STARTTLS support could not be determined */
  undetermined: number;
}

/** The TCP connection to port 25 was refused (nothing listens there), not merely an SMTP refusal. */
export function connectionRefused(h: { outcome: SmtpOutcome; error: string | null }): boolean {
  return h.outcome === 'refused' && /\bECONNREFUSED\b/.test(h.error ?? '');
}

/** interface.md: outcome → starttls */
export function starttlsOf(outcome: SmtpOutcome): Starttls {
  switch (outcome) {
    case 'ok':
      return 'yes';
    case 'no-starttls':
    case 'starttls-refused':
      return 'no';
    case 'handshake-failed':
    case 'refused':
    case 'timeout':
      return 'error';
    default:
      return 'skipped';
  }
}

/** interface.md: computed over hosts whose starttls is yes/no; `error` only when none could be determined. */
export function rollUp(values: readonly Starttls[]): StarttlsSupport {
  const known = values.filter((v) => v === 'yes' || v === 'no');
  if (known.length) {
    const yes = known.filter((v) => v === 'yes').length;
    return yes === known.length ? 'all' : yes > 0 ? 'some' : 'none';
  }
  return values.some((v) => v === 'error') ? 'error' : 'skipped';
}

const STATUS_OF: Record<StarttlsSupport, Status> = {
  all: 'pass',
  some: 'warn',
  none: 'fail',
  error: 'error',
  skipped: 'skipped',
};

/**
 * interface.md maps STARTTLS support to the base status (all → pass, some → warn, none → fail):
 * the hosts without STARTTLS are what makes support `some`, so their findings are weighed by the
 * base and do not lower it again. Every other finding lowers it as in every other section (DANE
 * failing or a broken certificate: fail / warn); a finding never raises a status.
 */
export const WEIGHED_BY_SUPPORT: readonly string[] = ['smtp.starttls-missing', 'smtp.starttls-refused'];

/** Whether the certificate (DER, base64) names `host` (RFC 6125 as RFC 7672 §3.2.3 narrows it). */
function namesCover(der: string, host: string): boolean {
  try {
    return certificateNames(new X509Certificate(Buffer.from(der, 'base64'))).some((n) =>
      nameMatches(n, host),
    );
  } catch {
    return false;
  }
}

const recordText = (r: { usage: number; selector: number; matchingType: number; data: string }) =>
  `${r.usage} ${r.selector} ${r.matchingType} ${r.data.length > 16 ? `${r.data.slice(0, 16)}…` : r.data}`;

function unmatchedViews(t: TlsaLookup): TlsaView[] {
  const records = t.state === 'secure' || t.state === 'insecure' ? t.records : [];
  return records.map((r) => {
    const problem = tlsaProblem(r);
    return { ...r, data: r.data.toLowerCase(), usable: problem === null, problem, matched: null };
  });
}

function daneOf(h: SmtpHostGathered, now: Date): SmtpHost['dane'] & { taNameMismatch: boolean } {
  const t = h.tlsa;
  const dnssec = t.state;
  const base = { base: t.base, dnssec, taNameMismatch: false } as const;
  const views = unmatchedViews(t);
  const usable = views.filter((v) => v.usable).length;
  const outcome = h.probe?.outcome ?? 'skipped';
  // interface.md: not probed (--no-smtp, or an address outside --allow-private) → DANE skipped;
  // what DNS alone showed (bogus, insecure, unusable records) is still in the findings
  if (outcome === 'skipped' || outcome === 'refused-address') {
    return { ...base, status: 'skipped', records: views, usable };
  }
  if (t.state === 'error') return { ...base, status: 'error', records: [], usable: 0 };
  if (t.state === 'unvalidated') return { ...base, status: 'skipped', records: [], usable: 0 };
  if (t.state === 'insecure' || usable === 0) return { ...base, status: 'none', records: views, usable };
  if (outcome === 'ok' && h.probe?.tls) {
    const m = matchDane(t.records, h.probe.tls.chain, [...new Set([t.base, h.exchange])], now);
    return {
      ...base,
      status: m.status,
      records: m.records,
      usable: m.usable,
      taNameMismatch: m.taNameMismatch,
    };
  }
  // RFC 7672 §2.2: with usable TLSA, TLS is mandatory: no STARTTLS or a failed handshake fails DANE
  if (outcome === 'no-starttls' || outcome === 'starttls-refused' || outcome === 'handshake-failed') {
    return { ...base, status: 'invalid', records: views, usable };
  }
  if (outcome === 'refused' || outcome === 'timeout')
    return { ...base, status: 'error', records: views, usable };
  return { ...base, status: 'skipped', records: views, usable };
}

function certificateOf(
  leaf: CertificateInfo | undefined,
  tls: NonNullable<SmtpHostGathered['probe']>['tls'],
) {
  if (!leaf || !tls) return null;
  return {
    subject: leaf.subject,
    sans: leaf.sans,
    issuer: leaf.issuer,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    keyType: leaf.keyType,
    keyBits: leaf.keyBits,
    sha256: leaf.sha256,
    spkiSha256: leaf.spkiSha256,
    trusted: tls.trusted,
    nameMatch: tls.nameMatch,
    trustError: tls.trustError,
    nameError: tls.nameError,
  };
}

export function checkSmtp(g: SmtpGathered): CheckResult<SmtpEvidence> {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding) => {
    const k = `${f.id}|${f.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      findings.push(f);
    }
  };
  // interface.md: --no-smtp makes the section skipped, whatever the MX lookup gave (the mx
  // section reports its own failure)
  if (g.mx === 'error' && g.noSmtp) {
    return {
      check: 'smtp',
      status: statusFrom('skipped', findings),
      evidence: { hosts: [], starttlsSupport: 'skipped', undetermined: 0 },
      findings,
    };
  }
  if (g.mx === 'error') {
    add(undetermined('smtp', g.mxReason ?? 'the MX records could not be determined'));
    return {
      check: 'smtp',
      status: statusFrom('unknown', findings),
      evidence: { hosts: [], starttlsSupport: 'error', undetermined: 0 },
      findings,
    };
  }
  const hosts: SmtpHost[] = g.hosts.map((h) => {
    const p = h.probe;
    const outcome: SmtpOutcome = p?.outcome ?? 'skipped';
    const dane = daneOf(h, g.now);
    const { taNameMismatch, ...daneOut } = dane;
    const leaf = p?.tls?.chain[0];
    const host: SmtpHost = {
      exchange: h.exchange,
      address: h.address,
      sni: h.sni,
      outcome,
      starttls: starttlsOf(outcome),
      connectionRefused: connectionRefused({ outcome, error: p?.error ?? null }),
      banner: p?.banner ?? null,
      ehlo: p?.ehlo ?? [],
      starttlsReply: p?.starttlsReply ?? null,
      tls: p?.tls ? { version: p.tls.version, cipher: p.tls.cipher } : null,
      certificate: certificateOf(leaf, p?.tls ?? null),
      chain: (p?.tls?.chain ?? []).map((c) => ({
        subject: c.subject,
        issuer: c.issuer,
        sha256: c.sha256,
        spkiSha256: c.spkiSha256,
        presented: c.presented,
        der: c.der,
      })),
      dane: daneOut,
      error: p?.error ?? null,
      elapsedMs: p ? p.elapsedMs : null,
    };
    const where = { exchange: h.exchange, address: h.address };
    switch (outcome) {
      case 'no-starttls':
        add(smtpFindings.make('starttls-missing', where));
        break;
      case 'starttls-refused':
        add(smtpFindings.make('starttls-refused', { ...where, reply: p?.starttlsReply ?? '' }));
        break;
      case 'handshake-failed':
        add(smtpFindings.make('handshake-failed', { ...where, error: p?.error ?? 'unknown error' }));
        break;
      case 'refused':
      case 'timeout':
        add(
          smtpFindings.make('unreachable', {
            ...where,
            error: p?.error ?? outcome,
            connectionRefused: host.connectionRefused,
          }),
        );
        break;
      case 'refused-address':
        add(smtpFindings.make('refused-address', where));
        break;
      default:
        break;
    }
    const cert = host.certificate;
    if (cert && leaf) {
      const expired = g.now > new Date(cert.notAfter);
      if (expired) add(smtpFindings.make('certificate-expired', { ...where, notAfter: cert.notAfter }));
      else if (!cert.trusted)
        add(smtpFindings.make('certificate-untrusted', { ...where, reason: cert.trustError ?? 'unknown' }));
      // RFC 7672 §3.2.3: with SNI set to the CNAME-expanded TLSA base, a certificate naming the MX
      // host itself is right (and it is the name MTA-STS checks)
      if (!cert.nameMatch && !(h.sni !== h.exchange && namesCover(leaf.der, h.exchange)))
        add(
          smtpFindings.make('certificate-name-mismatch', {
            ...where,
            sni: h.sni,
            names: cert.sans.join(', '),
          }),
        );
      if (cert.keyType === 'rsa' && cert.keyBits !== null && cert.keyBits < 2048)
        add(smtpFindings.make('weak-key', { ...where, keyType: 'RSA', keyBits: cert.keyBits }));
    }
    if (host.tls?.version === 'TLSv1' || host.tls?.version === 'TLSv1.1')
      add(smtpFindings.make('tls-version-old', { ...where, version: host.tls.version }));
    // DANE
    const t = h.tlsa;
    const tlsaWhere = { exchange: h.exchange, base: t.base };
    if (dane.status === 'invalid') {
      if (taNameMismatch) add(smtpFindings.make('dane-ta-name-mismatch', { ...where, base: t.base }));
      add(
        smtpFindings.make('dane-invalid', {
          ...where,
          base: t.base,
          detail: leaf
            ? `the certificate presented (SPKI SHA-256 ${leaf.spkiSha256})`
            : `anything: TLS was not established (${outcome})`,
          spki: leaf?.spkiSha256 ?? null,
        }),
      );
    }
    if (t.state === 'error') add(smtpFindings.make('dane-lookup-failed', { ...tlsaWhere, reason: t.reason }));
    if (t.state === 'insecure' && t.records.length) add(smtpFindings.make('dane-insecure', tlsaWhere));
    if (t.state === 'secure' && t.records.length) {
      for (const v of dane.records) {
        if (v.problem === 'pkix-usage')
          add(smtpFindings.make('dane-pkix-usage', { ...tlsaWhere, record: recordText(v) }));
        else if (v.problem)
          add(
            smtpFindings.make('dane-unusable-record', {
              ...tlsaWhere,
              record: recordText(v),
              problem: v.problem,
            }),
          );
      }
      if (dane.usable === 0) add(smtpFindings.make('dane-no-usable-record', tlsaWhere));
      else if (dane.usable === 1) add(smtpFindings.make('dane-no-rollover', tlsaWhere));
    }
    return host;
  });
  // an MX whose addresses could not be looked up was not tested: its STARTTLS is an error, never
  // left out (which would turn "could not test" into skipped, or hide it behind "all")
  if (g.notProbed)
    add(smtpFindings.make('hosts-not-probed', { count: g.notProbed, limit: MAX_PROBED_HOSTS }));
  const unresolved = g.noSmtp ? [] : (g.unresolved ?? []);
  if (unresolved.length)
    add(undetermined('smtp', `the addresses of ${unresolved.join(', ')} could not be looked up`));
  const values: Starttls[] = [...hosts.map((h) => h.starttls), ...unresolved.map((): Starttls => 'error')];
  const starttlsSupport: StarttlsSupport = values.length ? rollUp(values) : 'skipped';
  return {
    check: 'smtp',
    status: statusFrom(STATUS_OF[starttlsSupport], findings, WEIGHED_BY_SUPPORT),
    evidence: {
      hosts,
      starttlsSupport,
      undetermined: values.filter((v) => v === 'error').length,
    },
    findings,
  };
}
