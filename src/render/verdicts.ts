import type { Section } from '../audit/document.ts';

/** One line per section saying what was seen; falls back to the record when a check has none here. */
type Verdict = (s: Section) => string | undefined;

const list = (xs: readonly string[], max = 3) =>
  xs.length > max ? `${xs.slice(0, max).join(', ')} +${xs.length - max}` : xs.join(', ');

const host = (t: unknown) => (typeof t === 'string' && t ? t : undefined);

const VERDICTS: Record<string, Verdict> = {
  mtaSts: (s) => {
    const p = s.policy as { mode?: string; maxAge?: number; mx?: string[] } | null | undefined;
    if (!p?.mode) return undefined;
    const days = typeof p.maxAge === 'number' ? `, max_age ${Math.round(p.maxAge / 86400)} d` : '';
    return `mode ${p.mode}, mx ${list(p.mx ?? [], 2)}${days}${s.enforceReady === true ? ', every MX covered' : ''}`;
  },
  securityTxt: (s) => {
    const url = host(s.url);
    if (!url) return undefined;
    const exp = typeof s.expires === 'string' ? `, expires ${s.expires.slice(0, 10)}` : '';
    return `${url}${exp}${s.signed ? ', signed' : ''}`;
  },
  did: (s) => {
    const dids = Array.isArray(s.dids) ? (s.dids as string[]) : [];
    if (!host(s.url) || !dids.length) return undefined;
    return `${list(dids, 2)}${s.verified === true ? ', verified' : ', not verified'}`;
  },
  mcp: (s) => {
    if (!host(s.url)) return undefined;
    return `${s.url}${s.valid === true ? `, a JSON object${host(s.name) ? ` (${s.name})` : ''}` : ', not valid'}`;
  },
  microsoft365: (s) => {
    const id = host(s.tenantId);
    return id ? `tenant ${id}${host(s.namespaceType) ? ` (${s.namespaceType})` : ''}` : undefined;
  },
  bimi: (s) => {
    if (typeof s.record !== 'string') return undefined;
    const svg = s.svg as { valid?: boolean | null } | null | undefined;
    const cert = s.certificate as { valid?: boolean | null } | null | undefined;
    const parts = [s.record.length > 50 ? `${s.record.slice(0, 47)}…` : s.record];
    if (svg?.valid === true) parts.push('logo valid');
    if (svg?.valid === false) parts.push('logo invalid');
    if (cert?.valid === true) parts.push('mark certificate valid');
    if (cert?.valid === false) parts.push('mark certificate invalid');
    return parts.join(', ');
  },
  autodiscover: (s) => (host(s.target) ? `→ ${s.target}` : undefined),
  lyncdiscover: (s) => (host(s.target) ? `→ ${s.target}` : undefined),
  sipFederation: (s) => (host(s.target) ? `→ ${s.target}` : undefined),
  smtp: (s) => {
    const hosts = (s.hosts as { starttls: string; dane?: { status: string } }[] | undefined) ?? [];
    if (!hosts.length) return undefined;
    const yes = hosts.filter((h) => h.starttls === 'yes').length;
    const known = hosts.filter((h) => h.starttls === 'yes' || h.starttls === 'no').length;
    const dane = hosts.filter((h) => h.dane?.status === 'valid').length;
    const daneBad = hosts.filter((h) => h.dane?.status === 'invalid' || h.dane?.status === 'error').length;
    const parts = [`STARTTLS on ${yes} of ${hosts.length} MX address${hosts.length > 1 ? 'es' : ''}`];
    if (known < hosts.length) parts.push(`${hosts.length - known} not determined`);
    if (dane) parts.push(`DANE valid on ${dane}`);
    if (daneBad) parts.push(`DANE failing on ${daneBad}`);
    return parts.join(', ');
  },
  spf: (s) => {
    if (typeof s.record !== 'string') return undefined;
    const lookups = typeof s.lookups === 'number' ? `, ${s.lookups}/10 lookups` : '';
    return `${s.record.length > 60 ? `${s.record.slice(0, 57)}…` : s.record}${lookups}`;
  },
  dkim: (s) => {
    const sel =
      (s.selectors as { selector: string; keyType?: string; keyBits?: number | null; revoked?: boolean }[]) ??
      [];
    if (!sel.length) return undefined;
    return list(
      sel.map(
        (k) =>
          `${k.selector} (${k.revoked ? 'revoked' : `${k.keyType ?? '?'}${k.keyBits ? ` ${k.keyBits}` : ''}`})`,
      ),
    );
  },
  dmarc: (s) => {
    if (typeof s.record !== 'string') return undefined;
    const at = typeof s.policyDomain === 'string' ? s.policyDomain : undefined;
    return `p=${s.policy ?? '?'}${s.effectivePolicy && s.effectivePolicy !== s.policy ? `, effective ${s.effectivePolicy}` : ''}${at ? ` (at _dmarc.${at})` : ''}`;
  },
  dnssec: (s) => {
    if (s.status === 'skipped') return 'not tested: the resolver does not validate';
    const v = s.validation as string | null;
    return {
      secure: 'signed and validated (secure)',
      insecure: 'not signed (insecure)',
      bogus: 'signed, but validation fails (bogus)',
      indeterminate: 'could not be determined',
    }[v ?? 'indeterminate'];
  },
  ns: (s) => {
    const hosts = (s.hosts as { name: string }[] | undefined) ?? [];
    return hosts.length
      ? `${hosts.length} name server${hosts.length > 1 ? 's' : ''}: ${list(hosts.map((h) => h.name))}`
      : undefined;
  },
  caa: (s) => {
    const recs = (s.records as { flags: number; tag: string; value: string }[] | undefined) ?? [];
    if (!recs.length) return s.status === 'absent' ? 'no CAA on the name or its parents' : undefined;
    return `${list(
      recs.map((r) => `${r.tag} "${r.value}"`),
      2,
    )}${s.foundAt ? ` (at ${s.foundAt})` : ''}`;
  },
  mx: (s) => {
    const recs = (s.records as { preference: number; exchange: string; kind: string }[] | undefined) ?? [];
    if (s.nullMx && recs.length === 1) return 'Null MX: the domain accepts no mail (RFC 7505)';
    if (!recs.length) return s.status === 'absent' ? 'no MX records' : undefined;
    return list(recs.map((r) => `${r.preference} ${r.exchange}${r.kind !== 'host' ? ` [${r.kind}]` : ''}`));
  },
};

export function verdictLine(check: string, s: Section, fallback: string | undefined): string {
  const v = VERDICTS[check]?.(s);
  if (v) return v;
  const record = s.record;
  if (typeof record === 'string' && record) return record;
  if (fallback) return fallback;
  return (
    {
      pass: 'ok',
      warn: 'deployed, with weaknesses',
      fail: 'deployed, but invalid',
      absent: 'not deployed',
      error: 'could not be determined',
      skipped: 'not tested',
    } as const
  )[s.status];
}
