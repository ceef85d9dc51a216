/**
 * `analyseMessage(bytes, options)`: what `mailsec message --json` prints for one message. Parse
 * (pure) → pick the trust boundary (pure) → gather through the injected Resolver → analyse (pure).
 * Offline: the headers explained, mailsec's own results null.
 */
import { isIP } from 'node:net';
import type { GatherContext } from '../checks/types.ts';
import type { Resolver } from '../dns/types.ts';
import {
  arcVerdict,
  bimiVerdict,
  compare,
  dkimVerdicts,
  dmarcVerdict,
  insideBoundary,
  isAligned,
  receivedResults,
  verdictSentence,
} from './analyse.ts';
import { parseAuthResults } from './auth-results.ts';
import { gatherEvidence } from './gather.ts';
import {
  addressDomain,
  addresses,
  DEFAULT_MESSAGE_LIMITS,
  fieldsNamed,
  MessageInputError,
  type MessageLimits,
  parseHeaders,
} from './headers.ts';
import { microsoftReport } from './microsoft.ts';
import { walkMime } from './mime.ts';
import { type ArEntry, parseHop, selectBoundary } from './received.ts';
import { MESSAGE_SCHEMA_VERSION, type MessageAnalysis, type SpfVerdict } from './types.ts';

export { MessageInputError } from './headers.ts';
export type * from './types.ts';

export interface AnalyseMessageOptions {
  /** required unless offline; never a hidden default */
  readonly resolver?: Resolver;
  /** header explanation only: no DNS, mailsec's own results null */
  readonly offline?: boolean;
  readonly ip?: string;
  readonly helo?: string;
  /** MAIL FROM ('' for the null reverse-path) */
  readonly mailFrom?: string;
  /** the top N Received fields were written by your own MTAs (default 1) */
  readonly trustedHops?: number;
  /** your receiver's authserv-id: its topmost Authentication-Results is trusted */
  readonly authservId?: string;
  /** ARC sealers whose claims a receiver's local policy may honour */
  readonly trustedSealers?: readonly string[];
  /** BIMI eligibility: the context of the `check` sections (resolver, HTTPS fetcher, roots) */
  readonly bimi?: GatherContext;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly receiver?: string;
  readonly limits?: Partial<MessageLimits>;
}

/** Analyses one message. Throws MessageInputError (with `part`) when it cannot be read at all. */
export async function analyseMessage(
  bytes: Uint8Array,
  options: AnalyseMessageOptions = {},
): Promise<MessageAnalysis> {
  const limits = { ...DEFAULT_MESSAGE_LIMITS, ...options.limits };
  const raw = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = parseHeaders(raw, limits);
  const fields = h.fields;
  const problems = [...h.problems];
  const offline = options.offline === true;
  if (!offline && !options.resolver)
    throw new TypeError('analyseMessage: a resolver is required unless offline');
  if (options.ip !== undefined && !isIP(options.ip))
    throw new TypeError(`analyseMessage: "${options.ip}" is not an IP address`);

  const sigs = fieldsNamed(h, 'dkim-signature').length;
  if (sigs > limits.maxSignatures)
    throw new MessageInputError(
      'header',
      `${sigs} DKIM-Signature fields, more than ${limits.maxSignatures}: not verified (each costs a key lookup)`,
    );
  const arcCount = fieldsNamed(h, 'arc-seal').length;
  if (arcCount > 50)
    throw new MessageInputError(
      'header',
      `${arcCount} ARC-Seal fields, more than the 50 instances RFC 8617 allows`,
    );

  // From (RFC 5322 §3.6.2; DMARC needs exactly one author domain)
  const fromFields = fieldsNamed(h, 'from');
  const fromAddrs = fromFields.flatMap((f) => addresses(f.value));
  if (fromFields.length > 1)
    problems.push({ part: 'header', message: `${fromFields.length} From fields: RFC 5322 allows one` });
  const fromAddress = fromAddrs[0] ?? null;
  const fromDomain = fromAddrs.length === 1 && fromAddress ? addressDomain(fromAddress) : null;
  if (fromFields.length === 0) problems.push({ part: 'header', message: 'no From field' });
  else if (fromAddrs.length === 1 && !fromDomain)
    problems.push({
      part: 'header',
      message: `the From address ${JSON.stringify(fromAddress)} has no usable domain`,
    });
  const from = {
    address: fromAddress,
    domain: fromDomain,
    addresses: fromFields.length > 1 ? fromAddrs.length + 1 : fromAddrs.length,
  };

  // Received hops and the trust boundary
  const hops = fieldsNamed(h, 'received').map((f, i) => parseHop(f, i + 1));
  const arEntries: ArEntry[] = fieldsNamed(h, 'authentication-results').map((f) => ({
    field: f.index,
    header: parseAuthResults(f.value),
  }));
  const rp = fieldsNamed(h, 'return-path')[0]?.value ?? null;
  const returnPath = rp === null ? null : /^<\s*>$/.test(rp.trim()) ? '' : (addresses(rp)[0] ?? null);
  const boundary = selectBoundary({
    hops,
    authResults: arEntries,
    returnPath,
    options: {
      ...(options.ip !== undefined ? { ip: options.ip } : {}),
      ...(options.helo !== undefined ? { helo: options.helo } : {}),
      ...(options.mailFrom !== undefined ? { mailFrom: options.mailFrom } : {}),
      ...(options.trustedHops !== undefined ? { trustedHops: options.trustedHops } : {}),
      ...(options.authservId !== undefined ? { authservId: options.authservId } : {}),
    },
  });
  const trustedSealers = options.trustedSealers ?? [];
  const received = receivedResults(fields, insideBoundary(boundary, options.authservId), trustedSealers);

  // Microsoft: compauth from the topmost Authentication-Results that carries it
  const compauthAr = arEntries.find((a) => a.header.results.some((r) => r.method === 'compauth'));
  const ca = compauthAr?.header.results.find((r) => r.method === 'compauth');
  const microsoft = microsoftReport({
    compauth: ca ? { result: ca.result, reason: ca.reason ?? null } : null,
    forefront: fieldsNamed(h, 'x-forefront-antispam-report')[0]?.value ?? null,
    antispam: fieldsNamed(h, 'x-microsoft-antispam')[0]?.value ?? null,
  });
  const mime = walkMime(raw, limits);
  problems.push(...mime.problems);
  if (microsoft?.cip && boundary.ip && microsoft.cip !== boundary.ip && options.ip === undefined) {
    const hop = hops.find((x) => x.ip === microsoft.cip);
    problems.push({
      part: 'header',
      message: `X-Forefront-Antispam-Report says Exchange Online saw client IP ${microsoft.cip}, mailsec used ${boundary.ip} (${boundary.source.header ?? 'no header'}): ${hop ? `pass --trusted-hops ${hop.hop}` : `pass --ip ${microsoft.cip}`} to evaluate SPF for the connection Microsoft saw`,
    });
  }

  const base = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    messageId: fieldsNamed(h, 'message-id')[0]?.value ?? null,
    subject: fieldsNamed(h, 'subject')[0]?.value ?? null,
    date: fieldsNamed(h, 'date')[0]?.value ?? null,
    from,
    received,
    hops,
    microsoft,
    attachedMessages: mime.attached,
    problems,
    offline,
  };
  if (offline) {
    return {
      ...base,
      spf: null,
      dkim: null,
      arc: null,
      dmarc: null,
      ...(options.bimi ? { bimi: null } : {}),
      comparison: [],
      verdict: verdictSentence({
        offline,
        from,
        spf: null,
        dkim: null,
        dmarc: null,
        arc: null,
        received,
        microsoft,
      }),
    };
  }

  const now = options.now ?? (() => new Date());
  const spfInput = boundary.ip ? { ip: boundary.ip, helo: boundary.helo, mailFrom: boundary.mailFrom } : null;
  // SPF domain as check_host will see it (MAIL FROM's, else HELO's), for the alignment walks
  const spfDomain = spfInput
    ? spfInput.mailFrom
      ? addressDomain(spfInput.mailFrom.includes('@') ? spfInput.mailFrom : `postmaster@${spfInput.mailFrom}`)
      : spfInput.helo && !isIP(spfInput.helo.replace(/^\[|\]$/g, ''))
        ? spfInput.helo.toLowerCase()
        : null
    : null;
  const dkimDomains = fieldsNamed(h, 'dkim-signature')
    .map((f) => /(?:^|;)\s*d\s*=\s*([^;\s]+)/.exec(f.value)?.[1]?.toLowerCase())
    .filter((d): d is string => !!d && /^[a-z0-9_.-]+$/.test(d))
    .slice(0, limits.maxSignatures);
  const ev = await gatherEvidence({
    raw,
    spf: spfInput,
    fromDomain,
    alignDomains: [...(spfDomain ? [spfDomain] : []), ...dkimDomains],
    resolver: options.resolver!,
    ...(options.signal ? { signal: options.signal } : {}),
    now,
    ...(options.receiver ? { receiver: options.receiver } : {}),
    ...(options.bimi ? { bimi: options.bimi } : {}),
  });

  const spfBase: Omit<SpfVerdict, 'aligned'> = ev.spf
    ? {
        result: ev.spf.result,
        domain: ev.spf.domain || null,
        ip: boundary.ip,
        helo: boundary.helo,
        mailFrom: boundary.mailFrom,
        source: boundary.source,
        reason: ev.spf.reason,
        ...(ev.spf.explanation !== undefined ? { explanation: ev.spf.explanation } : {}),
        lookups: ev.spf.lookups,
        voidLookups: ev.spf.voidLookups,
      }
    : {
        result: null,
        domain: spfDomain,
        ip: null,
        helo: boundary.helo,
        mailFrom: boundary.mailFrom,
        source: boundary.source,
        reason: `no client IP: ${boundary.source.why}; pass --ip`,
        lookups: 0,
        voidLookups: 0,
      };
  const arc = arcVerdict(ev, fields, trustedSealers);
  // alignment modes come from the DMARC record: a first pass with relaxed DKIM alignment
  const dkim0 = dkimVerdicts(ev.dkim, ev, fields, fromDomain, 'r');
  const first = dmarcVerdict({ from, spf: { ...spfBase, aligned: null }, dkim: dkim0, arc, ev });
  const dkim = first.adkim === 'r' ? dkim0 : dkimVerdicts(ev.dkim, ev, fields, fromDomain, first.adkim);
  const { verdict: dmarc } =
    first.adkim === 'r' ? first : dmarcVerdict({ from, spf: { ...spfBase, aligned: null }, dkim, arc, ev });
  const spf: SpfVerdict = {
    ...spfBase,
    aligned:
      fromDomain && spfBase.domain && spfBase.result !== null
        ? isAligned(spfBase.domain, fromDomain, first.aspf, ev.walks)
        : null,
  };
  const comparison = compare({ received, spf, dkim, dmarc, arc });
  const bimi = options.bimi ? bimiVerdict(ev.bimi, dmarc) : undefined;
  return {
    ...base,
    spf,
    dkim,
    arc,
    dmarc,
    ...(bimi !== undefined ? { bimi } : {}),
    comparison,
    verdict: verdictSentence({ offline, from, spf, dkim, dmarc, arc, received, microsoft }),
  };
}
