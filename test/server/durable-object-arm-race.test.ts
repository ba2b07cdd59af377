import { expect, test } from 'vitest';
import { formatTime, sha256 } from '../../src/protocol/index.js';
import { durableObjectStore, rootLogObject, tenantLogObject } from '../../src/server/index.js';
import type { LogObject, StoredRecord } from '../../src/server/index.js';
import { callLogObject } from '../../src/server/log-object-wire.js';
import { entry, sealOf } from './store-conformance.js';
import { localStorage } from './durable-storage.js';

const methodOf = async (request: Request) => (JSON.parse(await request.clone().text()) as [string])[0];
const T = (h: number) => formatTime(Date.UTC(2026, 10, 28, h));

/**
 * Invariant B (src/server/log-objects.ts): a log holding an entry no head covers is in the armed set. An append
 * that armed used to commit after `await arm()`, which yields to the microtask queue after the grant's own
 * transaction: a close whose call was under way ran there, disarmed the log (its entries all before the end), and
 * the append then committed on a disarmed log that the root dropped; no seal covered the entry (found by review,
 * failing at 3 microtasks before the fix). The append now commits only while armed, in the plan's transaction.
 */
for (let k = 0; k < 8; k += 1) {
  test(`a close landing ${k} microtasks after the arm's answer: the entry stays pending, its log armed`, async () => {
    const root = rootLogObject(localStorage());
    let held: { reached: () => void; gate: Promise<void> } | undefined;
    const toRoot: LogObject = {
      async fetch(request) {
        const method = await methodOf(request);
        const answer = await root.fetch(request);
        if (method === 'arm' && held) {
          const h = held;
          held = undefined;
          h.reached();
          await h.gate;
        }
        return answer;
      },
    };
    const tenantObject = tenantLogObject(localStorage(), () => toRoot);
    const store = durableObjectStore({ root: () => toRoot, tenant: () => tenantObject });
    const append = (id: string, hour: number) => store.append({ tenantId: 'solo', entries: [entry('solo', id)], now: Date.parse(T(hour)), keyId: 'k1', sha256 });
    await append('a', 1);
    await store.commitSeal(await sealOf(store, T(0), T(2))); // 'a' sealed; the log disarmed and left the set

    let release = () => {};
    const reached = new Promise<void>((resolve) => (held = { reached: resolve, gate: new Promise<void>((r) => (release = r)) }));
    const appending = append('b', 1);
    await reached;
    // The seal of the next period: the root closes (the log is listed, at the generation just granted) ...
    const [listed] = await callLogObject<{ tenantId: string; generation: number; headSize: number }[]>(root, 'closeArmed', [T(3)]);
    expect(listed).toMatchObject({ tenantId: 'solo', headSize: 1 });
    // ... and the grant's answer and the close's call arrive together.
    release();
    for (let i = 0; i < k; i++) await Promise.resolve();
    const closed = await callLogObject<{ size: number; disarmed?: { generation: number; size: number } }>(tenantObject, 'closeAt', [T(3), listed!.generation, listed!.headSize]);
    await callLogObject(root, 'keepCloses', [T(3), [{ tenantId: 'solo', ...closed }]]);
    const [outcome] = await appending;
    expect(outcome).toMatchObject({ stored: true, record: { leafIndex: 1 } });
    const b = (outcome as { record: StoredRecord }).record.statement.received_at;
    // 'b' is not covered by any head: B says the log is in the armed set; a seal past it must find it.
    const end = b < T(3) ? T(3) : T(4);
    if (end === T(4)) await store.commitSeal(await sealOf(store, T(2), T(3)));
    expect(await store.earliestPending(), `b at ${b}; close answered ${JSON.stringify(closed)}`).toBe(b);
    expect((await store.grownLogs(end)).map((g) => g.tenantId)).toEqual(['solo']);
  });
}
