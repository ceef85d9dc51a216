/**
 * TLD statistics over stored per-domain documents (the `mailsec check --json` document): pure
 * functions, one pass, constant memory per key. See docs/scan.md for every definition.
 *
 * Each key classifies a domain as yes / no / error (could not be determined) / skipped (not
 * tested: option or missing prerequisite). `count` is the yes count over the key's denominator
 * (all domains, or domains with MX); the error and skipped counts are reported as `<key>.error`
 * and `<key>.skipped` over the same denominator — an undetermined answer is never counted as "no".
 */
import { getDomain } from 'tldts';

export type Doc = Record<string, unknown>;
type Verdict = 'yes' | 'no' | 'error' | 'skipped';

export interface Stat {
  count: number;
  denominator: number;
  /** count / denominator × 100, two decimals; null when the denominator is 0 */
  percent: number | null;
}

export interface ShareItem extends Stat {
  name: string;
}

export interface ScanStats {
  domains: number;
  domainsWithMx: number;
  stats: Record<string, Stat>;
  providers: ShareItem[];
  issuers: ShareItem[];
  software: ShareItem[];
}

type Section = { status?: string } & Record<string, unknown>;

function section(doc: Doc, name: string): Section | undefined {
  const s = doc[name];
  return typeof s === 'object' && s !== null ? (s as Section) : undefined;
}

/** error/skipped from the section status; otherwise the predicate decides */
function by(doc: Doc, name: string, pred: (s: Section) => boolean): Verdict {
  const s = section(doc, name);
  if (!s) return 'skipped';
  if (s.status === 'error') return 'error';
  if (s.status === 'skipped') return 'skipped';
  return pred(s) ? 'yes' : 'no';
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const present = (s: Section) => s.status === 'pass' || s.status === 'warn' || s.status === 'fail';
const hasRecord = (s: Section) => typeof s.record === 'string' || arr(s.records).length > 0;

interface SmtpHost {
  exchange?: string;
  starttls?: string;
  banner?: string | null;
  certificate?: { issuer?: string | null } | null;
  dane?: { status?: string; records?: unknown[] };
}

function daneVerdict(doc: Doc, valid: boolean): Verdict {
  const s = section(doc, 'smtp');
  if (!s) return 'skipped';
  const hosts = arr(s.hosts) as SmtpHost[];
  const withTlsa = hosts.filter((h) => arr(h.dane?.records).length > 0);
  if (!valid) {
    if (withTlsa.length) return 'yes';
    if (hosts.some((h) => h.dane?.status === 'error') || s.status === 'error') return 'error';
    if (s.status === 'skipped' && hosts.length === 0) return 'skipped';
    return 'no';
  }
  if (!withTlsa.length) return hosts.some((h) => h.dane?.status === 'error') ? 'error' : 'no';
  const st = withTlsa.map((h) => h.dane?.status);
  if (st.includes('invalid')) return 'no';
  if (st.includes('error')) return 'error';
  if (st.every((x) => x === 'skipped')) return 'skipped';
  return st.includes('valid') ? 'yes' : 'no';
}

function spfAll(value: string) {
  return (doc: Doc) => by(doc, 'spf', (s) => s.all === value);
}

function dmarcPolicy(p: string) {
  return (doc: Doc) => by(doc, 'dmarc', (s) => s.policy === p);
}

function starttls(v: string) {
  return (doc: Doc): Verdict => {
    const s = section(doc, 'smtp');
    if (!s || s.starttlsSupport === 'skipped' || s.status === 'skipped') return 'skipped';
    if (s.starttlsSupport === 'error' || s.status === 'error') return 'error';
    return s.starttlsSupport === v ? 'yes' : 'no';
  };
}

/** over all domains */
export const ALL_KEYS: Record<string, (d: Doc) => Verdict> = {
  // a name that does not exist (exists: false) has a validated denial at best, not a signed zone
  'dnssec.signed': (d) =>
    d.exists === false ? 'skipped' : by(d, 'dnssec', (s) => s.validation === 'secure'),
  'dnssec.bogus': (d) => by(d, 'dnssec', (s) => s.validation === 'bogus'),
  'caa.present': (d) => by(d, 'caa', (s) => arr(s.records).length > 0),
  idn: (d) =>
    String(d.domain ?? '')
      .split('.')
      .some((l) => l.startsWith('xn--'))
      ? 'yes'
      : 'no',
  'securityTxt.present': (d) => by(d, 'securityTxt', present),
  'securityTxt.valid': (d) => by(d, 'securityTxt', (s) => s.status === 'pass' || s.status === 'warn'),
  'm365.tenant': (d) => by(d, 'microsoft365', (s) => typeof s.tenantId === 'string' && s.tenantId !== ''),
  'mx.present': (d) => by(d, 'mx', (s) => arr(s.records).length > 0),
};

/** over domains with MX (Null MX and localhost targets included) */
export const MX_KEYS: Record<string, (d: Doc) => Verdict> = {
  'mx.nullMx': (d) => by(d, 'mx', (s) => s.nullMx === true),
  'mx.localhost': (d) =>
    by(d, 'mx', (s) => arr(s.records).some((r) => (r as { kind?: string }).kind === 'localhost')),
  'starttls.all': starttls('all'),
  'starttls.some': starttls('some'),
  'starttls.none': starttls('none'),
  'spf.present': (d) => by(d, 'spf', hasRecord),
  'spf.hardfail': spfAll('-all'),
  'spf.softfail': spfAll('~all'),
  'spf.neutral': spfAll('?all'),
  'spf.passAll': spfAll('+all'),
  'spf.redirect': (d) => by(d, 'spf', (s) => typeof s.redirect === 'string' && s.redirect !== ''),
  'spf.denyAll': (d) =>
    by(
      d,
      'spf',
      (s) =>
        typeof s.record === 'string' &&
        s.record.trim().toLowerCase().split(/\s+/).join(' ') === 'v=spf1 -all',
    ),
  'spf.multiple': (d) => by(d, 'spf', (s) => arr(s.records).length > 1),
  'spf.tooManyLookups': (d) =>
    by(
      d,
      'spf',
      (s) =>
        (typeof s.lookups === 'number' && s.lookups > 10) ||
        arr(d.findings).some((f) => (f as { id?: string }).id === 'spf.too-many-lookups'),
    ),
  'dkim.found': (d) => by(d, 'dkim', (s) => arr(s.selectors).length > 0),
  'dkim.maybe': (d) => by(d, 'dkim', (s) => s.domainkeyNode === true || arr(s.selectors).length > 0),
  'dmarc.present': (d) => by(d, 'dmarc', hasRecord),
  'dmarc.none': dmarcPolicy('none'),
  'dmarc.quarantine': dmarcPolicy('quarantine'),
  'dmarc.reject': dmarcPolicy('reject'),
  'dmarc.rua': (d) => by(d, 'dmarc', (s) => arr(s.rua).length > 0),
  'dane.present': (d) => daneVerdict(d, false),
  'dane.valid': (d) => daneVerdict(d, true),
  'mtaSts.present': (d) => by(d, 'mtaSts', hasRecord),
  'mtaSts.enforce': (d) => {
    const s = section(d, 'mtaSts');
    if (s && hasRecord(s) && s.policyFetched === false && s.status !== 'fail') return 'skipped';
    return by(d, 'mtaSts', (x) => (x.policy as { mode?: string } | null)?.mode === 'enforce');
  },
  'tlsRpt.present': (d) => by(d, 'tlsRpt', hasRecord),
  'bimi.present': (d) => by(d, 'bimi', hasRecord),
  'bimi.withCertificate': (d) => by(d, 'bimi', (s) => typeof s.authority === 'string' && s.authority !== ''),
};

/** A domain "has MX" when its MX RRset is non-empty (Null MX and localhost targets count). */
export function hasMx(doc: Doc): boolean {
  return arr(section(doc, 'mx')?.records).length > 0;
}

const SOFTWARE: readonly [RegExp, string][] = [
  [/\bpostfix\b/i, 'Postfix'],
  [/\bexim\b/i, 'Exim'],
  [/microsoft esmtp|outlook\.com|protection\.outlook/i, 'Microsoft Exchange'],
  [/\bsendmail\b/i, 'Sendmail'],
  [/\bgoogle|gsmtp\b/i, 'Google'],
  [/\bharaka\b/i, 'Haraka'],
  [/\bopensmtpd\b/i, 'OpenSMTPD'],
  [/\bqmail\b/i, 'qmail'],
  [/\bkerio\b/i, 'Kerio'],
  [/\bmdaemon\b/i, 'MDaemon'],
  [/\bcommunigate\b/i, 'CommuniGate'],
  [/\bzimbra\b/i, 'Zimbra'],
  [/\bproofpoint|pphosted\b/i, 'Proofpoint'],
  [/\bmimecast\b/i, 'Mimecast'],
  [/\bchasquid\b/i, 'chasquid'],
  [/\bmailcleaner\b/i, 'MailCleaner'],
];

/** The MTA software a 220 banner names, or `unknown`. */
export function bannerSoftware(banner: string): string {
  for (const [re, name] of SOFTWARE) if (re.test(banner)) return name;
  return 'unknown';
}

/** The organisation part of a certificate issuer DN (`O=`), else its `CN=`, else the whole DN. */
export function issuerName(issuer: string): string {
  const o = /(?:^|[,/\n]\s*)O\s*=\s*("[^"]*"|[^,/\n]+)/.exec(issuer);
  const cn = /(?:^|[,/\n]\s*)CN\s*=\s*("[^"]*"|[^,/\n]+)/.exec(issuer);
  return (o?.[1] ?? cn?.[1] ?? issuer).replace(/^"|"$/g, '').trim();
}

const pct = (count: number, denominator: number): number | null =>
  denominator === 0 ? null : Math.round((count / denominator) * 10000) / 100;

export function stat(count: number, denominator: number): Stat {
  return { count, denominator, percent: pct(count, denominator) };
}

/** Accumulates documents one at a time; `result()` gives the statistics. */
export class StatsAccumulator {
  private domains = 0;
  private withMx = 0;
  private readonly counts = new Map<string, Record<Verdict, number>>();
  private readonly providers = new Map<string, number>();
  private readonly issuers = new Map<string, number>();
  private readonly software = new Map<string, number>();
  private certDomains = 0;
  private bannerDomains = 0;

  private tally(key: string, v: Verdict): void {
    let c = this.counts.get(key);
    if (!c) {
      c = { yes: 0, no: 0, error: 0, skipped: 0 };
      this.counts.set(key, c);
    }
    c[v]++;
  }

  add(doc: Doc): void {
    this.domains++;
    for (const [k, f] of Object.entries(ALL_KEYS)) this.tally(k, f(doc));
    if (!hasMx(doc)) return;
    this.withMx++;
    for (const [k, f] of Object.entries(MX_KEYS)) this.tally(k, f(doc));
    const provs = new Set<string>();
    for (const r of arr(section(doc, 'mx')?.records) as { exchange?: string; kind?: string }[]) {
      if (!r.exchange || r.kind === 'null' || r.kind === 'ip-literal' || r.kind === 'localhost') continue;
      provs.add(getDomain(r.exchange, { allowPrivateDomains: false }) ?? r.exchange);
    }
    for (const p of provs) this.providers.set(p, (this.providers.get(p) ?? 0) + 1);
    const hosts = arr(section(doc, 'smtp')?.hosts) as SmtpHost[];
    const iss = new Set<string>();
    const sw = new Set<string>();
    for (const h of hosts) {
      if (h.certificate?.issuer) iss.add(issuerName(h.certificate.issuer));
      if (typeof h.banner === 'string' && h.banner !== '') sw.add(bannerSoftware(h.banner));
    }
    if (iss.size) this.certDomains++;
    if (sw.size) this.bannerDomains++;
    for (const i of iss) this.issuers.set(i, (this.issuers.get(i) ?? 0) + 1);
    for (const s of sw) this.software.set(s, (this.software.get(s) ?? 0) + 1);
  }

  result(limit = 50): ScanStats {
    const stats: Record<string, Stat> = {};
    const emit = (keys: string[], denominator: number) => {
      for (const k of keys) {
        const c = this.counts.get(k) ?? { yes: 0, no: 0, error: 0, skipped: 0 };
        stats[k] = stat(c.yes, denominator);
        stats[`${k}.error`] = stat(c.error, denominator);
        if (c.skipped) stats[`${k}.skipped`] = stat(c.skipped, denominator);
      }
    };
    emit(Object.keys(ALL_KEYS), this.domains);
    emit(Object.keys(MX_KEYS), this.withMx);
    const share = (m: Map<string, number>, denominator: number): ShareItem[] =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, limit)
        .map(([name, count]) => ({ name, ...stat(count, denominator) }));
    return {
      domains: this.domains,
      domainsWithMx: this.withMx,
      stats,
      // providers over domains with MX; issuers over domains with a certificate seen; software over domains with a banner seen
      providers: share(this.providers, this.withMx),
      issuers: share(this.issuers, this.certDomains),
      software: share(this.software, this.bannerDomains),
    };
  }
}

export function computeStats(docs: Iterable<Doc>): ScanStats {
  const acc = new StatsAccumulator();
  for (const d of docs) acc.add(d);
  return acc.result();
}
