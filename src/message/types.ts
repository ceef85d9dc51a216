/**
 * The typed object `analyseMessage()` returns and `mailsec message --json` prints (one per
 * message), per interface.md; schema/message.schema.json describes it (src/message/schema.ts).
 */
import type { SpfResult } from '../checks/spf/evaluate.ts';
import type { AuthResult } from './auth-results.ts';
import type { MicrosoftReport } from './microsoft.ts';
import type { Hop } from './received.ts';

export const MESSAGE_SCHEMA_VERSION = '1';

export type DkimVerdictResult = 'none' | 'pass' | 'fail' | 'policy' | 'neutral' | 'temperror' | 'permerror';
export type DmarcVerdictResult = 'none' | 'pass' | 'fail' | 'temperror' | 'permerror';
export type ArcVerdictResult = 'none' | 'pass' | 'fail';
export type DmarcAction = 'none' | 'quarantine' | 'reject';

export interface SpfVerdict {
  /** null: no client IP known (give --ip) */
  readonly result: SpfResult | null;
  /** the domain check_host evaluated (MAIL FROM's, or HELO's for a null sender) */
  readonly domain: string | null;
  readonly ip: string | null;
  readonly helo: string | null;
  /** MAIL FROM as used ('' = the null reverse-path <>) */
  readonly mailFrom: string | null;
  /** where the IP, HELO and MAIL FROM came from, which header was trusted and why */
  readonly source: {
    readonly ip: string | null;
    readonly helo: string | null;
    readonly mailFrom: string | null;
    readonly header: string | null;
    readonly why: string;
  };
  readonly reason: string;
  readonly explanation?: string;
  readonly lookups: number;
  readonly voidLookups: number;
  /** the SPF domain is aligned with the From domain (DMARC's aspf), null without DMARC evaluation */
  readonly aligned: boolean | null;
}

export interface DkimKeyInfo {
  /** `<selector>._domainkey.<domain>` */
  readonly name: string;
  /** the key record as published (null when none was found) */
  readonly record: string | null;
  readonly lookup: 'found' | 'nxdomain' | 'nodata' | 'error' | 'not-fetched';
  readonly revoked: boolean;
  readonly testing: boolean;
  /** what `mailsec check`'s DKIM section says about this key */
  readonly findings: readonly { id: string; severity: string; message: string }[];
}

export interface DkimVerdict {
  readonly domain: string | null;
  readonly selector: string | null;
  readonly algorithm: string | null;
  readonly keyType: string | null;
  readonly keyBits: number | null;
  readonly result: DkimVerdictResult;
  readonly reason: string;
  /** what failed: the body hash (body changed) vs the signature (signed headers changed) */
  readonly failure: 'body-hash' | 'signature' | 'key' | 'dns' | 'syntax' | 'expired' | 'weak-key' | null;
  /** aligned with the From domain under the DMARC record's adkim (relaxed when no record) */
  readonly aligned: boolean | null;
  readonly identity: string | null;
  readonly canonicalization: string | null;
  readonly signedHeaders: readonly string[];
  /** l=: how much of the body the signature covers */
  readonly bodyLength: { readonly limit: number; readonly total: number } | null;
  readonly signTime: string | null;
  readonly expires: string | null;
  /** l= and over-signing notes, each a sentence */
  readonly notes: readonly string[];
  readonly key: DkimKeyInfo | null;
}

export interface ArcInstance {
  readonly instance: number;
  /** the sealer: ARC-Seal d= */
  readonly domain: string | null;
  readonly selector: string | null;
  readonly algorithm: string | null;
  /** cv= of this ARC-Seal */
  readonly cv: string | null;
  /** this seal verifies over the chain up to it; null when not checked */
  readonly sealValid: boolean | null;
  /** the ARC-Message-Signature verifies (only the newest is checked, RFC 8617 §5.2) */
  readonly amsValid: boolean | null;
  readonly authservId: string | null;
  /** what this hop's ARC-Authentication-Results claimed */
  readonly claims: {
    readonly spf: string | null;
    readonly dkim: string | null;
    readonly dmarc: string | null;
    readonly arc: string | null;
  };
  /** the sealer is in --trusted-sealers */
  readonly trusted: boolean;
}

export interface ArcVerdict {
  readonly result: ArcVerdictResult;
  readonly reason: string;
  readonly instances: number;
  /** the chain could not be validated for a DNS failure: fail says nothing about tampering */
  readonly undetermined: boolean;
  readonly chain: readonly ArcInstance[];
}

export interface Disposition {
  /** what a receiver honouring the policy does: none (deliver), quarantine, reject */
  readonly action: DmarcAction;
  /** a receiver's local policy may override a fail on ARC evidence from a trusted sealer */
  readonly overridePossible: boolean;
  readonly override: {
    readonly sealer: string;
    readonly instance: number;
    readonly claims: string;
  } | null;
  readonly note: string;
}

export interface DmarcVerdict {
  readonly result: DmarcVerdictResult;
  readonly reason: string;
  /** the RFC5322.From domain */
  readonly domain: string | null;
  readonly record: string | null;
  /** where the record was found (the From domain or an ancestor, RFC 9989 tree walk) */
  readonly policyDomain: string | null;
  /** the policy that applies to this From domain: p, sp (subdomain) or np (non-existent), t=y lowered */
  readonly policy: DmarcAction | null;
  readonly policySource: 'p' | 'sp' | 'np' | null;
  readonly p: DmarcAction | null;
  readonly sp: DmarcAction | null;
  readonly np: DmarcAction | null;
  readonly testing: boolean;
  readonly orgDomain: string | null;
  readonly alignment: { readonly spf: 'relaxed' | 'strict'; readonly dkim: 'relaxed' | 'strict' };
  readonly spfAligned: boolean;
  readonly dkimAligned: boolean;
  /** the aligned, passing DKIM signing domain */
  readonly alignedDkimDomain: string | null;
  readonly disposition: Disposition;
}

export interface BimiVerdict {
  /** pass: a receiver may show the logo; fail: a requirement is missing; none: no BIMI record */
  readonly result: 'pass' | 'fail' | 'none' | 'skipped' | 'error';
  readonly reason: string;
  readonly record: string | null;
  readonly location: string | null;
  readonly authority: string | null;
  readonly dmarcEnforced: boolean | null;
  readonly svgValid: boolean | null;
  readonly certificateValid: boolean | null;
}

export interface ReceivedResults {
  readonly header: 'Authentication-Results' | 'ARC-Authentication-Results' | 'Received-SPF';
  /** 1-based header-field position, top first */
  readonly field: number;
  readonly authservId: string | null;
  readonly instance: number | null;
  /** written by a host inside the trust boundary (your receiver) */
  readonly trusted: boolean;
  readonly raw: string;
  readonly results: readonly (AuthResult & { readonly explanation: string })[];
  readonly explanation: string;
}

export interface Comparison {
  readonly method: 'spf' | 'dkim' | 'dmarc' | 'arc';
  /** who said it: authserv-id (or "Microsoft 365") and the header field */
  readonly receiver: string;
  readonly field: number;
  readonly theirs: string;
  readonly ours: string | null;
  readonly agree: boolean;
  /** for a disagreement: the likely reason, in a sentence */
  readonly likelyReason: string | null;
}

export interface MessageAnalysis {
  readonly schemaVersion: string;
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly date: string | null;
  readonly from: {
    readonly address: string | null;
    readonly domain: string | null;
    readonly addresses: number;
  };
  readonly spf: SpfVerdict | null;
  readonly dkim: readonly DkimVerdict[] | null;
  readonly arc: ArcVerdict | null;
  readonly dmarc: DmarcVerdict | null;
  readonly bimi?: BimiVerdict | null;
  readonly received: readonly ReceivedResults[];
  readonly hops: readonly Hop[];
  readonly microsoft: MicrosoftReport | null;
  readonly comparison: readonly Comparison[];
  readonly attachedMessages: readonly {
    readonly part: string;
    readonly from: string | null;
    readonly subject: string | null;
  }[];
  readonly problems: readonly { readonly part: string; readonly message: string }[];
  readonly offline: boolean;
  readonly verdict: string;
}
