import { auditDomain } from '../audit/audit.ts';
import type { DomainDocument } from '../audit/document.ts';
import { toDocument } from '../audit/document.ts';
import { createAuditEnvironment, type OpenAuditEnvironment } from '../audit/environment.ts';
import { CHECKS } from '../checks/index.ts';
import type { CheckId } from '../checks/types.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { domainFromInput, nameProblemText } from '../core/names.ts';
import { renderHuman } from '../render/human.ts';
import { renderJsonDocument } from '../render/json.ts';
import { createStyle, wantsColor } from '../render/style.ts';
import type { CommandDef, ParsedArgs } from './command.ts';
import { bool, list } from './command.ts';
import { auditConfig } from './environment.ts';
import { EXIT, EXIT_STATUS_HELP, findingsExit } from './exit.ts';
import { CONNECT_OPTIONS, FAIL_ON_OPTION, JSON_OPTION, networkConfig, RESOLVER_OPTIONS } from './options.ts';

/** domains audited at once by `check` with several domains (bulk work belongs to `scan`) */
const DOMAIN_CONCURRENCY = 8;

/** `mtaSts`, `mta-sts`, `MTA-STS`, `security.txt`, `Microsoft 365` … → the same key */
const labelKey = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const ONLY_KEYS = new Map<string, CheckId>(
  CHECKS.flatMap((c) => [
    [labelKey(c.id), c.id],
    [labelKey(c.title), c.id],
  ]),
);

/** `mtaSts` → `mta-sts`: how --only lists the checks */
const kebab = (id: string) => id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const ONLY_LIST = CHECKS.map((c) => kebab(c.id));

/** --only: section ids or the labels users see (`mta-sts`, `MX`, `security.txt`), any case. */
export function parseOnly(args: ParsedArgs): CheckId[] | undefined {
  const only = list(args, 'only');
  if (!only.length) return undefined;
  const ids: CheckId[] = [];
  const bad: string[] = [];
  for (const o of only) {
    const id = ONLY_KEYS.get(labelKey(o));
    if (id === undefined) bad.push(o);
    else if (!ids.includes(id)) ids.push(id);
  }
  if (bad.length) {
    throw new MailsecError(
      ErrorCode.Usage,
      `--only: unknown check ${bad.map((b) => `"${b}"`).join(', ')}`,
      `checks: ${ONLY_LIST.join(', ')}`,
    );
  }
  return ids;
}

/** The options of the checks themselves (`check` and `scan`). */
export const CHECK_OPTIONS: CommandDef['options'] = {
  only: {
    type: 'string',
    multiple: true,
    value: 'checks',
    description: `run a subset (any case, as shown or as in --json): ${ONLY_LIST.join(',')}`,
    example: 'spf,dmarc',
  },
  selectors: {
    type: 'string',
    multiple: true,
    value: 's1,s2',
    description: 'DKIM selectors to try besides the built-in list',
    example: 'selector1,google',
  },
  'bimi-selector': {
    type: 'string',
    value: 'name',
    description: 'BIMI selector besides default',
    example: 'brand',
  },
  'selector-list': {
    type: 'string',
    value: 'short|full',
    description:
      'the built-in DKIM selector list: full (48 names; check’s default) or short (8; scan’s default)',
    example: 'short',
  },
  'no-smtp': { type: 'boolean', description: 'no SMTP connections (smtp and DANE matching become skipped)' },
  'no-http': {
    type: 'boolean',
    description: 'no HTTPS fetches (MTA-STS policy, security.txt, BIMI assets, Microsoft endpoints)',
  },
  ehlo: {
    type: 'string',
    value: 'name',
    description: 'EHLO name for SMTP probes',
    example: 'mail.example.ch',
  },
  'vmc-roots': {
    type: 'string',
    value: 'PEM',
    description: 'trusted roots for BIMI mark certificates (VMC/CMC)',
    example: 'mark-roots.pem',
  },
  ...RESOLVER_OPTIONS,
  ...CONNECT_OPTIONS,
};

/** The names given: the valid ones (normalised, in order, once each), notes, and the bad ones. */
export function domainsOf(inputs: readonly string[]): {
  domains: string[];
  notes: string[];
  bad: { input: string; reason: string }[];
} {
  const domains: string[] = [];
  const notes: string[] = [];
  const bad: { input: string; reason: string }[] = [];
  for (const input of inputs) {
    const r = domainFromInput(input);
    if (!r.ok) bad.push({ input, reason: nameProblemText(r.problem) });
    else {
      if (r.note) notes.push(r.note);
      if (!domains.includes(r.name)) domains.push(r.name);
    }
  }
  return { domains, notes, bad };
}

export const checkCommand: CommandDef = {
  name: 'check',
  summary: 'Audit the mail security of one or more domains.',
  usage: 'mailsec check [OPTIONS] <DOMAIN...>',
  description:
    'Every check reports pass, warn, fail, absent (not deployed), error (could not be determined: timeout, SERVFAIL…) or skipped. ' +
    'A DOMAIN may also be given as an e-mail address or a URL (its domain is checked, with a note); names that are not domains are reported and the others still checked (exit 2).',
  options: {
    ...CHECK_OPTIONS,
    verbose: { type: 'boolean', short: 'v', description: 'also show notes (info findings) in human output' },
    ...JSON_OPTION,
    ...FAIL_ON_OPTION,
    fix: {
      type: 'boolean',
      description: 'also print the records (and files) the findings ask for, made by mailsec generate',
    },
  },
  examples: [
    'mailsec check example.ch',
    'mailsec check example.ch --only spf,dmarc --json --resolver 127.0.0.1:5353',
    'mailsec check a.ch b.ch --json --fail-on error    # JSON Lines, exit 1 on an error finding or an undetermined section',
    'mailsec check example.ch --fix                    # the zone snippet that fixes the findings',
  ],
  exitStatus: EXIT_STATUS_HELP,
  async run(args, io) {
    if (args.positionals.length === 0) {
      throw new MailsecError(ErrorCode.Usage, 'no domain given', 'try: mailsec check example.ch');
    }
    const names = domainsOf(args.positionals);
    for (const b of names.bad)
      io.stderr.write(`mailsec: "${b.input}" is not a domain name (${b.reason}); skipped.\n`);
    if (!names.domains.length) {
      throw new MailsecError(
        ErrorCode.InvalidName,
        names.bad.length === 1
          ? `"${names.bad[0]!.input}" is not a domain name (${names.bad[0]!.reason}).`
          : 'none of the names given is a domain name',
        'try: mailsec check example.ch',
      );
    }
    for (const n of names.notes) io.stderr.write(`mailsec: note: ${n}.\n`);
    const { domains } = names;
    const only = parseOnly(args);
    const cfg = await networkConfig(args, io.env);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let env: OpenAuditEnvironment | undefined;
    try {
      // the environment's first query tells whether the resolver answers at all: if not, nothing
      // can be checked and the run stops here, after one timeout budget (interface.md, exit 3)
      env = await createAuditEnvironment(auditConfig(args, cfg, only), { signal: controller.signal });
      const probe = env.probe;
      if (!probe.reachable) {
        io.stderr.write(
          `mailsec: the resolver ${cfg.resolver} does not answer${probe.detail ? ` (${probe.detail})` : ''}; nothing was checked.\n  try: --resolver <address of a working resolver>, or set MAILSEC_RESOLVER\n`,
        );
        return EXIT.cannotRun;
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
      const wantFix = bool(args, 'fix');
      const jobs = domains.map(async (domain) => {
        await acquire();
        try {
          const audit = await auditDomain(domain, shared);
          const doc = toDocument(audit, { address: cfg.resolver, validates: probe.validates });
          // --fix: the generators' records for the findings, from the same audit (src/generate/fix.ts)
          const fix = wantFix
            ? await (await import('../generate/fix.ts')).fixDomain(audit, shared)
            : undefined;
          return { doc, fix };
        } finally {
          release();
        }
      });
      for (const job of jobs) {
        const { doc: report, fix } = await job;
        reports.push(report);
        io.stdout.write(
          cfg.json
            ? renderJsonDocument((fix ? { ...report, fix } : report) as DomainDocument, domains.length === 1)
            : `${renderHuman(report, style, { verbose: bool(args, 'verbose') })}\n`,
        );
        if (fix && !cfg.json)
          io.stdout.write(`${(await import('../render/generate.ts')).renderFix(fix, style)}\n`);
      }
      // interface.md: the highest applicable status wins (3 > 2 > 1 > 0)
      return Math.max(findingsExit(reports, cfg.failOn), names.bad.length ? EXIT.usage : EXIT.ok);
    } finally {
      process.off('SIGINT', onSigint);
      await env?.close();
    }
  },
};
