/**
 * The testworld's declarative scenario format.
 *
 * A scenario lists DNS zones (domains) with their records, whether each is DNSSEC-signed, and
 * whether it is deliberately broken. The generator (testworld/dns/) builds a private DNS tree from
 * all scenarios: its own root zone, every TLD zone a domain needs (test., and any other TLD used),
 * intermediate delegations, reverse zones for PTRs, then signs the chosen zones with real DNSSEC,
 * serves them with NSD and resolves them with a validating Unbound whose trust anchor is that root.
 *
 * Addresses. Several testworlds run at once (test files run concurrently), so each instance takes
 * a free slot S (100–199) and lives at 127.S.x.y. In rdata and in `ptr` keys, the placeholder
 * `{net}` stands for `127.S` (e.g. `['mx1', 'A', '{net}.1.10']`). Reserved addresses:
 *
 * | address          | what                                                      |
 * |------------------|-----------------------------------------------------------|
 * | `{net}.0.1`      | NSD (authoritative for every zone), ns1                   |
 * | `{net}.0.2`      | NSD (same server, second address), ns2                    |
 * | `{net}.0.9`      | silent resolver: accepts UDP and TCP, never answers       |
 * | `{net}.0.53`     | validating Unbound (the testworld's resolver)             |
 * | `{net}.0.54`     | non-validating Unbound                                    |
 * | `{net}.0.66`     | "refused" name server: answers REFUSED to every query     |
 * | `{net}.0.*`      | reserved for the testworld's own infrastructure           |
 * | `{net}.1.*` … `{net}.9.*` | free for scenario hosts (SMTP, HTTPS, …)         |
 *
 * IPv6: the only IPv6 host is `::1` (never use any other v6 address: it would route off the
 * machine). Documentation ranges (192.0.2.0/24, …) may appear only in records mailsec never
 * connects to (e.g. SPF `ip4:`).
 */

/** The placeholder for `127.S` in rdata and in `ptr` keys. */
export const NET_PLACEHOLDER = '{net}';

/**
 * One record: [owner, type, rdata, ttl?].
 * - owner: `'@'` for the apex, a relative name (`'mx1'`, `'_dmarc'`), or an absolute name with a
 *   trailing dot (must lie inside the zone).
 * - type: any type NSD's zone parser knows (A, AAAA, MX, TXT, CAA, TLSA, CNAME, SRV, PTR, …).
 * - rdata: zone-file presentation syntax, exactly as after the type in a master file, e.g.
 *   `'10 mx1.secure.test.'`, `'"v=spf1 -all"'`, `'0 issue "letsencrypt.org"'`. Relative names in
 *   rdata are relative to the zone apex (as in a zone file with `$ORIGIN <apex>.`). `{net}` is
 *   replaced by `127.S`.
 * - ttl: default 300.
 */
export type RecordSpec = readonly [owner: string, type: string, rdata: string, ttl?: number];

/** How a domain is deliberately broken. */
export type Breakage =
  /** the zone is signed, but its RRSIGs do not verify: a validating resolver answers SERVFAIL (bogus), with CD the data comes back */
  | 'bad-signature'
  /** the zone is signed correctly, but the DS in the parent matches no key: bogus */
  | 'ds-mismatch'
  /** the parent delegates to a name server at `{net}.0.66` that answers REFUSED: SERVFAIL with and without CD */
  | 'refused'
  /** signed with signatures that expired yesterday: bogus (SERVFAIL; with CD the data comes back) */
  | 'expired-signature';

export interface DomainSpec {
  /** zone apex without trailing dot, e.g. 'secure.test' (any TLD; the generator creates root, TLDs and intermediate zones) */
  readonly name: string;
  /** DNSSEC-sign the zone and put its DS in the parent (default true); false → insecure delegation */
  readonly signed?: boolean;
  readonly broken?: Breakage;
  /**
   * Records of the zone. SOA and NS at the apex are generated (NS ns1/ns2.<tld>-servers → {net}.0.1 /
   * {net}.0.2) unless the records list its own apex NS.
   */
  readonly records: readonly RecordSpec[];
  /** a note for humans: what this domain is for */
  readonly description?: string;
}

export interface Scenario {
  /** short id, e.g. 'foundation' */
  readonly name: string;
  readonly description: string;
  readonly domains: readonly DomainSpec[];
  /**
   * Reverse DNS: address → name. Keys use `{net}` (e.g. `'{net}.1.10': 'mx1.secure.test'`) or are
   * `'::1'`. The generator creates the in-addr.arpa / ip6.arpa zones (signed) holding the PTRs.
   */
  readonly ptr?: Readonly<Record<string, string>>;
}

/** Replaces `{net}` with the slot's network prefix ('127.S'). */
export function expandNet(text: string, net: string): string {
  return text.split(NET_PLACEHOLDER).join(net);
}
