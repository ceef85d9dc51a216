import type { SpfNode, SpfTermView } from '../checks/spf/analyse.ts';
import { analyseSpf } from '../checks/spf/analyse.ts';
import { checkSpf, type SpfCheckResult } from '../checks/spf/check.ts';
import { type CheckHostOutcome, checkHostFor } from '../checks/spf/evaluate.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { SEVERITY_RANK } from '../core/finding.ts';
import { domainOrThrow } from '../core/names.ts';
import type { Resolver } from '../dns/index.ts';
import { parseIp } from '../protocol/ip.ts';
import { createStyle, type Style, wantsColor } from '../render/style.ts';
import type { CommandDef } from './command.ts';
import { str } from './command.ts';
import { EXIT, EXIT_STATUS_HELP } from './exit.ts';
import { FAIL_ON_OPTION, JSON_OPTION, networkConfig, openResolver, RESOLVER_OPTIONS } from './options.ts';

function termLine(t: SpfTermView): string {
  const parts: string[] = [];
  if (!t.evaluated) parts.push('not evaluated');
  if (t.mxHosts !== undefined) parts.push(`${t.mxHosts} MX host${t.mxHosts === 1 ? '' : 's'}`);
  if (t.void) parts.push('void');
  if (t.unresolved?.length) parts.push(`unresolved: ${t.unresolved.map((l) => `%{${l}}`).join(' ')}`);
  else if (t.target && t.target !== t.term && t.kind !== 'exp' && /%\{/.test(t.term))
    parts.push(`→ ${t.target}`);
  return parts.join(', ');
}

function lookupsLabel(t: SpfTermView): string {
  if (t.node) return t.lookups ? `${t.lookups} + ${t.node.totalLookups}` : '0';
  return String(t.lookups);
}

const OUTCOME_TEXT: Record<SpfNode['outcome'], string> = {
  ok: '',
  none: 'no SPF record',
  multiple: 'several SPF records',
  syntax: 'syntax error',
  error: 'lookup failed',
  loop: 'loop: already on the path',
  unresolved: 'unresolved',
  'too-deep': 'not followed (tree too large)',
};

/** The include/redirect tree with the count per branch. */
export function renderSpfTree(root: SpfNode, st: Style): string {
  const lines: string[] = [];
  const width = 44;
  const nodeHeader = (n: SpfNode) => {
    const what =
      n.record !== null
        ? `"${n.record}"`
        : n.records.length
          ? n.records.map((r) => `"${r}"`).join(' | ')
          : '';
    const note = OUTCOME_TEXT[n.outcome];
    return `${st.bold(n.domain)}  ${st.dim(`${n.totalLookups} lookup${n.totalLookups === 1 ? '' : 's'}`)}${note ? `  ${st.red(note)}` : ''}${what ? `\n${what}` : ''}`;
  };
  const walk = (n: SpfNode, prefix: string) => {
    n.terms.forEach((t, i) => {
      const last = i === n.terms.length - 1;
      const branch = `${prefix}${last ? '└─ ' : '├─ '}`;
      const label = `${branch}${t.term}`;
      const pad = label.length < width ? ' '.repeat(width - label.length) : '  ';
      const extra = termLine(t);
      const count = lookupsLabel(t);
      lines.push(`${label}${pad}${count.padStart(6)}${extra ? `  ${st.dim(extra)}` : ''}`);
      if (t.node) {
        const inner = `${prefix}${last ? '   ' : '│  '}`;
        for (const l of nodeHeader(t.node).split('\n')) lines.push(`${inner}${st.cyan('▸ ')}${l}`);
        walk(t.node, inner);
      }
    });
  };
  lines.push(nodeHeader(root));
  walk(root, '');
  return lines.join('\n');
}

function renderAnalysis(r: SpfCheckResult, st: Style): string {
  const e = r.evidence;
  const out: string[] = [];
  const status =
    r.status === 'pass' ? st.green(r.status) : r.status === 'warn' ? st.yellow(r.status) : st.red(r.status);
  out.push(
    `SPF ${status}: ${e.lookups} DNS lookup${e.lookups === 1 ? '' : 's'} (limit 10), ${e.voidLookups} void (limit 2), all: ${e.all ?? 'none'}${e.size !== null ? `, ${e.size} octets` : ''}`,
    '',
  );
  if (e.tree) out.push(renderSpfTree(e.tree, st), '');
  if (e.flattened.ip4.length || e.flattened.ip6.length || e.flattened.unresolved.length) {
    out.push(st.bold('Authorised addresses (flattened)'));
    for (const n of [...e.flattened.ip4, ...e.flattened.ip6]) out.push(`  ${n}`);
    for (const u of e.flattened.unresolved) out.push(`  ${st.dim(`${u}: known only at evaluation`)}`);
    out.push('');
  }
  for (const f of r.findings) {
    const sev =
      f.severity === 'error'
        ? st.red(f.severity)
        : f.severity === 'warning'
          ? st.yellow(f.severity)
          : st.dim(f.severity);
    out.push(`${sev.padEnd(7)} ${f.message}${f.fix ? `\n        ${st.dim(`fix: ${f.fix}`)}` : ''}`);
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function renderOutcome(o: CheckHostOutcome, ip: string, st: Style): string {
  const lines = [
    `${st.bold(o.result)}  check_host(${ip}, ${o.domain || '(none)'})`,
    `  ${o.reason}`,
    `  ${o.lookups} DNS lookup${o.lookups === 1 ? '' : 's'}, ${o.voidLookups} void`,
  ];
  if (o.explanation !== undefined) lines.push(`  explanation: ${o.explanation}`);
  return `${lines.join('\n')}\n`;
}

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
    const resolver = openResolver(cfg);
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
        if (cfg.json) {
          const doc = {
            domain: o.domain,
            ip: ipArg,
            ...(sender !== undefined ? { sender } : {}),
            ...(helo !== undefined ? { helo } : {}),
            result: o.result,
            ...(o.explanation !== undefined ? { explanation: o.explanation } : {}),
            reason: o.reason,
            lookups: o.lookups,
            voidLookups: o.voidLookups,
          };
          io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        } else io.stdout.write(renderOutcome(o, ipArg, style));
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
      if (cfg.json) {
        const doc = { domain, status: result.status, ...result.evidence, findings: result.findings };
        io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else io.stdout.write(renderAnalysis(result, style));
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
