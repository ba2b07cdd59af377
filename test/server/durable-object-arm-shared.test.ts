import { expect, test } from 'vitest';
import { formatTime, sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { LogObject } from '../../src/server/index.js';
import { entry } from './store-conformance.js';
import { localStorage } from './durable-storage.js';

/**
 * An unarmed log's next append makes one call to the root (log-objects.ts): appends that find it unarmed at once
 * share that call. Each used to make its own (ten appends, ten `arm` calls and ten generations; found by review).
 */
const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];

test('ten concurrent appends to an unarmed log share one `arm`, and all ten commit', async () => {
  const root = rootLogObject(localStorage());
  const asked: string[] = [];
  const toRoot: LogObject = {
    async fetch(request) {
      asked.push(await methodOf(request));
      return root.fetch(request);
    },
  };
  const object = tenantLogObject(localStorage(), () => toRoot);
  const store = durableObjectStore({ root: () => toRoot, tenant: () => object });
  const now = Date.UTC(2026, 10, 28, 9);
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.append({ tenantId: 'x', entries: [entry('x', `e${i}`)], now, keyId: 'k1', sha256 })));
  expect(asked.filter((m) => m === 'arm')).toHaveLength(1);
  expect(outcomes.map(([o]) => o!.stored)).toEqual(new Array(10).fill(true));
  expect(await store.logSize('x')).toBe(10);
  // The first entry's time reaches the root once, from the append that committed it.
  expect(asked.filter((m) => m === 'noteSince')).toHaveLength(1);
  expect(await store.earliestPending()).toBe(formatTime(now));
  expect(asked.filter((m) => m === 'noteSince')).toHaveLength(1); // known: no log was asked, nothing learned
});
