import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { staticResolver } from '../dns/static.ts';
import { createOperatorGate, operatorOf } from './politeness.ts';

test('operator: the registrable domains of the NS hosts', () => {
  assert.equal(operatorOf(['ns1.hoster.ch.', 'NS2.hoster.ch']), 'hoster.ch');
  assert.equal(operatorOf(['a.ns.cloud.com', 'b.other.net']), 'cloud.com,other.net');
});

test('operator gate: domains of one operator are paced at --ns-qps, others pass', async () => {
  const zone: Record<string, Record<string, string[]>> = {};
  for (let i = 0; i < 6; i++) zone[`d${i}.ch`] = { NS: ['ns1.big.ch.', 'ns2.big.ch.'] };
  zone['other.ch'] = { NS: ['ns.small.ch.'] };
  const resolver = staticResolver(zone as never);
  // 20 queries per second per operator, 10 queries a domain: 2 domains a second after the burst
  const gate = createOperatorGate({ resolver, qps: 20, queriesPerDomain: () => 10 });
  const t0 = performance.now();
  await Promise.all([0, 1].map((i) => gate.admit(`d${i}.ch`)));
  assert.ok(performance.now() - t0 < 200, 'the burst passes at once');
  const late = gate.admit('d2.ch');
  const t1 = performance.now();
  await gate.admit('other.ch');
  assert.ok(performance.now() - t1 < 100, 'another operator is not held up');
  await late;
  assert.ok(performance.now() - t0 >= 400, `d2 waited for its operator (${performance.now() - t0} ms)`);
  assert.ok(gate.delayed >= 1);
});

test('operator gate: a domain that waited leaves nothing on the run signal', async () => {
  const zone: Record<string, Record<string, string[]>> = {};
  for (let i = 0; i < 8; i++) zone[`d${i}.ch`] = { NS: ['ns1.big.ch.'] };
  const gate = createOperatorGate({
    resolver: staticResolver(zone as never),
    qps: 200,
    queriesPerDomain: () => 50,
  });
  const run = new AbortController();
  for (let i = 0; i < 8; i++) await gate.admit(`d${i}.ch`, run.signal);
  assert.ok(gate.delayed >= 4, `${gate.delayed} delayed`);
  // one listener for the signal's callbacks, not one per wait (each kept a timer for the whole run)
  assert.ok(getEventListeners(run.signal, 'abort').length <= 1);
});
