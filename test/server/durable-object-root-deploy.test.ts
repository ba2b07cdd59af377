import { expect, test } from 'vitest';
import { formatTime, sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { LogObject } from '../../src/server/index.js';
import { answerLogCall } from '../../src/server/log-object-wire.js';
import { entry, sealOf } from './store-conformance.js';
import { localStorage } from './durable-storage.js';

const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];

test('a rolling deploy of the root between a log\'s `arm` and its `register` fallback, with a close in between: the entry is still sealed', async () => {
  const root = rootLogObject(localStorage());
  let rootBefore = false; // the root object still runs the version before (no `arm`)
  let held: { reached: () => void; gate: Promise<void> } | undefined;
  // The root as the tenant log reaches it.
  const fromTenant: LogObject = {
    async fetch(request) {
      const method = await methodOf(request);
      if (method === 'arm' && rootBefore) {
        rootBefore = false; // the deploy lands right after this call
        return answerLogCall({}, request); // the version before: "a log object has no method arm" (ERR_LOG_OBJECT_CALL)
      }
      const answer = await root.fetch(request);
      if (method === 'register' && held) {
        const h = held;
        held = undefined;
        h.reached();
        await h.gate;
      }
      return answer;
    },
  };
  const tenantObject = tenantLogObject(localStorage(), () => fromTenant);
  const store = durableObjectStore({ root: () => root, tenant: () => tenantObject });
  const T = (h: number) => formatTime(Date.UTC(2026, 10, 28, h));
  const append = (id: string, hour: number) => store.append({ tenantId: 'solo', entries: [entry('solo', id)], now: Date.parse(T(hour)), keyId: 'k1', sha256 });

  await append('a', 1);
  await store.commitSeal(await sealOf(store, T(0), T(2))); // 'a' sealed; the log disarmed at T(2) and left the set
  expect(await store.grownLogs(T(3))).toEqual([]);

  // The root is redeployed while the log arms: `arm` reaches the version before, `register` the new one (which arms it at a generation the log never learns).
  rootBefore = true;
  let release = () => {};
  const reached = new Promise<void>((resolve) => (held = { reached: resolve, gate: new Promise<void>((r) => (release = r)) }));
  const appending = append('b', 1);
  await reached;
  await store.closePeriod(T(3)); // lists the log at that generation; it has only 'a' (< T(3)): it disarms, the root drops it (covered)
  release();
  const [outcome] = await appending;
  expect(outcome).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: T(3) } } });

  // 'b' is committed, unarmed, and no head covers it: invariant B says the log must still be in the armed set.
  expect(await store.earliestPending()).toBe(T(3));
  expect(await store.grownLogs(T(4))).toEqual([{ tenantId: 'solo', prevTreeSize: 1, prevHeadIndex: 0 }]);
});
