import { CHECKS } from '../checks/index.ts';
import { allCatalogues } from '../core/finding.ts';
import './findings.ts';

/**
 * Ids no longer reported, with what replaced them: an id is never renamed or reused, so a
 * retired one stays listed here.
 */
export const RETIRED_FINDINGS: readonly { id: string; replacedBy: string; why: string }[] = [
  {
    id: 'dnssec.domain-not-found',
    replacedBy: 'domain.not-found',
    why: 'a name that does not exist is reported once, for the whole document',
  },
];

/** Sections for catalogues that belong to no check, before the checks' own. */
const NON_CHECK_SECTIONS: readonly { id: string; title: string }[] = [{ id: 'domain', title: 'Domain' }];

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
    'Generated from the catalogues in `src/checks/*/findings.ts` and `src/audit/findings.ts` by `node scripts/gen-docs.ts`; do not edit.',
    '',
  ];
  for (const check of [...NON_CHECK_SECTIONS, ...CHECKS]) {
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
  out.push(
    '## Retired ids',
    '',
    'Not reported any more; never reused.',
    '',
    '| id | replaced by | why |',
    '|---|---|---|',
  );
  for (const r of RETIRED_FINDINGS) out.push(`| \`${r.id}\` | \`${r.replacedBy}\` | ${r.why} |`);
  return `${out.join('\n').trimEnd()}\n`;
}
