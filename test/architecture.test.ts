/**
 * The map is the rule: the "may import" column of docs/architecture.md's folder table is checked
 * against the import graph of src/, test/, bench/, testworld/ and scripts/ (every static import,
 * re-export and literal dynamic import, parsed with the TypeScript compiler). Adding a folder is
 * one row in that table. Also: nothing below src/cli/ reads the process environment or argv, or
 * exits; no error below src/cli/ names a command-line flag.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers.ts';

const TOP = ['src', 'test', 'bench', 'testworld', 'scripts'];

interface Rule {
  /** the row's folder or file, repo-relative ('src/checks/<id>/', 'src/checks/index.ts') */
  readonly path: string;
  readonly any: boolean;
  readonly allow: readonly { readonly target: string; readonly typesOnly: boolean }[];
}

/** A may-import entry as the table writes it: `core` is src/core, `testworld` is testworld/. */
function targetOf(token: string): string {
  const t = token.replace(/\/$/, '');
  return TOP.includes(t.split('/')[0] as string) ? t : `src/${t}`;
}

/** The folder table of docs/architecture.md: folder | what | may import. */
export function readRules(markdown: string): Rule[] {
  const start = markdown.indexOf('## Folders');
  assert.ok(start >= 0, 'docs/architecture.md has a "## Folders" section');
  const rules: Rule[] = [];
  for (const line of markdown.slice(start).split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    if (!line.startsWith('|')) continue;
    const cells = line.split('|').map((c) => c.trim());
    const folder = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    const may = cells[3] ?? '';
    if (!folder || !(TOP.includes(folder.split('/')[0] as string) || folder.startsWith('*.'))) continue;
    const allow = [...may.matchAll(/`([^`]+)`( \(types\))?/g)].map((m) => ({
      target: targetOf(m[1] as string),
      typesOnly: m[2] !== undefined,
    }));
    const any = /^(anything|everything)\b/.test(may);
    assert.ok(any || allow.length || /^nothing\b/.test(may), `row ${folder}: may import "${may}"`);
    rules.push({ path: folder, any, allow });
  }
  return rules;
}

/** Whether a repo path lies in a rule path; `<id>` / `<other>` stand for one folder name. */
function within(file: string, rulePath: string, own?: string): boolean {
  const parts = rulePath.replace(/\/$/, '').split('/');
  const f = file.split('/');
  if (f.length < parts.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p === '<id>' || p === '<other>') {
      // a folder, not a file; <other> is any folder but the importer's own
      if (i === f.length - 1) return false;
      if (p === '<other>' && own !== undefined && f[i] === own) return false;
      continue;
    }
    if (p !== f[i]) return false;
  }
  return rulePath.endsWith('/') || !rulePath.includes('.') ? true : f.length === parts.length;
}

/** The rule of a file: a file-name pattern row (`*.test.ts`), else the most specific row whose folder holds it. */
function ruleOf(file: string, rules: readonly Rule[]): Rule | undefined {
  const byName = rules.find((r) => r.path.startsWith('*.') && file.endsWith(r.path.slice(1)));
  if (byName) return byName;
  return rules
    .filter((r) => within(file, r.path))
    .sort((a, b) => b.path.replace(/<[a-z]+>/g, '').length - a.path.replace(/<[a-z]+>/g, '').length)[0];
}

/** The folder a rule path names for a given file (`src/checks/<id>/` → `src/checks/spf/`). */
function ownFolder(file: string, rule: Rule): string {
  const n = rule.path.replace(/\/$/, '').split('/').length;
  return rule.path.endsWith('/') || !rule.path.includes('.') ? file.split('/').slice(0, n).join('/') : file;
}

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typesOnly: boolean;
  readonly line: number;
}

export function importsOf(file: string, text: string): Edge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const from = relative(ROOT, file);
  const edges: Edge[] = [];
  const add = (node: ts.Node, spec: string, typesOnly: boolean) => {
    if (!spec.startsWith('.')) return; // packages and node: built-ins
    const to = relative(ROOT, resolve(dirname(file), spec));
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    edges.push({ from, to, typesOnly, line });
  };
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      let typesOnly = c?.isTypeOnly === true;
      if (c && !typesOnly && !c.name && c.namedBindings && ts.isNamedImports(c.namedBindings)) {
        const els = c.namedBindings.elements;
        typesOnly = els.length > 0 && els.every((e) => e.isTypeOnly);
      }
      add(n, n.moduleSpecifier.text, typesOnly);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      add(n, n.moduleSpecifier.text, n.isTypeOnly);
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      add(n, n.arguments[0].text, false);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return edges;
}

const rules = readRules(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
const files = TOP.flatMap((d) => [...sources(join(ROOT, d))]);

test('the folder table of docs/architecture.md is read', () => {
  for (const p of ['src/core/', 'src/checks/<id>/', 'src/cli/', 'testworld/', 'test/'])
    assert.ok(
      rules.some((r) => r.path === p),
      `row ${p}`,
    );
});

test('every source file belongs to a row of the folder table', () => {
  const homeless = files.map((f) => relative(ROOT, f)).filter((f) => !ruleOf(f, rules));
  assert.deepEqual(homeless, [], 'add a row to docs/architecture.md "Folders"');
});

test('every import is one the folder table allows (docs/architecture.md "may import")', () => {
  const broken: string[] = [];
  for (const file of files) {
    for (const e of importsOf(file, readFileSync(file, 'utf8'))) {
      const rule = ruleOf(e.from, rules);
      if (!rule || rule.any) continue;
      const own = ownFolder(e.from, rule);
      if (within(e.to, own.endsWith('.ts') ? own : `${own}/`)) continue;
      const ownName = own.split('/').at(-1);
      const ok = rule.allow.some(
        (a) =>
          (e.typesOnly || !a.typesOnly) &&
          within(e.to, a.target.endsWith('.ts') ? a.target : `${a.target}/`, ownName),
      );
      if (!ok)
        broken.push(`${e.from}:${e.line} imports ${e.to}${e.typesOnly ? ' (types)' : ''} [row ${rule.path}]`);
    }
  }
  assert.deepEqual(broken, [], 'an import the map does not allow: change the code, or the map with a reason');
});

/** The only reads of the process environment below src/cli/, each with its reason (docs/architecture.md). */
const PROCESS_ENV_ALLOWED: Record<string, string> = {
  'src/net/egress.ts': 'MAILSEC_EGRESS_ALLOW: the hermetic-run guard, process-wide by design',
};

test('below src/cli/ nothing reads process.env or argv, or exits (the CLI passes what it read)', () => {
  const found: string[] = [];
  for (const file of files) {
    const rel = relative(ROOT, file);
    if (!rel.startsWith('src/') || rel.startsWith('src/cli/') || rel.endsWith('.test.ts')) continue;
    const text = readFileSync(file, 'utf8');
    text.split('\n').forEach((l, i) => {
      if (/^\s*(\/\/|\*)/.test(l)) return;
      if (/\bprocess\.(env|argv|exit)\b/.test(l) && !PROCESS_ENV_ALLOWED[rel])
        found.push(`${rel}:${i + 1}: ${l.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('below src/cli/ no error names a command-line flag (errors carry detail; cli/ phrases it)', () => {
  const found: string[] = [];
  for (const file of files) {
    const rel = relative(ROOT, file);
    if (!rel.startsWith('src/') || rel.startsWith('src/cli/') || rel.endsWith('.test.ts')) continue;
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isNewExpression(n) && n.expression.getText(sf) === 'MailsecError') {
        const text = n.getText(sf);
        if (/[`'"][^`'"]*--[a-z][a-z-]+/.test(text))
          found.push(`${rel}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(found, []);
});
