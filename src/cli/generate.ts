/**
 * `mailsec generate <kind> [--for DOMAIN | DOMAIN] [options] [--json | --zone]`: the records (and
 * files) to publish, from the options alone or from the live state (--for), proven by a dry run
 * of mailsec's own checks. Exit status: 0 records generated, 1 refused (a risk; --force), 2 usage,
 * 3 the live state could not be determined.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAuditEnvironment, type OpenAuditEnvironment } from '../audit/environment.ts';
import type { DmarcPolicy } from '../checks/dmarc/parse.ts';
import { parseReportUri } from '../checks/dmarc/parse.ts';
import { isIp4 } from '../checks/spf/parse.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { domainOrThrow, normaliseDomain } from '../core/names.ts';
import type { BimiOptions } from '../generate/bimi.ts';
import type { CaaOptions } from '../generate/caa.ts';
import type { DmarcOptions } from '../generate/dmarc.ts';
import { GENERATORS, runGenerator } from '../generate/index.ts';
import type { MtaStsOptions } from '../generate/mta-sts.ts';
import type { ParkedOptions } from '../generate/parked.ts';
import type { SpfOptions } from '../generate/spf.ts';
import type { TlsRptOptions } from '../generate/tls-rpt.ts';
import { chainFromPem, nextKeyFromPem, type TlsaOptions } from '../generate/tlsa.ts';
import type { CommonOptions, GenerateKind, GenerateResult, ReportEvidence } from '../generate/types.ts';
import { GENERATE_KINDS } from '../generate/types.ts';
import { renderGenerateHuman, renderGenerateZone } from '../render/generate.ts';
import { createStyle, wantsColor } from '../render/style.ts';
import type { CommandDef, CommandIo, OptionDef, ParsedArgs } from './command.ts';
import { bool, list, str } from './command.ts';
import { auditConfig } from './environment.ts';
import { EXIT } from './exit.ts';
import { CONNECT_OPTIONS, networkConfig, RESOLVER_OPTIONS } from './options.ts';

const usage = (message: string, hint: string) => new MailsecError(ErrorCode.Usage, message, hint);

const COMMON: Record<string, OptionDef> = {
  for: {
    type: 'string',
    value: 'domain',
    description: 'derive the records from the live state of DOMAIN (its MX, certificates, records, DNSSEC)',
  },
  zone: { type: 'boolean', description: 'zone-file lines ready to paste (notes and files as ; comments)' },
  ttl: { type: 'string', value: 'seconds', description: 'TTL of the records', default: '3600' },
  force: {
    type: 'boolean',
    description: 'publish what mailsec refuses as risky (say why in your change log)',
  },
  ehlo: { type: 'string', value: 'name', description: 'EHLO name for the SMTP probes of --for' },
  json: {
    type: 'boolean',
    description: 'the result as one JSON object: { kind, domain, records, files, notes, … }',
  },
  ...RESOLVER_OPTIONS,
  ...CONNECT_OPTIONS,
};

const REPORTS: Record<string, OptionDef> = {
  reports: {
    type: 'string',
    value: 'DB',
    description: 'imported DMARC reports (mailsec reports import … --db DB) as evidence',
  },
  since: {
    type: 'string',
    value: 'date',
    description: 'with --reports: only reports from this date (ISO 8601)',
  },
  catalogue: {
    type: 'string',
    value: 'FILE',
    description: 'with --reports: sending services besides the built-in catalogue (as reports sources)',
  },
};

function ttlOf(args: ParsedArgs): number {
  const raw = str(args, 'ttl') ?? '3600';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 60 || n > 604_800)
    throw usage(`--ttl "${raw}" is not a TTL in seconds (60–604800)`, 'try --ttl 3600');
  return n;
}

function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase() as T;
  if (!allowed.includes(lower))
    throw usage(
      `--${name} "${v}" is not one of ${allowed.join(', ')}`,
      `try --${name} ${allowed[allowed.length - 1]}`,
    );
  return lower;
}

function reportUris(args: ParsedArgs, name: string, schemes: readonly string[]): string[] {
  const uris = list(args, name);
  for (const u of uris) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u)?.[1]?.toLowerCase();
    const parsed = parseReportUri(u, 0, []);
    if (
      !scheme ||
      !schemes.includes(scheme) ||
      !parsed ||
      (scheme === 'mailto' && !parsed.address) ||
      /!\d/.test(u)
    )
      throw usage(
        `--${name} "${u}" is not a ${schemes.join(' or ')} URI`,
        `try --${name} mailto:reports@example.ch`,
      );
  }
  return uris;
}

function hostList(args: ParsedArgs, name: string): string[] {
  return list(args, name).map((h) => {
    const n = normaliseDomain(h.replace(/^\*\./, 'wildcard.'));
    if (!n.ok) throw usage(`--${name} "${h}" is not a host name`, `try --${name} mx1.example.ch`);
    return h.startsWith('*.') ? `*.${n.name.slice('wildcard.'.length)}` : n.name;
  });
}

function readText(io: CommandIo, name: string, file: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--${name} ${file}: ${(e as Error).message}`,
      `give a readable PEM file to --${name}`,
    );
  }
}

function network(name: string, v4: boolean): string {
  const [addr = '', prefix, ...rest] = name.split('/');
  const max = v4 ? 32 : 128;
  const okAddr = v4 ? isIp4(addr) : /^[0-9a-f:.]+$/i.test(addr) && addr.includes(':');
  const okPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
  if (!okAddr || !okPrefix || rest.length)
    throw usage(
      `--${v4 ? 'ip4' : 'ip6'} "${name}" is not an IPv${v4 ? 4 : 6} network`,
      `try --${v4 ? 'ip4 192.0.2.0/24' : 'ip6 2001:db8::/32'}`,
    );
  return name;
}

// ---- per kind: options and their parsing ----

interface KindDef<O> {
  readonly summary: string;
  readonly description: string;
  readonly options: Record<string, OptionDef>;
  readonly examples: readonly string[];
  parse(args: ParsedArgs, io: CommandIo, live: boolean): O;
}

const spf: KindDef<SpfOptions> = {
  summary: 'Generate the SPF record: the senders published now, named, or seen in DMARC reports.',
  description:
    'With --for, the published record is kept (merged when there are several; ptr, +all and ?all replaced) and the\n' +
    'options add to it. The dry run counts its DNS lookups: over 10 it is refused unless --flatten, which replaces\n' +
    'includes by the addresses they resolve to now (a record you must then keep up to date).',
  options: {
    include: {
      type: 'string',
      multiple: true,
      value: 'domain,…',
      description: 'add include:<domain> (a provider’s SPF)',
    },
    ip4: { type: 'string', multiple: true, value: 'net,…', description: 'add ip4:<network>' },
    ip6: { type: 'string', multiple: true, value: 'net,…', description: 'add ip6:<network>' },
    a: { type: 'boolean', description: 'add a (the domain’s own address sends)' },
    mx: { type: 'boolean', description: 'add mx (the MX hosts send)' },
    drop: {
      type: 'string',
      multiple: true,
      value: 'term,…',
      description: 'leave out a published term, e.g. include:old.example',
    },
    all: {
      type: 'string',
      value: '-all|~all',
      description: 'how other hosts end [default: the published one, else ~all]',
    },
    flatten: {
      type: 'boolean',
      description: 'over 10 lookups: replace includes by their addresses (needs upkeep)',
    },
    ...REPORTS,
    listed: {
      type: 'string',
      multiple: true,
      value: 'ip,…',
      description: 'with --reports: sources to include although not authorised',
    },
  },
  examples: [
    'mailsec generate spf --for example.ch --include _spf.google.com',
    'mailsec generate spf --for example.ch --flatten --zone',
    'mailsec generate spf example.ch --mx --ip4 192.0.2.0/24 --all -all',
  ],
  parse(args) {
    const all = oneOf(args, 'all', ['-all', '~all'] as const);
    return {
      include: hostList(args, 'include'),
      ip4: list(args, 'ip4').map((n) => network(n, true)),
      ip6: list(args, 'ip6').map((n) => network(n, false)),
      a: bool(args, 'a'),
      mx: bool(args, 'mx'),
      drop: list(args, 'drop'),
      ...(all ? { all } : {}),
      flatten: bool(args, 'flatten'),
      listed: list(args, 'listed'),
    };
  },
};

const POLICIES = ['none', 'quarantine', 'reject'] as const;

const dmarc: KindDef<DmarcOptions> = {
  summary: 'Generate the DMARC record, or the staged rollout to p=reject (--plan).',
  description:
    'Without --policy the record stays at the step it is at (or starts with p=none and rua); with --reports it moves one\n' +
    'step when the reports show enough mail passing DMARC. A stricter policy than the evidence supports is refused\n' +
    'unless --force. --plan prints the five steps in RFC 9989 terms (pct is gone; t=y is the test mode):\n' +
    'p=none → p=quarantine; t=y → p=quarantine → p=reject; t=y → p=reject.',
  options: {
    policy: { type: 'string', value: 'p', description: 'none, quarantine or reject' },
    testing: { type: 'boolean', description: 't=y: receivers apply one step less (RFC 9989 §4.7)' },
    sp: { type: 'string', value: 'p', description: 'policy for subdomains (default: p)' },
    np: { type: 'string', value: 'p', description: 'policy for subdomains that do not exist (default: sp)' },
    adkim: { type: 'string', value: 'r|s', description: 'DKIM alignment (default r)' },
    aspf: { type: 'string', value: 'r|s', description: 'SPF alignment (default r)' },
    fo: { type: 'string', value: 'opts', description: 'failure reporting options, e.g. 1 or d:s' },
    rua: { type: 'string', multiple: true, value: 'mailto:…', description: 'aggregate report addresses' },
    ruf: { type: 'string', multiple: true, value: 'mailto:…', description: 'failure report addresses' },
    plan: { type: 'boolean', description: 'print the whole rollout with the figure each step needs' },
    ...REPORTS,
  },
  examples: [
    'mailsec generate dmarc --for example.ch --plan',
    'mailsec generate dmarc --for example.ch --reports reports.duckdb',
    'mailsec generate dmarc example.ch --policy none --rua mailto:dmarc@example.ch --zone',
  ],
  parse(args) {
    const policy = oneOf(args, 'policy', POLICIES);
    const sp = oneOf(args, 'sp', POLICIES);
    const np = oneOf(args, 'np', POLICIES);
    const adkim = oneOf(args, 'adkim', ['r', 's'] as const);
    const aspf = oneOf(args, 'aspf', ['r', 's'] as const);
    const fo = str(args, 'fo');
    if (fo !== undefined && !/^[01ds](:[01ds])*$/.test(fo))
      throw usage(`--fo "${fo}" is not a colon list of 0, 1, d, s`, 'try --fo 1');
    if (bool(args, 'testing') && (policy ?? 'none') === 'none')
      throw usage(
        '--testing needs --policy quarantine or reject (t=y with p=none means nothing)',
        'try --policy quarantine --testing',
      );
    return {
      ...(policy ? { policy: policy as DmarcPolicy } : {}),
      ...(bool(args, 'testing') ? { testing: true } : {}),
      ...(sp ? { sp } : {}),
      ...(np ? { np } : {}),
      ...(adkim ? { adkim } : {}),
      ...(aspf ? { aspf } : {}),
      ...(fo ? { fo: fo.split(':') } : {}),
      rua: reportUris(args, 'rua', ['mailto']),
      ruf: reportUris(args, 'ruf', ['mailto']),
      plan: bool(args, 'plan'),
    };
  },
};

const mtaSts: KindDef<MtaStsOptions> = {
  summary: 'Generate the MTA-STS policy file and TXT record (and TLS-RPT when missing).',
  description:
    'mode: enforce is refused while an MX is not covered or presents a certificate senders would reject (the MX and\n' +
    'the reason are named): publish --mode testing first, or fix the certificate. The policy file goes to\n' +
    'https://mta-sts.<domain>/.well-known/mta-sts.txt; publish the TXT record after the file is served.',
  options: {
    mode: { type: 'string', value: 'mode', description: 'enforce, testing or none', default: 'enforce' },
    mx: {
      type: 'string',
      multiple: true,
      value: 'host,…',
      description: 'mx patterns (default: the MX hosts published now)',
    },
    'max-age': { type: 'string', value: 'seconds', description: 'max_age', default: '604800' },
    id: {
      type: 'string',
      value: 'id',
      description: 'policy id (default: kept when unchanged, else a timestamp)',
    },
    rua: {
      type: 'string',
      multiple: true,
      value: 'uri,…',
      description: 'TLS-RPT destinations when a TLS-RPT record is added',
    },
  },
  examples: [
    'mailsec generate mta-sts --for example.ch',
    'mailsec generate mta-sts --for example.ch --mode testing --zone',
    'mailsec generate mta-sts example.ch --mx mx1.example.ch,mx2.example.ch --json',
  ],
  parse(args) {
    const mode = oneOf(args, 'mode', ['none', 'testing', 'enforce'] as const) ?? 'enforce';
    const rawAge = str(args, 'max-age');
    if (rawAge !== undefined && (!/^\d{1,10}$/.test(rawAge) || Number(rawAge) > 31_557_600))
      throw usage(`--max-age "${rawAge}" is not a number of seconds up to 31557600`, 'try --max-age 604800');
    const id = str(args, 'id');
    if (id !== undefined && !/^[A-Za-z0-9]{1,32}$/.test(id))
      throw usage(`--id "${id}" is not 1–32 letters and digits (RFC 8461 §3.1)`, 'try --id 20260101T000000');
    return {
      mode,
      mx: hostList(args, 'mx'),
      ...(rawAge !== undefined ? { maxAge: Number(rawAge) } : {}),
      ...(id ? { id } : {}),
      rua: reportUris(args, 'rua', ['mailto', 'https']),
    };
  },
};

const tlsRpt: KindDef<TlsRptOptions> = {
  summary: 'Generate the SMTP TLS reporting record (RFC 8460).',
  description:
    'Without --rua the published destinations are kept, else tls-reports@<domain> (create that mailbox).',
  options: {
    rua: {
      type: 'string',
      multiple: true,
      value: 'uri,…',
      description: 'report destinations (mailto: or https:)',
    },
  },
  examples: [
    'mailsec generate tls-rpt --for example.ch',
    'mailsec generate tls-rpt example.ch --rua mailto:tls@example.ch --zone',
  ],
  parse: (args) => ({ rua: reportUris(args, 'rua', ['mailto', 'https']) }),
};

const tlsa: KindDef<TlsaOptions> = {
  summary: 'Generate DANE TLSA records for the domain’s own MX hosts (3 1 1 or 2 1 1), and key rollovers.',
  description:
    'The records come from the chain each MX presents over STARTTLS now. Without DNSSEC they are pointless (senders\n' +
    'ignore them) and mailsec says so. --next-key PEM prints the rollover: publish both, wait 2×TTL, switch, remove.',
  options: {
    usage: {
      type: 'string',
      value: '3|2',
      description: 'DANE-EE (3, the server key) or DANE-TA (2, its CA)',
      default: '3',
    },
    selector: { type: 'string', value: '1|0', description: 'SPKI (1) or full certificate (0)', default: '1' },
    'matching-type': {
      type: 'string',
      value: '1|2|0',
      description: 'SHA-256 (1), SHA-512 (2) or full (0)',
      default: '1',
    },
    mx: {
      type: 'string',
      multiple: true,
      value: 'host,…',
      description: 'MX hosts (default: the MX hosts inside the domain)',
    },
    'next-key': {
      type: 'string',
      value: 'PEM',
      description: 'the next key or certificate: print the rollover sequence',
    },
    cert: {
      type: 'string',
      value: 'PEM',
      description: 'without --for: the chain to make records for (with --mx HOST)',
    },
    port: { type: 'string', value: 'port', description: 'the service port', default: '25' },
  },
  examples: [
    'mailsec generate tlsa --for example.ch --zone',
    'mailsec generate tlsa --for example.ch --usage 2',
    'mailsec generate tlsa --for example.ch --next-key next.pem',
  ],
  parse(args, io, live) {
    const num = <T extends number>(name: string, allowed: readonly T[], dflt: T): T => {
      const raw = str(args, name);
      if (raw === undefined) return dflt;
      const n = Number(raw) as T;
      if (!/^\d+$/.test(raw) || !allowed.includes(n))
        throw usage(`--${name} "${raw}" is not one of ${allowed.join(', ')}`, `try --${name} ${dflt}`);
      return n;
    };
    const nextFile = str(args, 'next-key');
    const nextKey = nextFile ? nextKeyFromPem(readText(io, 'next-key', nextFile)) : null;
    if (nextFile && !nextKey)
      throw usage(
        `--next-key ${nextFile}: holds no certificate or key in PEM form`,
        'give the next certificate or its public key (PEM)',
      );
    const certFile = str(args, 'cert');
    let chain: Buffer[] | null = null;
    if (certFile) {
      if (live)
        throw usage(
          '--cert is for use without --for (with --for the chain comes from the server)',
          'drop --cert, or --for',
        );
      try {
        chain = chainFromPem(readText(io, 'cert', certFile));
      } catch {
        chain = [];
      }
      if (!chain.length)
        throw usage(`--cert ${certFile}: holds no certificate in PEM form`, 'give the chain, leaf first');
    }
    const port = num(
      'port',
      Array.from({ length: 65535 }, (_, i) => i + 1),
      25,
    );
    return {
      usage: num('usage', [3, 2] as const, 3),
      selector: num('selector', [1, 0] as const, 1),
      matchingType: num('matching-type', [1, 2, 0] as const, 1),
      hosts: hostList(args, 'mx'),
      nextKey,
      chain,
      port,
    };
  },
};

const caa: KindDef<CaaOptions> = {
  summary: 'Generate CAA records for the CAs that issued the certificates of the domain’s own names.',
  description:
    'Only certificates presented for names inside the domain count: its web hosts (apex, www), mta-sts and its own\n' +
    'MX hosts (a provider’s MX says nothing about your CAs). Issuers map to CAA identifiers through a documented\n' +
    'table (docs/generate.md); an unknown issuer is listed, never guessed, and refuses the set unless mapped.',
  options: {
    issuer: {
      type: 'string',
      multiple: true,
      value: 'id,…',
      description: 'also allow these CAA identifiers (e.g. letsencrypt.org)',
    },
    'issuer-map': {
      type: 'string',
      multiple: true,
      value: 'ORG=id',
      description: 'CAA identifier of an issuer organisation the table does not know',
    },
    iodef: {
      type: 'string',
      value: 'url',
      description: 'where CAs report refused requests (mailto: or https:)',
    },
  },
  examples: [
    'mailsec generate caa --for example.ch --iodef mailto:security@example.ch',
    'mailsec generate caa --for example.ch --issuer-map "Example Internal CA=ca.example.ch"',
    'mailsec generate caa example.ch --issuer letsencrypt.org --zone',
  ],
  parse(args) {
    const issuerMap: Record<string, string> = {};
    const idOk = (id: string) =>
      /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(id);
    for (const m of (() => {
      const v = args.values['issuer-map'];
      return typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
    })()) {
      const i = m.lastIndexOf('=');
      const org = m.slice(0, i).trim();
      const id = m
        .slice(i + 1)
        .trim()
        .toLowerCase();
      if (i <= 0 || !org || !idOk(id))
        throw usage(
          `--issuer-map "${m}" is not ORGANISATION=identifier`,
          'try --issuer-map "Example CA=ca.example.com"',
        );
      issuerMap[org] = id;
    }
    const issuers = list(args, 'issuer').map((i) => i.toLowerCase());
    for (const i of issuers)
      if (!idOk(i))
        throw usage(`--issuer "${i}" is not a CAA issuer domain name`, 'try --issuer letsencrypt.org');
    const iodef = str(args, 'iodef');
    if (iodef !== undefined && !/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/i.test(iodef))
      throw usage(
        `--iodef "${iodef}" is not a mailto: or https: URL`,
        'try --iodef mailto:security@example.ch',
      );
    return { issuers, issuerMap, ...(iodef ? { iodef } : {}) };
  },
};

const bimi: KindDef<BimiOptions> = {
  summary: 'Generate the BIMI record for a logo (and mark certificate) the domain serves.',
  description:
    'Refused while DMARC is not at enforcement. With --for the logo is fetched and validated (SVG Tiny PS) by the\n' +
    'bimi check before anything is published.',
  options: {
    logo: { type: 'string', value: 'url', description: 'l=: https URL of the SVG Tiny PS logo' },
    authority: {
      type: 'string',
      value: 'url',
      description: 'a=: https URL of the mark certificate (VMC/CMC PEM)',
    },
    selector: { type: 'string', value: 'name', description: 'BIMI selector', default: 'default' },
    'vmc-roots': {
      type: 'string',
      value: 'PEM',
      description: 'roots of the mark verifying authorities (checks a=)',
    },
  },
  examples: [
    'mailsec generate bimi --for example.ch --logo https://example.ch/bimi/logo.svg',
    'mailsec generate bimi --for example.ch --logo https://example.ch/l.svg --authority https://example.ch/vmc.pem',
  ],
  parse(args) {
    const url = (name: string) => {
      const v = str(args, name);
      if (v !== undefined && (!/^https:\/\//i.test(v) || !URL.canParse(v) || /[;\s]/.test(v)))
        throw usage(`--${name} "${v}" is not an https URL`, `try --${name} https://example.ch/bimi/logo.svg`);
      return v;
    };
    const logo = url('logo');
    const authority = url('authority');
    const selector = str(args, 'selector') ?? 'default';
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(selector))
      throw usage(`--selector "${selector}" is not a DNS label`, 'try --selector default');
    return {
      ...(logo ? { logo } : {}),
      ...(authority ? { authority } : {}),
      selector: selector.toLowerCase(),
    };
  },
};

const parked: KindDef<ParkedOptions> = {
  summary:
    'Generate the records of a domain that sends and receives no mail (Null MX, SPF -all, DMARC reject).',
  description:
    'With --for, refused when the domain has MX hosts, an SPF record that authorises senders, or DKIM keys.',
  options: {
    rua: {
      type: 'string',
      multiple: true,
      value: 'mailto:…',
      description: 'DMARC aggregate reports to another domain',
    },
  },
  examples: ['mailsec generate parked --for example.ch', 'mailsec generate parked example.ch --zone'],
  parse: (args) => ({ rua: reportUris(args, 'rua', ['mailto']) }),
};

// biome-ignore lint/suspicious/noExplicitAny: each kind has its own options type
const KINDS: Record<GenerateKind, KindDef<any>> = {
  spf,
  dmarc,
  'mta-sts': mtaSts,
  'tls-rpt': tlsRpt,
  tlsa,
  caa,
  bimi,
  parked,
};

/** --reports DB: the figures of the imported reports for the domain. */
/**
 * --reports DB: the figures of the domain's imported aggregate reports (reports summary) and its
 * sources, identified and classed as `mailsec reports sources` does (through the same resolver).
 */
async function readReports(
  db: string,
  domain: string,
  args: ParsedArgs,
  io: CommandIo,
  env: OpenAuditEnvironment,
): Promise<ReportEvidence> {
  const { existsSync } = await import('node:fs');
  const path = resolve(io.cwd, db);
  if (!existsSync(path))
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--reports ${db}: no such file`,
      'import the reports first: mailsec reports import <file|dir|imaps://…> --db DB',
    );
  const { BUILTIN_CATALOGUE, parseCatalogue, reportSources } = await import('../ingest/index.ts');
  const catFile = str(args, 'catalogue');
  let catalogue: ReturnType<typeof parseCatalogue> = [];
  if (catFile) {
    try {
      catalogue = parseCatalogue(JSON.parse(readText(io, 'catalogue', catFile)), catFile);
    } catch (e) {
      if (e instanceof MailsecError) throw e;
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `--catalogue ${catFile}: ${(e as Error).message}`,
        'see docs/reports.md for the format',
      );
    }
  }
  const since = str(args, 'since');
  if (since !== undefined && Number.isNaN(Date.parse(since)))
    throw usage(`--since "${since}" is not a date`, 'try --since 2026-01-01');
  const { openReportStore } = await import('../store/report-store.ts');
  const store = await openReportStore(path, { readOnly: true, lockWaitMs: 60_000 });
  try {
    const filter = { domain, ...(since ? { since: new Date(since).toISOString() } : {}) };
    const [summary] = await store.summary(filter);
    if (!summary || summary.messages === 0)
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `--reports ${db}: holds no aggregate reports for ${domain}`,
        'import the reports that receivers sent for the domain: mailsec reports import … --db DB',
      );
    const rows = await reportSources(store, {
      domain,
      resolver: env.resolver,
      signal: env.signal,
      ...(catalogue.length ? { catalogue } : {}),
    });
    const services = [...catalogue, ...BUILTIN_CATALOGUE];
    const begin = summary.period.begin ? Date.parse(summary.period.begin) : Number.NaN;
    const end = summary.period.end ? Date.parse(summary.period.end) : Number.NaN;
    return {
      messages: summary.messages,
      dmarcPass: summary.dmarcPass.percent,
      days:
        Number.isNaN(begin) || Number.isNaN(end) ? 0 : Math.max(0, Math.round((end - begin) / 86_400_000)),
      sources: rows.map((r) => ({
        ip: r.ip,
        ptr: r.ptr,
        organisation: r.organisation,
        messages: r.messages,
        dmarcPass: r.dmarcPass.count,
        dkimAligned: r.dkimAligned.count,
        spfAligned: r.spfAligned.count,
        class: r.class,
        spfInclude: services.find((x) => x.organisation === r.organisation)?.spf[0] ?? null,
      })),
    };
  } finally {
    store.close();
  }
}

function exitFor(results: readonly GenerateResult[]): number {
  return results.some((r) => r.refused) ? EXIT.findings : EXIT.ok;
}

async function runKind(kind: GenerateKind, args: ParsedArgs, io: CommandIo): Promise<number> {
  const def = KINDS[kind];
  const forDomain = str(args, 'for');
  if (args.positionals.length > 1)
    throw usage(
      `unexpected arguments: ${args.positionals.slice(1).join(' ')}`,
      `see: mailsec generate ${kind} --help`,
    );
  const positional = args.positionals[0];
  if (forDomain && positional && domainOrThrow(positional) !== domainOrThrow(forDomain))
    throw usage(
      `two domains given: --for ${forDomain} and ${positional}`,
      `give one: mailsec generate ${kind} --for ${forDomain}`,
    );
  const name = forDomain ?? positional;
  if (!name)
    throw usage(
      'no domain given',
      `try: mailsec generate ${kind} --for example.ch (from the live state) or mailsec generate ${kind} example.ch (options alone)`,
    );
  const domain = domainOrThrow(name);
  if (bool(args, 'json') && bool(args, 'zone'))
    throw usage('--json and --zone exclude each other', 'pick one');
  const live = forDomain !== undefined;
  if (!live && str(args, 'reports')) throw usage('--reports needs --for DOMAIN', `try --for ${domain}`);
  for (const name of ['since', 'catalogue', 'listed'])
    if (args.values[name] !== undefined && !str(args, 'reports'))
      throw usage(`--${name} needs --reports DB`, `try --reports reports.duckdb --${name} …`);
  const options: CommonOptions & Record<string, unknown> = {
    ...def.parse(args, io, live),
    ttl: ttlOf(args),
    force: bool(args, 'force'),
  };
  let result: GenerateResult;
  if (!live) {
    result = await runGenerator(GENERATORS[kind], domain, options, { env: null });
  } else {
    const cfg = await networkConfig(args, io.env);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let env: OpenAuditEnvironment | undefined;
    try {
      env = await createAuditEnvironment(auditConfig(args, cfg), { signal: controller.signal });
      const probe = env.probe;
      if (!probe.reachable)
        throw new MailsecError(
          ErrorCode.ResolverUnreachable,
          `the resolver ${cfg.resolver} does not answer${probe.detail ? ` (${probe.detail})` : ''}; the live state of ${domain} cannot be read`,
          'try: --resolver <address of a working resolver>',
        );
      const reportsDb = str(args, 'reports');
      const reports = reportsDb ? await readReports(reportsDb, domain, args, io, env) : undefined;
      result = await runGenerator(GENERATORS[kind], domain, options, {
        env,
        ...(reports ? { reports } : {}),
      });
    } finally {
      process.off('SIGINT', onSigint);
      await env?.close();
    }
  }
  if (bool(args, 'json')) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (bool(args, 'zone')) io.stdout.write(renderGenerateZone([result]));
  else io.stdout.write(`${renderGenerateHuman(result, createStyle(wantsColor(io.stdout, io.env)))}\n`);
  // human output shows the refusal on stdout; machine output gets a line on stderr too
  if (result.refused && (bool(args, 'json') || bool(args, 'zone')))
    io.stderr.write(
      `mailsec: generate ${kind}: refused: ${result.refused.reason}\n  ${result.refused.next}\n`,
    );
  return exitFor([result]);
}

function kindCommand(kind: GenerateKind): CommandDef {
  const def = KINDS[kind];
  return {
    name: `generate ${kind}`,
    summary: def.summary,
    usage: `mailsec generate ${kind} [--for DOMAIN | DOMAIN] [OPTIONS] [--json | --zone]`,
    description: def.description,
    exitStatus: {
      0: 'records generated',
      1: 'refused as risky (the reason is printed; --force publishes anyway)',
      2: 'usage or input error (the option is named), or a name that does not exist',
      3: 'the live state could not be read (resolver down, SERVFAIL on a section the kind needs)',
    },
    options: { ...def.options, ...COMMON },
    examples: def.examples,
    run: (args, io) => runKind(kind, args, io),
  };
}

export const generateCommand: CommandDef = {
  name: 'generate',
  summary: 'Generate the records to publish (spf, dmarc, mta-sts, tls-rpt, tlsa, caa, bimi, parked).',
  usage: `mailsec generate <${GENERATE_KINDS.join('|')}> [--for DOMAIN | DOMAIN] [OPTIONS] [--json | --zone]`,
  description:
    'From the options alone, or from the live state of a domain with --for (its MX hosts, the certificates they\n' +
    'present, the records published now, DNSSEC). The reasoning is printed; with --for the records are checked by a\n' +
    'dry run of mailsec check before you publish them, and risks (MTA-STS enforce with a broken MX certificate,\n' +
    'SPF over 10 lookups, p=reject without reports …) are refused unless --force.\n' +
    'Run `mailsec generate <kind> --help` for the options of a kind.',
  options: {},
  examples: [
    'mailsec generate mta-sts --for example.ch',
    'mailsec generate dmarc --for example.ch --plan',
    'mailsec generate parked example.ch --zone',
  ],
  subcommands: Object.fromEntries(GENERATE_KINDS.map((k) => [k, kindCommand(k)])),
  async run(args) {
    const [kind] = args.positionals;
    throw usage(
      kind
        ? `unknown kind "${kind}"; expected one of ${GENERATE_KINDS.join(', ')}`
        : `expected a kind: ${GENERATE_KINDS.join(', ')}`,
      'try: mailsec generate dmarc --for example.ch (mailsec generate <kind> --help for its options)',
    );
  },
};
