import type { QueueEntry, QueueStore } from './types.js';

/** Cloudflare Workers KV (`KVNamespace`): list gives names, values need a get each. */
export interface KVNamespaceLike {
  get(key: string): Promise<unknown>;
  put(key: string, value: string): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  list(options: { prefix: string; limit?: number; cursor?: string; startAfter?: string }): Promise<
    { keys: { name: string }[]; list_complete?: boolean; cursor?: string } | Map<string, unknown>
  >;
}

/** Redis-like clients: @upstash/redis, @vercel/kv. */
export interface RedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  scan(cursor: string | number, options: { match: string; count?: number }): Promise<[string | number, string[]]>;
}

export interface KVQueueOptions {
  /** Key prefix, so that one namespace can hold several queues. Default `aegislog:`. */
  prefix?: string;
}

/**
 * One key per event in a key-value store: Cloudflare KV, Durable Object
 * storage (same get/put/delete/list shape; `list` returns a Map with the
 * values) or a Redis-like client. Workers KV is eventually consistent: a list
 * may miss a fresh key (it is sent by a later flush) or show a deleted one
 * (its get is null and it is skipped, or it is sent again and the server,
 * which dedupes by event_id, answers with the original receipt).
 */
export function kvQueue(kv: KVNamespaceLike | RedisLike, options: KVQueueOptions = {}): QueueStore {
  const base = options.prefix ?? 'aegislog:';
  const ops = 'scan' in kv ? redisOps(kv) : kvOps(kv);
  return {
    name: `kv:${base}`,
    // Writers in other isolates never take the browser's flush lock; the server dedupes instead.
    shared: false,
    async put(entries) {
      await Promise.all(entries.map((e) => ops.put(base + e.key, JSON.stringify(e))));
    },
    async list(prefix, limit) {
      const found = await ops.list(base + prefix, limit);
      const entries = await Promise.all(found.map(async ([key, value]) => parse(value === undefined ? await ops.get(key) : value)));
      return entries.filter((e): e is QueueEntry => e !== undefined);
    },
    async delete(keys) {
      await ops.delete(keys.map((k) => base + k));
    },
    async count(prefix) {
      return (await ops.list(base + prefix, Infinity)).length;
    },
  };
}

interface Ops {
  get(key: string): Promise<unknown>;
  put(key: string, text: string): Promise<unknown>;
  delete(keys: string[]): Promise<unknown>;
  /** Keys in order, with the value when the listing already carries it. */
  list(prefix: string, limit: number): Promise<[string, unknown][]>;
}

function kvOps(kv: KVNamespaceLike): Ops {
  return {
    get: (key) => kv.get(key),
    put: (key, text) => kv.put(key, text),
    delete: (keys) => Promise.all(keys.map((k) => kv.delete(k))),
    async list(prefix, limit) {
      const out: [string, unknown][] = [];
      // KV pages with a cursor (at most 1000 names a page); Durable Object storage answers a Map
      // with the values, and pages with startAfter.
      for (let cursor: string | undefined, startAfter: string | undefined, more = true; more && out.length < limit; ) {
        const pageSize = Math.min(1000, limit - out.length);
        const page = await kv.list({ prefix, limit: pageSize, ...(cursor && { cursor }), ...(startAfter && { startAfter }) });
        if (page instanceof Map) {
          for (const entry of page) out.push(entry);
          startAfter = out.at(-1)?.[0];
          more = page.size === pageSize;
        } else {
          for (const { name } of page.keys) out.push([name, undefined]);
          cursor = page.cursor;
          more = page.list_complete === false;
        }
      }
      return out;
    },
  };
}

function redisOps(redis: RedisLike): Ops {
  return {
    get: (key) => redis.get(key),
    put: (key, text) => redis.set(key, text),
    delete: (keys) => (keys.length ? redis.del(...keys) : Promise.resolve()),
    async list(prefix, limit) {
      // SCAN has no order and may repeat keys: collect, dedupe, sort. A queue is bounded (maxQueueSize), so this is too.
      const keys = new Set<string>();
      let cursor: string | number = 0;
      do {
        const [next, page]: [string | number, string[]] = await redis.scan(cursor, { match: `${escapeGlob(prefix)}*`, count: 1000 });
        for (const key of page) keys.add(key);
        cursor = next;
      } while (String(cursor) !== '0');
      return [...keys].sort().slice(0, limit).map((k): [string, unknown] => [k, undefined]);
    },
  };
}

/** Values come back as text (KV), as stored (Durable Objects), or already parsed (Upstash's automatic deserialisation). */
function parse(value: unknown): QueueEntry | undefined {
  if (value === null || value === undefined) return undefined;
  const entry = typeof value === 'string' ? (JSON.parse(value) as QueueEntry) : (value as QueueEntry);
  return typeof entry.key === 'string' && typeof entry.body === 'string' ? entry : undefined;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
