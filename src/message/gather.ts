/**
 * All network I/O of a message analysis, through the injected Resolver: SPF (mailsec's RFC 7208
 * engine, the code path of `mailsec spf --ip`), DKIM and ARC verification (mailauth, over the
 * adapter of mailauth-dns.ts), the RFC 9989 DMARC tree walks, BIMI (the `check` sections). The
 * result is plain evidence; analyse.ts turns it into verdicts without I/O.
 */
import { dkimVerify, arc as mailauthArc, verifyASChain } from 'mailauth';
import type { BimiEvidence } from '../checks/bimi/check.ts';
import { bimiCheck } from '../checks/bimi/index.ts';
import type { DmarcLookup } from '../checks/dmarc/discovery.ts';
import { discoverPolicy, treeWalkNames } from '../checks/dmarc/discovery.ts';
import { dmarcCheck } from '../checks/dmarc/index.ts';
import { type CheckHostOutcome, checkHostFor } from '../checks/spf/evaluate.ts';
import type { GatherContext } from '../checks/types.ts';
import type { CheckResult } from '../core/result.ts';
import type { Answer, Resolver, TxtRecord } from '../dns/types.ts';
import { failureReason, isFailure } from '../dns/types.ts';
import { mailauthResolver, type RecordedAnswer } from './mailauth-dns.ts';

/** One DKIM-Signature as mailauth verified it (the fields mailsec reads). */
export interface DkimRaw {
  readonly domain: string | null;
  readonly selector: string | null;
  readonly algorithm: string | null;
  readonly canonicalization: string | null;
  readonly result: string;
  readonly comment: string | null;
  readonly identity: string | null;
  readonly signedHeaders: readonly string[];
  readonly bodyLimited: boolean;
  readonly bodyLimit: number | null;
  readonly bodyTotal: number | null;
  readonly modulusLength: number | null;
  readonly signTime: string | null;
  readonly expires: string | null;
}

export interface ArcRaw {
  readonly result: string;
  readonly comment: string | null;
  /** the error code mailauth reported (a DNS code when a key lookup failed) */
  readonly code: string | null;
  readonly instances: number;
  /** per instance (index 0 = i=1): the seal verifies over the chain up to it */
  readonly sealValid: readonly (boolean | null)[];
  /** per instance: the AMS result (only the newest is verified) */
  readonly amsValid: readonly (boolean | null)[];
}

export interface Evidence {
  readonly spf: CheckHostOutcome | null;
  readonly dkim: readonly DkimRaw[];
  readonly arc: ArcRaw | null;
  /** every DNS answer the DKIM/ARC verification saw, by `TYPE name` */
  readonly seen: ReadonlyMap<string, RecordedAnswer>;
  /** RFC 9989 tree walks by start domain */
  readonly walks: ReadonlyMap<string, readonly DmarcLookup[]>;
  /** the From domain exists (asked when the policy comes from an ancestor: np) */
  readonly fromExists: boolean | null;
  readonly bimi: { result: CheckResult<BimiEvidence> } | { error: string } | null;
}

export interface GatherInput {
  readonly raw: Buffer;
  readonly spf: { ip: string; helo: string | null; mailFrom: string | null } | null;
  readonly fromDomain: string | null;
  /** further domains whose organisational domain alignment needs (SPF domain, DKIM d=) */
  readonly alignDomains: readonly string[];
  readonly resolver: Resolver;
  readonly signal?: AbortSignal;
  readonly now: () => Date;
  readonly receiver?: string;
  readonly bimi?: GatherContext;
}

/** The adapter's codes for a lookup that failed (not NXDOMAIN / NODATA). */
const DNS_FAILURE_CODES = new Set([
  'ETIMEOUT',
  'ESERVFAIL',
  'EREFUSED',
  'EFORMERR',
  'ENOTIMP',
  'ECONNREFUSED',
]);

function toLookup(domain: string, a: Answer<TxtRecord>): DmarcLookup {
  if (isFailure(a)) return { domain, outcome: 'error', records: [], reason: failureReason(a) };
  const records = a.records.map((r) => r.text);
  return { domain, outcome: records.length ? 'found' : 'absent', records };
}

async function treeWalk(resolver: Resolver, domain: string, signal?: AbortSignal): Promise<DmarcLookup[]> {
  const opts = signal ? { signal } : {};
  return Promise.all(
    treeWalkNames(domain).map(async (d) => toLookup(d, await resolver.query(`_dmarc.${d}`, 'TXT', opts))),
  );
}

// mailauth's result objects, as far as mailsec reads them
interface MaDkim {
  signingDomain?: string;
  selector?: string;
  algo?: string;
  format?: string;
  status: { result: string; comment?: string | false; header?: { i?: string | false } };
  signingHeaders?: { keys?: string };
  canonBodyLengthLimited?: boolean;
  canonBodyLengthLimit?: number;
  canonBodyLengthTotal?: number;
  modulusLength?: number;
  signTime?: string | null;
  expiresAfter?: string | null;
}

function dkimRaw(r: MaDkim): DkimRaw {
  return {
    domain: r.signingDomain?.toLowerCase() ?? null,
    selector: r.selector ?? null,
    algorithm: r.algo ?? null,
    canonicalization: r.format ?? null,
    result: r.status.result,
    comment: r.status.comment || null,
    identity: r.status.header?.i || null,
    signedHeaders: (r.signingHeaders?.keys ?? '')
      .split(':')
      .map((k) => k.trim())
      .filter((k) => k !== ''),
    bodyLimited: r.canonBodyLengthLimited === true,
    bodyLimit: r.canonBodyLengthLimit ?? null,
    bodyTotal: r.canonBodyLengthTotal ?? null,
    modulusLength: r.modulusLength ?? null,
    signTime: r.signTime ?? null,
    expires: r.expiresAfter ?? null,
  };
}

export async function gatherEvidence(input: GatherInput): Promise<Evidence> {
  const { resolver, signal } = input;
  const seen = new Map<string, RecordedAnswer>();
  const adapter = mailauthResolver(resolver, { ...(signal ? { signal } : {}), seen });

  const spfP: Promise<CheckHostOutcome | null> = input.spf
    ? checkHostFor(
        {
          ip: input.spf.ip,
          sender: input.spf.mailFrom ?? '',
          ...(input.spf.helo ? { helo: input.spf.helo } : {}),
          ...(input.receiver ? { receiver: input.receiver } : {}),
        },
        { resolver, ...(signal ? { signal } : {}), now: input.now },
      )
    : Promise.resolve(null);

  const dkimP = (async () => {
    const v = await dkimVerify(input.raw, { resolver: adapter as never, curTime: input.now() });
    const results = (v.results as unknown as MaDkim[]).map(dkimRaw);
    // the key checks of `mailsec check` need the key record also when mailauth stopped before it
    // (a body hash mismatch is found first)
    await Promise.all(
      results.map(async (r) => {
        if (!r.domain || !r.selector || !/^[a-z0-9_.-]+$/i.test(`${r.selector}.${r.domain}`)) return;
        const name = `${r.selector}._domainkey.${r.domain}`.toLowerCase();
        if (seen.has(`TXT ${name}`)) return;
        await adapter(name, 'TXT').catch(() => undefined);
      }),
    );
    // ARC (RFC 8617 §5.2) over the chain mailauth read from the same headers
    const data = (v as unknown as { arc?: { chain?: unknown[] | false; error?: Error } }).arc;
    let arcRaw: ArcRaw | null = null;
    if (data && (data.error || (Array.isArray(data.chain) && data.chain.length > 0))) {
      const res = (await mailauthArc(data as never, { resolver: adapter as never })) as unknown as {
        status: { result: string; comment?: string };
      };
      const chain = Array.isArray(data.chain) ? data.chain : [];
      const sealValid: (boolean | null)[] = [];
      const amsValid: (boolean | null)[] = [];
      let code: string | null = null;
      for (let k = 1; k <= chain.length; k++) {
        try {
          sealValid.push(
            await verifyASChain({ chain: chain.slice(0, k) } as never, { resolver: adapter } as never),
          );
        } catch (e) {
          const c = (e as { code?: string }).code ?? null;
          if (c && DNS_FAILURE_CODES.has(c)) code ??= c;
          sealValid.push(false);
        }
        const ms = (chain[k - 1] as { messageSignature?: MaDkim }).messageSignature;
        amsValid.push(k === chain.length && ms ? ms.status.result === 'pass' : null);
        if (k === chain.length && ms && ms.status.result === 'temperror') code ??= 'ETIMEOUT';
      }
      arcRaw = {
        result: res.status.result,
        comment: res.status.comment ?? (data.error ? data.error.message : null),
        code,
        instances: chain.length,
        sealValid,
        amsValid,
      };
    }
    return { results, arc: arcRaw };
  })();

  const walks = new Map<string, readonly DmarcLookup[]>();
  const walkP = (async () => {
    const domains = [...new Set([input.fromDomain, ...input.alignDomains].filter((d): d is string => !!d))];
    await Promise.all(
      domains.map(async (d) => {
        walks.set(d, await treeWalk(resolver, d, signal));
      }),
    );
    let fromExists: boolean | null = null;
    if (input.fromDomain) {
      const found = discoverPolicy(walks.get(input.fromDomain)!);
      if (found.at && found.at.domain !== input.fromDomain) {
        const a = await resolver.query(input.fromDomain, 'A', signal ? { signal } : {});
        fromExists = isFailure(a) ? null : a.rcode !== 'NXDOMAIN';
      }
    }
    return fromExists;
  })();

  const [spf, dkim, fromExists] = await Promise.all([spfP, dkimP, walkP]);

  let bimi: Evidence['bimi'] = null;
  if (input.bimi && input.fromDomain) {
    try {
      const dmarc = await dmarcCheck.run(input.fromDomain, input.bimi, {});
      bimi = { result: await bimiCheck.run(input.fromDomain, input.bimi, { dmarc }) };
    } catch (e) {
      bimi = { error: (e as Error).message };
    }
  }
  return { spf, dkim: dkim.results, arc: dkim.arc, seen, walks, fromExists, bimi };
}
