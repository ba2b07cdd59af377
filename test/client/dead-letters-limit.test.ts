// deadLetters and requeueDeadLetters with a limit of 0 list nothing on every queue store (found in
// review, 2026-12-04: IndexedDB's list read the entry before the first and threw a TypeError).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deadLetters, indexedDBQueue, memoryQueue, requeueDeadLetters, type QueueStore } from '../../src/queue/index.js';

const stores: [string, () => QueueStore][] = [
  ['memory', () => memoryQueue()],
  ['IndexedDB', () => indexedDBQueue({ name: `dead-letters-limit-${crypto.randomUUID()}` })],
];

describe.each(stores)('a limit of 0 on the %s queue', (_, make) => {
  it('lists and requeues nothing, and keeps the dead letters', async () => {
    const queue = make();
    await queue.put([{ key: 'd0000000001:a', event_id: 'a', body: '{}', error: { status: 400, code: 'ERR_SCHEMA_INVALID', message: 'bad' } }]);
    expect(await deadLetters(queue, 0)).toEqual([]);
    expect(await requeueDeadLetters(queue, 0)).toBe(0);
    expect(await deadLetters(queue)).toHaveLength(1);
  });
});
