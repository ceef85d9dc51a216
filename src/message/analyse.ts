/**
 * Verdicts from the parsed headers and the gathered evidence, without I/O: DKIM per signature
 * (body hash vs signature, key problems, l= and over-signing), ARC per instance, DMARC (RFC 9989
 * alignment, the policy that applies, what a receiver does, the ARC override note of RFC 8617
 * §7.2), what each receiver wrote and where mailsec agrees with it, and one verdict sentence.
 */
import { checkDkim } from '../checks/dkim/check.ts';
import { parseDkimKey } from '../checks/dkim/parse.ts';
import type { DmarcLookup } from '../checks/dmarc/discovery.ts';
import {
  discoverPolicy,
  effectivePolicy,
  pslOrgDomain,
  treeWalkOrgDomain,
} from '../checks/dmarc/discovery.ts';
import { isSubdomainOf } from '../core/names.ts';
import { parseTagList } from '../protocol/tag-list.ts';
import type { AuthResult, AuthResultsHeader } from './auth-results.ts';
import { parseAuthResults, parseReceivedSpf } from './auth-results.ts';
import { explainHeader, explainResult } from './explain.ts';
import type { DkimRaw, Evidence } from './gather.ts';
import type { HeaderField } from './headers.ts';
import type { RecordedAnswer } from './mailauth-dns.ts';
import type { MicrosoftReport } from './microsoft.ts';
import type { Boundary } from './received.ts';
import type {
  ArcInstance,
  ArcVerdict,
  BimiVerdict,
  Comparison,
  DkimKeyInfo,
  DkimVerdict,
  DkimVerdictResult,
  DmarcAction,
  DmarcVerdict,
  ReceivedResults,
  SpfVerdict,
} from './types.ts';

// ---------------------------------------------------------------------------------------------
// Alignment (RFC 9989 §4.4: strict = same name; relaxed = same Organizational Domain)

export function orgDomainOf(domain: string, walks: ReadonlyMap<string, readonly DmarcLookup[]>): string {
  const walk = walks.get(domain);
  return walk ? treeWalkOrgDomain(domain, walk) : pslOrgDomain(domain);
}

export function isAligned(
  id: string,
  from: string,
  mode: 'r' | 's',
  walks: ReadonlyMap<string, readonly DmarcLookup[]>,
): boolean {
  const a = id.toLowerCase().replace(/\.$/, '');
  const b = from.toLowerCase().replace(/\.$/, '');
  if (a === b) return true;
  if (mode === 's') return false;
  return orgDomainOf(a, walks) === orgDomainOf(b, walks);
}

// ---------------------------------------------------------------------------------------------
// DKIM

const IMPORTANT = ['from', 'subject', 'to', 'cc', 'date', 'reply-to', 'message-id', 'content-type'];

function keyInfo(d: string, s: string, seen: ReadonlyMap<string, RecordedAnswer>): DkimKeyInfo {
  const name = `${s}._domainkey.${d}`.toLowerCase();
  const a = seen.get(`TXT ${name}`);
  if (!a) return { name, record: null, lookup: 'not-fetched', revoked: false, testing: false, findings: [] };
  if (a.rcode !== 'NOERROR' && a.rcode !== 'NXDOMAIN')
    return { name, record: null, lookup: 'error', revoked: false, testing: false, findings: [] };
  const texts = (a.records as { text: string }[]).map((r) => r.text);
  if (a.rcode === 'NXDOMAIN' || texts.length === 0)
    return {
      name,
      record: null,
      lookup: a.rcode === 'NXDOMAIN' ? 'nxdomain' : 'nodata',
      revoked: false,
      testing: false,
      findings: [],
    };
  const checked = checkDkim({
    domain: d,
    selectorList: 'full',
    domainkeyNode: true,
    tried: [s],
    answers: [{ selector: s, name, outcome: 'found', records: texts, cname: null }],
  });
  const sel = checked.evidence.selectors[0];
  return {
    name,
    record: sel?.record ?? texts[0]!,
    lookup: 'found',
    revoked: sel?.revoked ?? false,
    testing: sel?.testing ?? false,
    findings: checked.findings.map((f) => ({ id: f.id, severity: f.severity, message: f.message })),
  };
}

function lookupText(a: RecordedAnswer | undefined, name: string): string {
  if (!a) return `the key ${name} was not looked up`;
  switch (a.rcode) {
    case 'TIMEOUT':
      return `the key lookup for ${name} timed out`;
    case 'NETERROR':
      return `the resolver could not be reached for ${name}${a.detail ? ` (${a.detail})` : ''}`;
    default:
      return `the resolver answered ${a.rcode} for ${name}`;
  }
}

function classifyDkim(
  r: DkimRaw,
  key: DkimKeyInfo | null,
  seen: ReadonlyMap<string, RecordedAnswer>,
): { result: DkimVerdictResult; failure: DkimVerdict['failure']; reason: string } {
  const name = key?.name ?? '(no key name)';
  const comment = r.comment ?? '';
  switch (r.result) {
    case 'pass':
      return { result: 'pass', failure: null, reason: 'the signature verified' };
    case 'fail':
      return {
        result: 'fail',
        failure: 'signature',
        reason:
          'the signature over the signed header fields did not verify: a signed header (Subject, From, …) was changed after signing, or the published key is not the one that signed',
      };
    case 'temperror':
      return {
        result: 'temperror',
        failure: 'dns',
        reason: `${lookupText(seen.get(`TXT ${name}`), name)}: the signature could not be tested (not a failure; try again)`,
      };
    case 'policy':
      return {
        result: 'policy',
        failure: 'weak-key',
        reason:
          'the signature verified, but its RSA key is shorter than 1024 bits: verifiers must not accept it (RFC 8301 §3.2)',
      };
    case 'neutral':
      break;
    default:
      return { result: r.result as DkimVerdictResult, failure: null, reason: comment || r.result };
  }
  if (comment === 'body hash did not verify')
    return {
      result: 'fail',
      failure: 'body-hash',
      reason:
        'the body hash (bh=) does not match: the body was changed after signing (a mailing-list footer, a disclaimer, re-encoding by a later hop)',
    };
  if (comment === 'no key')
    return {
      result: 'permerror',
      failure: 'key',
      reason:
        key?.lookup === 'nxdomain'
          ? `no key: ${name} does not exist (NXDOMAIN): the selector was removed, or never published`
          : `no key: ${name} has no TXT record`,
    };
  if (key?.revoked)
    return { result: 'permerror', failure: 'key', reason: `the key ${name} is revoked (empty p=)` };
  if (/key|hash algorithm/i.test(comment))
    return { result: 'permerror', failure: 'key', reason: `${comment} at ${name}` };
  if (/expir/i.test(comment))
    return { result: 'neutral', failure: 'expired', reason: `the signature has expired (x=)` };
  return { result: 'neutral', failure: 'syntax', reason: comment || 'the signature could not be processed' };
}

function dkimNotes(r: DkimRaw, fields: readonly HeaderField[]): string[] {
  const notes: string[] = [];
  if (r.bodyLimited && r.bodyLimit !== null) {
    const total = r.bodyTotal ?? r.bodyLimit;
    notes.push(
      total > r.bodyLimit
        ? `l=${r.bodyLimit}: only the first ${r.bodyLimit} of ${total} body octets are signed; ${total - r.bodyLimit} octets after them are not covered (anyone can append content, RFC 6376 §8.2)`
        : `l=${r.bodyLimit} covers the whole body, but content appended later would not break the signature (RFC 6376 §8.2)`,
    );
  }
  const h = r.signedHeaders.map((k) => k.toLowerCase());
  const count = (k: string) => fields.filter((f) => f.key === k).length;
  const inH = (k: string) => h.filter((x) => x === k).length;
  const notOver: string[] = [];
  const over: string[] = [];
  for (const k of IMPORTANT) {
    const m = count(k);
    const s = inH(k);
    if (s === 0) {
      if (m > 0 && k !== 'from')
        notes.push(`${k} is present but not signed: it can be changed without breaking the signature`);
      continue;
    }
    if (m > s)
      notes.push(
        `the message has ${m} ${k} fields but the signature covers ${s}: ${m - s} was added after signing and is not covered (a DKIM replay or a later hop)`,
      );
    else if (m === s && m > 0) notOver.push(k);
    else if (s > m) over.push(k);
  }
  if (over.length)
    notes.push(`over-signed: ${over.join(', ')} (a field added in transit breaks the signature)`);
  if (notOver.includes('from'))
    notes.push(
      `not over-signed: ${notOver.join(', ')} (h= lists each as often as it appears, so one more added in transit would not break the signature; list them once more in h=, RFC 6376 §8.15)`,
    );
  return notes;
}

export function dkimVerdicts(
  raw: readonly DkimRaw[],
  ev: Pick<Evidence, 'seen' | 'walks'>,
  fields: readonly HeaderField[],
  from: string | null,
  adkim: 'r' | 's',
): DkimVerdict[] {
  return raw.map((r) => {
    const key = r.domain && r.selector ? keyInfo(r.domain, r.selector, ev.seen) : null;
    const c = classifyDkim(r, key, ev.seen);
    let keyType: string | null = r.algorithm?.split('-')[0] ?? null;
    let keyBits = r.modulusLength;
    if (key?.record) {
      const parsed = parseDkimKey(key.record);
      if (parsed.ok) {
        keyType = parsed.value.keyType;
        keyBits = parsed.value.keyBits ?? keyBits;
      }
    }
    if (keyType === 'ed25519' && keyBits === null) keyBits = 256;
    return {
      domain: r.domain,
      selector: r.selector,
      algorithm: r.algorithm,
      keyType,
      keyBits,
      result: c.result,
      reason: c.reason,
      failure: c.failure,
      aligned: from && r.domain ? isAligned(r.domain, from, adkim, ev.walks) : null,
      identity: r.identity,
      canonicalization: r.canonicalization,
      signedHeaders: r.signedHeaders,
      bodyLength:
        r.bodyLimited && r.bodyLimit !== null
          ? { limit: r.bodyLimit, total: r.bodyTotal ?? r.bodyLimit }
          : null,
      signTime: r.signTime,
      expires: r.expires,
      notes: dkimNotes(r, fields),
      key,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// ARC

export function trustedSealer(domain: string | null, sealers: readonly string[]): boolean {
  if (!domain) return false;
  const d = domain.toLowerCase();
  return sealers.some((s) => {
    const t = s.toLowerCase().replace(/\.$/, '');
    return d === t || isSubdomainOf(d, t);
  });
}

function claimsOf(h: AuthResultsHeader | undefined): ArcInstance['claims'] {
  const get = (m: string) => {
    const rs = h?.results.filter((r) => r.method === m) ?? [];
    return rs.length ? rs.map((r) => r.result).join(',') : null;
  };
  return { spf: get('spf'), dkim: get('dkim'), dmarc: get('dmarc'), arc: get('arc') };
}

export function arcVerdict(
  ev: Pick<Evidence, 'arc'>,
  fields: readonly HeaderField[],
  trustedSealers: readonly string[],
): ArcVerdict {
  const seals = new Map<number, Record<string, string>>();
  for (const f of fields.filter((x) => x.key === 'arc-seal')) {
    const tags: Record<string, string> = {};
    for (const t of parseTagList(f.value.replace(/\s+/g, ' ')).tags)
      tags[t.key] = t.value.replace(/\s+/g, '');
    const i = Number(tags.i);
    if (Number.isInteger(i) && !seals.has(i)) seals.set(i, tags);
  }
  const aars = new Map<number, AuthResultsHeader>();
  for (const f of fields.filter((x) => x.key === 'arc-authentication-results')) {
    const h = parseAuthResults(f.value, { arc: true });
    if (h.instance !== undefined && !aars.has(h.instance)) aars.set(h.instance, h);
  }
  const raw = ev.arc;
  const n = Math.max(raw?.instances ?? 0, ...seals.keys(), 0);
  const chain: ArcInstance[] = [];
  for (let i = 1; i <= Math.min(n, 50); i++) {
    const s = seals.get(i);
    const domain = s?.d?.toLowerCase() ?? null;
    chain.push({
      instance: i,
      domain,
      selector: s?.s ?? null,
      algorithm: s?.a ?? null,
      cv: s?.cv?.toLowerCase() ?? null,
      sealValid: raw?.sealValid[i - 1] ?? null,
      amsValid: raw?.amsValid[i - 1] ?? null,
      authservId: aars.get(i)?.authservId ?? null,
      claims: claimsOf(aars.get(i)),
      trusted: trustedSealer(domain, trustedSealers),
    });
  }
  if (!raw || n === 0)
    return {
      result: 'none',
      reason: 'the message has no ARC chain',
      instances: 0,
      undetermined: false,
      chain,
    };
  const result = raw.result === 'pass' ? 'pass' : raw.result === 'none' ? 'none' : 'fail';
  const undetermined = result === 'fail' && raw.code !== null;
  let reason: string;
  if (result === 'pass')
    reason = `all ${n} seal${n === 1 ? '' : 's'} and the newest ARC-Message-Signature (i=${n}) verify`;
  else if (undetermined)
    reason = `a key lookup failed (${raw.code}): the chain could not be validated, which says nothing about tampering; try again`;
  else {
    const badSeal = chain.find((c) => c.sealValid === false);
    const badAms = chain.at(-1)?.amsValid === false;
    reason = raw.comment
      ? `${raw.comment}${badSeal ? ` (the seal of i=${badSeal.instance} by ${badSeal.domain ?? '?'} does not verify)` : badAms ? ` (the ARC-Message-Signature of i=${n} does not verify: the message changed after the last seal)` : ''}`
      : 'the chain did not validate';
  }
  return { result, reason, instances: n, undetermined, chain };
}

// ---------------------------------------------------------------------------------------------
// DMARC

function lowered(p: DmarcAction): DmarcAction {
  return p === 'reject' ? 'quarantine' : 'none';
}

export function dmarcVerdict(input: {
  from: { domain: string | null; addresses: number };
  spf: SpfVerdict | null;
  dkim: readonly DkimVerdict[];
  arc: ArcVerdict;
  ev: Pick<Evidence, 'walks' | 'fromExists'>;
}): { verdict: DmarcVerdict; adkim: 'r' | 's'; aspf: 'r' | 's' } {
  const { from, spf, ev } = input;
  const empty = (result: DmarcVerdict['result'], reason: string): DmarcVerdict => ({
    result,
    reason,
    domain: from.domain,
    record: null,
    policyDomain: null,
    policy: null,
    policySource: null,
    p: null,
    sp: null,
    np: null,
    testing: false,
    orgDomain: from.domain ? orgDomainOf(from.domain, ev.walks) : null,
    alignment: { spf: 'relaxed', dkim: 'relaxed' },
    spfAligned: false,
    dkimAligned: false,
    alignedDkimDomain: null,
    disposition: {
      action: 'none',
      overridePossible: false,
      override: null,
      note:
        result === 'none'
          ? 'no DMARC policy: receivers apply their own rules'
          : result === 'temperror'
            ? 'the policy could not be looked up: receivers typically retry or deliver'
            : 'the author domain cannot be determined: receivers may treat the message as suspicious (RFC 9989 §11.5)',
    },
  });
  if (from.addresses !== 1 || !from.domain)
    return {
      verdict: empty(
        'permerror',
        from.addresses === 0
          ? 'the message has no usable From address: DMARC needs exactly one author domain'
          : `the From field holds ${from.addresses} addresses: DMARC needs exactly one author domain`,
      ),
      adkim: 'r',
      aspf: 'r',
    };
  const walk = ev.walks.get(from.domain) ?? [];
  const found = discoverPolicy(walk);
  if (found.undetermined)
    return {
      verdict: empty('temperror', `the DMARC lookup failed: ${found.undetermined.reason ?? 'DNS error'}`),
      adkim: 'r',
      aspf: 'r',
    };
  if (!found.record || !found.parsed) {
    const why = found.at
      ? `_dmarc.${found.at.domain} holds several DMARC records, so none applies (RFC 9989 §4.10)`
      : `no DMARC record at _dmarc.${from.domain} or any parent (RFC 9989 tree walk)`;
    const v = empty('none', why);
    // alignment is still worth showing (relaxed, the default)
    const spfAligned =
      spf?.result === 'pass' && !!spf.domain && isAligned(spf.domain, from.domain, 'r', ev.walks);
    const dk = input.dkim.find((d) => d.result === 'pass' && d.aligned);
    return {
      verdict: { ...v, spfAligned, dkimAligned: !!dk, alignedDkimDomain: dk?.domain ?? null },
      adkim: 'r',
      aspf: 'r',
    };
  }
  const r = found.parsed;
  const policyDomain = found.at!.domain;
  const orgDomain = treeWalkOrgDomain(from.domain, walk);
  const spfAligned =
    spf?.result === 'pass' && !!spf.domain && isAligned(spf.domain, from.domain, r.aspf, ev.walks);
  const dkimPass = input.dkim.filter(
    (d) => d.result === 'pass' && d.domain && isAligned(d.domain, from.domain!, r.adkim, ev.walks),
  );
  const dkimAligned = dkimPass.length > 0;
  const published = effectivePolicy(from.domain, policyDomain, r, ev.fromExists);
  const policySource: DmarcVerdict['policySource'] =
    policyDomain === from.domain ? 'p' : ev.fromExists === false && r.np ? 'np' : r.sp ? 'sp' : 'p';
  const policy = published && r.testing ? lowered(published) : published;
  let result: DmarcVerdict['result'];
  let reason: string;
  const ids: string[] = [];
  if (spfAligned) ids.push(`SPF (${spf!.domain})`);
  if (dkimAligned) ids.push(`DKIM (d=${dkimPass[0]!.domain})`);
  if (ids.length) {
    result = 'pass';
    reason = `aligned and passing: ${ids.join(' and ')}`;
  } else {
    // a temporary failure of an identifier that could have aligned leaves the result open
    const spfTemp =
      spf?.result === 'temperror' && !!spf.domain && isAligned(spf.domain, from.domain, r.aspf, ev.walks);
    const dkimTemp = input.dkim.some(
      (d) => d.result === 'temperror' && d.domain && isAligned(d.domain, from.domain!, r.adkim, ev.walks),
    );
    const parts: string[] = [];
    if (!spf || spf.result === null) parts.push('SPF was not evaluated (no client IP)');
    else if (spf.result !== 'pass') parts.push(`SPF ${spf.result} for ${spf.domain ?? '?'}`);
    else
      parts.push(`SPF passes for ${spf.domain} but it is not aligned with ${from.domain} (aspf=${r.aspf})`);
    const passing = input.dkim.filter((d) => d.result === 'pass');
    if (input.dkim.length === 0) parts.push('no DKIM signature');
    else if (passing.length)
      parts.push(
        `DKIM passes only for ${passing.map((d) => `d=${d.domain}`).join(', ')}, not aligned with ${from.domain} (adkim=${r.adkim})`,
      );
    else
      parts.push(
        `no DKIM signature passes (${input.dkim.map((d) => `d=${d.domain}: ${d.result}`).join(', ')})`,
      );
    if (spfTemp || dkimTemp) {
      result = 'temperror';
      reason = `${parts.join('; ')}; an aligned identifier could not be tested (DNS), so the result is open`;
    } else {
      result = 'fail';
      reason = parts.join('; ');
    }
  }
  // what a receiver honouring the policy does, and the ARC override (RFC 8617 §7.2)
  const action: DmarcAction = result === 'fail' && policy ? policy : 'none';
  let override: DmarcVerdict['disposition']['override'] = null;
  if (result === 'fail' && input.arc.result === 'pass') {
    const t = input.arc.chain.find(
      (c) =>
        c.trusted &&
        (c.claims.dmarc === 'pass' || c.claims.dkim?.split(',').includes('pass') || c.claims.spf === 'pass'),
    );
    if (t)
      override = {
        sealer: t.domain!,
        instance: t.instance,
        claims: [
          t.claims.spf && `spf=${t.claims.spf}`,
          t.claims.dkim && `dkim=${t.claims.dkim}`,
          t.claims.dmarc && `dmarc=${t.claims.dmarc}`,
        ]
          .filter(Boolean)
          .join(' '),
      };
  }
  const policyText = policy
    ? `${policySource}=${published}${r.testing ? ' under t=y (applied one step lower)' : ''}`
    : 'no policy (p missing)';
  let note: string;
  if (result === 'pass') note = 'DMARC passes: a receiver delivers (no DMARC action)';
  else if (result === 'temperror') note = 'the result is open (DNS): receivers typically defer or deliver';
  else if (override)
    note = `DMARC fails and ${policyText} asks receivers to ${action === 'none' ? 'take no action' : action}; but the ARC chain validates and trusted sealer ${override.sealer} (i=${override.instance}) recorded ${override.claims} before the message changed: a receiver whose local policy trusts ${override.sealer} may override the policy and deliver. DMARC itself stays fail (RFC 8617 §7.2)`;
  else if (
    input.arc.result === 'pass' &&
    input.arc.chain.some((c) => c.claims.dmarc === 'pass' || c.claims.dkim === 'pass')
  )
    note = `DMARC fails and ${policyText} asks receivers to ${action === 'none' ? 'take no action' : action}; an ARC chain carries earlier passing results, but from sealers not in --trusted-sealers (${input.arc.chain.map((c) => c.domain).join(', ')}), so no override applies`;
  else
    note = `DMARC fails: ${policyText} asks receivers to ${action === 'none' ? 'take no action (monitoring only)' : action}`;
  return {
    verdict: {
      result,
      reason,
      domain: from.domain,
      record: found.record,
      policyDomain,
      policy,
      policySource,
      p: r.p,
      sp: r.sp,
      np: r.np,
      testing: r.testing,
      orgDomain,
      alignment: { spf: r.aspf === 's' ? 'strict' : 'relaxed', dkim: r.adkim === 's' ? 'strict' : 'relaxed' },
      spfAligned,
      dkimAligned,
      alignedDkimDomain: dkimPass[0]?.domain ?? null,
      disposition: { action, overridePossible: override !== null, override, note },
    },
    adkim: r.adkim,
    aspf: r.aspf,
  };
}

// ---------------------------------------------------------------------------------------------
// What the receivers wrote

/** Whether a receiver's header lies inside the trust boundary (RFC 8601 §5). */
export function insideBoundary(
  boundary: Pick<Boundary, 'trustedAbove'>,
  authservId: string | undefined,
): (field: number, id: string | null) => boolean {
  if (authservId !== undefined)
    return (_f, id) => id !== null && id.toLowerCase() === authservId.toLowerCase();
  return (f) => boundary.trustedAbove > 0 && f < boundary.trustedAbove;
}

export function receivedResults(
  fields: readonly HeaderField[],
  isTrusted: (field: number, id: string | null) => boolean,
  trustedSealers: readonly string[],
): ReceivedResults[] {
  const out: ReceivedResults[] = [];
  const sealers = new Map<number, string>();
  for (const f of fields.filter((x) => x.key === 'arc-seal')) {
    const tags = parseTagList(f.value.replace(/\s+/g, ' ')).tags;
    const i = Number(tags.find((t) => t.key === 'i')?.value);
    const d = tags.find((t) => t.key === 'd')?.value?.trim();
    if (Number.isInteger(i) && d && !sealers.has(i)) sealers.set(i, d.toLowerCase());
  }
  for (const f of fields) {
    if (f.key === 'authentication-results' || f.key === 'arc-authentication-results') {
      const arc = f.key === 'arc-authentication-results';
      const h = parseAuthResults(f.value, { arc });
      const kind = arc ? 'ARC-Authentication-Results' : 'Authentication-Results';
      const trusted = arc
        ? trustedSealer(sealers.get(h.instance ?? -1) ?? null, trustedSealers)
        : isTrusted(f.index, h.authservId);
      out.push({
        header: kind,
        field: f.index,
        authservId: h.authservId,
        instance: h.instance ?? null,
        trusted,
        raw: f.value.length > 4096 ? `${f.value.slice(0, 4096)}…` : f.value,
        results: h.results.map((r) => ({ ...r, explanation: explainResult(r) })),
        explanation: explainHeader(h, kind),
      });
    } else if (f.key === 'received-spf') {
      const r = parseReceivedSpf(f.value);
      if (!r) continue;
      const res: AuthResult = {
        method: 'spf',
        result: r.result,
        properties: Object.entries(r.pairs).map(([k, v]) => ({ ptype: '', property: k, value: v })),
        props: {
          ...(r.pairs['envelope-from'] ? { 'smtp.mailfrom': r.pairs['envelope-from'] } : {}),
          ...(r.pairs.helo ? { 'smtp.helo': r.pairs.helo } : {}),
          ...r.pairs,
        },
        comments: r.comment ? [r.comment] : [],
      };
      out.push({
        header: 'Received-SPF',
        field: f.index,
        authservId: r.pairs.receiver ?? null,
        instance: null,
        trusted: isTrusted(f.index, r.pairs.receiver ?? null),
        raw: f.value.length > 4096 ? `${f.value.slice(0, 4096)}…` : f.value,
        results: [{ ...res, explanation: explainResult(res) }],
        explanation: `Received-SPF (RFC 7208 §9.1) by ${r.pairs.receiver ?? 'the receiver'}: spf=${r.result}${r.pairs['client-ip'] ? ` for client IP ${r.pairs['client-ip']}` : ''}.`,
      });
    }
  }
  return out;
}

function theirIp(r: AuthResult): string | null {
  const m = /(?:sender ip is|designates|client-ip=)\s*([0-9a-f.:]+[0-9a-f])/i.exec(r.comments.join(' '));
  return m?.[1] ?? r.props['client-ip'] ?? r.props['smtp.remote-ip'] ?? null;
}

/** Where what a receiver wrote and what mailsec finds now agree, and why they may not. */
export function compare(input: {
  received: readonly ReceivedResults[];
  spf: SpfVerdict | null;
  dkim: readonly DkimVerdict[] | null;
  dmarc: DmarcVerdict | null;
  arc: ArcVerdict | null;
}): Comparison[] {
  const out: Comparison[] = [];
  const { spf, dkim, dmarc, arc } = input;
  for (const h of input.received) {
    const receiver = `${h.authservId ?? (h.results.some((r) => r.method === 'compauth') ? 'Microsoft 365' : 'a receiver')}${h.instance !== null ? ` (ARC i=${h.instance})` : ''}`;
    const earlierHop = h.header === 'ARC-Authentication-Results' || !h.trusted;
    for (const r of h.results) {
      if (r.method === 'spf' && spf && spf.result !== null) {
        const agree = r.result === spf.result;
        let why: string | null = null;
        if (!agree) {
          const ip = theirIp(r);
          if (ip && spf.ip && ip !== spf.ip)
            why = `they evaluated client IP ${ip}, mailsec ${spf.ip}${earlierHop ? ': an earlier hop saw the original sender, this copy arrived through a forwarder whose IP is outside the SPF record' : ' (pass --ip or --trusted-hops to pick the same connection)'}`;
          else if (earlierHop && r.result === 'pass' && spf.result !== 'pass')
            why =
              'an earlier hop saw the original sender; the message was forwarded since, and the forwarder’s IP is outside the SPF record';
          else why = 'the SPF record (or the DNS it includes) changed since delivery';
        }
        out.push({
          method: 'spf',
          receiver,
          field: h.field,
          theirs: r.result,
          ours: spf.result,
          agree,
          likelyReason: why,
        });
      } else if (r.method === 'dkim' && dkim) {
        const d = (r.props['header.d'] ?? r.props['header.i']?.replace(/^.*@/, '') ?? '').toLowerCase();
        const b = r.props['header.b'];
        const s = r.props['header.s'];
        const mine = dkim.filter((x) => x.domain === d && (!s || x.selector === s));
        const m = mine.length === 1 ? mine[0]! : mine.find((x) => (b ? x.key !== null : true));
        if (!m) continue;
        const agree = r.result === m.result;
        let why: string | null = null;
        if (!agree) {
          if (r.result === 'pass' && m.failure === 'body-hash')
            why = earlierHop
              ? 'the body changed after that hop verified it (a mailing-list footer or disclaimer added in transit)'
              : 'the body of this copy differs from what was delivered (saved or re-encoded by a mail client, or line endings changed)';
          else if (r.result === 'pass' && m.failure === 'signature')
            why =
              'a signed header field changed after that hop verified it (e.g. a subject tag added by a list)';
          else if (r.result === 'pass' && m.failure === 'key')
            why = 'the key was removed or revoked since delivery (key rotation)';
          else if (m.result === 'temperror') why = 'mailsec could not look up the key now (DNS); try again';
          else if (m.result === 'pass')
            why = 'the key changed since delivery, or that receiver had a DNS problem';
          else why = 'the message or the DNS changed between their check and this one';
        }
        out.push({
          method: 'dkim',
          receiver,
          field: h.field,
          theirs: `${r.result} (d=${d})`,
          ours: m.result,
          agree,
          likelyReason: why,
        });
      } else if (r.method === 'dmarc' && dmarc) {
        const theirs = r.result;
        const agree = theirs === dmarc.result || (theirs === 'bestguesspass' && dmarc.result === 'none');
        let why: string | null = null;
        if (!agree) {
          if (theirs === 'pass' && earlierHop)
            why =
              'DMARC passed at an earlier hop; forwarding broke SPF alignment and/or a modification broke the aligned DKIM signature since';
          else if (theirs === 'pass')
            why = 'the SPF or DKIM result they saw differs from mailsec’s now (see the SPF and DKIM rows)';
          else if (theirs === 'none' && dmarc.result !== 'none')
            why = 'the DMARC record was published since delivery';
          else why = 'the DNS or the message changed between their check and this one';
        }
        out.push({
          method: 'dmarc',
          receiver,
          field: h.field,
          theirs,
          ours: dmarc.result,
          agree,
          likelyReason: why,
        });
      } else if (r.method === 'arc' && arc && h.header === 'Authentication-Results') {
        const agree = r.result === arc.result;
        out.push({
          method: 'arc',
          receiver,
          field: h.field,
          theirs: r.result,
          ours: arc.result,
          agree,
          likelyReason: agree
            ? null
            : arc.undetermined
              ? 'mailsec could not look up a sealer key now'
              : 'the ARC headers or the message changed after that receiver checked them',
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// BIMI

export function bimiVerdict(b: Evidence['bimi'], dmarc: DmarcVerdict | null): BimiVerdict | null {
  if (!b) return null;
  if ('error' in b)
    return {
      result: 'error',
      reason: b.error,
      record: null,
      location: null,
      authority: null,
      dmarcEnforced: null,
      svgValid: null,
      certificateValid: null,
    };
  const e = b.result.evidence;
  const base = {
    record: e.record,
    location: e.location,
    authority: e.authority,
    dmarcEnforced: e.dmarcEnforced,
    svgValid: e.svg.valid,
    certificateValid: e.certificate.valid,
  };
  if (b.result.status === 'error')
    return { ...base, result: 'error', reason: b.result.findings[0]?.message ?? 'the BIMI lookup failed' };
  if (!e.record) return { ...base, result: 'none', reason: 'no BIMI record' };
  const missing: string[] = [];
  if (dmarc?.result !== 'pass')
    missing.push(`the message does not pass DMARC (${dmarc?.result ?? 'not evaluated'})`);
  if (e.dmarcEnforced === false) missing.push('DMARC is not at enforcement');
  if (e.declination) missing.push('the record declines BIMI');
  if (e.svg.valid === false) missing.push(`the logo is not valid SVG Tiny PS (${e.svg.problems.join('; ')})`);
  if (e.certificate.valid === false)
    missing.push(`the mark certificate is not valid (${e.certificate.problems.join('; ')})`);
  if (missing.length) return { ...base, result: 'fail', reason: missing.join('; ') };
  return {
    ...base,
    result: 'pass',
    reason:
      e.authority && e.certificate.valid
        ? 'DMARC passes at enforcement, the logo is valid and the mark certificate verifies'
        : 'DMARC passes at enforcement and the logo is valid; receivers that require a mark certificate show no logo without one',
  };
}

// ---------------------------------------------------------------------------------------------
// The one sentence

export function verdictSentence(a: {
  offline: boolean;
  from: { domain: string | null };
  spf: SpfVerdict | null;
  dkim: readonly DkimVerdict[] | null;
  dmarc: DmarcVerdict | null;
  arc: ArcVerdict | null;
  received: readonly ReceivedResults[];
  microsoft: MicrosoftReport | null;
}): string {
  if (a.offline) {
    const top = a.received.find((r) => r.header === 'Authentication-Results');
    const ms = a.microsoft?.compauth;
    if (!top && !ms) return 'Offline: the message carries no Authentication-Results; nothing was verified.';
    const said = top ? top.results.map((r) => `${r.method}=${r.result}`).join(', ') : '';
    return `Offline (not verified): the topmost receiver (${top?.authservId ?? 'Microsoft 365'}) recorded ${said}${ms ? `${said ? '; ' : ''}compauth=${ms.result}${ms.reason ? ` reason=${ms.reason}` : ''} (${ms.meaning})` : ''}.`;
  }
  const d = a.dmarc;
  const from = a.from.domain ?? '(no From domain)';
  if (!d) return `No verdict for ${from}.`;
  const spf = a.spf?.result
    ? `SPF ${a.spf.result}${a.spf.domain ? ` (${a.spf.domain}${a.spf.result === 'pass' ? (a.spf.aligned ? ', aligned' : ', not aligned') : ''})` : ''}`
    : 'SPF not evaluated (no client IP)';
  const dk = a.dkim?.length
    ? a.dkim
        .map(
          (s) =>
            `DKIM ${s.result} d=${s.domain}${s.failure === 'body-hash' ? ' (body changed)' : s.failure === 'signature' ? ' (signed header changed)' : ''}${s.result === 'pass' ? (s.aligned ? ' aligned' : ' not aligned') : ''}`,
        )
        .join(', ')
    : 'no DKIM signature';
  const arc =
    a.arc && a.arc.result !== 'none'
      ? `; ARC ${a.arc.result} (${a.arc.instances} instance${a.arc.instances === 1 ? '' : 's'})`
      : '';
  const head = `DMARC ${d.result} for ${from}`;
  const tail =
    d.result === 'fail' || d.result === 'pass' || d.result === 'temperror'
      ? ` — ${d.disposition.note}`
      : d.result === 'none'
        ? ' — no DMARC policy: receivers judge by their own rules'
        : '';
  return `${head}: ${spf}; ${dk}${arc}${tail}.`;
}
