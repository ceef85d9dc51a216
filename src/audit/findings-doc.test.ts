import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CHECKS } from '../checks/index.ts';
import { allCatalogues } from '../core/finding.ts';
import { findingsMarkdown, RETIRED_FINDINGS } from './findings-doc.ts';

test('docs/findings.md is up to date with the catalogues (run: node scripts/gen-docs.ts)', () => {
  const committed = readFileSync(new URL('../../docs/findings.md', import.meta.url), 'utf8');
  assert.equal(committed, findingsMarkdown());
});

test('every finding id is <check>.<kebab-slug> of a registered check (or domain), and unique', () => {
  const checks = new Set<string>([...CHECKS.map((c) => c.id), 'domain']);
  const seen = new Set<string>(RETIRED_FINDINGS.map((r) => r.id));
  for (const c of allCatalogues()) {
    assert.ok(checks.has(c.check as never), `catalogue for unknown check ${c.check}`);
    for (const [slug, def] of Object.entries(c.defs)) {
      const id = `${c.check}.${slug}`;
      assert.match(slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, id);
      assert.ok(!seen.has(id), `duplicate (or retired) finding id ${id}`);
      seen.add(id);
      assert.ok(def.why && def.why.length > 10, `${id} says why it matters`);
    }
  }
});

test('a retired id names the id that replaced it, which exists', () => {
  const ids = new Set(allCatalogues().flatMap((c) => Object.keys(c.defs).map((k) => `${c.check}.${k}`)));
  for (const r of RETIRED_FINDINGS) assert.ok(ids.has(r.replacedBy), `${r.id} → ${r.replacedBy}`);
});
