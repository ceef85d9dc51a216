/**
 * The ground truth of a scale world: for every domain, what it publishes decides each statistic
 * of `mailsec report --json` (keys and definitions: ../shared/docs/interface.md and docs/scan.md),
 * judged by the RFCs, from the profile — never from mailsec's own code.
 *
 * A statistic is yes / no / error (could not be determined: the domain's servers fail, or its
 * DNSSEC is bogus so a validating resolver answers SERVFAIL) / skipped (not tested in this scan
 * mode, e.g. HTTPS facts with --no-http). The expected report of a scan mode counts them as the
 * report does: `<key>` (yes), `<key>.error`, `<key>.skipped` (only when non-zero), each over all
 * domains or over the domains with MX.
 */
import { getDomain } from 'tldts';
import { MAIL_PROVIDERS, type Profile } from './model.ts';
import { mxOf, spfAllOf, spfLookupsOf, spfRecords } from './records.ts';

export type Verdict = 'yes' | 'no' | 'error' | 'skipped';

/** What a scan tests: `--no-smtp` / `--no-http` set these false. */
export interface ScanMode {
  readonly smtp: boolean;
  readonly http: boolean;
}

export const DNS_ONLY: ScanMode = { smtp: false, http: false };

/**
 * Bumped whenever a rule below changes what a domain counts as: a cached world whose truth.json
 * has another version gets its truth recomputed (its zones stay).
 */
export const TRUTH_VERSION = 2;

/** Keys over all domains, in the report's order. */
export const ALL_DOMAIN_KEYS = [
  'dnssec.signed',
  'dnssec.bogus',
  'caa.present',
  'idn',
  'securityTxt.present',
  'securityTxt.valid',
  'm365.tenant',
  'did.present',
  'did.verified',
  'mcp.present',
  'mcp.valid',
  'mx.present',
] as const;

/** Keys over domains with MX (Null MX and localhost included), in the report's order. */
export const MX_DOMAIN_KEYS = [
  'mx.nullMx',
  'mx.localhost',
  'starttls.all',
  'starttls.some',
  'starttls.none',
  'spf.present',
  'spf.hardfail',
  'spf.softfail',
  'spf.neutral',
  'spf.passAll',
  'spf.redirect',
  'spf.denyAll',
  'spf.multiple',
  'spf.tooManyLookups',
  'dkim.found',
  'dkim.maybe',
  'dmarc.present',
  'dmarc.none',
  'dmarc.quarantine',
  'dmarc.reject',
  'dmarc.rua',
  'dmarc.ruaUnauthorised',
  'dane.present',
  'dane.valid',
  'dane.invalid',
  'mtaSts.present',
  'mtaSts.enforce',
  'mtaSts.enforceReady',
  'tlsRpt.present',
  'bimi.present',
  'bimi.withCertificate',
] as const;

export type Key = (typeof ALL_DOMAIN_KEYS)[number] | (typeof MX_DOMAIN_KEYS)[number];

/**
 * Keys over a narrower denominator: the domains counted yes in another key (docs/scan.md). Their
 * verdict counts only where the base key is yes.
 */
export const WITHIN: Readonly<Partial<Record<Key, Key>>> = {
  'did.verified': 'did.present',
  'mcp.valid': 'mcp.present',
  'dmarc.ruaUnauthorised': 'dmarc.rua',
  'dane.invalid': 'dane.present',
  'mtaSts.enforceReady': 'mtaSts.present',
};

/** Whether a domain is in the denominator of `k` (null verdict otherwise). */
export function counted(t: DomainTruth, k: Key): boolean {
  if (!ALL_SET.has(k) && !t.hasMx) return false;
  const base = WITHIN[k];
  return base === undefined || t.verdicts[base] === 'yes';
}

const ALL_SET = new Set<string>(ALL_DOMAIN_KEYS);

export interface DomainTruth {
  readonly domain: string;
  /** in the denominator of the MX keys */
  readonly hasMx: boolean;
  readonly verdicts: Readonly<Record<Key, Verdict>>;
  /** registrable domains of the MX hosts (the report's provider share), once each */
  readonly providers: readonly string[];
}

const yn = (b: boolean): Verdict => (b ? 'yes' : 'no');

/** The truth of one domain in one scan mode. */
export function domainTruth(p: Profile, mode: ScanMode): DomainTruth {
  const v = {} as Record<Key, Verdict>;
  // lame, REFUSED and bogus: every DNS answer below the delegation is SERVFAIL
  const fails = p.fate !== 'ok';
  const bogus = p.fate === 'bogus-ds' || p.fate === 'bogus-expired';
  const dnsFact = (b: boolean): Verdict => (fails ? 'error' : yn(b));

  v['dnssec.signed'] = bogus ? 'no' : dnsFact(p.signed);
  v['dnssec.bogus'] = bogus ? 'yes' : dnsFact(false);
  v['caa.present'] = dnsFact(p.caa);
  v.idn = yn(p.name.split('.').some((l) => l.startsWith('xn--')));
  // HTTPS facts: the world publishes no security.txt and no Microsoft tenant
  v['securityTxt.present'] = mode.http ? dnsFact(false) : 'skipped';
  v['securityTxt.valid'] = mode.http ? dnsFact(false) : 'skipped';
  v['m365.tenant'] = mode.http ? dnsFact(false) : 'skipped';
  // nor a DID configuration or an MCP description
  v['did.present'] = mode.http ? dnsFact(false) : 'skipped';
  v['did.verified'] = 'no';
  v['mcp.present'] = mode.http ? dnsFact(false) : 'skipped';
  v['mcp.valid'] = 'no';
  const mx = mxOf(p);
  v['mx.present'] = dnsFact(mx.length > 0);

  const hasMx = !fails && mx.length > 0;
  const providers = new Set<string>();
  if (hasMx) {
    const deliverable = p.mail.kind === 'provider' || p.mail.kind === 'self';
    v['mx.nullMx'] = yn(p.mail.kind === 'null');
    v['mx.localhost'] = yn(p.mail.kind === 'localhost');
    for (const k of ['starttls.all', 'starttls.some', 'starttls.none'] as const) v[k] = 'skipped';
    const spf = spfRecords(p);
    const all = spfAllOf(p);
    v['spf.present'] = yn(spf.length > 0);
    v['spf.hardfail'] = yn(all === '-all');
    v['spf.softfail'] = yn(all === '~all');
    v['spf.neutral'] = yn(all === '?all');
    v['spf.passAll'] = yn(all === '+all');
    v['spf.redirect'] = yn(p.spf === 'redirect');
    v['spf.denyAll'] = yn(p.spf === 'deny-all');
    v['spf.multiple'] = yn(spf.length > 1);
    v['spf.tooManyLookups'] = yn(spfLookupsOf(p) > 10);
    v['dkim.found'] = yn(p.dkim === 'default' || p.dkim === 'm365');
    v['dkim.maybe'] = yn(p.dkim !== 'none');
    v['dmarc.present'] = yn(p.dmarc !== null);
    v['dmarc.none'] = yn(p.dmarc?.p === 'none');
    v['dmarc.quarantine'] = yn(p.dmarc?.p === 'quarantine');
    v['dmarc.reject'] = yn(p.dmarc?.p === 'reject');
    v['dmarc.rua'] = yn(p.dmarc !== null && p.dmarc.rua !== 'none');
    // an external destination always publishes its authorisation record here
    v['dmarc.ruaUnauthorised'] = 'no';
    // TLSA (RFC 7672) is published at _25._tcp.<mx host>; only DNSSEC-signed hosts have it here
    const tlsa =
      (p.mail.kind === 'provider' && providerDane(p.mail.provider)) ||
      (p.mail.kind === 'self' && p.mail.dane);
    v['dane.present'] = yn(tlsa);
    v['dane.valid'] = !tlsa ? 'no' : mode.smtp ? 'yes' : 'skipped';
    v['dane.invalid'] = mode.smtp ? 'no' : 'skipped';
    v['mtaSts.present'] = yn(p.mtaSts);
    v['mtaSts.enforce'] = !p.mtaSts ? 'no' : mode.http ? 'no' : 'skipped';
    // no policy file is served: with HTTPS that is "no", without it not tested
    v['mtaSts.enforceReady'] = mode.http ? 'no' : 'skipped';
    v['tlsRpt.present'] = yn(p.tlsRpt);
    v['bimi.present'] = yn(p.bimi !== null);
    v['bimi.withCertificate'] = yn(p.bimi?.certificate === true);
    if (!deliverable) {
      // no MX host to connect to: STARTTLS and DANE have nothing to test
      for (const k of ['starttls.all', 'starttls.some', 'starttls.none'] as const) v[k] = 'skipped';
    }
    for (const [, exchange] of mx) {
      if (exchange === '' || exchange === 'localhost') continue;
      providers.add(getDomain(exchange, { allowPrivateDomains: false }) ?? exchange);
    }
  }
  return { domain: p.name, hasMx, verdicts: v, providers: [...providers] };
}

const DANE = new Set(MAIL_PROVIDERS.filter((m) => m.dane).map((m) => m.id));
const providerDane = (id: string) => DANE.has(id);

export interface Stat {
  count: number;
  denominator: number;
  percent: number | null;
}
export interface ShareItem extends Stat {
  name: string;
}

/** The statistics part of `mailsec report --json` (without `scan`). */
export interface ExpectedReport {
  domains: number;
  domainsWithMx: number;
  stats: Record<string, Stat>;
  providers: ShareItem[];
  issuers: ShareItem[];
  software: ShareItem[];
}

const pct = (c: number, d: number) => (d === 0 ? null : Math.round((c / d) * 10000) / 100);
const stat = (count: number, denominator: number): Stat => ({
  count,
  denominator,
  percent: pct(count, denominator),
});

export interface TruthCounts {
  readonly domains: number;
  readonly withMx: number;
  readonly counts: Record<string, Record<Verdict, number>>;
  readonly providers: Record<string, number>;
}

/** Adds domain truths up to the report `mailsec report --json` must print. */
export class TruthAccumulator {
  private domains = 0;
  private withMx = 0;
  private readonly counts = new Map<string, Record<Verdict, number>>();
  private readonly providers = new Map<string, number>();

  add(t: DomainTruth): void {
    this.domains++;
    if (t.hasMx) this.withMx++;
    for (const k of t.hasMx ? [...ALL_DOMAIN_KEYS, ...MX_DOMAIN_KEYS] : ALL_DOMAIN_KEYS) {
      if (!counted(t, k)) continue;
      let c = this.counts.get(k);
      if (!c) {
        c = { yes: 0, no: 0, error: 0, skipped: 0 };
        this.counts.set(k, c);
      }
      c[t.verdicts[k]]++;
    }
    for (const p of t.providers) this.providers.set(p, (this.providers.get(p) ?? 0) + 1);
  }

  /** The counts as plain data (to cross a worker thread). */
  dump(): TruthCounts {
    return {
      domains: this.domains,
      withMx: this.withMx,
      counts: Object.fromEntries(this.counts),
      providers: Object.fromEntries(this.providers),
    };
  }

  /** Adds counts dumped by another accumulator. */
  merge(d: TruthCounts): void {
    this.domains += d.domains;
    this.withMx += d.withMx;
    for (const [k, c] of Object.entries(d.counts)) {
      const mine = this.counts.get(k) ?? { yes: 0, no: 0, error: 0, skipped: 0 };
      for (const v of ['yes', 'no', 'error', 'skipped'] as const) mine[v] += c[v];
      this.counts.set(k, mine);
    }
    for (const [p, n] of Object.entries(d.providers)) this.providers.set(p, (this.providers.get(p) ?? 0) + n);
  }

  result(limit = 50): ExpectedReport {
    const stats: Record<string, Stat> = {};
    const emit = (keys: readonly Key[], all: number) => {
      for (const k of keys) {
        const c = this.counts.get(k) ?? { yes: 0, no: 0, error: 0, skipped: 0 };
        const base = WITHIN[k];
        const den = base === undefined ? all : (this.counts.get(base)?.yes ?? 0);
        stats[k] = stat(c.yes, den);
        stats[`${k}.error`] = stat(c.error, den);
        if (c.skipped) stats[`${k}.skipped`] = stat(c.skipped, den);
      }
    };
    emit(ALL_DOMAIN_KEYS, this.domains);
    emit(MX_DOMAIN_KEYS, this.withMx);
    const providers = [...this.providers.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([name, count]) => ({ name, ...stat(count, this.withMx) }));
    return { domains: this.domains, domainsWithMx: this.withMx, stats, providers, issuers: [], software: [] };
  }
}
