/**
 * The client as a browser page uses it (no key) -> the relay -> the reference
 * server, all Web-standard handlers wired in-process, run in Node and in the
 * edge-runtime environment (Vercel Edge's globals). The queue is the KV store
 * on a Redis-like object of the @upstash/redis / @vercel/kv shape, backed by a
 * Map: no Redis service runs here (the Next.js example test drives the real
 * @upstash/redis client against a REST stand-in).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AegisLog, kvQueue, type RedisLike } from '../../src/index.js';
import { createRelay } from '../../src/edge/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

const APP = 'https://app.example.com';
const READ_KEY = 'sk_read_client_relay_tests';

/** A Map with the Redis commands the KV queue uses; SCAN pages through sorted keys, glob `prefix*` only. */
function mapRedis(): RedisLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (key) => data.get(key) ?? null,
    set: async (key, value) => void data.set(key, value),
    del: async (...keys) => keys.filter((k) => data.delete(k)).length,
    async scan(cursor, { match, count = 10 }) {
      const prefix = match.replace(/\*$/, '').replace(/\\(.)/g, '$1');
      const keys = [...data.keys()].sort();
      const start = Number(cursor);
      const next = start + count >= keys.length ? 0 : start + count;
      return [next, keys.slice(start, start + count).filter((k) => k.startsWith(prefix))];
    },
  };
}

async function setup() {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'relay.test.example/log', keys: [{ key: READ_KEY, tenant_id: 'acme', scope: 'read' }], onError: () => {} });
  await server.ready;
  let apiDown = false;
  const upstreamKeys: (string | null)[] = [];
  const relay = createRelay({
    endpoint: 'https://api.internal',
    apiKey: READ_KEY,
    allowedOrigins: [APP],
    fetch: async (input, init) => {
      if (apiDown) throw new TypeError('fetch failed');
      const request = new Request(input, init);
      upstreamKeys.push(request.headers.get('x-api-key'));
      return server(request);
    },
  });
  const browserKeys: (string | null)[] = [];
  // What the browser's fetch does on this page: the Origin header, the relay on the app's origin.
  const pageFetch = async (input: string, init: RequestInit) => {
    const request = new Request(input, init);
    request.headers.set('origin', APP);
    browserKeys.push(request.headers.get('x-api-key'));
    return relay(request);
  };
  const redis = mapRedis();
  const log = new AegisLog({
    endpoint: `${APP}/aegislog`,
    tenantId: 'acme',
    fetch: pageFetch,
    queue: kvQueue(redis),
    flushInterval: 0,
    beacon: false,
    fetchLater: false,
    locks: false,
    onError: () => {},
    retry: { attempts: 1, baseDelay: 1 },
  });
  const evidence = async (id: string) => {
    const res = await server(new Request(`https://api.internal/evidence/${id}?tenant_id=acme`, { headers: { 'x-api-key': READ_KEY } }));
    return res.status === 200 ? ((await res.json()) as { event: Record<string, unknown> }) : undefined;
  };
  return { log, redis, evidence, upstreamKeys, browserKeys, setDown: (down: boolean) => void (apiDown = down) };
}

describe('client (no key) -> relay -> reference server', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
  });

  it('record() and flush(): every event stored; the browser sent no key, the relay added its own', async () => {
    const ids = [1, 2, 3].map((n) => s.log.record('model_inference', { n }, { model_context: { model_id: 'm', model_version: '1' } }));
    const result = await s.log.flush();
    expect(result).toMatchObject({ sent: 3, remaining: 0, deadLettered: 0 });
    for (const id of ids) expect((await s.evidence(id))?.event).toMatchObject({ event_id: id, tenant_id: 'acme' });
    expect(s.browserKeys.every((k) => k === null)).toBe(true);
    expect(s.upstreamKeys.length).toBeGreaterThan(0);
    expect(s.upstreamKeys.every((k) => k === READ_KEY)).toBe(true);
    expect(s.redis.data.size).toBe(0);
  });

  it('recordSync() through the relay: the receipt comes back and matches the digest the client computed', async () => {
    const receipt = await s.log.recordSync('credit_decision', { outcome: 'approved' });
    expect(receipt).toMatchObject({ ok: true, tenant_id: 'acme' });
    expect((await s.evidence(receipt.event_id))?.event.outcome).toBe('approved');
  });

  it('the API down: the relay answers 502, the events stay in the Redis queue, a later flush delivers them', async () => {
    s.setDown(true);
    const id = s.log.record('model_inference', { attempt: 1 });
    const failed = await s.log.flush();
    expect(failed.remaining).toBe(1);
    expect(failed.error).toBeDefined();
    expect([...s.redis.data.keys()].some((k) => k.endsWith(id))).toBe(true);
    s.setDown(false);
    expect(await s.log.flush()).toMatchObject({ sent: 1, remaining: 0 });
    expect((await s.evidence(id))?.event.event_id).toBe(id);
    expect(s.redis.data.size).toBe(0);
  });
});
