import { openResolver } from '../audit/environment.ts';
import { analyseSpf } from '../checks/spf/analyse.ts';
import { checkSpf } from '../checks/spf/check.ts';
import { type CheckHostOutcome, checkHostFor } from '../checks/spf/evaluate.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { SEVERITY_RANK } from '../core/finding.ts';
import { domainOrThrow } from '../core/names.ts';
import type { Resolver } from '../dns/index.ts';
import { parseIp } from '../protocol/ip.ts';
import {
  renderCheckHost,
  renderCheckHostJson,
  renderSpfAnalysis,
  renderSpfAnalysisJson,
} from '../render/spf.ts';
import { createStyle, wantsColor } from '../render/style.ts';
import type { CommandDef } from './command.ts';
import { str } from './command.ts';
import { networkAuditConfig } from './environment.ts';
import { EXIT, EXIT_STATUS_HELP } from './exit.ts';
import { FAIL_ON_OPTION, JSON_OPTION, networkConfig, RESOLVER_OPTIONS } from './options.ts';

/**
 * interface.md: for `spf --ip`, --fail-on counts fail, permerror and temperror as error and
 * softfail, neutral and none as warning; pass is never a failure.
 */
export function resultRank(result: CheckHostOutcome['result']): number {
  switch (result) {
    case 'fail':
    case 'permerror':
    case 'temperror':
      return SEVERITY_RANK.error;
    case 'softfail':
    case 'neutral':
    case 'none':
      return SEVERITY_RANK.warning;
    default:
      return -1;
  }
}

export const spfCommand: CommandDef = {
  name: 'spf',
  summary: 'Analyse a domain’s SPF, or evaluate RFC 7208 check_host for an IP.',
  usage: 'mailsec spf [OPTIONS] [DOMAIN] [--ip IP] [--sender ADDR] [--helo NAME]',
  description:
    'Without --ip: the include/redirect tree with the DNS lookups of each branch (limit 10), void lookups, ' +
    'syntax errors and what to change. With --ip: the RFC 7208 result (pass, fail, softfail, neutral, none, ' +
    'permerror, temperror). The domain defaults to the sender’s, or to the HELO name when the sender is empty.',
  options: {
    ip: {
      type: 'string',
      value: 'ip',
      description: 'evaluate check_host for this client address',
      example: '192.0.2.10',
    },
    sender: {
      type: 'string',
      value: 'addr',
      description: 'MAIL FROM address (postmaster@<helo> when empty)',
      example: 'alice@example.ch',
    },
    helo: { type: 'string', value: 'name', description: 'HELO/EHLO name', example: 'mail.example.ch' },
    ...RESOLVER_OPTIONS,
    ...JSON_OPTION,
    ...FAIL_ON_OPTION,
  },
  examples: [
    'mailsec spf example.ch',
    'mailsec spf example.ch --json --resolver 127.0.0.1:5353',
    'mailsec spf --ip 192.0.2.10 --sender alice@example.ch --helo mail.example.ch',
    'mailsec spf --ip 192.0.2.10 --sender alice@example.ch --fail-on error    # exit 1 unless pass, neutral, softfail or none',
  ],
  exitStatus: {
    ...EXIT_STATUS_HELP,
    1: 'with --fail-on: a finding at or above that severity, or an undetermined analysis; with --ip: fail, permerror and temperror count as error, softfail, neutral and none as warning',
  },
  async run(args, io) {
    if (args.positionals.length > 1) {
      throw new MailsecError(ErrorCode.Usage, 'give one domain', 'try: mailsec spf example.ch');
    }
    const ipArg = str(args, 'ip');
    const sender = str(args, 'sender');
    const helo = str(args, 'helo');
    const domainArg = args.positionals[0];
    if (ipArg !== undefined && parseIp(ipArg) === null) {
      throw new MailsecError(ErrorCode.Usage, `--ip "${ipArg}" is not an IP address`, 'try: --ip 192.0.2.10');
    }
    if (domainArg === undefined && !sender && !helo) {
      throw new MailsecError(
        ErrorCode.Usage,
        'no domain given',
        'try: mailsec spf example.ch, or --sender alice@example.ch',
      );
    }
    const cfg = await networkConfig(args, io.env);
    const style = createStyle(!cfg.json && wantsColor(io.stdout, io.env));
    const resolver = openResolver(networkAuditConfig(cfg));
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      if (ipArg !== undefined) {
        // notes whether the resolver itself was unreachable: then the result says nothing (exit 3)
        let unreachable = false;
        const watched: Resolver = {
          async query(name, type, options) {
            const a = await resolver.query(name, type, options);
            if (a.rcode === 'NETERROR') unreachable = true;
            return a;
          },
        };
        const o = await checkHostFor(
          {
            ip: ipArg,
            ...(domainArg !== undefined ? { domain: domainArg } : {}),
            ...(sender !== undefined ? { sender } : {}),
            ...(helo !== undefined ? { helo } : {}),
          },
          { resolver: watched, signal: controller.signal },
        );
        io.stdout.write(
          cfg.json
            ? renderCheckHostJson(o, {
                ip: ipArg,
                ...(sender !== undefined ? { sender } : {}),
                ...(helo !== undefined ? { helo } : {}),
              })
            : renderCheckHost(o, ipArg, style),
        );
        if (unreachable) return EXIT.cannotRun;
        return cfg.failOn && resultRank(o.result) >= SEVERITY_RANK[cfg.failOn] ? EXIT.findings : EXIT.ok;
      }
      let target = domainArg;
      if (target === undefined) {
        const s = sender || `postmaster@${helo}`;
        target = s.slice(s.lastIndexOf('@') + 1);
      }
      const domain = domainOrThrow(target);
      const analysis = await analyseSpf(resolver, domain, controller.signal);
      const result = checkSpf(analysis);
      io.stdout.write(cfg.json ? renderSpfAnalysisJson(domain, result) : renderSpfAnalysis(result, style));
      // the resolver itself could not be reached: the analysis could not run (exit 3)
      if (analysis.root.rcode === 'NETERROR') return EXIT.cannotRun;
      const worst = Math.max(-1, ...result.findings.map((f) => SEVERITY_RANK[f.severity]));
      if (cfg.failOn && (worst >= SEVERITY_RANK[cfg.failOn] || result.status === 'error'))
        return EXIT.findings;
      return EXIT.ok;
    } finally {
      process.off('SIGINT', onSigint);
      await resolver.close();
    }
  },
};
