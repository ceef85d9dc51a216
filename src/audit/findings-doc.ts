import { CHECKS } from '../checks/index.ts';
import { allCatalogues } from '../core/finding.ts';

/**
 * docs/findings.md: every finding id mailsec can report, with its severity and why it matters,
 * generated from the checks' catalogues (`node scripts/gen-docs.ts`; a test keeps it current).
 */
export function findingsMarkdown(): string {
  const byCheck = new Map<string, { id: string; severity: string; why: string }[]>();
  for (const c of allCatalogues()) {
    const rows = byCheck.get(c.check) ?? [];
    for (const [slug, def] of Object.entries(c.defs)) {
      rows.push({ id: `${c.check}.${slug}`, severity: def.severity, why: def.why ?? '' });
    }
    byCheck.set(c.check, rows);
  }
  const out = [
    '# Findings',
    '',
    'Every finding mailsec reports, by check. Ids are stable: a published id is never renamed or',
    'reused, only retired. Each check also reports `<check>.undetermined` (warning) when it could',
    'not find out (timeout, SERVFAIL, refused): that is never "absent".',
    '',
    'Generated from the catalogues in `src/checks/*/findings.ts` by `node scripts/gen-docs.ts`; do not edit.',
    '',
  ];
  for (const check of CHECKS) {
    const rows = byCheck.get(check.id);
    if (!rows?.length) continue;
    out.push(
      `## ${check.title} (\`${check.id}\`)`,
      '',
      '| id | severity | why it matters |',
      '|---|---|---|',
    );
    for (const r of rows.sort((a, b) => a.id.localeCompare(b.id))) {
      out.push(`| \`${r.id}\` | ${r.severity} | ${r.why.replaceAll('|', '\\|')} |`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
