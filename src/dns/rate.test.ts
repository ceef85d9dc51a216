import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInFlightWindow, createRateGate } from './rate.ts';

test('rate gate: at most qps tokens a second, waiting ones served in order', async () => {
  let t = 0;
  const gate = createRateGate({ qps: 10, now: () => t });
  // the first second's budget at once
  for (let i = 0; i < 10; i++) await gate.acquire();
  let served = 0;
  const waiting = gate.acquire().then(() => served++);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(served, 0, 'the 11th query waits for a token');
  t += 200; // 2 tokens later
  await waiting;
  assert.equal(served, 1);
});

test('rate gate: a SERVFAIL/timeout storm halves the ceiling, calm answers bring it back', () => {
  let t = 0;
  const gate = createRateGate({ qps: 1000, window: 50, now: () => t });
  assert.equal(gate.ceiling(), 1000);
  for (let i = 0; i < 50; i++) gate.report(i % 2 ? 'fail' : 'ok'); // 50 % failures
  assert.equal(gate.storms, 1);
  assert.ok(gate.ceiling() <= 500, String(gate.ceiling()));
  const low = gate.ceiling();
  for (let s = 0; s < 40; s++) {
    t += 1100;
    for (let i = 0; i < 50; i++) gate.report('ok');
    void gate.acquire();
  }
  assert.ok(gate.ceiling() > low, 'recovers');
  assert.ok(gate.ceiling() <= 1000, 'never above --qps');
});

test('rate gate without --qps: no ceiling until a storm', async () => {
  const gate = createRateGate({ qps: 0, window: 50 });
  assert.equal(gate.ceiling(), Number.POSITIVE_INFINITY);
  for (let i = 0; i < 1000; i++) await gate.acquire();
  for (let i = 0; i < 50; i++) gate.report('fail');
  assert.ok(Number.isFinite(gate.ceiling()));
});

test('rate gate: thousands of waiters are served in order, tokens kept, aborted ones refused', async () => {
  let t = 0;
  const gate = createRateGate({ qps: 1000, now: () => t });
  for (let i = 0; i < 1000; i++) assert.equal(gate.tryTake?.(), true, 'the first second is free');
  assert.equal(gate.tryTake?.(), false);
  const order: number[] = [];
  const ac = new AbortController();
  const all = Array.from({ length: 5000 }, (_, i) =>
    gate.acquire(i === 2500 ? ac.signal : undefined).then(
      () => order.push(i),
      () => order.push(-i),
    ),
  );
  ac.abort();
  assert.equal(gate.tryTake?.(), false, 'nobody jumps the queue');
  for (let s = 0; s < 6; s++) {
    t += 1000;
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(all);
  assert.equal(order.length, 5000);
  assert.deepEqual(
    order.filter((i) => i >= 0),
    Array.from({ length: 5000 }, (_, i) => i).filter((i) => i !== 2500),
  );
  assert.ok(order.includes(-2500));
});

test('in-flight window: at most max slots, waiters served in order, slots passed on', async () => {
  const w = createInFlightWindow(2);
  assert.equal(w.enter(), null);
  assert.equal(w.enter(), null);
  const order: number[] = [];
  const waits = [0, 1, 2].map((i) => (w.enter() as Promise<void>).then(() => order.push(i)));
  assert.equal(w.active, 2);
  assert.equal(w.waiting, 3);
  w.leave();
  await waits[0];
  assert.deepEqual(order, [0]);
  assert.equal(w.active, 2);
  w.leave();
  w.leave();
  await Promise.all(waits);
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(w.waiting, 0);
  // a newcomer does not overtake a waiter
  const late = w.enter();
  assert.notEqual(late, null);
  w.leave();
  await late;
  for (let i = 0; i < 2; i++) w.leave();
  assert.equal(w.active, 0);
  assert.equal(w.enter(), null);
});
