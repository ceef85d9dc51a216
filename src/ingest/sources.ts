/**
 * Who sends as a domain, from its stored aggregate reports: per source IP the PTR name with
 * forward confirmation (through mailsec's resolver: cached, bounded), the organisation from the
 * catalogue of sending services (`senders.json`: PTR suffixes and SPF includes; user-extensible),
 * and a class with its reason:
 *
 *   authorised    DMARC passes (aligned SPF or DKIM) for ≥ 90 % of its messages
 *   forwarder     a known forwarder, or the receivers' override reason says forwarded / mailing
 *                 list / ARC, or SPF fails while aligned DKIM passes (the signature survived a hop)
 *   unauthorised  DMARC fails for ≥ 90 % of its messages, and nothing above explains it
 *   unknown       mixed results, or no messages
 *
 * `reportSources` is the library function (the record generators call it too). The I/O is the
 * injected resolver; classification (`classifySource`) is pure.
 */
import { checkHost } from '../checks/spf/evaluate.ts';
import type { Resolver } from '../dns/types.ts';
import { parseIp, reverseName } from '../protocol/ip.ts';
import type { ReportFilter, ReportReader, Share, SourceStats } from '../store/report-store.ts';
import SENDERS from './senders.json' with { type: 'json' };

export type SenderKind = 'provider' | 'esp' | 'gateway' | 'forwarder';

export interface Sender {
  readonly organisation: string;
  readonly kind: SenderKind;
  /** PTR name suffixes (".google.com" matches mail-x.google.com; "google.com" only itself) */
  readonly ptr: readonly string[];
  /** SPF include domains the service asks its customers to publish */
  readonly spf: readonly string[];
}

export type Catalogue = readonly Sender[];

export const SENDER_KINDS: readonly SenderKind[] = ['provider', 'esp', 'gateway', 'forwarder'];

/** Reads a catalogue document (`{ "senders": [ … ] }`); a bad entry is an error naming it. */
export function parseCatalogue(json: unknown, name = 'catalogue'): Catalogue {
  const list = (json as { senders?: unknown })?.senders;
  if (!Array.isArray(list)) throw new TypeError(`${name}: expected {"senders": [ … ]}`);
  return list.map((e, i) => {
    const o = e as Record<string, unknown>;
    const strs = (v: unknown, what: string) => {
      if (v === undefined) return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.trim() !== ''))
        throw new TypeError(`${name}: senders[${i}].${what} must be a list of names`);
      return (v as string[]).map((x) => x.trim().toLowerCase().replace(/\.$/, ''));
    };
    if (typeof o.organisation !== 'string' || !o.organisation.trim())
      throw new TypeError(`${name}: senders[${i}] has no organisation`);
    const kind = (o.kind ?? 'esp') as SenderKind;
    if (!SENDER_KINDS.includes(kind))
      throw new TypeError(`${name}: senders[${i}].kind must be one of ${SENDER_KINDS.join(', ')}`);
    return { organisation: o.organisation.trim(), kind, ptr: strs(o.ptr, 'ptr'), spf: strs(o.spf, 'spf') };
  });
}

/** The catalogue shipped with mailsec. */
export const BUILTIN_CATALOGUE: Catalogue = parseCatalogue(SENDERS, 'senders.json');

/** The sender whose PTR suffix matches `name` (the longest suffix wins). */
export function senderByPtr(name: string, catalogue: Catalogue): Sender | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  let best: { s: Sender; len: number } | undefined;
  for (const s of catalogue) {
    for (const suffix of s.ptr) {
      const hit = suffix.startsWith('.') ? n.endsWith(suffix) : n === suffix;
      if (hit && (!best || suffix.length > best.len)) best = { s, len: suffix.length };
    }
  }
  return best?.s;
}

export type SourceClass = 'authorised' | 'forwarder' | 'unauthorised' | 'unknown';

export interface SourceIdentity {
  readonly ptr: string | null;
  /** true: the PTR name resolves back to the IP; false: it does not; null: not known (no PTR, lookup failed, not looked up) */
  readonly ptrConfirmed: boolean | null;
  readonly sender: Sender | undefined;
  /** how the organisation was found */
  readonly via: 'ptr' | 'spf' | null;
  /** what the lookups could not tell (timeouts, SERVFAIL, the lookup budget) */
  readonly note: string | null;
}

/** `reports sources --json`, one per source IP (interface.md "mailsec reports"). */
export interface SourceRow {
  readonly ip: string;
  readonly ptr: string | null;
  readonly ptrConfirmed: boolean | null;
  readonly organisation: string | null;
  readonly organisationKind: SenderKind | null;
  readonly messages: number;
  readonly dmarcPass: Share;
  readonly spfAligned: Share;
  readonly dkimAligned: Share;
  readonly class: SourceClass;
  readonly reason: string;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** first seen at or after `newSince` */
  readonly new: boolean;
  readonly envelopeDomains: readonly string[];
  readonly dkimDomains: readonly string[];
}

const share = (count: number, of: number): Share => ({
  count,
  percent: of > 0 ? Math.round((count / of) * 1000) / 10 : null,
});
const p = (n: number, of: number) => `${of > 0 ? Math.round((n / of) * 1000) / 10 : 0} %`;

/** The class of a source and why (pure; see the module comment). */
export function classifySource(s: SourceStats, id: SourceIdentity): { class: SourceClass; reason: string } {
  const m = s.messages;
  if (m <= 0) return { class: 'unknown', reason: 'no messages counted' };
  const org = id.sender
    ? `${id.sender.organisation}${id.via === 'ptr' && id.ptr ? `, PTR ${id.ptr}` : id.via === 'spf' ? ', by its SPF include' : ''}`
    : undefined;
  if (id.sender?.kind === 'forwarder') {
    return {
      class: 'forwarder',
      reason: `a known forwarder (${org}); DMARC pass ${p(s.dmarcPass, m)} of ${m} messages`,
    };
  }
  if (s.forwardedReason * 2 >= m) {
    return {
      class: 'forwarder',
      reason: `the receivers' override reason says forwarded, mailing list or ARC pass for ${p(s.forwardedReason, m)} of ${m} messages`,
    };
  }
  const pass = s.dmarcPass / m;
  if (pass >= 0.9) {
    if (
      s.spfAuthPass * 2 < m &&
      s.dkimAligned / m >= 0.9 &&
      id.sender?.kind !== 'esp' &&
      id.sender?.kind !== 'provider'
    ) {
      return {
        class: 'forwarder',
        reason: `SPF fails (${p(m - s.spfAuthPass, m)}) while aligned DKIM passes (${p(s.dkimAligned, m)}): mail relayed with its signature intact`,
      };
    }
    const missingSpf =
      s.spfAligned * 2 < m && id.sender
        ? `; SPF not aligned for ${p(m - s.spfAligned, m)} — is ${id.sender.organisation} in your SPF record?`
        : '';
    return {
      class: 'authorised',
      reason: `DMARC pass for ${p(s.dmarcPass, m)} of ${m} messages (SPF aligned ${p(s.spfAligned, m)}, DKIM aligned ${p(s.dkimAligned, m)})${org ? `; ${org}` : ''}${missingSpf}`,
    };
  }
  if (pass <= 0.1) {
    const via = org ? ` through ${org}` : '';
    const dkimOther =
      s.dkimAuthPass * 2 >= m && s.dkimDomains.length
        ? `; DKIM passes for ${s.dkimDomains.join(', ')}, not for your domain`
        : '';
    return {
      class: 'unauthorised',
      reason: `DMARC fails for ${p(m - s.dmarcPass, m)} of ${m} messages${via}: neither SPF nor DKIM aligned${dkimOther}${id.sender && id.sender.kind !== 'gateway' ? ' — if this is your service, align SPF or sign with your DKIM key' : ''}`,
    };
  }
  return { class: 'unknown', reason: `mixed: DMARC pass for ${p(s.dmarcPass, m)} of ${m} messages` };
}

export interface SourcesOptions extends Omit<ReportFilter, 'domain' | 'since'> {
  readonly domain: string;
  /** sources first seen at or after this time are `new`; new unauthorised sources are listed first */
  readonly newSince?: string;
  /** mailsec's resolver; without one, nothing is looked up */
  readonly resolver?: Resolver;
  /** tried before the built-in one */
  readonly catalogue?: Catalogue;
  /** sources (by messages) whose PTR is looked up at most; default 500 */
  readonly maxLookups?: number;
  /** lookups at once; default 8 */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/** PTR names of one address looked at (a hostile PTR set can be long) */
const MAX_PTR_NAMES = 4;
/** SPF includes tried per address (the catalogue's, in order) */
const MAX_SPF_INCLUDES = 40;

async function identify(
  ip: string,
  resolver: Resolver,
  catalogue: Catalogue,
  spfCache: Map<string, Promise<string>>,
  signal: AbortSignal | undefined,
): Promise<SourceIdentity> {
  const addr = parseIp(ip);
  if (!addr)
    return { ptr: null, ptrConfirmed: null, sender: undefined, via: null, note: 'not an IP address' };
  const opts = signal ? { signal } : {};
  const answer = await resolver.query(reverseName(addr), 'PTR', opts);
  let ptr: string | null = null;
  let confirmed: boolean | null = null;
  let note: string | null = null;
  if (answer.rcode !== 'NOERROR' && answer.rcode !== 'NXDOMAIN') note = `PTR lookup ${answer.rcode}`;
  const names = answer.records.slice(0, MAX_PTR_NAMES).map((n) => String(n).replace(/\.$/, '').toLowerCase());
  for (const name of names) {
    const type = addr.family === 4 ? 'A' : 'AAAA';
    const fwd = await resolver.query(name, type, opts);
    if (fwd.rcode !== 'NOERROR' && fwd.rcode !== 'NXDOMAIN') {
      ptr ??= name;
      note = `forward lookup of ${name} ${fwd.rcode}`;
      continue;
    }
    const back = fwd.records.some((r) => parseIp(String(r))?.text === addr.text);
    if (back) {
      ptr = name;
      confirmed = true;
      note = null;
      break;
    }
    if (ptr === null) {
      ptr = name;
      confirmed = false;
    }
  }
  // only a confirmed PTR name vouches for an organisation (anyone can publish any PTR for their own addresses)
  const byPtr = ptr && confirmed ? senderByPtr(ptr, catalogue) : undefined;
  if (byPtr) return { ptr, ptrConfirmed: confirmed, sender: byPtr, via: 'ptr', note };
  let tried = 0;
  for (const s of catalogue) {
    for (const include of s.spf) {
      if (++tried > MAX_SPF_INCLUDES) break;
      const key = `${include}\u0000${addr.text}`;
      let r = spfCache.get(key);
      if (!r) {
        r = checkHost(
          { ip: addr.text, domain: include, sender: `postmaster@${include}` },
          { resolver, ...opts },
        ).then(
          (o) => o.result,
          () => 'temperror',
        );
        spfCache.set(key, r);
      }
      if ((await r) === 'pass') return { ptr, ptrConfirmed: confirmed, sender: s, via: 'spf', note };
    }
  }
  return { ptr, ptrConfirmed: confirmed, sender: undefined, via: null, note };
}

/**
 * Per source IP of `domain`'s stored aggregate reports: identity, class and reason; new
 * unauthorised sources (first seen at or after `newSince`) first, then by messages.
 */
export async function reportSources(store: ReportReader, options: SourcesOptions): Promise<SourceRow[]> {
  const filter: ReportFilter & { domain: string } = {
    domain: options.domain,
    ...(options.until !== undefined ? { until: options.until } : {}),
    ...(options.org !== undefined ? { org: options.org } : {}),
  };
  const stats = await store.sourceStats(filter);
  const catalogue = [...(options.catalogue ?? []), ...BUILTIN_CATALOGUE];
  const maxLookups = options.maxLookups ?? 500;
  const identities = new Map<string, SourceIdentity>();
  if (options.resolver) {
    const resolver = options.resolver;
    const spfCache = new Map<string, Promise<string>>();
    const queue = stats.slice(0, maxLookups).map((s) => s.ip);
    const worker = async () => {
      for (let ip = queue.shift(); ip !== undefined; ip = queue.shift()) {
        if (options.signal?.aborted) return;
        try {
          identities.set(ip, await identify(ip, resolver, catalogue, spfCache, options.signal));
        } catch (e) {
          identities.set(ip, {
            ptr: null,
            ptrConfirmed: null,
            sender: undefined,
            via: null,
            note: `lookup failed (${(e as Error).message})`,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  }
  const none = (note: string | null): SourceIdentity => ({
    ptr: null,
    ptrConfirmed: null,
    sender: undefined,
    via: null,
    note,
  });
  const rows = stats.map((s, i): SourceRow => {
    const id =
      identities.get(s.ip) ??
      none(
        options.resolver
          ? i >= maxLookups
            ? `not looked up (beyond the first ${maxLookups} sources)`
            : null
          : 'not looked up (no resolver)',
      );
    const c = classifySource(s, id);
    return {
      ip: s.ip,
      ptr: id.ptr,
      ptrConfirmed: id.ptrConfirmed,
      organisation: id.sender?.organisation ?? null,
      organisationKind: id.sender?.kind ?? null,
      messages: s.messages,
      dmarcPass: share(s.dmarcPass, s.messages),
      spfAligned: share(s.spfAligned, s.messages),
      dkimAligned: share(s.dkimAligned, s.messages),
      class: c.class,
      reason: id.note ? `${c.reason} (${id.note})` : c.reason,
      firstSeen: s.firstSeen,
      lastSeen: s.lastSeen,
      new: options.newSince !== undefined && s.firstSeen !== null && s.firstSeen >= options.newSince,
      envelopeDomains: s.envelopeDomains,
      dkimDomains: s.dkimDomains,
    };
  });
  const rank = (r: SourceRow) => (r.new && r.class === 'unauthorised' ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || b.messages - a.messages || a.ip.localeCompare(b.ip));
}
