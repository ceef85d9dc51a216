import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainDocument } from '../audit/document.ts';
import { LiveChecks } from './live.ts';

const doc = (domain: string) => ({ doc: { domain } as unknown as DomainDocument });

test('live checks: only domain names; per-client and queue limits; at most `concurrency` at once', async () => {
  let running = 0;
  let peak = 0;
  const gates: (() => void)[] = [];
  const live = new LiveChecks({
    concurrency: 2,
    maxQueued: 3,
    perClient: 2,
    run: async (domain) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return doc(domain);
    },
  });
  for (const bad of [
    '',
    'http://127.0.0.1/',
    '127.0.0.1',
    '10.1.2.3',
    'a b.ch',
    'localhost',
    'x'.repeat(300),
  ]) {
    const r = live.submit(bad, 'c0');
    assert.ok(!r.ok && r.status === 400, bad);
  }
  const a = live.submit('Example.CH.', 'c1');
  assert.ok(a.ok);
  assert.equal(a.job.domain, 'example.ch');
  assert.ok(live.submit('b.example.ch', 'c1').ok);
  const third = live.submit('c.example.ch', 'c1');
  assert.ok(!third.ok && third.status === 429, 'a third check of the same client');
  for (const c of ['c2', 'c3', 'c4']) assert.ok(live.submit(`${c}.example.ch`, c).ok);
  const full = live.submit('d.example.ch', 'c5');
  assert.ok(!full.ok && full.status === 503, 'the queue is full');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(running, 2);
  assert.equal(live.position(live.forClient('c4')[0]?.id as string), 3);
  while (gates.length || running) {
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(peak, 2);
  const done = await live.settled(a.job.id);
  assert.equal(done?.state, 'done');
  assert.equal(done?.doc?.domain, 'example.ch');
  assert.equal(done?.fix, null);
});

test('live checks: the deadline aborts a check and fails it; errors are reported', async () => {
  const live = new LiveChecks({
    deadlineMs: 50,
    run: (domain, signal) =>
      domain.startsWith('boom')
        ? Promise.reject(new Error('resolver unreachable'))
        : new Promise((resolve) => signal.addEventListener('abort', () => resolve(doc(domain)))),
  });
  const slow = live.submit('slow.example.ch', 'c');
  const boom = live.submit('boom.example.ch', 'c');
  assert.ok(slow.ok && boom.ok);
  const s = await live.settled(slow.job.id, 10);
  assert.equal(s?.state, 'failed');
  assert.match(s?.error ?? '', /longer than 0.05 s/);
  const b = await live.settled(boom.job.id, 10);
  assert.equal(b?.state, 'failed');
  assert.equal(b?.error, 'resolver unreachable');
  live.close();
  const after = live.submit('late.example.ch', 'c');
  assert.ok(!after.ok && after.status === 503);
});
