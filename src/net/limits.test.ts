import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { localTargetLimits } from './limits.ts';

describe('localTargetLimits', () => {
  it('holds at most `limit` per key; a release hands the slot to the next waiter in order', async () => {
    const limits = localTargetLimits();
    const order: string[] = [];
    const first = await limits.acquire('mx:192.0.2.1', 1);
    const second = limits.acquire('mx:192.0.2.1', 1).then((release) => {
      order.push('second');
      return release;
    });
    const third = limits.acquire('mx:192.0.2.1', 1).then((release) => {
      order.push('third');
      return release;
    });
    const other = await limits.acquire('mx:192.0.2.2', 1); // another key is not held up
    other();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    first();
    (await second)();
    (await third)();
    assert.deepEqual(order, ['second', 'third']);
  });

  it('an abort takes a waiter out of the queue; waiters leave one listener on a shared signal', async () => {
    const limits = localTargetLimits();
    const run = new AbortController();
    const held = await limits.acquire('k', 1, run.signal);
    const waiters = Array.from({ length: 20 }, () => limits.acquire('k', 1, run.signal));
    assert.ok(getEventListeners(run.signal, 'abort').length <= 1);
    run.abort(new Error('stopped'));
    for (const w of waiters) await assert.rejects(w, /stopped/);
    held();
    // the slot is free again: nobody aborted holds it
    const again = await limits.acquire('k', 1);
    again();
    await assert.rejects(limits.acquire('k', 1, run.signal), /stopped/);
  });
});
