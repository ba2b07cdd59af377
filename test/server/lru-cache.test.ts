// The one bounded cache of the server (src/server/lru-cache.ts): tiles and sealed heads both rest on its bound.
import { expect, test } from 'vitest';
import { LruCache } from '../../src/server/lru-cache.js';

test('keeps at most `capacity` entries and drops the one used longest ago', () => {
  const cache = new LruCache<number>(3);
  for (const key of ['a', 'b', 'c']) cache.set(key, key.charCodeAt(0));
  expect(cache.get('a')).toBe(97); // a is now the most recent: b is the oldest
  cache.set('d', 100);
  expect(cache.get('b')).toBeUndefined();
  expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([97, 99, 100]);
  cache.set('c', 0); // a new value for a kept key replaces it and drops nothing
  expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([97, 0, 100]);
});
