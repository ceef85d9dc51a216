import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oldestKeys } from './oldest.ts';

test('oldestKeys: the least recently used key first, across refreshes, evictions and a cleared map', () => {
  const m = new Map<string, number>();
  const oldest = oldestKeys(m);
  assert.equal(oldest(), undefined);
  for (const k of ['a', 'b', 'c', 'd']) m.set(k, 0);
  // refresh b (delete + set: now the newest)
  m.delete('b');
  m.set('b', 1);
  const evicted: string[] = [];
  const evict = () => {
    const k = oldest() as string;
    m.delete(k);
    evicted.push(k);
  };
  evict();
  m.set('e', 0);
  m.delete('c'); // removed by its owner, never handed out
  evict();
  evict();
  assert.deepEqual(evicted, ['a', 'd', 'b']);
  assert.deepEqual([...m.keys()], ['e']);
  evict();
  assert.equal(oldest(), undefined, 'empty');
  m.set('f', 0); // after the iterator ran out: a new one starts at the front
  m.set('g', 0);
  m.clear();
  m.set('h', 0);
  assert.equal(oldest(), 'h');
});
