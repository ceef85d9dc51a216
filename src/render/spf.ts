/**
 * The renderings of `mailsec spf`: the static analysis (tree with the lookups of each branch,
 * flattened addresses, findings) and the check_host result, for the terminal and as JSON.
 */
import type { SpfNode, SpfTermView } from '../checks/spf/analyse.ts';
import type { SpfCheckResult } from '../checks/spf/check.ts';
import type { CheckHostOutcome } from '../checks/spf/evaluate.ts';
import type { Style } from './style.ts';

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

/** `mailsec spf DOMAIN`: the counts, the tree, the flattened addresses and the findings. */
export function renderSpfAnalysis(r: SpfCheckResult, st: Style): string {
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

/** `mailsec spf --ip`: the RFC 7208 result and why. */
export function renderCheckHost(o: CheckHostOutcome, ip: string, st: Style): string {
  const lines = [
    `${st.bold(o.result)}  check_host(${ip}, ${o.domain || '(none)'})`,
    `  ${o.reason}`,
    `  ${o.lookups} DNS lookup${o.lookups === 1 ? '' : 's'}, ${o.voidLookups} void`,
  ];
  if (o.explanation !== undefined) lines.push(`  explanation: ${o.explanation}`);
  return `${lines.join('\n')}\n`;
}

/** `mailsec spf DOMAIN --json`: the spf section of `check --json` with the domain and its findings. */
export function renderSpfAnalysisJson(domain: string, r: SpfCheckResult): string {
  const doc = { domain, status: r.status, ...r.evidence, findings: r.findings };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** `mailsec spf --ip … --json` (interface.md). */
export function renderCheckHostJson(
  o: CheckHostOutcome,
  q: { readonly ip: string; readonly sender?: string; readonly helo?: string },
): string {
  const doc = {
    domain: o.domain,
    ip: q.ip,
    ...(q.sender !== undefined ? { sender: q.sender } : {}),
    ...(q.helo !== undefined ? { helo: q.helo } : {}),
    result: o.result,
    ...(o.explanation !== undefined ? { explanation: o.explanation } : {}),
    reason: o.reason,
    lookups: o.lookups,
    voidLookups: o.voidLookups,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
