/**
 * Running a generator: with --for, the live state comes from mailsec's own checks (one audit of
 * the sections the generator reads, plus the certificates of the domain's HTTPS hosts); the
 * proposal is pure; then the dry run audits the domain again through an overlay resolver (and
 * fetcher) that serve the proposed records and files as if they were published. A proposal whose
 * dry run shows an error finding that is not there today is refused unless --force.
 *
 * All I/O goes through the AuditEnvironment the CLI builds (resolver, prober, fetcher): no
 * network code of its own.
 */
import type { AuditEnvironment } from '../audit/audit.ts';
import { auditDomain } from '../audit/audit.ts';
import { POLICY_PATH, policyHost } from '../checks/mta-sts/serialise.ts';
import type { CheckId } from '../checks/types.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { CheckResult } from '../core/result.ts';
import type { HttpFetcher, HttpResponse } from '../net/https.ts';
import { overlayResolver } from './overlay.ts';
import { overlayOf } from './records.ts';
import type {
  CommonOptions,
  GeneratedFile,
  GenerateInput,
  GenerateResult,
  GeneratorDef,
  LiveEvidence,
  Proposal,
  ReportEvidence,
  Verification,
} from './types.ts';

type Results = LiveEvidence['results'];

function byId(results: readonly CheckResult<object>[]): Results {
  const out: Record<string, CheckResult<object>> = {};
  for (const r of results) out[r.check] = r;
  return out as Results;
}

/** Sections whose failure is judged host by host (an MX that times out), not fatal to the run. */
const PER_HOST = new Set<CheckId>(['smtp', 'dnssec']);

/** The sections a generator reads that could not be determined (it cannot work from them). */
export function undeterminedSections(
  results: readonly CheckResult<object>[],
  needed: readonly CheckId[],
): CheckResult<object>[] {
  return results.filter(
    (r) => needed.includes(r.check as CheckId) && r.status === 'error' && !PER_HOST.has(r.check as CheckId),
  );
}

export const resultsById = byId;

/** The HTTPS names of the domain whose certificates say which CAs it uses (and where MTA-STS lives). */
export function webHosts(domain: string): { host: string; url: string }[] {
  return [
    { host: domain, url: `https://${domain}/` },
    { host: `www.${domain}`, url: `https://www.${domain}/` },
    { host: policyHost(domain), url: `https://${policyHost(domain)}${POLICY_PATH}` },
  ];
}

function describe(r: HttpResponse): string | null {
  if (r.tls?.chain.length) return null;
  switch (r.outcome) {
    case 'unresolvable':
      return 'no address (no A or AAAA record)';
    case 'certificate':
      return `invalid certificate (${r.error ?? 'not trusted'})`;
    case 'refused-address':
      return `not connected to (${r.error ?? 'address not allowed'})`;
    case 'ok':
      return 'no certificate seen';
    default:
      return `${r.outcome}${r.error ? ` (${r.error})` : ''}`;
  }
}

/** The certificates of the domain's own HTTPS hosts (through mailsec's fetcher, which captures them). */
export async function gatherWeb(
  domain: string,
  env: AuditEnvironment,
): Promise<NonNullable<LiveEvidence['web']>> {
  return Promise.all(
    webHosts(domain).map(async ({ host, url }) => {
      if (!env.http || env.options.noHttp)
        return {
          host,
          via: 'https' as const,
          issuer: null,
          problem: 'not fetched (--no-http)',
          response: null,
        };
      const response = await env.http.fetch(url, {
        captureTls: true,
        maxBytes: 16 * 1024,
        signal: env.signal,
      });
      return {
        host,
        via: 'https' as const,
        issuer: response.tls?.chain[0]?.issuer ?? null,
        problem: describe(response),
        response,
      };
    }),
  );
}

/** The live state: the generator's sections (and the dry run's, for comparison), and web certificates. */
export async function gatherLive(
  def: GeneratorDef<never>,
  domain: string,
  env: AuditEnvironment,
  reports?: ReportEvidence,
): Promise<LiveEvidence> {
  // dnssec asks the SOA: it tells a name that does not exist from one without records
  const only = [...new Set<CheckId>([...def.live, ...def.sections, 'dnssec'])];
  const audit = await auditDomain(domain, { ...env, only });
  const dnssec = audit.results.find((r) => r.check === 'dnssec')?.evidence as
    | { exists?: boolean | null }
    | undefined;
  if (dnssec?.exists === false)
    throw new MailsecError(
      ErrorCode.InvalidName,
      `${domain} does not exist (NXDOMAIN): there is no live state to generate records from`,
      'check the spelling; to prepare records for a name not yet delegated, generate from the options alone',
    );
  const failed = undeterminedSections(audit.results, only);
  if (failed.length) {
    const why = failed
      .map(
        (r) =>
          r.findings.find((f) => f.id.endsWith('.undetermined'))?.message ??
          `${r.check}: could not be determined`,
      )
      .join(' ');
    throw new MailsecError(
      ErrorCode.Undetermined,
      `the live state of ${domain} could not be determined: ${why}`,
      'run again later, or check the resolver and the domain’s name servers',
    );
  }
  const web = def.web ? await gatherWeb(domain, env) : undefined;
  return {
    domain,
    now: env.now(),
    results: byId(audit.results),
    ...(web ? { web } : {}),
    ...(reports ? { reports } : {}),
  };
}

/** A fetcher that serves the proposed files at their URLs, and fetches everything else. */
export function overlayFetcher(inner: HttpFetcher, files: readonly GeneratedFile[]): HttpFetcher {
  return {
    get requests() {
      return inner.requests;
    },
    async fetch(url, options) {
      const f = files.find((x) => x.url === url);
      if (!f) return inner.fetch(url, options);
      const body = Buffer.from(f.body, 'utf8');
      const [type = '', ...params] = f.contentType.split(';');
      const charset = params.map((p) => /charset\s*=\s*"?([^";\s]+)/i.exec(p)?.[1]).find(Boolean);
      return {
        url,
        outcome: 'ok',
        status: 200,
        headers: { 'content-type': f.contentType, 'content-length': String(body.length) },
        mediaType: type.trim().toLowerCase(),
        charset: charset?.toLowerCase() ?? null,
        location: null,
        body,
        address: null,
        error: null,
      };
    },
  };
}

/** mailsec's checks on the domain as it would be with the proposal published. */
export async function dryRun<O>(
  def: GeneratorDef<O>,
  domain: string,
  env: AuditEnvironment,
  proposal: Proposal,
  options: O,
): Promise<Results> {
  const resolver = overlayResolver(env.resolver, overlayOf(proposal.records));
  const http = env.http ? overlayFetcher(env.http, proposal.files) : undefined;
  const audit = await auditDomain(domain, {
    ...env,
    resolver,
    ...(http ? { http } : {}),
    options: { ...env.options, ...(def.checkOptions?.(options) ?? {}) },
    only: def.sections,
  });
  return byId(audit.results);
}

const shown = (f: Finding) => ({ id: f.id, severity: f.severity, message: f.message });

/** The dry run judged against today: new errors refuse, what stays is said. */
function judge<O>(
  def: GeneratorDef<O>,
  options: O & CommonOptions,
  before: Results,
  after: Results,
  p: Proposal,
): { proposal: Proposal; verified: Verification } {
  const sections: Verification['sections'] = {};
  const findings: Verification['findings'][number][] = [];
  const expected = new Set(def.expected?.(options) ?? []);
  const notes = [...p.notes];
  const warnings = [...p.warnings];
  const introduced: Finding[] = [];
  for (const id of def.sections) {
    const r = (after as Record<string, CheckResult<object> | undefined>)[id];
    if (!r) continue;
    (sections as Record<string, unknown>)[id] = { status: r.status, findings: r.findings.map((f) => f.id) };
    const had = new Set(
      ((before as Record<string, CheckResult<object> | undefined>)[id]?.findings ?? []).map((f) => f.id),
    );
    for (const f of r.findings) {
      if (f.severity === 'info') continue;
      findings.push(shown(f));
      if (expected.has(f.id))
        notes.push(`mailsec check will show ${f.id} (${f.severity}), as this step implies.`);
      else if (f.severity === 'error' && !had.has(f.id)) introduced.push(f);
      else warnings.push(`After publishing, mailsec check still reports ${f.id}: ${f.message}`);
    }
  }
  const verified: Verification = { sections, findings };
  if (introduced.length && !options.force)
    return {
      proposal: {
        records: [],
        files: [],
        notes: p.notes,
        warnings: p.warnings,
        refused: {
          reason: `With these records published, mailsec check would report: ${introduced.map((f) => `${f.id}: ${f.message}`).join(' ')}`,
          next: `${introduced[0]?.fix ?? 'Fix the cause and run again.'} (--force publishes anyway.)`,
        },
        ...(p.plan ? { plan: p.plan } : {}),
        ...(p.details ? { details: p.details } : {}),
      },
      verified,
    };
  for (const f of introduced) warnings.push(`--force: mailsec check will report ${f.id}: ${f.message}`);
  return { proposal: { ...p, notes, warnings }, verified };
}

export interface RunOptions {
  /** the environment for --for (live state and dry run); null: from the options alone */
  readonly env: AuditEnvironment | null;
  readonly reports?: ReportEvidence;
  readonly now?: Date;
}

/** One generator, end to end: live state (with env), proposal, dry run, verdict. */
export async function runGenerator<O>(
  def: GeneratorDef<O>,
  domain: string,
  options: O & CommonOptions,
  run: RunOptions,
): Promise<GenerateResult> {
  const env = run.env;
  const live = env ? await gatherLive(def as GeneratorDef<never>, domain, env, run.reports) : null;
  const now = run.now ?? env?.now() ?? new Date();
  return generateFrom(def, { domain, options, live, now }, env);
}

/** The proposal for evidence already gathered, then (with env and live state) the dry run and verdict. */
export async function generateFrom<O>(
  def: GeneratorDef<O>,
  input: GenerateInput<O>,
  env: AuditEnvironment | null,
): Promise<GenerateResult> {
  const { domain, options, live } = input;
  let proposal = def.propose(input);
  let verified: Verification | undefined;
  if (env && live && !proposal.refused) {
    let after = await dryRun(def, domain, env, proposal, options);
    if (def.revise) {
      const revised = def.revise(input, proposal, after);
      if (revised !== proposal) {
        proposal = revised;
        if (!proposal.refused) after = await dryRun(def, domain, env, proposal, options);
      }
    }
    if (!proposal.refused) {
      const j = judge(def, options, live.results, after, proposal);
      proposal = j.proposal;
      verified = j.verified;
    }
  }
  return {
    kind: def.kind,
    domain,
    source: live ? 'live' : 'options',
    ...proposal,
    ...(verified ? { verified } : {}),
  };
}
