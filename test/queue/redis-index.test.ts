/**
 * The Redis queue (kvQueue over @upstash/redis) in a database other apps share. No Redis (nor Upstash's REST
 * bridge) can run here: the REAL @upstash/redis client talks over HTTP on 127.0.0.1 to the stand-in of
 * test/edge/upstash-rest.ts, whose SCAN walks the keyspace COUNT keys a call as Redis does, MATCH or not.
 */
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kvQueue } from '../../src/queue/index.js';
import type { QueueEntry } from '../../src/queue/index.js';
import { startFakeUpstash, type FakeUpstash } from '../edge/upstash-rest.js';

let upstash: FakeUpstash;
beforeAll(async () => {
  upstash = await startFakeUpstash();
});
afterAll(() => upstash.close());
beforeEach(() => {
  upstash.data.clear();
  upstash.sets.clear();
  // Another app's 20,000 keys in the same database.
  for (let i = 0; i < 20_000; i++) upstash.data.set(`other-app:session:${String(i).padStart(5, '0')}`, '{}');
});

const client = () => new Redis({ url: upstash.url, token: upstash.token });
const entry = (n: number): QueueEntry => ({ key: `q${String(n).padStart(6, '0')}:evt-${n}`, event_id: `evt-${n}`, body: `{"event_id":"evt-${n}"}` });
const appendOne = (queue: ReturnType<typeof kvQueue>, n: number) => queue.append((state) => ((state.client_id ||= 'c'), [entry(n)]));
const scans = () => upstash.commands.filter((c) => c === 'scan').length;

describe('kvQueue on Redis: its own keys only, never the whole database', () => {
  it('appends, lists, counts and deletes without walking the other apps\' keys', async () => {
    const queue = kvQueue(client());
    await appendOne(queue, 1);
    upstash.commands.length = 0;
    for (let n = 2; n <= 4; n++) await appendOne(queue, n);
    expect((await queue.list('q', 10)).map((e) => e.event_id)).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4']);
    expect(await queue.count('q')).toBe(4);
    await queue.delete([entry(1).key, entry(2).key]);
    expect((await queue.list('q', 10)).map((e) => e.event_id)).toEqual(['evt-3', 'evt-4']);
    expect(scans()).toBe(0);
    // A store made later (the next invocation) does not walk it either.
    upstash.commands.length = 0;
    expect((await kvQueue(client()).list('q', 10)).map((e) => e.event_id)).toEqual(['evt-3', 'evt-4']);
    expect(scans()).toBe(0);
  });

  it('still finds, once, the events an older version queued with no index', async () => {
    for (const n of [7, 8]) upstash.data.set(`aegislog:${entry(n).key}`, JSON.stringify(entry(n)));
    upstash.data.set(`aegislog:d000009:evt-9`, JSON.stringify({ ...entry(9), key: 'd000009:evt-9', error: { code: 'x', message: 'y' } }));
    const queue = kvQueue(client());
    expect((await queue.list('q', 10)).map((e) => e.event_id)).toEqual(['evt-7', 'evt-8']);
    expect((await queue.list('d', 10)).map((e) => e.event_id)).toEqual(['evt-9']);
    await appendOne(queue, 10);
    expect(await queue.count('q')).toBe(3);
    upstash.commands.length = 0;
    expect((await kvQueue(client()).list('q', 10)).map((e) => e.event_id)).toEqual(['evt-7', 'evt-8', 'evt-10']);
    expect(scans()).toBe(0);
    // An isolate of the older version, still running through the deploy, queues one more: found once the
    // marker is a day old (set so here), by one more walk, then not walked again.
    upstash.data.set(`aegislog:${entry(11).key}`, JSON.stringify(entry(11)));
    upstash.data.set('aegislog:!indexed', String(Date.now() - 25 * 60 * 60 * 1000));
    expect((await kvQueue(client()).list('q', 10)).map((e) => e.event_id)).toEqual(['evt-7', 'evt-8', 'evt-10', 'evt-11']);
    upstash.commands.length = 0;
    expect(await kvQueue(client()).count('q')).toBe(4);
    expect(scans()).toBe(0);
  });
});
