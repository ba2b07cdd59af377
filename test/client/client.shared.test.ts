// Runs in Node and in the edge-runtime environment (Vercel Edge's globals). The server is the
// reference server's own fetch handler in-process (src/server), so these need no sockets.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AegisLog, AegisLogError, AegisLogHttpError, AegisLogValidationError, ErrorCode, b64uEncodeForTest, canonicalize, deadLetters, eventDigest, memoryQueue, policyHash,
  kvQueue, requeueDeadLetters, type AegisLogOptions, type FetchLike, type QueueStore,
} from './exports.js';
import { fakeKV } from './fakes.js';
import { FAST_RETRY, INGEST_KEY, READ_KEY, TENANT, countBy, inProcessServer, storedIds, until, type InProcess } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const open: AegisLog[] = [];

function client(srv: InProcess | { fetch: FetchLike }, options: Partial<AegisLogOptions> = {}): AegisLog {
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, flushInterval: 0, retry: FAST_RETRY, fetch: srv.fetch,
    onError: () => {}, ...options,
  });
  open.push(log);
  return log;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
});

/** A fetch in front of the server that lets `plan` answer instead (a Response, or 'network' for a failed connection). */
function scripted(base: FetchLike, plan: (n: number, url: string, body: string) => Response | 'network' | undefined): FetchLike {
  let n = 0;
  return async (url, init) => {
    const answer = plan(n++, url, String(init.body ?? ''));
    if (answer === 'network') throw new TypeError('fetch failed (scripted)');
    return answer ?? base(url, init);
  };
}

const stored = (srv: InProcess) => storedIds(srv.fetch, ENDPOINT);

describe('record()', () => {
  it('returns a UUID v4 event_id at once and queues the wire event with wire-named options', async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    const log = client(srv, { queue });
    const id = log.record('model_inference', { prompt: 'hi', tokens: 3 }, {
      trace_id: 'trace-1',
      model_context: { model_id: 'gpt', model_version: '4' },
      policy_context: { policy_version: '2', policy_hash: `sha256:${'a'.repeat(64)}` },
    });
    expect(id).toMatch(UUID_V4);
    expect(srv.calls).toEqual([]); // no I/O on the caller's path
    await log.durable();
    const [entry] = await queue.list('q', 10);
    const event = JSON.parse(entry!.body);
    expect(event).toMatchObject({
      tenant_id: TENANT, event_type: 'model_inference', event_id: id, trace_id: 'trace-1', prompt: 'hi', tokens: 3,
      model_context: { model_id: 'gpt', model_version: '4' },
    });
    expect(event.recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(event.recorded_at) - Date.now())).toBeLessThan(5000);
  });

  it('makes distinct UUID v4 event_ids across refills of its random pool; trace_id is the event_id unless given (PROTOCOL.md §2)', async () => {
    const queue = memoryQueue();
    const log = client({ fetch: () => Promise.reject(new Error('no I/O expected')) }, { queue, maxQueueSize: 5000, batchSize: 10_000 });
    for (let i = 0; i < 1000; i++) log.record('ids', {});
    await log.durable();
    const events = (await queue.list('q', 2000)).map((e) => JSON.parse(e.body));
    const ids = events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(events.every((e) => e.trace_id === e.event_id)).toBe(true);
  });

  const bad: [string, () => [Record<string, unknown>, object?], string, string?][] = [
    ['a payload key equal to a reserved name', () => [{ event_id: 'x' }], 'event_id', ErrorCode.ReservedField],
    ['a payload key equal to a server field', () => [{ digest_b64url: 'x' }], 'digest_b64url', ErrorCode.ReservedField],
    ['NaN', () => [{ score: NaN }], 'score', ErrorCode.JcsInvalid],
    ['Infinity deep inside', () => [{ stats: { max: [1, Infinity] } }], 'stats.max[1]', ErrorCode.JcsInvalid],
    ['a BigInt', () => [{ amount: 10n }], 'amount', ErrorCode.JcsInvalid],
    ['a cycle', () => { const a: Record<string, unknown> = {}; a.self = a; return [{ a }]; }, 'a.self', ErrorCode.JcsInvalid],
    ['a schema violation', () => [{}, { model_context: { model_id: 'm' } }], 'model_context.model_version', ErrorCode.SchemaInvalid],
    ['confidence_score out of [0, 1]', () => [{}, { performance_metrics: { confidence_score: 2 } }], 'performance_metrics.confidence_score'],
    ['an unknown option', () => [{}, { model_verison: '1' }], 'model_verison'],
    ['an event over 1 MiB', () => [{ blob: 'x'.repeat(1024 * 1024) }], 'event', ErrorCode.TooLarge],
    ['a payload that is not an object', () => [[1, 2] as unknown as Record<string, unknown>], 'payload'],
  ];
  it.each(bad)('refuses %s with AegisLogValidationError naming the field; nothing is queued', async (_, make, field, code) => {
    const queue = memoryQueue();
    const log = client({ fetch: () => Promise.reject(new Error('no I/O expected')) }, { queue });
    const [payload, options] = make();
    let error: unknown;
    try {
      log.record('evt', payload, options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AegisLogValidationError);
    expect((error as AegisLogValidationError).field).toBe(field);
    if (code) expect((error as AegisLogValidationError).code).toBe(code);
    await log.durable();
    expect(await queue.count('q')).toBe(0);
    expect(log.stats().queued).toBe(0);
  });

  it.each([['x', 1], ['é', 2], ['😀', 4]])('counts recorded_at, added after the check, against the 1 MiB limit exactly (%s: %i UTF-8 bytes)', (char, size) => {
    const log = client({ fetch: () => Promise.reject(new Error('no I/O expected')) });
    const ids = { event_id: 'e'.repeat(36), trace_id: 't'.repeat(36) };
    const withoutTime = (n: number) => new TextEncoder().encode(canonicalize({ blob: char.repeat(n), tenant_id: TENANT, event_type: 'big', ...ids })).length;
    const recordedAt = ',"recorded_at":"2026-11-28T09:16:52.123Z"'.length;
    // Room is kept for the numbering the queue adds at the write: a client_id of up to 128 characters, a client_seq of up to 16 digits.
    const numbering = ',"client_id":"","client_seq":'.length + 128 + 16;
    const fits = Math.floor((1024 * 1024 - numbering - withoutTime(0) - recordedAt) / size);
    expect(() => log.record('big', { blob: char.repeat(fits + 1) }, ids)).toThrow(expect.objectContaining({ code: ErrorCode.TooLarge, field: 'event' }));
    expect(withoutTime(fits + 1)).toBeLessThan(1024 * 1024 - numbering); // without the re-check it would have passed
    expect(log.record('big', { blob: char.repeat(fits) }, { ...ids, event_id: 'f'.repeat(36) })).toBe('f'.repeat(36));
  });

  it('writes the records of one tick in one store call, before anything is sent', async () => {
    const srv = await inProcessServer();
    const inner = memoryQueue();
    const puts: number[] = [];
    const queue: QueueStore = { ...inner, name: inner.name, shared: false, append: (plan) => inner.append((s) => { const e = plan(s); puts.push(e.length); return e; }) };
    const log = client(srv, { queue, batchSize: 1000 });
    for (let i = 0; i < 50; i++) log.record('tick', { i });
    await log.durable();
    expect(puts).toEqual([50]);
    expect(await inner.count('q')).toBe(50);
    expect(srv.calls).toEqual([]);
    const result = await log.flush();
    expect(result).toMatchObject({ sent: 50, deadLettered: 0, remaining: 0 });
    expect(await inner.count('q')).toBe(0);
    expect((await stored(srv)).length).toBe(50);
  });

  it('stats().queued counts records while the store writes them, and after a write that failed', async () => {
    const inner = memoryQueue();
    const held: Array<() => void> = [];
    let fail = false;
    const queue: QueueStore = {
      ...inner, name: inner.name, shared: false,
      // Each write waits until the test lets it through, as IndexedDB does behind a flush's transaction.
      append: (plan) => new Promise<void>((go) => held.push(go)).then(() => (fail ? Promise.reject(new Error('disk full')) : inner.append(plan))),
    };
    const errors: AegisLogError[] = [];
    const log = client({ fetch: () => Promise.reject(new Error('no I/O expected')) }, { queue, batchSize: 1000, onError: (e) => errors.push(e) });
    log.record('held', { i: 0 });
    await until(() => held.length === 1, 5000, 'the first write to reach the store');
    expect(log.stats().queued, 'one record, in the store\'s hands').toBe(1);
    log.record('held', { i: 1 });
    log.record('held', { i: 2 });
    expect(log.stats().queued, 'one being written, two waiting their turn').toBe(3);
    held.shift()!();
    await until(() => held.length === 1, 5000, 'the second write to reach the store');
    expect(log.stats().queued, 'one written, two being written').toBe(3);
    fail = true;
    held.shift()!();
    // Refused whole, the write is tried as two halves (a store may refuse one value): refused too.
    for (let half = 0; half < 2; half++) {
      await until(() => held.length === 1, 5000, 'a half of the refused write to reach the store');
      expect(log.stats().queued, 'one written, two being written').toBe(3);
      held.shift()!();
    }
    await until(() => errors.length === 1, 5000, 'the failed write to be reported');
    expect(log.stats().queued, 'one written, two pending again').toBe(3);
    fail = false;
    const durable = log.durable();
    await until(() => held.length === 1, 5000, 'the failed records\' new write');
    expect(log.stats().queued).toBe(3);
    held.shift()!();
    await durable;
    expect(log.stats().queued).toBe(3);
    expect(await inner.count('q')).toBe(3);
  });

  it('drops the newest beyond maxQueueSize: counted, reported, never thrown; the queued ones still go', async () => {
    const srv = await inProcessServer();
    const errors: AegisLogError[] = [];
    const log = client(srv, { maxQueueSize: 3, batchSize: 100, onError: (e) => errors.push(e) });
    const ids = Array.from({ length: 5 }, (_, i) => log.record('overflow', { i }));
    expect(log.stats()).toMatchObject({ queued: 3, dropped: 2 });
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.QueueFull, ErrorCode.QueueFull]);
    await log.flush();
    // The flush made room, and the account of the two drops (an aegislog.dropped event) went with it.
    const ids2 = await stored(srv);
    expect(ids2).toHaveLength(4);
    expect(new Set(ids2.slice(0, 3))).toEqual(new Set(ids.slice(0, 3)));
  });
});

describe('delivery', () => {
  it('flushes by itself at batchSize', async () => {
    const srv = await inProcessServer();
    const log = client(srv, { batchSize: 5 });
    for (let i = 0; i < 5; i++) log.record('batch', { i });
    await until(() => log.stats().sent === 5, 5000, 'a size-triggered flush');
    expect(srv.calls).toContain('/ingest/batch');
  });

  it('flushes by itself every flushInterval', async () => {
    const srv = await inProcessServer();
    const log = client(srv, { batchSize: 100, flushInterval: 20 });
    log.record('interval', {});
    await until(() => log.stats().sent === 1, 5000, 'an interval flush');
    expect(srv.calls).toEqual(['/ingest']); // a lone event goes to /ingest
  });

  it('retries 503, 429 with Retry-After, timeouts and network errors with backoff; each event stored once', async () => {
    const srv = await inProcessServer();
    const failures = [
      () => new Response('busy', { status: 503 }),
      () => new Response('{"error":{"code":"rate_limited","message":"slow down"}}', { status: 429, headers: { 'retry-after': '1' } }),
      () => 'network' as const,
      () => new Response('timeout', { status: 408 }),
    ];
    const log = client({ fetch: scripted(srv.fetch, (n) => failures[n]?.()) }, { batchSize: 100 });
    const ids = Array.from({ length: 20 }, (_, i) => log.record('retry', { i }));
    const started = Date.now();
    const result = await log.flush();
    expect(result).toMatchObject({ sent: 20, remaining: 0 });
    // 20 sent again after each of the first three failures; the network error, a failure with no answer after
    // others, halves the batch like a 5xx would (docs/client.md, poison events), so after the 408 only 10 are.
    expect(log.stats()).toMatchObject({ sent: 20, retried: 70, queued: 0, inFlight: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST_RETRY.maxRetryAfter - 5); // Retry-After: 1 s, capped at 30 ms
    expect(countBy(await stored(srv))).toEqual(new Map(ids.map((id) => [id, 1])));
  });

  it('times a request out after `timeout` ms (ERR_TIMEOUT), and tries it again like a network error', async () => {
    const srv = await inProcessServer();
    let hang = true;
    const fetchFn: FetchLike = (url, init) =>
      hang ? new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal!.reason))) : srv.fetch(url, init);
    const errors: AegisLogError[] = [];
    const log = client({ fetch: fetchFn }, { timeout: 20, retry: { ...FAST_RETRY, attempts: 1 }, onError: (e) => errors.push(e) });
    log.record('slow', {});
    const first = await log.flush();
    expect(first.error?.code).toBe(ErrorCode.Timeout);
    expect(log.stats().retried).toBe(1);
    hang = false;
    expect(await log.flush()).toMatchObject({ sent: 1, remaining: 0 });
  });

  it('gives up a flush after the retry budget, keeps the events queued, and sends them later', async () => {
    const srv = await inProcessServer();
    let down = true;
    const errors: AegisLogError[] = [];
    const log = client({ fetch: scripted(srv.fetch, () => (down ? 'network' : undefined)) }, { retry: { ...FAST_RETRY, attempts: 2 }, onError: (e) => errors.push(e) });
    log.record('later', {});
    const first = await log.flush();
    expect(first.sent).toBe(0);
    expect(first.remaining).toBe(1);
    expect(first.error).toBeInstanceOf(AegisLogHttpError);
    expect(first.error!.code).toBe(ErrorCode.Network);
    expect(errors.at(-1)?.code).toBe(ErrorCode.Network);
    down = false;
    expect(await log.flush()).toMatchObject({ sent: 1, remaining: 0 });
  });

  it('splits a batch on 413 until it fits', async () => {
    const srv = await inProcessServer();
    const sizes: number[] = [];
    const fetchFn = scripted(srv.fetch, (_, url, body) => {
      const n = url.endsWith('/batch') ? JSON.parse(body).events.length : 1;
      sizes.push(n);
      return n > 3 ? new Response('{"error":{"code":"too_large","message":"too large"}}', { status: 413 }) : undefined;
    });
    const log = client({ fetch: fetchFn }, { batchSize: 100 });
    const ids = Array.from({ length: 10 }, (_, i) => log.record('split', { i }));
    expect(await log.flush()).toMatchObject({ sent: 10, deadLettered: 0 });
    expect(sizes[0]).toBe(10);
    // Every accepted request held at most 3 events, and together they held each event once.
    expect(sizes.filter((n) => n <= 3).reduce((a, b) => a + b)).toBe(10);
    expect(countBy(await stored(srv))).toEqual(new Map(ids.map((id) => [id, 1])));
  });

  it("dead-letters events the server refuses in a batch (409), with the server's error, and delivers the rest", async () => {
    const srv = await inProcessServer();
    const errors: [AegisLogError, string[] | undefined][] = [];
    const queue = memoryQueue();
    const log = client(srv, { queue, batchSize: 100, onError: (e, ids) => errors.push([e, ids]) });
    await log.recordSync('original', { v: 1 }, { event_id: 'fixed-id-1' });
    const good = [log.record('good', { i: 1 }), log.record('clash', { v: 2 }, { event_id: 'fixed-id-1' }), log.record('good', { i: 2 })];
    expect(await log.flush()).toMatchObject({ sent: 2, deadLettered: 1, remaining: 0 });
    expect(log.stats().deadLettered).toBe(1);
    const dead = await deadLetters(queue);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.event_id).toBe('fixed-id-1');
    expect(dead[0]!.error?.code).toBeTruthy();
    expect(JSON.parse(dead[0]!.body).v).toBe(2);
    expect(errors.find(([, ids]) => ids?.includes('fixed-id-1'))).toBeTruthy();
    expect(new Set(await stored(srv))).toEqual(new Set(['fixed-id-1', good[0], good[2]]));
  });

  it('bisects a batch answered 400 down to the poison event, which alone goes to the dead letters', async () => {
    const srv = await inProcessServer();
    const fetchFn = scripted(srv.fetch, (_, __, body) =>
      body.includes('"poison"') ? new Response('{"error":{"code":"bad_request","message":"no"}}', { status: 400 }) : undefined);
    const queue = memoryQueue();
    const log = client({ fetch: fetchFn }, { queue, batchSize: 100 });
    const ids = Array.from({ length: 9 }, (_, i) => log.record(i === 4 ? 'poison' : 'fine', { i }));
    expect(await log.flush()).toMatchObject({ sent: 8, deadLettered: 1, remaining: 0 });
    expect((await deadLetters(queue)).map((e) => e.event_id)).toEqual([ids[4]]);
    expect(new Set(await stored(srv))).toEqual(new Set(ids.filter((_, i) => i !== 4)));
  });

  it('dead-letters on other 4xx (a wrong key) without retrying, and requeueDeadLetters sends them once fixed', async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    const wrong = client(srv, { queue, apiKey: 'not-a-key' });
    const ids = [wrong.record('a', {}), wrong.record('b', {})];
    expect(await wrong.flush()).toMatchObject({ sent: 0, deadLettered: 2 });
    expect(wrong.stats().retried).toBe(0);
    const dead = await deadLetters(queue);
    expect(dead.map((e) => e.error?.status)).toEqual([401, 401]);
    expect(await requeueDeadLetters(queue)).toBe(2);
    const right = client(srv, { queue });
    expect(await right.flush()).toMatchObject({ sent: 2, remaining: 0 });
    expect(new Set(await stored(srv))).toEqual(new Set(ids));
  });

  it('checks every batch receipt against the digest of what was sent', async () => {
    const srv = await inProcessServer();
    const fetchFn: FetchLike = async (url, init) => {
      const response = await srv.fetch(url, init);
      if (!url.endsWith('/ingest/batch')) return response;
      const answer = await response.json();
      answer.receipts[1].digest_b64url = 'A'.repeat(43); // a receipt about other bytes
      return new Response(JSON.stringify(answer), { status: 200 });
    };
    const errors: AegisLogError[] = [];
    const queue = memoryQueue();
    const log = client({ fetch: fetchFn }, { queue, batchSize: 100, onError: (e) => errors.push(e) });
    const ids = [log.record('a', {}), log.record('b', {}), log.record('c', {})];
    expect(await log.flush()).toMatchObject({ sent: 2, deadLettered: 1 });
    expect((await deadLetters(queue)).map((e) => [e.event_id, e.error?.code, e.error?.field])).toEqual([[ids[1], ErrorCode.ReceiptMismatch, 'digest_b64url']]);
    expect(errors.some((e) => e.code === ErrorCode.ReceiptMismatch)).toBe(true);
  });

  it('sends again events whose receipt is missing from an answer; the server answers the duplicate with the original receipt', async () => {
    const srv = await inProcessServer();
    let first = true;
    const receipts: { event_id: string; duplicate?: true }[] = [];
    const fetchFn: FetchLike = async (url, init) => {
      const response = await srv.fetch(url, init);
      if (!first || !url.endsWith('/batch')) return response;
      first = false;
      const answer = await response.json();
      answer.receipts.pop();
      return new Response(JSON.stringify(answer), { status: 200 });
    };
    const log = client({ fetch: fetchFn }, { batchSize: 100, onReceipt: (r) => receipts.push(r) });
    const ids = [log.record('a', {}), log.record('b', {}), log.record('c', {})];
    expect(await log.flush()).toMatchObject({ sent: 3, remaining: 0 });
    expect(receipts.find((r) => r.event_id === ids[2])?.duplicate).toBe(true);
    expect(countBy(await stored(srv))).toEqual(new Map(ids.map((id) => [id, 1])));
  });

  it('close() flushes, then record() throws ERR_CLOSED; Symbol.asyncDispose closes', async () => {
    const srv = await inProcessServer();
    const log = client(srv, { batchSize: 100 });
    const id = log.record('last', {});
    expect(await log.close()).toMatchObject({ sent: 1 });
    expect(() => log.record('after', {})).toThrow(expect.objectContaining({ code: ErrorCode.Closed }));
    // recordSync too: a closed client sends nothing (found in review, 2026-12-04: it sent the event).
    await expect(log.recordSync('after', {})).rejects.toMatchObject({ code: ErrorCode.Closed });
    expect(await stored(srv)).toEqual([id]);
    const other = client(srv, { batchSize: 100 });
    const second = other.record('disposed', {});
    await other[Symbol.asyncDispose]();
    expect(await stored(srv)).toContain(second);
  });

  it('works on a KV store (a Map-backed fake standing for Cloudflare KV; real workerd runs in the edge suite)', async () => {
    const srv = await inProcessServer();
    const kv = fakeKV();
    const log = client(srv, { queue: kvQueue(kv), batchSize: 100 });
    const ids = [log.record('kv', { i: 1 }), log.record('kv', { i: 2 })];
    await log.durable();
    expect([...kv.map.keys()].filter((k) => k.startsWith('aegislog:q'))).toHaveLength(2);
    expect(await log.flush()).toMatchObject({ sent: 2, remaining: 0 });
    expect(kv.map.size).toBe(0);
    expect(new Set(await stored(srv))).toEqual(new Set(ids));
  });
});

describe('recordSync()', () => {
  it('returns the receipt, whose digest is the one computed locally', async () => {
    const srv = await inProcessServer();
    const log = client(srv);
    const receipt = await log.recordSync('critical_decision', { outcome: 'approved' }, { event_id: 'decision-1' });
    expect(receipt).toMatchObject({ ok: true, event_id: 'decision-1', tenant_id: TENANT, signing_alg: 'ECDSA_SHA_256' });
    const response = await srv.fetch(`${ENDPOINT}/evidence/decision-1?tenant_id=${TENANT}`, { headers: { 'x-api-key': READ_KEY } });
    const { event } = await response.json();
    expect(receipt.digest_b64url).toBe(b64uEncodeForTest(eventDigest(event)));
  });

  it.each([
    ['digest_b64url', 'A'.repeat(43)],
    ['event_id', 'someone-else'],
    ['tenant_id', 'other-tenant'],
  ])('rejects a receipt whose %s differs from the event sent', async (field, value) => {
    const srv = await inProcessServer();
    const fetchFn: FetchLike = async (url, init) => {
      const receipt = await (await srv.fetch(url, init)).json();
      return new Response(JSON.stringify({ ...receipt, [field]: value }), { status: 200 });
    };
    const log = client({ fetch: fetchFn });
    await expect(log.recordSync('x', {})).rejects.toMatchObject({ code: ErrorCode.ReceiptMismatch, field });
  });

  it('with publicKeys, checks the receipt signature through aegislog/verify', async () => {
    const srv = await inProcessServer();
    const log = client(srv, { publicKeys: await srv.publicJwk() });
    await expect(log.recordSync('signed', {})).resolves.toMatchObject({ ok: true });
    const stranger = (await inProcessServer()).publicJwk();
    const wary = client(srv, { publicKeys: await stranger });
    await expect(wary.recordSync('signed', {})).rejects.toMatchObject({ code: ErrorCode.ReceiptMismatch, field: 'signature_b64url' });
  });

  it('throws the server refusal as AegisLogHttpError, and bad input as AegisLogValidationError', async () => {
    const srv = await inProcessServer();
    const log = client(srv);
    await log.recordSync('first', { a: 1 }, { event_id: 'same' });
    await expect(log.recordSync('second', { a: 2 }, { event_id: 'same' })).rejects.toMatchObject({ status: 409 });
    await expect(log.recordSync('bad', { score: NaN })).rejects.toBeInstanceOf(AegisLogValidationError);
  });
});

describe('verify()', () => {
  it("returns the server's answer; an unknown id is not_found, not a throw; with publicKeys it checks the evidence here", async () => {
    const srv = await inProcessServer();
    const log = client(srv, { apiKey: READ_KEY, publicKeys: [await srv.publicJwk()] });
    const receipt = await log.recordSync('verified', { model: 'm' }, { model_context: { model_id: 'm', model_version: '1' } });
    const result = await log.verify(receipt.event_id);
    expect(['verified', 'pending']).toContain(result.status);
    expect(result.cryptographic_proof?.digest_b64url).toBe(receipt.digest_b64url);
    expect(result.local?.ok).toBe(true);
    expect(result.local?.checks.digest?.ok).toBe(true);
    expect(result.local?.checks.receipt_signature?.ok).toBe(true);
    expect(await log.verify('no-such-event')).toEqual({ status: 'not_found', event_id: 'no-such-event' });
  });
});

describe('policyHash()', () => {
  it('is sha256:<hex> of text (UTF-8), bytes, ArrayBuffer and Blob', async () => {
    const abc = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await policyHash('abc')).toBe(abc);
    expect(await policyHash(new TextEncoder().encode('abc'))).toBe(abc);
    expect(await policyHash(new TextEncoder().encode('abc').buffer)).toBe(abc);
    expect(await policyHash(new Blob(['abc']))).toBe(abc);
    expect(await policyHash('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  // Found in review (2026-12-07): WebCrypto's raw TypeError ("2nd argument is not instance of ArrayBuffer…").
  it.each([
    ['a policy given as an object', { rules: ['no medical advice'] }],
    ['a file read that gave nothing', undefined],
    ['a number', 42],
  ])('refuses %s with AegisLogValidationError naming data, not a TypeError', async (_why, data) => {
    await expect(policyHash(data as never)).rejects.toMatchObject({ name: 'AegisLogValidationError', code: 'ERR_SCHEMA_INVALID', field: 'data', message: expect.stringMatching(/^data must be /) });
  });
});
