// Fakes for platforms that cannot run here. Each says what it stands for; the real ones are tested
// in issue 6 (workerd through miniflare) and issue 5 (Chromium).
import type { KVNamespaceLike, RedisLike } from '../../src/index.js';

/** A Map standing for a Cloudflare Workers KV namespace: string values, list by prefix in key order, pages of `limit`. */
export function fakeKV(): KVNamespaceLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    async get(key) {
      return map.get(key) ?? null;
    },
    async put(key, value) {
      map.set(key, value);
    },
    async delete(key) {
      map.delete(key);
    },
    async list({ prefix, limit = 1000, cursor }) {
      const keys = [...map.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = cursor ? Number(cursor) : 0;
      const page = keys.slice(start, start + limit);
      const done = start + limit >= keys.length;
      return { keys: page.map((name) => ({ name })), list_complete: done, ...(done ? {} : { cursor: String(start + limit) }) };
    },
  };
}

/**
 * A Map standing for Durable Object storage: `list` answers a Map of key → value in key order, and
 * `transaction()` runs its closure one at a time (workerd serialises an object's transactions; the
 * real storage runs in the edge suite).
 */
export function fakeDurableObjectStorage(): KVNamespaceLike & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    map,
    transaction(closure) {
      const run = queue.then(() => closure(this));
      queue = run.catch(() => {});
      return run;
    },
    async get(key) {
      return map.get(key);
    },
    async put(key, value) {
      map.set(key, value);
    },
    async delete(key) {
      return map.delete(key);
    },
    async list({ prefix, limit, startAfter }) {
      const keys = [...map.keys()].filter((k) => k.startsWith(prefix) && (!startAfter || k > startAfter)).sort().slice(0, limit ?? Infinity);
      return new Map(keys.map((k) => [k, map.get(k)]));
    },
  };
}

/**
 * A Map standing for a Redis-like client (@upstash/redis, @vercel/kv): `get` deserialises JSON as
 * Upstash does by default, and SCAN returns keys out of order, in small pages, with a repeat.
 */
export function fakeRedis(): RedisLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    async get(key) {
      const text = map.get(key);
      return text === undefined ? null : JSON.parse(text);
    },
    async set(key, value) {
      map.set(key, value);
      return 'OK';
    },
    async del(...keys) {
      let n = 0;
      for (const key of keys) if (map.delete(key)) n++;
      return n;
    },
    async scan(cursor, { match, count = 10 }) {
      const prefix = match.replace(/\*$/, '').replace(/\\(.)/g, '$1');
      const keys = [...map.keys()].filter((k) => k.startsWith(prefix)).reverse();
      const start = Number(cursor);
      const page = keys.slice(start, start + Math.min(count, 3));
      if (start > 0 && keys[start - 1]) page.push(keys[start - 1]!); // SCAN may return a key twice
      const next = start + Math.min(count, 3);
      return [next >= keys.length ? '0' : String(next), page];
    },
  };
}
