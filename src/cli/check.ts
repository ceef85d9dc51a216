import { auditDomain } from '../audit/audit.ts';
import type { DomainDocument } from '../audit/document.ts';
import { toDocument, worstSeverity } from '../audit/document.ts';
import { createAuditEnvironment, type OpenAuditEnvironment } from '../audit/environment.ts';
import { CHECK_IDS } from '../checks/index.ts';
import type { CheckId } from '../checks/types.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { SEVERITY_RANK } from '../core/finding.ts';
import { domainOrThrow } from '../core/names.ts';
import { renderHuman } from '../render/human.ts';
import { renderJsonDocument } from '../render/json.ts';
import { createStyle, wantsColor } from '../render/style.ts';
import type { CommandDef, ParsedArgs } from './command.ts';
import { bool, list } from './command.ts';
import { auditConfig } from './environment.ts';
import { EXIT } from './exit.ts';
import { NETWORK_OPTIONS, networkConfig } from './options.ts';

/** domains audited at once by `check` with several domains (bulk work belongs to `scan`) */
const DOMAIN_CONCURRENCY = 8;

export function parseOnly(args: ParsedArgs): CheckId[] | undefined {
  const only = list(args, 'only');
  if (!only.length) return undefined;
  const known = new Set<string>(CHECK_IDS);
  const bad = only.filter((o) => !known.has(o));
  if (bad.length) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--only: unknown check ${bad.map((b) => `"${b}"`).join(', ')}`,
      `checks: ${CHECK_IDS.join(', ')}`,
    );
  }
  return only as CheckId[];
}

export const CHECK_OPTIONS: CommandDef['options'] = {
  only: { type: 'string', multiple: true, value: 'ids', description: `run a subset: ${CHECK_IDS.join(',')}` },
  selectors: {
    type: 'string',
    multiple: true,
    value: 's1,s2',
    description: 'DKIM selectors to try besides the built-in list',
  },
  'bimi-selector': { type: 'string', value: 'name', description: 'BIMI selector besides default' },
  'no-smtp': { type: 'boolean', description: 'no SMTP connections (smtp and DANE matching become skipped)' },
  'no-http': {
    type: 'boolean',
    description: 'no HTTPS fetches (MTA-STS policy, security.txt, BIMI assets, Microsoft endpoints)',
  },
  ehlo: { type: 'string', value: 'name', description: 'EHLO name for SMTP probes' },
  'vmc-roots': {
    type: 'string',
    value: 'PEM',
    description: 'trusted roots for BIMI mark certificates (VMC/CMC)',
  },
  verbose: { type: 'boolean', short: 'v', description: 'also show notes (info findings) in human output' },
  ...NETWORK_OPTIONS,
};

export const checkCommand: CommandDef = {
  name: 'check',
  summary: 'Audit the mail security of one or more domains.',
  usage: 'mailsec check [OPTIONS] <DOMAIN...>',
  description:
    'Every check reports pass, warn, fail, absent (not deployed), error (could not be determined: timeout, SERVFAIL…) or skipped.',
  options: CHECK_OPTIONS,
  examples: [
    'mailsec check example.ch',
    'mailsec check example.ch --only spf,dmarc --json --resolver 127.0.0.1:5353',
    'mailsec check a.ch b.ch --json --fail-on error    # JSON Lines, exit 1 on any error finding',
  ],
  async run(args, io) {
    if (args.positionals.length === 0) {
      throw new MailsecError(ErrorCode.Usage, 'no domain given', 'try: mailsec check example.ch');
    }
    const domains = args.positionals.map(domainOrThrow);
    const only = parseOnly(args);
    const cfg = await networkConfig(args, io.env);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let env: OpenAuditEnvironment | undefined;
    try {
      env = await createAuditEnvironment(auditConfig(args, cfg, only), { signal: controller.signal });
      const probe = env.probe;
      if (!probe.reachable) {
        io.stderr.write(
          `mailsec: the resolver ${cfg.resolver} does not answer${probe.detail ? ` (${probe.detail})` : ''}; every check will be "error".\n  try: --resolver <address of a working resolver>\n`,
        );
      }
      const style = createStyle(wantsColor(io.stdout, io.env));
      const reports: DomainDocument[] = [];
      // several domains are audited concurrently (sharing resolver cache and prober), printed in order
      let active = 0;
      const waiting: (() => void)[] = [];
      const acquire = () =>
        new Promise<void>((resolve) => {
          if (active < DOMAIN_CONCURRENCY) {
            active++;
            resolve();
          } else waiting.push(resolve);
        });
      const release = () => {
        const next = waiting.shift();
        if (next) next();
        else active--;
      };
      const shared = env;
      const jobs = domains.map(async (domain) => {
        await acquire();
        try {
          return toDocument(await auditDomain(domain, shared), {
            address: cfg.resolver,
            validates: probe.validates,
          });
        } finally {
          release();
        }
      });
      for (const job of jobs) {
        const report = await job;
        reports.push(report);
        io.stdout.write(
          cfg.json
            ? renderJsonDocument(report, domains.length === 1)
            : `${renderHuman(report, style, { verbose: bool(args, 'verbose') })}\n`,
        );
      }
      if (!probe.reachable) return EXIT.cannotRun;
      if (cfg.failOn && worstSeverity(reports) >= SEVERITY_RANK[cfg.failOn]) return EXIT.findings;
      return EXIT.ok;
    } finally {
      process.off('SIGINT', onSigint);
      await env?.close();
    }
  },
};
