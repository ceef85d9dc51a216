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
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type MiniDns, startMiniDns, zoneFromRfc7208 } from '../../../testworld/mini-dns.ts';
import { createResolver, type ManagedResolver } from '../../dns/index.ts';
import { checkHostFor } from './evaluate.ts';

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

const scenarios = (() => {
  try {
    return loadSuite();
  } catch (e) {
    return e as Error;
  }
})();

/**
 * TIMEOUT records: one attempt keeps the run fast (8 such records); 1.2 s so that a loaded machine
 * (a TCP exchange per query in the TCP run) never turns a real answer into a timeout.
 */
const RESOLVER_OPTIONS = { timeoutMs: 1200, attempts: 1 } as const;
/**
 * The suite runs twice: over UDP, then against a server that truncates every UDP answer so the
 * client must take TCP. One server per transport; each scenario gets its zone and a fresh resolver.
 */
const TRANSPORTS = [
  { label: 'UDP', tcpOnly: false },
  { label: 'TCP', tcpOnly: true },
] as const;
const counts = new Map<string, { total: number; passed: number; tcpQueries: number }>();

test('openspf suite file is present', () => {
  assert.ok(Array.isArray(scenarios), `cannot read ${SUITE}: ${(scenarios as Error).message}`);
  assert.ok(scenarios.length >= 16);
});

for (const transport of TRANSPORTS) {
  const count = { total: 0, passed: 0, tcpQueries: 0 };
  counts.set(transport.label, count);
  describe(`openspf over ${transport.label}`, () => {
    let dns: MiniDns | undefined;
    before(async () => {
      dns = await startMiniDns({ address: '127.0.0.1', zone: {}, tcpOnly: transport.tcpOnly });
    });
    after(async () => {
      count.tcpQueries = dns?.queries.filter((q) => q.transport === 'tcp').length ?? 0;
      await dns?.stop();
    });
    for (const scenario of Array.isArray(scenarios) ? scenarios : []) {
      describe(`openspf: ${scenario.description}`, () => {
        let resolver: ManagedResolver;
        before(() => {
          dns!.setZone(zoneFromRfc7208(scenario.zonedata ?? {}));
          resolver = createResolver(dns!.spec, RESOLVER_OPTIONS);
        });
        after(() => resolver.close());
        for (const [name, t] of Object.entries(scenario.tests)) {
          test(`RFC 7208 §${t.spec ?? '?'} ${name}`, async () => {
            count.total++;
            const expected = Array.isArray(t.result) ? t.result : [t.result];
            // exactly what `mailsec spf --ip HOST --sender MAILFROM --helo HELO` runs
            const out = await checkHostFor({ ip: t.host, sender: t.mailfrom, helo: t.helo }, { resolver });
            assert.ok(
              expected.includes(out.result),
              `${name}: got ${out.result} (${out.reason}), expected ${expected.join(' or ')}`,
            );
            if (t.explanation !== undefined && t.explanation !== 'DEFAULT' && out.result === 'fail') {
              // exactly as the suite gives it (v-macro-ip6: upper-case nibbles from %{ir})
              assert.equal(out.explanation, t.explanation, `${name}: explanation`);
            }
            count.passed++;
          });
        }
      });
    }
  });
}

after(() => {
  for (const [label, c] of counts) console.log(`openspf: ${c.passed}/${c.total} passed (${label})`);
});

test('every openspf test ran and passed, over UDP and over TCP', () => {
  // registered last: runs after the suites above (tests in a file run in order)
  for (const [label, c] of counts) {
    assert.equal(c.total, 203, `${label}: ${c.total} tests ran, the suite has 203`);
    assert.equal(c.passed, c.total, `${label}: ${c.passed}/${c.total} passed`);
  }
  assert.ok(counts.get('TCP')!.tcpQueries > 0, 'the TCP pass sent no query over TCP');
});
