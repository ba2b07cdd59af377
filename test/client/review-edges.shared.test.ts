// Edges of the client found in review (2026-12-03), each against the reference server's own handler
// in-process (or a fetch that answers for it): options that leave a retry field undefined, a lone
// event's receipt for another event, a retry count that counted settled events, a payload key that
// RFC 8785 cannot carry, an onError that records on a full queue, and a KV append that half failed.
import { describe, expect, it } from 'vitest';
import { AegisLog, AegisLogError, AegisLogValidationError, ErrorCode, deadLetters, kvQueue, memoryQueue, type FetchLike } from './exports.js';
import { fakeKV } from './fakes.js';
import { inProcessServer, until } from './helpers.js';
import { ENDPOINT, scriptedClients } from './scripted-clients.js';

const client = scriptedClients();

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const unavailable = () => json(503, { error: { code: 'unavailable', message: 'down' } });

describe('retry options', () => {
  it('an undefined field keeps its default: recordSync gives up after 5 retries, not never', async () => {
    let calls = 0;
    const log = client(async () => (calls++, unavailable()), { retry: { attempts: undefined, baseDelay: 1, maxDelay: 1 } });
    await expect(log.recordSync('t', {})).rejects.toMatchObject({ code: 'ERR_HTTP' });
    expect(calls).toBe(6);
    // The delivery loop reads the same policy: 1 + 5 sends, then the flush gives up.
    calls = 0;
    log.record('t', {});
    expect((await log.flush()).error).toBeDefined();
    expect(calls).toBe(6);
  });

  it.each([
    ['attempts', -1],
    ['attempts', 1.5],
    ['baseDelay', Number.NaN],
    ['maxDelay', '10'],
    ['maxRetryAfter', Infinity],
    // setTimeout fires at once beyond 2^31−1 ms: a 40-day bound would retry in a burst.
    ['maxRetryAfter', 40 * 86_400_000],
    ['maxDelay', 2 ** 31],
    ['baseDelay', 2 ** 31],
  ])('refuses retry.%s = %s with ERR_CONFIG naming the field', (name, value) => {
    expect(() => new AegisLog({ endpoint: ENDPOINT, flushInterval: 0, retry: { [name]: value } as never })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: `retry.${name}` }),
    );
  });
});

describe('the endpoint option', () => {
  it.each([
    [undefined, '(got undefined)'],
    ['', '(got "")'],
    ['127.0.0.1:8787', '(got "127.0.0.1:8787")'],
  ])('%j is refused, naming what was given (a variable not exported reads undefined)', (endpoint, got) => {
    expect(() => new AegisLog({ endpoint: endpoint as never, flushInterval: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint', message: `endpoint must be an http(s) URL, such as http://127.0.0.1:8787 ${got}` }),
    );
  });

  // Found in review: each was taken, then every flush failed (fetch refuses a URL with credentials; a query or a
  // fragment swallows the route appended to it): events queued for ever, or dead-lettered on a 404.
  it.each(['https://user:secret@log.example.com', 'https://user@log.example.com/api', 'https://log.example.com/api?tenant=acme', 'https://log.example.com/api#x'])(
    '%j (credentials, a query or a fragment) is refused',
    (endpoint) => {
      expect(() => new AegisLog({ endpoint, flushInterval: 0 })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint', message: expect.stringMatching(/^endpoint must not carry credentials, a query or a fragment/) }),
      );
    },
  );
});

describe('record() refuses what no server takes', () => {
  it('a payload of more JSON values than a body may hold (128k token ids, under 1 MiB): thrown now, not dead-lettered after a 413', () => {
    const log = new AegisLog({ endpoint: ENDPOINT, flushInterval: 0, queue: memoryQueue() });
    const ids = Array.from({ length: 130_000 }, (_, i) => i % 50_000);
    expect(() => log.record('model_inference', { input_token_ids: ids })).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
    expect(log.stats().queued).toBe(0);
    void log.close();
  });
});

describe('delivery', () => {
  it("a lone event answered with a receipt for another event is dead-lettered as ERR_RECEIPT_MISMATCH, not sent again", async () => {
    const srv = await inProcessServer();
    let ingests = 0;
    const fetch: FetchLike = async (url, init) => {
      const response = await srv.fetch(url, init);
      if (!url.endsWith('/ingest')) return response;
      ingests++;
      return json(200, { ...(await response.json()), event_id: 'another-event' });
    };
    const queue = memoryQueue();
    const reported: string[] = [];
    const log = client(fetch, { queue, onError: (e) => reported.push(`${e.code}/${(e as AegisLogError & { field?: string }).field}`) });
    const id = log.record('t', {});
    const result = await log.flush();
    expect(result).toMatchObject({ sent: 0, deadLettered: 1, remaining: 0 });
    expect(ingests).toBe(1);
    expect(reported).toEqual(['ERR_RECEIPT_MISMATCH/event_id']);
    expect((await deadLetters(queue)).map((d) => [d.event_id, d.error?.code])).toEqual([[id, 'ERR_RECEIPT_MISMATCH']]);
  });

  it('stats().retried counts the events sent again, not those of a bisected batch already settled', async () => {
    const srv = await inProcessServer();
    let failed = false;
    // A 400 about the whole batch makes the client bisect it; then the second half's first try fails once.
    const fetch: FetchLike = async (url, init) => {
      const body = String(init.body);
      if (url.endsWith('/ingest/batch') && JSON.parse(body).events.length === 10) return json(400, { error: { code: 'bad_request', message: 'bisect me' } });
      if (!failed && url.endsWith('/ingest/batch') && body.includes('"n":9')) return (failed = true), unavailable();
      return srv.fetch(url, init);
    };
    const log = client(fetch, { batchSize: 100 });
    for (let n = 0; n < 10; n++) log.record('t', { n });
    expect(await log.flush()).toMatchObject({ sent: 10, remaining: 0 });
    expect(failed).toBe(true);
    expect(log.stats().retried).toBe(5);
  });
});

describe('record()', () => {
  it('refuses a top-level payload key with a lone surrogate at once, as it does a nested one', () => {
    const log = client(() => Promise.reject(new Error('no I/O expected')));
    for (const [payload, field] of [[{ '\ud800': 1 }, '$["\\ud800"]'], [{ a: { '\ud800': 1 } }, 'a["\\ud800"]']] as const) {
      let error: unknown;
      try {
        log.record('t', payload);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AegisLogValidationError);
      expect(error).toMatchObject({ code: ErrorCode.JcsInvalid, field });
    }
    expect(log.stats().queued).toBe(0);
  });

  it('an onError that records while the queue is full neither recurses nor throws; its own drop is counted, not told again', async () => {
    const told: string[] = [];
    const log: AegisLog = client(() => Promise.reject(new Error('no I/O expected')), {
      queue: memoryQueue(),
      maxQueueSize: 2,
      onError: (e) => {
        if (e.code !== 'ERR_QUEUE_FULL') return; // close() at the end reports its failed flush
        told.push(e.code);
        log.record('client_error', { code: e.code });
      },
    });
    for (let i = 0; i < 3; i++) expect(log.record('t', { i })).toMatch(/^[0-9a-f-]{36}$/);
    expect(told).toEqual(['ERR_QUEUE_FULL']);
    expect(log.stats()).toMatchObject({ queued: 2, dropped: 2 });
  });

  it('an onError that throws does not make record() throw', () => {
    const log = client(() => Promise.reject(new Error('no I/O expected')), {
      queue: memoryQueue(),
      maxQueueSize: 1,
      onError: (e) => {
        if (e.code === 'ERR_QUEUE_FULL') throw new Error('a bug in the app');
      },
    });
    const logged: unknown[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      log.record('t', {});
      expect(() => log.record('t', {})).not.toThrow();
    } finally {
      console.error = error;
    }
    expect(logged).toHaveLength(1);
    expect(log.stats().dropped).toBe(1);
  });
});

describe('durable()', () => {
  it('resolves once the records made before it are written, whatever is recorded while it waits', async () => {
    // A record made at some microtask depth while durable() waits used to be still pending when it looked,
    // and durable() rejected "not written yet" although its own records were written. Every depth is tried.
    const outcomes: string[] = [];
    for (let depth = 0; depth < 30; depth++) {
      const queue = memoryQueue();
      const log = client(() => Promise.reject(new Error('no I/O expected')), { queue });
      log.record('before', {});
      const done = log.durable().then(() => 'ok', (e: AegisLogError) => `${depth}: ${e.code} ${e.message}`);
      for (let i = 0; i < depth; i++) await null;
      log.record('meanwhile', {});
      outcomes.push(await done);
      expect((await queue.list('q', 10)).map((e) => JSON.parse(e.body).event_type)).toContain('before');
    }
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
  });

  it('still rejects when a record made before it could not be written', async () => {
    const inner = memoryQueue();
    let fail = true;
    const queue = { ...inner, append: (plan: Parameters<typeof inner.append>[0]) => (fail ? Promise.reject(new Error('disk full (scripted)')) : inner.append(plan)) };
    const log = client(() => Promise.reject(new Error('no I/O expected')), { queue });
    log.record('before', {});
    await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });
    fail = false;
    await expect(log.durable()).resolves.toBeUndefined();
    expect(await inner.count('q')).toBe(1);
  });
});

describe('kvQueue without transactions', () => {
  it('an append whose writes half fail leaves nothing behind: each client_seq is sent or told dropped once', async () => {
    const srv = await inProcessServer();
    const kv = fakeKV();
    let failPut: (key: string, value: string) => boolean = () => false;
    const put = kv.put.bind(kv);
    kv.put = async (key, value) => {
      if (failPut(key, value)) throw new Error('KV put failed (injected)');
      return put(key, value);
    };
    const sent: Record<string, unknown>[] = [];
    const fetch: FetchLike = async (url, init) => {
      const body = JSON.parse(String(init.body));
      sent.push(...(url.endsWith('/ingest/batch') ? body.events : [body]));
      return srv.fetch(url, init);
    };
    const log = client(fetch, { batchSize: 1000, maxQueueSize: 2, queue: kvQueue(kv) });
    log.record('t', { n: 'a' });
    log.record('t', { n: 'b' });
    await log.durable();
    log.record('t', { n: 'c' }); // queue full: dropped, number 3
    await log.durable();
    failPut = () => true;
    await log.flush(); // sends a and b; the account of 3 cannot be written
    failPut = (_key, value) => !value.includes('aegislog.dropped'); // the account lands, the new record does not
    log.record('t', { n: 'd' });
    await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });
    failPut = () => false;
    await log.flush();
    await until(async () => (await log.flush()).remaining === 0, 5000, 'the queue drains');

    const uses = new Map<number, string[]>();
    const use = (seq: number, how: string) => uses.set(seq, [...(uses.get(seq) ?? []), how]);
    for (const e of sent) {
      use(e.client_seq as number, `sent ${String(e.event_type)}`);
      if (e.event_type === 'aegislog.dropped') for (let s = e.first_seq as number; s <= (e.last_seq as number); s++) use(s, `told by ${String(e.client_seq)}`);
    }
    const twice = [...uses].filter(([, how]) => new Set(how).size > 1 || how.filter((h) => h.startsWith('told')).length > 1);
    expect(twice).toEqual([]);
    expect([...uses.keys()].sort((a, b) => a - b)).toEqual([...uses.keys()].map((_, i) => i + 1));
  });
});
