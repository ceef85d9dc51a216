/**
 * The openspf RFC 7208 test suite (release 2014.04), run unchanged through the same check_host the
 * CLI's `mailsec spf --ip` calls.
 *
 * The suite file is rfc7208-tests.yml from ../shared/testdata/spf/, (C) 2006-2008 Stuart D Gathman,
 * 2007-2008 Julian Mehnle, 2014 Scott Kitterman; redistributed under the BSD-style licence in
 * rfc7208-tests.LICENSE next to it (the notice is kept there).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type MiniZone, zoneFromRfc7208 } from '../../../testworld/mini-dns.ts';
import { staticResolver, type ZoneLiteral } from '../../dns/static.ts';
import type { Resolver } from '../../dns/types.ts';
import { checkHost, spfIdentity } from './evaluate.ts';

const SUITE = fileURLToPath(new URL('../../../../shared/testdata/spf/rfc7208-tests.yml', import.meta.url));

interface SuiteTest {
  spec?: string | number;
  helo: string;
  host: string;
  mailfrom: string;
  result: string | string[];
  explanation?: string;
}
interface Scenario {
  description: string;
  tests: Record<string, SuiteTest>;
  zonedata: Record<string, unknown[] | null>;
}

function loadSuite(): Scenario[] {
  const text = readFileSync(SUITE, 'latin1'); // the file's \x escapes and bytes are octets
  return parseAllDocuments(text).map((d) => d.toJS() as Scenario);
}

/** Temporary: a zone literal for staticResolver from a MiniZone (until the real client lands). */
function toStatic(zone: MiniZone): ZoneLiteral {
  const out: ZoneLiteral = {};
  const TYPES = ['A', 'AAAA', 'MX', 'PTR', 'TXT', 'SPF', 'CNAME'] as const;
  for (const [name, node] of Object.entries(zone)) {
    if (typeof node === 'string') {
      out[name] = node === 'TIMEOUT' ? 'TIMEOUT' : node;
      continue;
    }
    const n: Record<string, unknown> = {};
    for (const t of TYPES) {
      const v = (node as Record<string, unknown>)[t];
      if (v === undefined) {
        if (node['*'] && t !== 'CNAME') n[t] = node['*'];
        continue;
      }
      if (t === 'MX' && Array.isArray(v)) {
        n[t] = v.map((m) => (Array.isArray(m) ? { preference: m[0], exchange: m[1] } : m));
      } else n[t] = v;
    }
    out[name] = n as ZoneLiteral[string];
  }
  return out;
}

const scenarios = (() => {
  try {
    return loadSuite();
  } catch (e) {
    return e as Error;
  }
})();

let total = 0;
let passed = 0;

test('openspf suite file is present', () => {
  assert.ok(Array.isArray(scenarios), `cannot read ${SUITE}: ${(scenarios as Error).message}`);
  assert.ok(scenarios.length >= 16);
});

for (const scenario of Array.isArray(scenarios) ? scenarios : []) {
  describe(`openspf: ${scenario.description}`, () => {
    let resolver: Resolver;
    test('zone', () => {
      resolver = staticResolver(toStatic(zoneFromRfc7208(scenario.zonedata ?? {})));
    });
    for (const [name, t] of Object.entries(scenario.tests)) {
      test(`RFC 7208 §${t.spec ?? '?'} ${name}`, async () => {
        total++;
        const expected = Array.isArray(t.result) ? t.result : [t.result];
        const id = spfIdentity({ sender: t.mailfrom, helo: t.helo });
        const out = await checkHost(
          { ip: t.host, domain: id.domain, sender: id.sender, helo: t.helo },
          { resolver },
        );
        assert.ok(
          expected.includes(out.result),
          `${name}: got ${out.result} (${out.reason}), expected ${expected.join(' or ')}`,
        );
        if (t.explanation !== undefined && t.explanation !== 'DEFAULT' && out.result === 'fail') {
          // the suite writes ip6.arpa nibbles in upper case; DNS names compare case-insensitively
          assert.equal(out.explanation?.toLowerCase(), t.explanation.toLowerCase(), `${name}: explanation`);
        }
        passed++;
      });
    }
  });
}

after(() => {
  console.log(`openspf: ${passed}/${total} passed`);
});
