// Faults of the recording client found in review (2026-12-07), each against the reference server over real HTTP on
// 127.0.0.1 (SQLite on disk) or in-process, with a memory queue whose writes fail while a test says so.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue, type AegisLogOptions, type QueueStore } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, TENANT, storedIds, until } from './helpers.js';
import { startServer, type RealServer } from './node-server.js';

let server: RealServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

const open: AegisLog[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
});

function client(options: Partial<AegisLogOptions> = {}): AegisLog {
  const log = new AegisLog({ endpoint: server.url, tenantId: TENANT, apiKey: INGEST_KEY, flushInterval: 0, retry: FAST_RETRY, onError: () => {}, ...options });
  open.push(log);
  return log;
}

describe('options that no request can carry are refused at construction', () => {
  // Taken, then every request failed inside fetch (a header value is Latin-1, without CR, LF or NUL): each flush
  // reported ERR_NETWORK, as if the link were down, and the events stayed queued for ever.
  it.each([
    ['a character beyond Latin-1 (a typographic apostrophe pasted with it)', 'ingest-key\u2019client-tests-0001'],
    ['a line break inside it', 'ingest-key\nclient-tests-0001'],
  ])('an apiKey with %s is ERR_CONFIG naming apiKey, not a network error at every flush', (_why, apiKey) => {
    expect(() => new AegisLog({ endpoint: 'http://127.0.0.1:8787', apiKey, flushInterval: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'apiKey', message: expect.stringMatching(/^apiKey /) }),
    );
  });

  // Taken too, then fetch threw "Invalid URL" at every request, reported as ERR_NETWORK: a port typo kept every event queued.
  it.each([
    ['a port beyond 65535', 'http://127.0.0.1:87870', '(got "http://127.0.0.1:87870")'],
    ['a space in the host', 'https://log example.com', '(got "https://log example.com")'],
    ['an IPv6 host not closed', 'http://[::1:8787', '(got "http://[::1:8787")'],
  ])('an endpoint with %s is ERR_CONFIG naming endpoint, as one without its scheme', (_why, endpoint, got) => {
    expect(() => new AegisLog({ endpoint, flushInterval: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint', message: `endpoint must be an http(s) URL, such as http://127.0.0.1:8787 ${got}` }),
    );
  });

  it('an apiKey read from a file with its final line break still delivers (fetch drops the spaces at its ends)', async () => {
    const log = client({ apiKey: `${INGEST_KEY}\n` });
    const id = log.record('from_a_key_file', {});
    expect(await log.flush()).toMatchObject({ sent: 1, remaining: 0 });
    expect(await storedIds((url, init) => fetch(url, init), server.url)).toContain(id);
  });
});

/** A memory queue whose appends fail while `down` (a disk full, an aborted transaction); while `held`, each failure waits for `release()`. */
function failingStore() {
  const inner = memoryQueue();
  let appends = 0;
  let held: Promise<void> = Promise.resolve();
  let release = () => {};
  const store: QueueStore & { down: boolean; appends(): number; hold(): void; release(): void } = {
    ...inner, name: inner.name, shared: false, down: false,
    append: (plan) => (appends++, store.down ? held.then(() => Promise.reject(new Error('disk full'))) : inner.append(plan)),
    appends: () => appends,
    hold: () => void (held = new Promise((done) => (release = done))),
    release: () => release(),
  };
  return store;
}

type Numbered = { event_id: string; client_seq: number };
const numbers = async (queue: QueueStore) => (await queue.list('q', 1e6)).map((e) => JSON.parse(e.body) as Numbered).map((e) => [e.event_id, e.client_seq]);
const stored = () => storedIds((url, init) => fetch(url, init), server.url);

describe('records the queue store failed to write', () => {
  // A back end on a store that was down (Redis, a disk) while it recorded on: the records it kept (the first
  // maxQueueSize) and its drops wait in the client, and the failed write put them back with one spread call, which
  // overflowed the stack past about 120,000 arguments. The RangeError went to onError as a store failure and the
  // records, taken out for the write, were gone: never numbered, so no gap and no aegislog.dropped told them.
  it('a failed write of 150,000 records puts them all back, and the kept ones are numbered and delivered once the store is back', async () => {
    const queue = failingStore();
    const errors: string[] = [];
    const log = client({ queue, maxQueueSize: 10, onError: (e) => void (e.code === 'ERR_QUEUE_STORE' && errors.push(e.message)) });
    queue.down = true;
    const ids = Array.from({ length: 150_000 }, (_, i) => log.record('burst', { i }));
    await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });
    expect(errors).toEqual(['queue store failed: disk full']);
    expect(log.stats()).toMatchObject({ queued: 10, dropped: 149_990 });
    await log.durable().catch(() => {}); // after every write asked for so far (record()'s own too): none under way

    queue.down = false;
    await log.durable();
    expect(await numbers(queue)).toEqual(ids.slice(0, 10).map((id, i) => [id, i + 1]));
    await log.flush();
    expect(log.stats(), 'the ten, then the aegislog.dropped event that tells the rest').toMatchObject({ queued: 0, sent: 11, dropped: 149_990 });
    expect(await stored()).toEqual(expect.arrayContaining(ids.slice(0, 10)));
  });

  // record() drops at once what a full queue cannot hold, "so that its memory stays bounded"; but each drop stayed in
  // the client as an entry of its own until a write numbered it, and with the store down no write did: a back end that
  // recorded on through an outage grew by about 150 bytes a record() until it ran out of memory.
  it('drops made while the store is down hold no memory each: 300,000 take a few MB, and are told once it is back', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = failingStore();
    const bodies: string[] = [];
    const log = client({ queue, maxQueueSize: 10, fetch: (url, init) => (bodies.push(String(init.body)), fetch(url, init)) });
    queue.down = true;
    const kept = Array.from({ length: 10 }, (_, i) => log.record('burst', { i }));
    await log.durable().catch(() => {});
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 300_000; i++) log.record('burst', { i });
    await log.durable().catch(() => {});
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown, `${(grown / 1e6).toFixed(1)} MB held by 300,000 drops`).toBeLessThan(16e6);

    queue.down = false;
    await log.durable();
    expect(await numbers(queue)).toEqual(kept.map((id, i) => [id, i + 1]));
    await log.flush();
    const told = bodies.flatMap((body) => (JSON.parse(body).events ?? [JSON.parse(body)]) as { event_type: string }[]).filter((e) => e.event_type === 'aegislog.dropped');
    expect(told).toEqual([expect.objectContaining({ count: 300_000, first_seq: 11, last_seq: 300_010 })]);
    expect(log.stats()).toMatchObject({ queued: 0, sent: 11, dropped: 300_000 });
  });

  // IndexedDB takes longer than a tick to write: a record of the next tick had its write queued behind the one under
  // way, its records taken at once. When both failed, each put its records back in front of what was pending, the
  // later write's last: the next write numbered them in the reverse of record order (client_seq is +1 per record()).
  it('two writes that fail in turn keep record order: client_seq follows record()', async () => {
    const queue = failingStore();
    const log = client({ queue });
    queue.down = true;
    queue.hold();
    const first = log.record('first', {});
    await until(() => queue.appends() === 1, 5000, 'the first write to be under way');
    const second = log.record('second', {}); // the next tick: its write waits for the first
    await new Promise((next) => setTimeout(next, 0));
    queue.release();
    await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });

    queue.down = false;
    await log.durable();
    expect(await numbers(queue)).toEqual([[first, 1], [second, 2]]);
    expect(await log.flush()).toMatchObject({ sent: 2, remaining: 0 });
    expect(await stored()).toEqual(expect.arrayContaining([first, second]));
  });
});
