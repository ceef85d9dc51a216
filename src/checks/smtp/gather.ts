import type { TlsaRecord } from '../../dns/types.ts';
import { failureReason, isAbsent, isFailure } from '../../dns/types.ts';
import type { SmtpProbeResult } from '../../net/smtp.ts';
import type { MxEvidence } from '../mx/check.ts';
import { mapLimit } from '../shared/limit.ts';
import type { GatherContext, PriorResults } from '../types.ts';

/**
 * How the TLSA lookup for one MX host ended (RFC 7672 §2.2):
 * - secure: a DNSSEC-validated answer (possibly with no records: secure denial)
 * - insecure: answered without the AD bit (unsigned zone, or the MX host's address is insecure)
 * - error: SERVFAIL (bogus), timeout, …: senders defer mail (RFC 7672 §2.2.1)
 * - unvalidated: the resolver does not validate, so DANE cannot be judged
 */
export type TlsaLookup =
  | { readonly state: 'secure'; readonly base: string; readonly records: readonly TlsaRecord[] }
  | { readonly state: 'insecure'; readonly base: string; readonly records: readonly TlsaRecord[] }
  | { readonly state: 'error'; readonly base: string; readonly reason: string }
  | { readonly state: 'unvalidated'; readonly base: string };

export interface SmtpHostGathered {
  readonly exchange: string;
  readonly address: string;
  readonly sni: string;
  readonly tlsa: TlsaLookup;
  /** null: not probed (--no-smtp, or no prober) */
  readonly probe: SmtpProbeResult | null;
}

export interface SmtpGathered {
  readonly domain: string;
  /** what the mx check found */
  readonly mx: 'ok' | 'absent' | 'null' | 'error';
  readonly mxReason?: string;
  readonly hosts: readonly SmtpHostGathered[];
  /** (exchange, address) pairs past MAX_PROBED_HOSTS: listed, not probed */
  readonly notProbed?: number;
  /** MX hosts whose address lookup failed (SERVFAIL, timeout): not probed, STARTTLS unknown */
  readonly unresolved?: readonly string[];
  readonly noSmtp: boolean;
  readonly now: Date;
}

const tlsaName = (host: string) => `_25._tcp.${host}`;

/** (MX host, address) pairs probed per domain at most, in preference order (RFC 5321 §5.1). */
export const MAX_PROBED_HOSTS = 32;

/**
 * TLSA for one MX host. RFC 7672 §2.2.2: when the host's address lookup follows a secure CNAME
 * chain, the TLSA base domain is the chain's target first, then the original name. TLSA is only
 * used when the host's address records are secure too.
 */
export async function lookupTlsa(
  exchange: string,
  ctx: GatherContext,
  validates = ctx.resolverValidates,
): Promise<TlsaLookup> {
  const { resolver, signal } = ctx;
  if (!validates) return { state: 'unvalidated', base: exchange };
  const a = await resolver.query(exchange, 'A', { signal });
  const aaaa = a.records.length ? a : await resolver.query(exchange, 'AAAA', { signal });
  const addressSecure = a.authenticated || aaaa.authenticated;
  const target = a.cnames.at(-1) ?? aaaa.cnames.at(-1);
  const candidates = target && addressSecure ? [target, exchange] : [exchange];
  let last: TlsaLookup = { state: 'secure', base: exchange, records: [] };
  for (const base of candidates) {
    const t = await resolver.query(tlsaName(base), 'TLSA', { signal });
    if (isFailure(t)) {
      // tell a bogus answer (data comes back with CD=1) from a failing server
      if (t.rcode === 'SERVFAIL') {
        const cd = await resolver.query(tlsaName(base), 'TLSA', { signal, checkingDisabled: true });
        if (cd.rcode === 'NOERROR' || cd.rcode === 'NXDOMAIN') {
          return {
            state: 'error',
            base,
            reason: `DNSSEC validation of TLSA ${tlsaName(base)} fails (bogus)`,
          };
        }
      }
      return { state: 'error', base, reason: failureReason(t) };
    }
    if (isAbsent(t)) {
      last = t.authenticated
        ? { state: 'secure', base, records: [] }
        : { state: 'insecure', base, records: [] };
      continue;
    }
    if (t.authenticated && addressSecure) return { state: 'secure', base, records: t.records };
    return { state: 'insecure', base, records: t.records };
  }
  return candidates.length > 1 ? { ...last, base: exchange } : last;
}

function mxState(prior: PriorResults): {
  mx: SmtpGathered['mx'];
  reason?: string;
  records: MxEvidence['records'];
} {
  const r = prior.mx as
    | { status: string; evidence: Partial<MxEvidence>; findings: readonly { message: string }[] }
    | undefined;
  if (!r) return { mx: 'error', reason: 'the MX check did not run', records: [] };
  const records = r.evidence.records ?? [];
  if (r.status === 'error') {
    return {
      mx: 'error',
      reason: r.findings[0]?.message ?? 'the MX records could not be determined',
      records,
    };
  }
  const others = records.filter((x) => x.kind !== 'null');
  if (records.length === 0) return { mx: 'absent', records };
  if (others.length === 0) return { mx: 'null', records };
  // an MX that names localhost is never probed: the connection would reach the checker's own machine
  const probeable = others.filter((x) => x.kind !== 'localhost');
  if (probeable.length === 0) return { mx: 'absent', records: probeable };
  return { mx: 'ok', records: probeable };
}

/** One host per (MX exchange, address); TLSA per exchange; probes through ctx.prober (cached). */
export async function gatherSmtp(
  domain: string,
  ctx: GatherContext,
  prior: PriorResults,
): Promise<SmtpGathered> {
  const now = ctx.now();
  const noSmtp = ctx.options.noSmtp || !ctx.prober;
  const m = mxState(prior);
  const base = { domain, mx: m.mx, noSmtp, now, ...(m.reason ? { mxReason: m.reason } : {}) };
  if (m.mx !== 'ok') return { ...base, hosts: [] };
  const exchanges = [...new Set(m.records.map((r) => r.exchange))];
  // the dnssec check knows whether the resolver validates (it sets the AD bit DANE relies on)
  const dnssec = prior.dnssec as { evidence?: { resolverValidates?: boolean } } | undefined;
  const validates = dnssec?.evidence?.resolverValidates ?? ctx.resolverValidates;
  const tlsa = new Map<string, TlsaLookup>();
  await mapLimit(exchanges, 8, async (e) => {
    tlsa.set(e, await lookupTlsa(e, ctx, validates));
  });
  // the mx check marks a failed address lookup as host/cname with no addresses (absent is
  // 'unresolvable'): such an MX could not be tested, which must not vanish from the roll-up
  const unresolved = [
    ...new Set(
      m.records
        .filter((r) => r.addresses.length === 0 && (r.kind === 'host' || r.kind === 'cname'))
        .map((r) => r.exchange),
    ),
  ];
  const pairs: { exchange: string; address: string }[] = [];
  const seen = new Set<string>();
  for (const r of m.records) {
    for (const address of r.addresses) {
      const key = `${r.exchange}|${address}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push({ exchange: r.exchange, address });
    }
  }
  // a hostile MX set would make us connect to thousands of hosts of its choosing
  const notProbed = noSmtp ? 0 : Math.max(0, pairs.length - MAX_PROBED_HOSTS);
  const hosts = await Promise.all(
    pairs.map(async ({ exchange, address }, i): Promise<SmtpHostGathered> => {
      const t = tlsa.get(exchange)!;
      // SNI: the TLSA base domain when DANE applies, else the exchange (interface.md)
      const sni = t.state === 'secure' && t.records.length ? t.base : exchange;
      const probe =
        noSmtp || !ctx.prober || i >= MAX_PROBED_HOSTS
          ? null
          : await ctx.prober.probeSmtp(address, sni, ctx.signal);
      return { exchange, address, sni, tlsa: t, probe };
    }),
  );
  return {
    ...base,
    hosts,
    ...(unresolved.length ? { unresolved } : {}),
    ...(notProbed ? { notProbed } : {}),
  };
}
