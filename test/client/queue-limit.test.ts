// `list(prefix, limit)` gives at most `limit` entries on every queue store, as QueueStore says, and so do
// deadLetters() and requeueDeadLetters(), which take the caller's limit as it is. A limit below 0 gave every
// entry but the last on the memory and Redis-like stores (`slice(0, -1)`) and none elsewhere; a limit of 1.5
// gave 2 on Workers KV (one page of 1.5, then another). So `requeueDeadLetters(log.queue, n)` with a count
// computed below 0 requeued all the dead letters but one, or none, depending on the store.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deadLetters, indexedDBQueue, kvQueue, memoryQueue, requeueDeadLetters, type QueueEntry, type QueueStore } from '../../src/queue/index.js';
import { fakeDurableObjectStorage, fakeKV, fakeRedis } from './fakes.js';

const stores: [string, () => QueueStore][] = [
  ['memory', () => memoryQueue()],
  ['IndexedDB', () => indexedDBQueue({ name: `queue-limit-${crypto.randomUUID()}` })],
  ['KV (Cloudflare KV shape)', () => kvQueue(fakeKV())],
  ['KV (Durable Object storage shape)', () => kvQueue(fakeDurableObjectStorage())],
  ['KV (Redis-like shape)', () => kvQueue(fakeRedis())],
];

const dead = (n: number): QueueEntry => ({ key: `d000000000000${n}:id-${n}`, event_id: `id-${n}`, body: `{"n":${n}}`, error: { code: 'ERR_HTTP', message: 'refused', status: 401 } });

describe.each(stores)('the %s queue store lists at most `limit` entries', (_, make) => {
  it('none for a limit below 0, and requeues none', async () => {
    const queue = make();
    await queue.put([dead(1), dead(2), dead(3)]);
    expect(await queue.list('d', -1)).toEqual([]);
    expect(await deadLetters(queue, -1)).toEqual([]);
    expect(await requeueDeadLetters(queue, -1)).toBe(0);
    expect(await queue.count('d')).toBe(3);
  });

  it('the whole part of a fractional limit', async () => {
    const queue = make();
    await queue.put([dead(1), dead(2), dead(3)]);
    expect((await deadLetters(queue, 1.5)).map((e) => e.event_id)).toEqual(['id-1']);
    expect((await deadLetters(queue, 2.5)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
  });
});
