/**
 * A value under the queue's prefix that is no queue entry (another tool's key, a hand-made test value, text
 * that is not JSON, `null`): every listing rejected with a raw SyntaxError or TypeError, so nothing queued
 * was delivered again, ever. It is passed over as a value of another shape already was. Workers KV cannot run
 * outside workerd in this file: the in-memory KV of test/client/fakes.ts stands in for its get/put/list.
 */
import { expect, it } from 'vitest';
import { kvQueue, type QueueEntry } from '../../src/queue/index.js';
import { fakeKV } from '../client/fakes.js';

const entry = (n: number): QueueEntry => ({ key: `q${String(n).padStart(6, '0')}:evt-${n}`, event_id: `evt-${n}`, body: `{"event_id":"evt-${n}"}` });

it.each([['text that is not JSON', 'not json'], ['JSON null', 'null'], ['a JSON number', '42']])('%s under the prefix is passed over; the queued entries still list', async (_name, foreign) => {
  const kv = fakeKV();
  const queue = kvQueue(kv);
  await queue.append((state) => ((state.client_id ||= 'c'), [entry(1), entry(3)]));
  kv.map.set('aegislog:q000002:foreign', foreign);
  expect((await queue.list('q', 10)).map((e) => e.event_id)).toEqual(['evt-1', 'evt-3']);
});
