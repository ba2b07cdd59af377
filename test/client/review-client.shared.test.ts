// Edges of the client found in the second review (2026-12-04), each against the reference server's own
// handler in-process, or a store or fetch scripted to fail.
import { describe, expect, it, vi } from 'vitest';
import { AegisLog, deadLetters, kvQueue, memoryQueue, requeueDeadLetters, type FetchLike } from './exports.js';
import { fakeDurableObjectStorage } from './fakes.js';
import { READ_KEY, TENANT, inProcessServer, storedIds } from './helpers.js';
import { ENDPOINT, scriptedClients } from './scripted-clients.js';

const client = scriptedClients({ closeMayFail: true });

describe('flush() and close() over a store that cannot write', () => {
  it('count the records not written as remaining, with the store error, instead of an empty queue', async () => {
    const srv = await inProcessServer();
    const inner = memoryQueue();
    let fail = true;
    const queue = { ...inner, append: (plan: Parameters<typeof inner.append>[0]) => (fail ? Promise.reject(new Error('disk full (scripted)')) : inner.append(plan)) };
    const log = client(srv.fetch, { queue });
    log.record('kept', {});
    log.record('kept', {});
    const flushed = await log.flush();
    expect(flushed).toMatchObject({ sent: 0, remaining: 2, error: { code: 'ERR_QUEUE_STORE' } });
    expect(log.stats().queued).toBe(2);
    // Once the store writes again, the same records go, and the result no longer carries the old failure.
    fail = false;
    const after = await log.close();
    expect(after).toMatchObject({ sent: 2, remaining: 0 });
    expect(after.error).toBeUndefined();
  });

  it('close() right after record() says what it could not keep', async () => {
    const srv = await inProcessServer();
    const inner = memoryQueue();
    const queue = { ...inner, append: () => Promise.reject(new Error('quota exceeded (scripted)')) };
    const log = client(srv.fetch, { queue });
    log.record('lost at close', {});
    // Dropped and told (2026-12-06): it no longer counts as remaining in a client that is gone.
    expect(await log.close()).toMatchObject({ sent: 0, remaining: 0, error: { code: 'ERR_QUEUE_STORE' } });
    expect(log.stats()).toMatchObject({ queued: 0, dropped: 1 });
  });
});

describe('options', () => {
  it.each([
    ['timeout', Infinity],
    ['timeout', -1],
    ['timeout', 2 ** 31],
    ['timeout', 1.5],
    ['maxQueueSize', Number.NaN],
    ['maxQueueSize', -5],
    ['maxQueueSize', 0],
    ['batchSize', 0],
    ['batchSize', '10'],
    ['flushInterval', -1],
    ['flushInterval', 2 ** 31],
    ['tenantId', 'acme bank'],
    ['tenantId', ''],
  ])('refuses %s = %s at construction with ERR_CONFIG naming the option', (name, value) => {
    expect(() => new AegisLog({ endpoint: ENDPOINT, flushInterval: 0, [name]: value } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: name }),
    );
  });

  it('null stands for "not given", as undefined does (a JSON config): retry: null used to throw a TypeError', async () => {
    const srv = await inProcessServer();
    const log = client(srv.fetch, { batchSize: null, maxQueueSize: null, timeout: null, retry: null } as never);
    expect(() => client(srv.fetch, { retry: { attempts: null, baseDelay: 1 } } as never)).not.toThrow();
    log.record('t', {});
    expect(await log.flush()).toMatchObject({ sent: 1, remaining: 0 });
  });

  it('a timeout of Infinity used to fail every request as ERR_NETWORK: the events never went', async () => {
    const srv = await inProcessServer();
    expect(() => client(srv.fetch, { timeout: Infinity })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'timeout' }));
    const log = client(srv.fetch, { timeout: 2 ** 31 - 1, maxQueueSize: Number.MAX_SAFE_INTEGER, batchSize: Number.MAX_SAFE_INTEGER });
    log.record('t', {});
    expect(await log.flush()).toMatchObject({ sent: 1, remaining: 0 });
  });
});

describe('dead letters', () => {
  it("keep the server's code for a refusal of a lone event, as for the same refusal inside a batch", async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    const log = client(srv.fetch, { queue, batchSize: 100 });
    await log.recordSync('original', { v: 1 }, { event_id: 'fixed-id-1' });
    log.record('clash', { v: 2 }, { event_id: 'fixed-id-1' }); // alone: POST /ingest answers 409
    expect(await log.flush()).toMatchObject({ deadLettered: 1 });
    log.record('clash', { v: 3 }, { event_id: 'fixed-id-1' }); // in a batch: a per-event error
    log.record('fine', {});
    expect(await log.flush()).toMatchObject({ sent: 1, deadLettered: 1 });
    const dead = await deadLetters(queue);
    expect(dead.map((e) => [e.error?.code, e.error?.field])).toEqual([['conflict', 'event_id'], ['conflict', 'event_id']]);
  });
});

describe('requeueDeadLetters() beside a running flush', () => {
  it('never deletes the dead letter a flush wrote meanwhile for the requeued copy it was refused again', async () => {
    // requeue writes the queue copy, then deletes the dead letter by key. A flush between the two steps
    // (the timer's, another tab's) sends the copy; refused again, it is dead-lettered under the same key,
    // and requeue's delete used to remove that new dead letter: the event was in neither list any more.
    const inner = memoryQueue();
    let pause: Promise<void> | undefined;
    let paused!: () => void;
    const reached = new Promise<void>((done) => (paused = done));
    const queue = { ...inner, delete: async (keys: readonly string[]) => (keys[0]?.startsWith('d') && pause ? (paused(), await pause) : undefined, inner.delete(keys)) };
    const refuse: FetchLike = async () => new Response('{"error":{"code":"forbidden","message":"scripted"}}', { status: 403 });
    const log = client(refuse, { queue });
    const id = log.record('refused', {});
    expect(await log.flush()).toMatchObject({ deadLettered: 1 });
    let resume!: () => void;
    pause = new Promise((done) => (resume = done));
    const requeued = requeueDeadLetters(queue);
    await reached; // the queue copy is written; the dead letter is not deleted yet
    pause = undefined;
    expect(await log.flush()).toMatchObject({ sent: 0, deadLettered: 1 });
    resume();
    expect(await requeued).toBe(1);
    expect((await deadLetters(queue)).map((e) => e.event_id)).toEqual([id]);
    expect(await queue.count('q')).toBe(0);
  });
});

describe('drops an earlier client left untold', () => {
  it('are told by the first flush of the next client on the store, even one that records nothing', async () => {
    // An edge function with flushInterval 0: one invocation overflows a Durable Object queue and cannot
    // deliver; the next only flushes (a cron trigger, say). It used to deliver the queue and leave the drop untold.
    const srv = await inProcessServer();
    const queue = kvQueue(fakeDurableObjectStorage());
    const options = { queue, batchSize: 100, maxQueueSize: 2, retry: { attempts: 0 } };
    const first = client(() => Promise.reject(new TypeError('server down (scripted)')), options);
    for (let i = 0; i < 3; i++) first.record('t', { i });
    expect(await first.close()).toMatchObject({ sent: 0, remaining: 2 });
    const sent: Record<string, unknown>[] = [];
    const second = client(async (url, init) => {
      const body = JSON.parse(String(init.body));
      sent.push(...(url.endsWith('/ingest/batch') ? body.events : [body]));
      return srv.fetch(url, init);
    }, options);
    expect(await second.flush()).toMatchObject({ sent: 3, remaining: 0 });
    expect(await storedIds(srv.fetch, ENDPOINT)).toHaveLength(3);
    const told = sent.find((e) => e.event_type === 'aegislog.dropped');
    expect(told).toMatchObject({ count: 1, first_seq: 3, last_seq: 3, client_seq: 4 });
  });
});

describe('verify()', () => {
  it.each([[''], [undefined], [42], ['a b']])('refuses the id %j as bad input naming eventId, not "not_found" nor a server 400', async (id) => {
    const srv = await inProcessServer();
    let calls = 0;
    const log = client((url, init) => (calls++, srv.fetch(url, init)));
    await expect(log.verify(id as never)).rejects.toMatchObject({ name: 'AegisLogValidationError', code: 'ERR_SCHEMA_INVALID', field: 'eventId' });
    expect(calls).toBe(0);
  });

  it("with publicKeys, refuses evidence about another event rather than pass its checks as this one's", async () => {
    const srv = await inProcessServer();
    const ids: string[] = [];
    // A server (or anything on the way) that answers /evidence/A with B's bundle, well signed.
    const swap: FetchLike = (url, init) => srv.fetch(ids.length === 2 ? url.replace(`/evidence/${ids[0]}?`, `/evidence/${ids[1]}?`) : url, init);
    const log = client(swap, { apiKey: READ_KEY, publicKeys: [await srv.publicJwk()] });
    ids.push((await log.recordSync('a', { v: 1 })).event_id);
    ids.push((await log.recordSync('b', { v: 2 })).event_id);
    await expect(log.verify(ids[0]!)).rejects.toMatchObject({ code: 'ERR_RECEIPT_MISMATCH', field: 'event_id' });
    expect((await log.verify(ids[1]!)).local?.ok).toBe(true);
  });
});

describe('onReceipt', () => {
  it('that throws neither stops the delivery loop nor passes for a store failure', async () => {
    const srv = await inProcessServer();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const errors: string[] = [];
    let receipts = 0;
    const log = client(srv.fetch, {
      batchSize: 1e9, onError: (e) => errors.push(e.code),
      onReceipt: () => {
        receipts++;
        throw new Error('a bug in the caller (scripted)');
      },
    });
    for (let i = 0; i < 600; i++) log.record('t', { i }); // two batches: 500, then 100
    const result = await log.flush();
    logged.mockRestore();
    expect(result).toMatchObject({ sent: 600, remaining: 0 });
    expect(result.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(receipts).toBe(600);
  });
});

describe('a clock that steps back', () => {
  it('does not hold back the records made before the step: close() still sends them', async () => {
    const srv = await inProcessServer();
    const log = client(srv.fetch);
    const at = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(at + 60_000);
    log.record('before the step', {});
    log.record('before the step', {});
    await log.durable();
    clock.mockReturnValue(at); // NTP steps the clock back a minute
    const result = await log.close();
    clock.mockRestore();
    expect(result).toMatchObject({ sent: 2, remaining: 0 });
  });

  it('sends what an earlier page or process left with its clock an hour ahead at the next flush, not an hour later', async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    // Written as that process did (queue keys sort by its clock: types.ts), then its clock was put right.
    const ahead = Date.now() + 3_600_000;
    const ids = [1, 2, 3].map((i) => `00000000-0000-4000-8000-00000000000${i}`);
    await queue.put(ids.map((id, i) => ({
      key: `q${ahead.toString(36).padStart(9, '0')}000${i}:${id}`,
      event_id: id,
      body: JSON.stringify({ tenant_id: TENANT, event_type: 'left', event_id: id, trace_id: id, recorded_at: new Date(ahead).toISOString() }),
    })));
    const log = client(srv.fetch, { queue });
    expect(await log.flush()).toMatchObject({ sent: 3, remaining: 0 });
    expect(await storedIds(srv.fetch, ENDPOINT)).toEqual(expect.arrayContaining(ids));
  });
});
