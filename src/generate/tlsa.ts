/**
 * `mailsec generate tlsa`: DANE TLSA records for the domain's own MX hosts (RFC 7672, RFC 7671)
 * from the chain each host presents now, as the smtp check captured it: DANE-EE `3 1 1` (the
 * leaf's key, the default) or DANE-TA `2 1 1` (the topmost CA certificate the server presents,
 * RFC 7671 §5.2.2: the anchor must be in the chain). With `--next-key`, the rollover sequence of
 * RFC 7671 §8.1: publish both, wait 2×TTL, switch, remove. Pure.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { SmtpHost } from '../checks/smtp/check.ts';
import { associationData, associationDigest, matchDane } from '../checks/smtp/dane.ts';
import { serialiseTlsa, tlsaName } from '../checks/smtp/serialise.ts';
import type { TlsaRecord } from '../dns/types.ts';
import { changeOf, inside, record, refusal } from './records.ts';
import type { GeneratedRecord, GenerateInput, GeneratorDef, PlanStep, Proposal } from './types.ts';

/** The next key or certificate, for a rollover (`--next-key PEM`). */
export interface NextKey {
  /** SubjectPublicKeyInfo, DER */
  readonly spki: Buffer;
  /** the certificate, DER, when the PEM held one (needed for selector 0) */
  readonly cert: Buffer | null;
}

export interface TlsaOptions {
  readonly usage: 2 | 3;
  readonly selector: 0 | 1;
  readonly matchingType: 0 | 1 | 2;
  /** MX hosts to generate for; default: the MX hosts inside the domain */
  readonly hosts: readonly string[];
  readonly nextKey: NextKey | null;
  /** options alone: the chain (leaf first, DER) and the host it is for */
  readonly chain: readonly Buffer[] | null;
  readonly port: number;
}

/**
 * The key in a PEM file: a certificate, a public key, or a private key (whose public half is
 * taken; the private key is never printed). Null when the text holds none.
 */
export function nextKeyFromPem(pem: string): NextKey | null {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem)?.[0];
  try {
    if (cert) {
      const x = new X509Certificate(cert);
      return { spki: x.publicKey.export({ type: 'spki', format: 'der' }), cert: x.raw };
    }
    const key = createPublicKey(pem);
    return { spki: key.export({ type: 'spki', format: 'der' }), cert: null };
  } catch {
    return null;
  }
}

/** The certificates of a PEM chain, in order (DER). */
export function chainFromPem(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
    (m) => new X509Certificate(m[0]).raw,
  );
}

/** The TLSA record for a chain, or why there is none. */
function tlsaFor(
  chain: readonly { der: string; presented: boolean }[],
  o: Pick<TlsaOptions, 'usage' | 'selector' | 'matchingType'>,
): { record: TlsaRecord; subject: string } | { problem: string } {
  const certs = chain.map((c) => new X509Certificate(Buffer.from(c.der, 'base64')));
  const leaf = certs[0];
  if (!leaf) return { problem: 'no certificate was presented' };
  let target = leaf;
  if (o.usage === 2) {
    // the topmost CA certificate the server itself sends (RFC 7671 §5.2.2, RFC 7672 §3.1.2)
    const i = chain.findLastIndex((c, j) => j > 0 && c.presented && certs[j]!.ca);
    if (i < 1)
      return {
        problem:
          'the server presents no CA certificate above its own; DANE-TA needs the trust anchor in the chain it sends (RFC 7671 §5.2.2): configure the full chain, or use 3 1 1',
      };
    target = certs[i]!;
  }
  return {
    record: {
      usage: o.usage,
      selector: o.selector,
      matchingType: o.matchingType,
      data: associationData(target, o.selector, o.matchingType),
    },
    subject: target.subject.replace(/\n/g, ', '),
  };
}

function nextRecord(k: NextKey, o: TlsaOptions): TlsaRecord | { problem: string } {
  if (o.selector === 0 && !k.cert)
    return {
      problem:
        '--next-key holds a key, not a certificate: selector 0 (the full certificate) needs the certificate',
    };
  return {
    usage: o.usage,
    selector: o.selector,
    matchingType: o.matchingType,
    data: associationDigest(o.selector === 0 ? k.cert! : k.spki, o.matchingType),
  };
}

const DNSSEC_NOTE: Record<SmtpHost['dane']['dnssec'], string | null> = {
  secure: null,
  insecure:
    'pointless for now: the TLSA lookup is not DNSSEC-validated (the zone, or the MX host’s address, is unsigned), and senders ignore TLSA records without DNSSEC (RFC 7672 §2.2). Sign the zone and publish its DS first; the records then take effect.',
  unvalidated:
    'the resolver does not validate DNSSEC, so whether senders will use these records is unknown: run with a validating resolver.',
  error:
    'the TLSA lookup fails now (bogus DNSSEC or a failing server): senders that do DANE defer mail to this host until the zone is fixed (RFC 7672 §2.2.1).',
};

function propose(input: GenerateInput<TlsaOptions>): Proposal {
  const { domain, live, options: o } = input;
  const ttl = o.ttl;
  const notes: string[] = [];
  const warnings: string[] = [];
  const records: GeneratedRecord[] = [];
  const nextRecords: GeneratedRecord[] = [];
  const currentOnly: GeneratedRecord[] = [];
  const kind = `${o.usage} ${o.selector} ${o.matchingType}`;
  notes.push(
    o.usage === 3
      ? `${kind} (DANE-EE): the server's own ${o.selector === 1 ? 'public key' : 'certificate'}; senders check nothing else (no CA, no names, no expiry: RFC 7672 §3.1.1). Renewing a certificate with the same key keeps it valid.`
      : `${kind} (DANE-TA): the topmost CA certificate the server presents; any certificate from that CA that names the MX host matches (RFC 7672 §3.1.2). A CA that changes its intermediates breaks it: prefer 3 1 1 with --next-key.`,
  );
  const next = o.nextKey ? nextRecord(o.nextKey, o) : null;
  if (next && 'problem' in next)
    return refusal(next.problem, 'Give the next certificate (PEM) with --next-key.');

  if (!live) {
    const host = o.hosts[0];
    if (!o.chain?.length || !host)
      return refusal(
        'Without --for, give the certificate and the host.',
        'Use --cert CHAIN.pem --mx mx1.example.ch, or --for DOMAIN.',
      );
    const t = tlsaFor(
      o.chain.map((c) => ({ der: c.toString('base64'), presented: true })),
      o,
    );
    if ('problem' in t)
      return refusal(
        `${host}: ${t.problem}.`,
        'Use another usage, or a chain file that holds the CA certificate.',
      );
    const value = serialiseTlsa(t.record);
    const r = record(tlsaName(host, o.port), 'TLSA', value, ttl);
    records.push(r);
    currentOnly.push(r);
    notes.push(`${tlsaName(host, o.port)}: ${kind} of ${t.subject} (from --cert).`);
    if (next && !('problem' in next) && serialiseTlsa(next) !== value)
      nextRecords.push(record(tlsaName(host, o.port), 'TLSA', serialiseTlsa(next), ttl));
    warnings.push(
      'Generated from a file: nothing shows that the server presents this chain; run with --for DOMAIN to read it from the server.',
    );
  } else {
    const mx = (live.results.mx?.evidence.records ?? []).filter((r) => r.kind !== 'null');
    const exchanges = [...new Set(mx.sort((a, b) => a.preference - b.preference).map((r) => r.exchange))];
    const wanted = o.hosts.length
      ? o.hosts.map((h) => h.toLowerCase().replace(/\.$/, ''))
      : exchanges.filter((e) => inside(e, domain));
    const foreign = exchanges.filter((e) => !wanted.includes(e));
    if (foreign.length)
      notes.push(
        `Not for ${foreign.join(', ')}: ${foreign.length === 1 ? 'that host is' : 'those hosts are'} outside ${domain}; TLSA records belong in the zone of the MX host, so its operator publishes them.`,
      );
    if (!wanted.length)
      return refusal(
        `${domain} has no MX host inside the domain${exchanges.length ? ` (MX: ${exchanges.join(', ')})` : ''}.`,
        'TLSA records are published by the operator of each MX host; name a host you run with --mx HOST.',
      );
    const hosts = live.results.smtp?.evidence.hosts ?? [];
    const problems: string[] = [];
    for (const exchange of wanted) {
      const mine = hosts.filter((h) => h.exchange === exchange);
      const ok = mine.filter((h) => h.outcome === 'ok' && h.chain.length);
      if (!ok.length) {
        problems.push(
          `${exchange}: ${mine.length ? `no TLS session (${[...new Set(mine.map((h) => h.outcome))].join(', ')})` : 'not probed (no address, or --no-smtp)'}`,
        );
        continue;
      }
      const values = new Map<string, string[]>();
      for (const h of ok) {
        const t = tlsaFor(h.chain, o);
        if ('problem' in t) {
          problems.push(`${exchange} (${h.address}): ${t.problem}`);
          continue;
        }
        // the self-check: the record must match the chain exactly as DANE senders will see it
        const m = matchDane([t.record], h.chain, [h.dane.base, exchange], input.now);
        if (m.status !== 'valid') {
          problems.push(
            `${exchange} (${h.address}): the record would not match (${m.taNameMismatch ? 'the certificate does not name the host' : 'expired or broken chain'})`,
          );
          continue;
        }
        const v = serialiseTlsa(t.record);
        values.set(v, [...(values.get(v) ?? []), `${h.address} (${t.subject})`]);
      }
      if (!values.size) continue;
      const name = tlsaName(exchange, o.port);
      const published = mine[0]?.dane.records.map((r) => serialiseTlsa(r)) ?? [];
      // what is published is known only from a TLSA lookup that worked and was validated
      const known = mine[0] && ['secure', 'insecure'].includes(mine[0].dane.dnssec) ? published : null;
      if (values.size > 1)
        warnings.push(
          `${exchange}: its addresses present different keys (${[...values.values()].map((a) => a.join(', ')).join(' / ')}): every record is needed while they differ.`,
        );
      for (const [value, seenAt] of values) {
        const r = record(name, 'TLSA', value, ttl, changeOf(value, known));
        records.push(r);
        currentOnly.push(r);
        notes.push(`${name}: ${kind} of ${seenAt.join(', ')}.`);
      }
      const dnssec = mine[0]!.dane.dnssec;
      const dn = DNSSEC_NOTE[dnssec];
      if (dn) warnings.push(`${exchange}: ${dn}`);
      const dropped = published.filter(
        (v) => !values.has(v) && (!next || 'problem' in next || v !== serialiseTlsa(next)),
      );
      if (dropped.length)
        notes.push(
          `${name}: drops ${dropped.join(', ')}, which ${dropped.length === 1 ? 'matches' : 'match'} nothing the server presents now (an old key?). Keep ${dropped.length === 1 ? 'it' : 'them'} if a key change is under way.`,
        );
      if (next && !('problem' in next)) {
        const nv = serialiseTlsa(next);
        if (!values.has(nv)) nextRecords.push(record(name, 'TLSA', nv, ttl, changeOf(nv, known)));
      }
    }
    if (problems.length && !records.length)
      return refusal(
        `No TLSA record can be made: ${problems.join('; ')}.`,
        'Make the MX hosts offer STARTTLS with their certificates, then run again.',
      );
    if (problems.length) warnings.push(...problems.map((p) => `No record for ${p}.`));
  }

  let plan: PlanStep[] | undefined;
  if (next && !('problem' in next)) {
    const both = [...records, ...nextRecords];
    const wait = 2 * ttl;
    const names = [...new Set(records.map((r) => r.name))];
    const nextOnly = nextRecords.length
      ? nextRecords
      : records.filter((r) => r.value === serialiseTlsa(next)); // the next key is already in use
    plan = [
      {
        step: 1,
        title: 'publish both',
        action: `Publish the current and the next key's records at ${names.join(', ')} (both stay valid).`,
        records: both,
      },
      {
        step: 2,
        title: `wait 2×TTL (${wait} s)`,
        action: `Wait until every secondary serves the new set, then twice the TTL (${ttl} s): senders may cache the old set that long (RFC 7671 §8.1).`,
        records: both,
      },
      {
        step: 3,
        title: 'switch',
        action:
          'Install the next key and its certificate on the server(s); the next key’s record already matches.',
        records: both,
      },
      {
        step: 4,
        title: 'remove',
        action:
          'Once the server presents the next key (mailsec check shows dane valid), remove the old key’s record.',
        records: nextOnly,
      },
    ];
    notes.push(
      'Rollover (RFC 7671 §8.1): the records to publish now are step 1 of the plan, the current and the next key together.',
    );
    records.push(...nextRecords);
  } else if (
    records.length === currentOnly.length &&
    currentOnly.length === new Set(currentOnly.map((r) => r.name)).size
  )
    notes.push(
      'One record per host: when the key changes, publish the next one first (mailsec generate tlsa --next-key NEXT.pem).',
    );
  return { records, files: [], notes, warnings, refused: null, ...(plan ? { plan } : {}) };
}

export const tlsaGenerator: GeneratorDef<TlsaOptions> = {
  kind: 'tlsa',
  live: ['dnssec', 'mx', 'smtp'],
  sections: ['smtp'],
  propose,
};
