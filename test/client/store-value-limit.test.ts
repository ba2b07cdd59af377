// A queue store that refuses one value: an event under record()'s 1 MiB but over the store's limit on a value
// (Upstash's 1 MB request, a KV-backed Durable Object's 128 KiB). The client wrote each tick's records in one
// append, and a refused append was tried again whole at the next write, so the records after such an event waited
// behind it for ever, and close() dropped them all with it: events lost though the store took them gladly.
// The store here is kvQueue over the Map-backed Redis-like fake (fakes.ts), which refuses a value over 1 MB as
// Upstash's free plan does (no Redis runs here); the server is the reference server in-process.
import { afterEach, expect, it } from 'vitest';
import { AegisLog, kvQueue, type AegisLogError } from '../../src/index.js';
import { fakeRedis } from './fakes.js';
import { FAST_RETRY, INGEST_KEY, READ_KEY, TENANT, inProcessServer, storedIds, type InProcess } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';
const LIMIT = 1_000_000;
const open: AegisLog[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
});

/** Redis that refuses a value over LIMIT bytes, and fails every write while `down` is set. */
function limitedRedis() {
  const redis = fakeRedis();
  const set = redis.set.bind(redis);
  const state = { down: false, sets: 0 };
  redis.set = async (key, value) => {
    state.sets++;
    if (state.down) throw new Error('connection refused');
    if (new TextEncoder().encode(value).length > LIMIT) throw new Error('ERR max request size exceeded');
    return set(key, value);
  };
  return Object.assign(redis, { state });
}

function client(srv: InProcess, redis: ReturnType<typeof limitedRedis>, errors: [AegisLogError, string[] | undefined][]) {
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, flushInterval: 0, batchSize: 1e9, retry: FAST_RETRY,
    fetch: srv.fetch, queue: kvQueue(redis), onError: (error, ids) => errors.push([error, ids]),
  });
  open.push(log);
  return log;
}

// 300,000 quotes: 600 KB as an event (under record()'s 1 MiB), 1.2 MB once queued (each `"` escaped in the
// event's JSON, and that JSON a string inside the entry's).
const oversized = () => ({ text: '"'.repeat(300_000) });
/** The events the server stored, by type. */
async function storedTypes(srv: InProcess): Promise<string[]> {
  const response = await srv.fetch(`${ENDPOINT}/export?tenant_id=${TENANT}&events=true`, { headers: { 'x-api-key': READ_KEY } });
  return (await response.text()).split('\n').filter(Boolean).slice(1).map((line) => JSON.parse(line).event?.event_type).filter(Boolean);
}

it('an event the store refuses holds back none recorded with it or after it, and is dropped and told at close()', async () => {
  const srv = await inProcessServer();
  const redis = limitedRedis();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const log = client(srv, redis, errors);
  const before = log.record('before', {});
  const big = log.record('big', oversized());
  const after = [log.record('after', { i: 1 }), log.record('after', { i: 2 })];

  const result = await log.close();
  expect((await storedIds(srv.fetch, ENDPOINT)).sort()).toEqual([before, ...after].sort());
  // Told: each failed write named the refused event alone, and close() dropped it (counted, with its id).
  expect(errors.length).toBeGreaterThan(0);
  for (const [error, ids] of errors) {
    expect(error.code).toBe('ERR_QUEUE_STORE');
    expect(ids).toEqual([big]);
  }
  expect(result.error?.message).toMatch(/event .* dropped/);
  expect(log.stats()).toMatchObject({ queued: 0, dropped: 1, sent: 3 });
});

it('a client that lives on drops the refused event once the store refused it twice alone, and an aegislog.dropped event tells its number', async () => {
  const srv = await inProcessServer();
  const redis = limitedRedis();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const log = client(srv, redis, errors);
  const first = [log.record('a', {}), log.record('big', oversized()), log.record('b', {})];
  await log.durable().catch(() => {}); // written but the big one
  expect(log.stats()).toMatchObject({ queued: 3, dropped: 0 });
  const second = log.record('c', {});
  await expect(log.durable(), 'the big one is refused alone again, and dropped').resolves.toBeUndefined();
  expect(log.stats()).toMatchObject({ dropped: 1 });
  const result = await log.flush();
  expect(result).toMatchObject({ remaining: 0 });
  expect(result.error).toBeUndefined();
  const stored = await storedIds(srv.fetch, ENDPOINT);
  expect(stored).toEqual(expect.arrayContaining([first[0], first[2], second]));
  expect(stored).not.toContain(first[1]);
  const types = await storedTypes(srv);
  expect(types.filter((t) => t === 'aegislog.dropped')).toHaveLength(1);
  expect(errors.at(-1)![0].message).toMatch(/refused alone twice by the queue store: event .* dropped/);
});

it('while the store takes nothing, nothing is dropped before close(), and a write tries the store at most three times', async () => {
  const srv = await inProcessServer();
  const redis = limitedRedis();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const log = client(srv, redis, errors);
  redis.state.down = true;
  const ids = [log.record('a', {}), log.record('b', {}), log.record('c', {}), log.record('d', {})];
  await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });
  expect(errors).toHaveLength(1);
  expect(errors[0]![1]).toEqual(ids);
  // The whole, then its two halves: both refused, so the store is down, not one of its values too large.
  expect(redis.state.sets).toBeLessThanOrEqual(3 * ids.length);
  await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });
  expect(log.stats()).toMatchObject({ queued: 4, dropped: 0 });
  redis.state.down = false;
  const result = await log.close();
  expect(result).toMatchObject({ sent: 4, remaining: 0 });
  expect((await storedIds(srv.fetch, ENDPOINT)).sort()).toEqual([...ids].sort());
});
