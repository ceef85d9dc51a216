/**
 * Received fields (RFC 5321 §4.4) and the trust boundary: which header says who connected to the
 * receiving MTA. Pure. The Received parser is mailauth's (lib/parse-received.js); the boundary is
 * ours: `--trusted-hops N` (the Nth Received from the top was written by your border MTA) or
 * `--authserv-id ID` (the topmost Authentication-Results of your receiver).
 */
import { isIP } from 'node:net';
import { getClientAddress, parseReceived } from 'mailauth/lib/parse-received.js';
import type { AuthResultsHeader } from './auth-results.ts';
import type { HeaderField } from './headers.ts';
import { addresses } from './headers.ts';

export interface Hop {
  /** 1-based among the Received fields, top first */
  readonly hop: number;
  /** 1-based among all header fields */
  readonly field: number;
  /** the `from` clause: the client's HELO name as the receiver recorded it */
  readonly helo: string | null;
  /** the connecting address from the TCP-info (never the address the client claimed in HELO) */
  readonly ip: string | null;
  /** the `by` clause: the receiving host */
  readonly by: string | null;
  readonly with: string | null;
  readonly envelopeFrom: string | null;
  readonly date: string | null;
}

export function parseHop(f: HeaderField, hop: number): Hop {
  const r = parseReceived(`Received: ${f.value}`) || undefined;
  const from = r?.from;
  let ip: string | null = from ? getClientAddress(from) || null : null;
  if (!ip && from?.comment) {
    // Exchange Online writes the bare address in the comment: "from X (2603:10a6::1) by Y"
    const bare = from.comment.trim().replace(/^\[|\]$/g, '');
    if (isIP(bare)) ip = bare;
  }
  if (!ip && from?.value) {
    const lit = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(from.value.trim());
    if (lit && isIP(lit[1]!)) ip = lit[1]!;
  }
  // Exim and others write "(envelope-from <addr>)" as a comment
  const env = r?.['envelope-from']?.value ?? /\(envelope-from\s+(<[^>]*>)\s*\)/i.exec(f.value)?.[1];
  return {
    hop,
    field: f.index,
    helo: from?.value?.trim() || null,
    ip,
    by: r?.by?.value || null,
    with: r?.with?.value || null,
    envelopeFrom: env ? (addresses(env)[0] ?? env.replace(/[<>]/g, '').trim()) : null,
    date: r?.timestamp || null,
  };
}

export interface ArEntry {
  readonly field: number;
  readonly header: AuthResultsHeader;
}

export interface Boundary {
  readonly ip: string | null;
  readonly helo: string | null;
  readonly mailFrom: string | null;
  readonly source: {
    readonly ip: string | null;
    readonly helo: string | null;
    readonly mailFrom: string | null;
    /** the header trusted for the connection (e.g. "Received field 1 (hop 1)") */
    readonly header: string | null;
    readonly why: string;
  };
  /** the Received hop whose `from` clause was trusted, when one was */
  readonly hop: number | null;
  /** header-field index at and above which Authentication-Results count as written by trusted hosts */
  readonly trustedAbove: number;
}

/** An IP, HELO and MAIL FROM the receiver's Authentication-Results recorded. */
export function fromAuthResults(h: AuthResultsHeader): {
  ip: string | null;
  helo: string | null;
  mailFrom: string | null;
} {
  let ip: string | null = null;
  let helo: string | null = null;
  let mailFrom: string | null = null;
  for (const r of h.results) {
    const p = r.props;
    ip ??= p['smtp.remote-ip'] ?? (r.method === 'iprev' ? (p['policy.iprev'] ?? null) : null);
    if (r.method === 'spf') {
      mailFrom ??= p['smtp.mailfrom'] ?? null;
      helo ??= p['smtp.helo'] ?? null;
      const m = /(?:sender ip is|designates|client-ip=)\s*([0-9a-f.:]+)/i.exec(r.comments.join(' '));
      if (m && isIP(m[1]!)) ip ??= m[1]!;
    }
  }
  if (ip && !isIP(ip)) ip = null;
  return { ip, helo, mailFrom };
}

/**
 * Picks the connection that SPF is evaluated for. Options win; then, with `authservId`, the
 * topmost Authentication-Results of that id (and the Received field below it); otherwise the
 * `trustedHops`th Received field from the top.
 */
export function selectBoundary(input: {
  hops: readonly Hop[];
  authResults: readonly ArEntry[];
  returnPath: string | null;
  options: { ip?: string; helo?: string; mailFrom?: string; trustedHops?: number; authservId?: string };
}): Boundary {
  const { hops, authResults, options } = input;
  const trustedHops = options.trustedHops ?? 1;
  let ip: string | null = null;
  let helo: string | null = null;
  let mailFrom: string | null = null;
  const src = { ip: null as string | null, helo: null as string | null, mailFrom: null as string | null };
  let header: string | null = null;
  let why = '';
  let hop: Hop | undefined;
  let trustedAbove = 0;

  if (options.authservId !== undefined) {
    const id = options.authservId.toLowerCase();
    const ar = authResults.find((a) => a.header.authservId?.toLowerCase() === id);
    if (ar) {
      const got = fromAuthResults(ar.header);
      trustedAbove = ar.field;
      header = `Authentication-Results field ${ar.field} (authserv-id ${ar.header.authservId})`;
      why = `--authserv-id ${options.authservId}: the topmost Authentication-Results with your receiver's authserv-id is trusted (RFC 8601 §5); earlier ones may be forged by the sender`;
      if (got.ip) [ip, src.ip] = [got.ip, 'authentication-results'];
      if (got.helo) [helo, src.helo] = [got.helo, 'authentication-results'];
      if (got.mailFrom) [mailFrom, src.mailFrom] = [got.mailFrom, 'authentication-results'];
      // the Received field the same MTA wrote: the nearest one below its Authentication-Results
      hop = hops.find((h) => h.field > ar.field);
    } else {
      why = `no Authentication-Results with authserv-id ${options.authservId}: nothing in the message is trusted`;
    }
  } else if (hops.length >= trustedHops && trustedHops >= 1) {
    hop = hops[trustedHops - 1];
    header = `Received field ${hop!.field} (hop ${trustedHops} from the top)`;
    why =
      trustedHops === 1
        ? 'the topmost Received field was written by the receiving MTA (--trusted-hops 1, the default); its from clause records the connecting client'
        : `--trusted-hops ${trustedHops}: the top ${trustedHops} Received fields were written by your own MTAs; the ${trustedHops}th records the connection from outside`;
    trustedAbove = hop!.field;
  } else {
    why =
      hops.length === 0
        ? 'the message has no Received field: give --ip, --helo and --mail-from'
        : `--trusted-hops ${trustedHops} but the message has only ${hops.length} Received field${hops.length === 1 ? '' : 's'}`;
  }
  if (hop) {
    if (ip === null && hop.ip) [ip, src.ip] = [hop.ip, 'received'];
    if (helo === null && hop.helo) [helo, src.helo] = [hop.helo, 'received'];
    if (mailFrom === null && hop.envelopeFrom) [mailFrom, src.mailFrom] = [hop.envelopeFrom, 'received'];
    if (header && options.authservId !== undefined) header += ` and Received field ${hop.field}`;
  }
  if (mailFrom === null && input.returnPath !== null && (hop || trustedAbove > 0)) {
    // written by the final delivery agent, inside the trusted hosts
    [mailFrom, src.mailFrom] = [input.returnPath, 'return-path'];
  }
  if (options.ip !== undefined) [ip, src.ip] = [options.ip, 'option'];
  if (options.helo !== undefined) [helo, src.helo] = [options.helo, 'option'];
  if (options.mailFrom !== undefined) [mailFrom, src.mailFrom] = [options.mailFrom, 'option'];
  return {
    ip,
    helo,
    mailFrom,
    source: { ...src, header, why },
    hop: hop?.hop ?? null,
    trustedAbove,
  };
}
