/**
 * RFC 7208 check_host(): evaluates the SPF policy of a domain for one client address, over an
 * injected Resolver. Counts DNS-querying terms and void lookups (§4.6.4), follows include (§5.2)
 * and redirect (§6.1), fetches the explanation (§6.2) after a fail.
 */
import type { Answer, Resolver, RRType, TxtRecord } from '../../dns/types.ts';
import { type IpAddress, inPrefix, parseIp, reverseName } from '../../protocol/ip.ts';
import { expandParts, ipMacro, type MacroValues, parseMacroString, truncateDomain } from './macro.ts';
import { isSpfText, type Mechanism, parseSpf, type Qualifier, type SpfRecord } from './parse.ts';

/** RFC 7208 §4.6.4: at most 10 mechanisms and modifiers that query DNS per check. */
export const SPF_LOOKUP_LIMIT = 10;
/** RFC 7208 §4.6.4: more than 2 void lookups (NXDOMAIN or no answer) is a permerror. */
export const SPF_VOID_LOOKUP_LIMIT = 2;
/** RFC 7208 §4.6.4: an `mx` term may not look up more than 10 exchanges. */
export const SPF_MX_LIMIT = 10;
/** RFC 7208 §4.6.4: a `ptr` term (and %{p}) considers at most 10 PTR names. */
export const SPF_PTR_LIMIT = 10;

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface CheckHostRequest {
  /** the SMTP client address */
  readonly ip: string;
  /** the domain whose policy is evaluated (from the sender, or the HELO name) */
  readonly domain: string;
  /** MAIL FROM (or postmaster@helo); a sender without local part gets postmaster (§4.3) */
  readonly sender: string;
  /** HELO/EHLO name, for %{h} */
  readonly helo?: string;
  /** receiving host, for %{r} in explanations (default "unknown") */
  readonly receiver?: string;
}

export interface CheckHostOptions {
  readonly resolver: Resolver;
  readonly signal?: AbortSignal;
  /** for %{t} */
  readonly now?: () => Date;
}

export interface CheckHostOutcome {
  readonly result: SpfResult;
  /** only when a fail came with a usable exp= explanation */
  readonly explanation?: string;
  /** why, for a human: the term that matched or the error */
  readonly reason: string;
  readonly domain: string;
  /** DNS-querying terms evaluated (§4.6.4) */
  readonly lookups: number;
  readonly voidLookups: number;
}

const QUALIFIER_RESULT: Record<Qualifier, SpfResult> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
};

/** §4.3: a multi-label name with labels of 1–63 octets (no domain literal). */
export function isValidSpfDomain(domain: string): boolean {
  const d = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (d.length === 0 || d.length > 253 || /[[\]\s]/.test(d)) return false;
  const labels = d.split('.');
  return labels.length >= 2 && labels.every((l) => l.length >= 1 && l.length <= 63);
}

/**
 * §2.3–2.4, §4.3: the domain and sender check_host works on. Without a domain it comes from the
 * sender, or from the HELO name when the sender is empty (then the sender is postmaster@helo);
 * a sender without a local part gets postmaster.
 */
export function spfIdentity(input: { domain?: string; sender?: string; helo?: string }): {
  domain: string;
  sender: string;
} {
  let sender = input.sender ?? '';
  if (sender === '' && input.helo) sender = `postmaster@${input.helo}`;
  const at = sender.lastIndexOf('@');
  if (sender !== '' && at < 0) sender = `postmaster@${sender}`;
  else if (at === 0) sender = `postmaster${sender}`;
  const fromSender = sender === '' ? '' : sender.slice(sender.lastIndexOf('@') + 1);
  return { domain: input.domain ?? fromSender, sender };
}

type Abort = { readonly abort: 'permerror' | 'temperror'; readonly reason: string };
type Step = boolean | Abort;
type Inner = { result: SpfResult; reason: string; explanation?: string };

interface State {
  lookups: number;
  voids: number;
  readonly resolver: Resolver;
  readonly signal: AbortSignal | undefined;
  readonly now: () => Date;
  readonly ip: IpAddress;
  readonly sender: string;
  readonly local: string;
  readonly senderDomain: string;
  readonly helo: string;
  readonly receiver: string;
  readonly validated: Map<string, string>;
}

const isFailure = (a: Answer<unknown>) => a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN';
const temp = (a: Answer<unknown>): Abort => ({
  abort: 'temperror',
  reason: `DNS ${a.rcode} for ${a.type} ${a.name}`,
});

function query<T extends RRType>(st: State, name: string, type: T) {
  return st.resolver.query(name, type, st.signal ? { signal: st.signal } : {});
}

/** Counts one DNS-querying term (§4.6.4). */
function count(st: State, term: string): Abort | null {
  st.lookups++;
  return st.lookups > SPF_LOOKUP_LIMIT
    ? { abort: 'permerror', reason: `more than ${SPF_LOOKUP_LIMIT} DNS lookups (at ${term})` }
    : null;
}

/** Counts a void lookup when the answer is empty (§4.6.4). */
function voidCheck(st: State, a: Answer<unknown>, term: string): Abort | null {
  if (a.records.length > 0) return null;
  st.voids++;
  return st.voids > SPF_VOID_LOOKUP_LIMIT
    ? { abort: 'permerror', reason: `more than ${SPF_VOID_LOOKUP_LIMIT} void lookups (at ${term})` }
    : null;
}

/** Domain names of the client address that resolve back to it (§5.5), at most 10 considered. */
async function validatedNames(
  st: State,
  ptr: Answer<string>,
  filter?: (name: string) => boolean,
): Promise<string[]> {
  if (isFailure(ptr)) return [];
  const names = ptr.records.slice(0, SPF_PTR_LIMIT).map((n) => n.toLowerCase().replace(/\.$/, ''));
  const out: string[] = [];
  for (const name of names) {
    if (filter && !filter(name)) continue;
    const a = await query(st, name, st.ip.family === 4 ? 'A' : 'AAAA');
    if (isFailure(a)) continue;
    if (a.records.some((r) => parseIp(r)?.text === st.ip.text)) out.push(name);
  }
  return out;
}

/** %{p}: the validated name, preferring the domain itself, then its subdomains (§7.3). */
async function pMacro(st: State, domain: string): Promise<string> {
  const cached = st.validated.get(domain);
  if (cached !== undefined) return cached;
  const list = await validatedNames(st, await query(st, reverseName(st.ip), 'PTR'));
  const d = domain.toLowerCase();
  const pick = list.find((n) => n === d) ?? list.find((n) => n.endsWith(`.${d}`)) ?? list[0] ?? 'unknown';
  st.validated.set(domain, pick);
  return pick;
}

async function macroValues(st: State, domain: string, letters: Set<string>): Promise<MacroValues> {
  const v: MacroValues = {
    s: st.sender,
    l: st.local,
    o: st.senderDomain,
    d: domain,
    i: ipMacro(st.ip.text, st.ip.family),
    h: st.helo,
    v: st.ip.family === 4 ? 'in-addr' : 'ip6',
    c: st.ip.text,
    r: st.receiver,
    t: String(Math.floor(st.now().getTime() / 1000)),
  };
  if (letters.has('p')) v.p = await pMacro(st, domain);
  return v;
}

/** Expands a domain-spec to a query name; null when the result is not a usable name (§4.8). */
async function targetName(st: State, spec: string | undefined, domain: string): Promise<string | null> {
  if (spec === undefined) return domain;
  const m = parseMacroString(spec);
  if (!m.ok) return null; // the parser rejected the record already
  const letters = new Set(m.parts.flatMap((p) => (p.kind === 'macro' ? [p.letter] : [])));
  const text = expandParts(m.parts, letters.size ? await macroValues(st, domain, letters) : {}).text;
  const name = truncateDomain(text);
  const labels = name.split('.');
  if (name === '' || labels.some((l) => l.length === 0 || l.length > 63)) return null;
  return name;
}

async function matchAddress(st: State, name: string, m: Mechanism): Promise<Step> {
  const type = st.ip.family === 4 ? 'A' : 'AAAA';
  const a = await query(st, name, type);
  if (isFailure(a)) return temp(a);
  const v = voidCheck(st, a, m.text);
  if (v) return v;
  const prefix = st.ip.family === 4 ? (m.cidr4 ?? 32) : (m.cidr6 ?? 128);
  return a.records.some((r) => {
    const ip = parseIp(r);
    return ip !== null && inPrefix(st.ip, ip, prefix);
  });
}

async function matchMechanism(st: State, m: Mechanism, domain: string): Promise<Step> {
  switch (m.name) {
    case 'all':
      return true;
    case 'ip4':
    case 'ip6': {
      const net = parseIp(m.network!);
      if (!net || net.family !== (m.name === 'ip4' ? 4 : 6)) return false;
      return inPrefix(st.ip, net, m.name === 'ip4' ? (m.cidr4 ?? 32) : (m.cidr6 ?? 128));
    }
    case 'a': {
      const name = await targetName(st, m.domainSpec, domain);
      return name === null ? false : matchAddress(st, name, m);
    }
    case 'mx': {
      const name = await targetName(st, m.domainSpec, domain);
      if (name === null) return false;
      const mx = await query(st, name, 'MX');
      if (isFailure(mx)) return temp(mx);
      const v = voidCheck(st, mx, m.text);
      if (v) return v;
      if (mx.records.length > SPF_MX_LIMIT) {
        return {
          abort: 'permerror',
          reason: `${m.text}: ${mx.records.length} MX hosts, more than ${SPF_MX_LIMIT}`,
        };
      }
      const type = st.ip.family === 4 ? 'A' : 'AAAA';
      const prefix = st.ip.family === 4 ? (m.cidr4 ?? 32) : (m.cidr6 ?? 128);
      for (const r of mx.records) {
        if (r.exchange === '') continue; // Null MX
        const a = await query(st, r.exchange, type);
        if (isFailure(a)) return temp(a);
        if (a.records.some((x) => ((ip) => ip !== null && inPrefix(st.ip, ip, prefix))(parseIp(x))))
          return true;
      }
      return false;
    }
    case 'ptr': {
      const name = await targetName(st, m.domainSpec, domain);
      if (name === null) return false;
      const target = name.toLowerCase();
      const ptr = await query(st, reverseName(st.ip), 'PTR');
      if (isFailure(ptr)) return false; // §5.5: a DNS error here means no match
      const v = voidCheck(st, ptr, m.text);
      if (v) return v;
      const names = await validatedNames(st, ptr, (n) => n === target || n.endsWith(`.${target}`));
      return names.length > 0;
    }
    case 'exists': {
      const name = await targetName(st, m.domainSpec, domain);
      if (name === null) return false;
      const a = await query(st, name, 'A'); // always A, whatever the client's family (§5.7)
      if (isFailure(a)) return temp(a);
      const v = voidCheck(st, a, m.text);
      if (v) return v;
      return a.records.length > 0;
    }
    case 'include': {
      const name = await targetName(st, m.domainSpec, domain);
      if (name === null) return { abort: 'permerror', reason: `${m.text}: the target is not a valid name` };
      const r = await evaluateDomain(st, name);
      switch (r.result) {
        case 'pass':
          return true;
        case 'fail':
        case 'softfail':
        case 'neutral':
          return false;
        case 'temperror':
          return { abort: 'temperror', reason: `${m.text}: ${r.reason}` };
        case 'none':
          return { abort: 'permerror', reason: `${m.text}: ${name} has no SPF record` };
        default:
          return { abort: 'permerror', reason: `${m.text}: ${r.reason}` };
      }
    }
  }
}

/** §6.2: the explanation string, or undefined when anything about it fails. */
async function explain(st: State, record: SpfRecord, domain: string): Promise<string | undefined> {
  const exp = record.exp;
  if (!exp) return undefined;
  const name = await targetName(st, exp.value, domain);
  if (name === null) return undefined;
  const txt = await query(st, name, 'TXT');
  if (txt.rcode !== 'NOERROR' || txt.records.length !== 1) return undefined;
  const text = (txt.records[0] as TxtRecord).text;
  if (/[^\x20-\x7e]/.test(text)) return undefined;
  const m = parseMacroString(text, true);
  if (!m.ok) return undefined;
  const letters = new Set(m.parts.flatMap((p) => (p.kind === 'macro' ? [p.letter] : [])));
  return expandParts(m.parts, await macroValues(st, domain, letters)).text;
}

/** §4.4–4.5: the one SPF record of a domain. */
export async function fetchSpfRecord(
  resolver: Resolver,
  domain: string,
  signal?: AbortSignal,
): Promise<{ kind: 'one'; text: string } | { kind: 'none' } | { kind: 'many'; texts: string[] } | Abort> {
  const txt = await resolver.query(domain, 'TXT', signal ? { signal } : {});
  if (isFailure(txt)) return temp(txt);
  const texts = txt.records.map((r) => r.text).filter(isSpfText);
  if (texts.length === 0) return { kind: 'none' };
  if (texts.length > 1) return { kind: 'many', texts };
  return { kind: 'one', text: texts[0]! };
}

async function evaluateDomain(st: State, domain: string): Promise<Inner> {
  const found = await fetchSpfRecord(st.resolver, domain, st.signal);
  if ('abort' in found) return { result: found.abort, reason: found.reason };
  if (found.kind === 'none') return { result: 'none', reason: `${domain} has no SPF record` };
  if (found.kind === 'many')
    return { result: 'permerror', reason: `${domain} has ${found.texts.length} SPF records` };
  const parsed = parseSpf(found.text);
  if (!parsed.ok) {
    const p = parsed.problems.find((x) => x.fatal)!;
    return {
      result: 'permerror',
      reason: `${domain}: ${p.code} at ${p.at ?? 0}${p.text ? ` (${JSON.stringify(p.text)})` : ''}`,
    };
  }
  const record = parsed.record;
  for (const m of record.mechanisms) {
    if (m.name !== 'all' && m.name !== 'ip4' && m.name !== 'ip6') {
      const over = count(st, m.text);
      if (over) return { result: over.abort, reason: over.reason };
    }
    const step = await matchMechanism(st, m, domain);
    if (typeof step === 'object') return { result: step.abort, reason: step.reason };
    if (step) {
      const result = QUALIFIER_RESULT[m.qualifier];
      const reason = `${domain}: matched ${m.text}`;
      if (result === 'fail') {
        const explanation = await explain(st, record, domain);
        if (explanation !== undefined) return { result, reason, explanation };
      }
      return { result, reason };
    }
  }
  if (record.redirect) {
    const over = count(st, record.redirect.text);
    if (over) return { result: over.abort, reason: over.reason };
    const name = await targetName(st, record.redirect.value, domain);
    if (name === null) return { result: 'permerror', reason: `${record.redirect.text}: not a valid name` };
    const r = await evaluateDomain(st, name);
    if (r.result === 'none')
      return { result: 'permerror', reason: `${record.redirect.text}: ${name} has no SPF record` };
    return r;
  }
  return { result: 'neutral', reason: `${domain}: no mechanism matched` };
}

/** RFC 7208 §4 check_host(ip, domain, sender). */
export async function checkHost(req: CheckHostRequest, options: CheckHostOptions): Promise<CheckHostOutcome> {
  const ip = parseIp(req.ip);
  if (!ip) throw new TypeError(`checkHost: "${req.ip}" is not an IP address`);
  const domain = req.domain.endsWith('.') ? req.domain.slice(0, -1) : req.domain;
  const base = { domain, lookups: 0, voidLookups: 0 };
  if (!isValidSpfDomain(domain))
    return { ...base, result: 'none', reason: `"${req.domain}" is not a valid domain name (§4.3)` };
  const at = req.sender.lastIndexOf('@');
  const local = at > 0 ? req.sender.slice(0, at) : 'postmaster';
  const senderDomain = at >= 0 ? req.sender.slice(at + 1) : req.sender || domain;
  const st: State = {
    lookups: 0,
    voids: 0,
    resolver: options.resolver,
    signal: options.signal,
    now: options.now ?? (() => new Date()),
    ip,
    sender: `${local}@${senderDomain}`,
    local,
    senderDomain,
    helo: req.helo ?? '',
    receiver: req.receiver ?? 'unknown',
    validated: new Map(),
  };
  const r = await evaluateDomain(st, domain);
  return {
    domain,
    result: r.result,
    reason: r.reason,
    lookups: st.lookups,
    voidLookups: st.voids,
    ...(r.explanation !== undefined ? { explanation: r.explanation } : {}),
  };
}

/**
 * What `mailsec spf --ip` runs: the identity from domain / sender / HELO (§2.3–2.4, §4.3), then
 * check_host. A domain that is not a valid name gives `none`.
 */
export function checkHostFor(
  input: { ip: string; domain?: string; sender?: string; helo?: string; receiver?: string },
  options: CheckHostOptions,
): Promise<CheckHostOutcome> {
  const id = spfIdentity(input);
  return checkHost(
    {
      ip: input.ip,
      domain: id.domain,
      sender: id.sender,
      ...(input.helo !== undefined ? { helo: input.helo } : {}),
      ...(input.receiver !== undefined ? { receiver: input.receiver } : {}),
    },
    options,
  );
}
