import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { sleep, whenAborted } from './abort.ts';

describe('sleep', () => {
  it('waits the time given', async () => {
    const t0 = performance.now();
    await sleep(30);
    assert.ok(performance.now() - t0 >= 29);
  });

  it('an abort ends the wait at once with the reason', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    assert.ok(performance.now() - t0 < 1000);
  });

  it('an aborted signal rejects without waiting', async () => {
    await assert.rejects(sleep(10_000, AbortSignal.abort(new Error('already'))), /already/);
  });

  it('waits that ended leave one listener on the signal, and an abort after them reaches the rest', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(0, ac.signal);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
    let called = 0;
    whenAborted(ac.signal, () => called++);
    ac.abort();
    assert.equal(called, 1);
  });
});
