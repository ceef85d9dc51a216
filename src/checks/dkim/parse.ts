import { createPublicKey } from 'node:crypto';
import type { Parsed, Problem } from '../../protocol/tag-list.ts';
import { parseTagList } from '../../protocol/tag-list.ts';

/** A DKIM key record (RFC 6376 §3.6.1; ed25519: RFC 8463). */
export interface DkimKey {
  /** `k=`: `rsa` (default) or `ed25519`; other values as written */
  readonly keyType: string;
  /** modulus bits for RSA, 256 for Ed25519, null when the key could not be read */
  readonly keyBits: number | null;
  /** `p=` empty: the key is revoked (RFC 6376 §3.6.1) */
  readonly revoked: boolean;
  /** `t=y`: the domain is testing DKIM */
  readonly testing: boolean;
  /** `t=s`: no subdomains in i= */
  readonly strict: boolean;
  /** `h=`: acceptable hash algorithms, null when absent (all allowed) */
  readonly hashes: string[] | null;
  /** `s=`: service types, null when absent (`*`) */
  readonly services: string[] | null;
}

const KNOWN_TAGS = new Set(['v', 'g', 'h', 'k', 'n', 'p', 's', 't']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The modulus size of an RSA SubjectPublicKeyInfo (or bare RSAPublicKey) in bits, or null. */
export function rsaKeyBits(der: Buffer): number | null {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType === 'rsa') return key.asymmetricKeyDetails?.modulusLength ?? null;
      return null;
    } catch {
      // try the next encoding
    }
  }
  return null;
}

/**
 * Key sizes by key text: hosters publish one key for thousands of domains (the CNAMEd selectors
 * of a scan), and parsing it is the dearest step of a key record. Bounded; the oldest goes first.
 */
const keyBitsByText = new Map<string, number | null>();
const KEY_BITS_ENTRIES = 1024;

function cachedRsaKeyBits(keyText: string, der: Buffer): number | null {
  const known = keyBitsByText.get(keyText);
  if (known !== undefined || keyBitsByText.has(keyText)) return known ?? null;
  const bits = rsaKeyBits(der);
  if (keyBitsByText.size >= KEY_BITS_ENTRIES)
    keyBitsByText.delete(keyBitsByText.keys().next().value as string);
  keyBitsByText.set(keyText, bits);
  return bits;
}

/**
 * Whether a TXT record is meant as a DKIM key record: it starts with `v=DKIM1` or has a `p=` or
 * `k=` tag. Anything else (an SPF record synthesised by a wildcard, a verification token) is not.
 */
export function looksLikeDkimKey(text: string): boolean {
  return /^\s*v\s*=\s*DKIM1/i.test(text) || /(^|;)\s*[pk]\s*=/.test(text);
}

/**
 * Parses a DKIM key record. Problems: `version-not-first`, `version-invalid`, `p-missing` (fatal),
 * `key-type-unknown`, `key-invalid` (not base64 or not a key), `ed25519-key-length`, `hash-unknown`,
 * plus the tag-list codes. Never throws.
 */
export function parseDkimKey(text: string): Parsed<DkimKey> {
  const list = parseTagList(text);
  const problems: Problem[] = [...list.problems];
  const v = list.tags.find((t) => t.name === 'v');
  if (v) {
    if (list.tags[0] !== v) problems.push({ code: 'version-not-first', at: v.at, text: `v=${v.value}` });
    if (v.value !== 'DKIM1') problems.push({ code: 'version-invalid', at: v.at, text: v.value });
  }
  for (const t of list.tags) {
    if (!KNOWN_TAGS.has(t.name)) problems.push({ code: 'unknown-tag', at: t.at, text: t.name });
  }
  // RFC 6376 §3.2: tag names are case-sensitive, so "P=" is an unknown tag, not the key
  const p = list.tags.find((t) => t.name === 'p');
  if (!p) {
    problems.push({ code: 'p-missing' });
    return { ok: false, problems };
  }
  const k = list.tags.find((t) => t.name === 'k');
  const keyType = k ? k.value.toLowerCase() : 'rsa';
  if (keyType !== 'rsa' && keyType !== 'ed25519') {
    problems.push({ code: 'key-type-unknown', at: k?.at, text: k?.value ?? '' });
  }
  const keyText = p.value.replace(/\s+/g, '');
  const revoked = keyText === '';
  let keyBits: number | null = null;
  if (!revoked) {
    if (!BASE64.test(keyText) || keyText.length % 4 === 1) {
      problems.push({ code: 'key-invalid', at: p.at, text: shorten(keyText) });
    } else {
      const der = Buffer.from(keyText, 'base64');
      if (keyType === 'ed25519') {
        if (der.length === 32) keyBits = 256;
        else problems.push({ code: 'ed25519-key-length', at: p.at, text: String(der.length) });
      } else if (keyType === 'rsa') {
        keyBits = cachedRsaKeyBits(keyText, der);
        if (keyBits === null) problems.push({ code: 'key-invalid', at: p.at, text: shorten(keyText) });
      }
    }
  }
  const t = list.tags.find((x) => x.name === 't');
  const flags = t ? t.value.split(':').map((f) => f.trim().toLowerCase()) : [];
  const h = list.tags.find((x) => x.name === 'h');
  const hashes = h ? h.value.split(':').map((x) => x.trim().toLowerCase()) : null;
  for (const hash of hashes ?? []) {
    if (hash !== 'sha1' && hash !== 'sha256') problems.push({ code: 'hash-unknown', at: h?.at, text: hash });
  }
  const s = list.tags.find((x) => x.name === 's');
  const services = s ? s.value.split(':').map((x) => x.trim().toLowerCase()) : null;
  return {
    ok: true,
    value: {
      keyType,
      keyBits,
      revoked,
      testing: flags.includes('y'),
      strict: flags.includes('s'),
      hashes,
      services,
    },
    problems,
  };
}

function shorten(s: string): string {
  return s.length > 24 ? `${s.slice(0, 20)}…` : s;
}
