import { AegisLogError } from '../protocol/errors.js';
import { DEAD, QUEUED, freshState, type QueueEntry, type QueueState, type QueueStore } from './types.js';

/**
 * Cloudflare Workers KV (`KVNamespace`): list gives names, values need a get each. Durable Object
 * storage (`state.storage`) has the same shape, answers `list` with a Map of the values, and has
 * `transaction()`, by which the queue knows it.
 */
export interface KVNamespaceLike {
  get(key: string): Promise<unknown>;
  put(key: string, value: string): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  list(options: { prefix: string; limit?: number; cursor?: string; startAfter?: string }): Promise<
    { keys: { name: string }[]; list_complete?: boolean; cursor?: string } | Map<string, unknown>
  >;
  /** Durable Object storage only: runs `closure` as one transaction. */
  transaction?<T>(closure: (txn: KVNamespaceLike) => Promise<T>): Promise<T>;
}

/**
 * Redis-like clients: @upstash/redis, @vercel/kv. With `sadd`, `srem` and `smembers` (both have them) the queue
 * keeps its keys in a set of its own (`<prefix>!index`) and lists that; without, it lists by SCAN, which walks
 * every key of the database (MATCH filters what each call read), other apps' keys included.
 */
export interface RedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  scan(cursor: string | number, options: { match: string; count?: number }): Promise<[string | number, string[]]>;
  sadd?(key: string, member: string, ...members: string[]): Promise<unknown>;
  srem?(key: string, ...members: string[]): Promise<unknown>;
  smembers?(key: string): Promise<unknown[]>;
}

export interface KVQueueOptions {
  /** Key prefix, so that one namespace can hold several queues. Default `aegislog:`. */
  prefix?: string;
}

/** Where the state lives for stores without transactions: per namespace object and prefix, for this isolate's life. */
interface Numbering {
  state: Omit<QueueState, 'size'>;
  /** Appends of one isolate run one at a time, so that two never take the same numbers. */
  lock: Promise<unknown>;
}
const numberings = new WeakMap<object, Map<string, Numbering>>();

/**
 * One key per event in a key-value store: Cloudflare KV, Durable Object
 * storage (same get/put/delete/list shape; `list` returns a Map with the
 * values) or a Redis-like client. Workers KV is eventually consistent: a list
 * may miss a fresh key (it is sent by a later flush) or show a deleted one
 * (its get is null and it is skipped, or it is sent again and the server,
 * which dedupes by event_id, answers with the original receipt).
 *
 * `maxQueueSize` holds for the whole queue, whatever client or isolate writes
 * it, because `append()` tells the client the queue's size:
 * - **Durable Object storage**: the state (`client_id`, the next `client_seq`,
 *   the size, drops not yet told) is a key of its own, read and written with
 *   the events in one `transaction()`: exact, and one sequence per store.
 * - **Workers KV and Redis** have no transactions, and KV takes one write a
 *   second per key, so no counter can live there: the size is counted by a
 *   listing at each append (one KV list operation per 1,000 queued events, as
 *   stale as KV's listings: appends from other isolates in the last seconds may
 *   be missing, so the bound can be overshot by what they wrote meanwhile), and
 *   the numbering lives in this isolate, one `client_id` per namespace and
 *   prefix for the isolate's life. Use Durable Object storage where the bound
 *   or one sequence per queue matters.
 */
export function kvQueue(kv: KVNamespaceLike | RedisLike, options: KVQueueOptions = {}): QueueStore {
  // A Worker's binding left out of wrangler.json (or named otherwise) is undefined: say so, not a TypeError.
  if (typeof kv !== 'object' || kv === null) {
    throw new AegisLogError('ERR_CONFIG', `store must be a KV namespace, Durable Object storage or a Redis-like client, got ${kv === null ? 'null' : typeof kv} (is its binding configured?)`, { field: 'store' });
  }
  const base = options.prefix ?? 'aegislog:';
  const opsOf = (target: KVNamespaceLike | RedisLike): Ops => ('scan' in target ? redisOps(target, base) : kvOps(target));
  const ops = opsOf(kv);
  const transaction = 'scan' in kv ? undefined : kv.transaction?.bind(kv);
  const putAll = (o: Ops, entries: readonly QueueEntry[]) => Promise.all(entries.map((e) => o.put(base + e.key, JSON.stringify(e))));
  /**
   * The writes of an append without a transaction: when one fails, those that landed are deleted again, since
   * the next plan reuses their numbers (and its aegislog.dropped event has a new key): a copy left behind
   * would carry a number twice, and take room in the queue. Best effort: the delete may fail too.
   */
  const putAllOrNone = async (entries: readonly QueueEntry[]) => {
    const results = await Promise.allSettled(entries.map((e) => ops.put(base + e.key, JSON.stringify(e))));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return;
    try {
      await ops.delete(entries.filter((_, i) => results[i]!.status === 'fulfilled').map((e) => base + e.key));
    } catch {
      // The append's own failure is what the caller needs to hear.
    }
    throw failure.reason;
  };
  const countQueued = async (o: Ops) => (await o.list(base + QUEUED, Infinity)).length;
  const stateKey = `${base}!state`;

  /** Durable Object storage: the state, adjusted by `change`, in the caller's transaction. */
  const adjust = async (o: Ops, change: (state: QueueState) => void) => {
    const text = await o.get(stateKey);
    if (text === null || text === undefined) return;
    const state = JSON.parse(String(text)) as QueueState;
    change(state);
    await o.put(stateKey, JSON.stringify(state));
  };

  /** Durable Object storage: deletes `keys` in the caller's transaction; how many were queued events that existed. */
  const removeCounted = async (o: Ops, keys: readonly string[]) => {
    if (!keys.length) return 0;
    const existed = await o.delete(keys.map((k) => base + k));
    return keys.filter((k, i) => existed[i] === true && k.startsWith(QUEUED)).length;
  };

  let numbering = numberings.get(kv)?.get(base);
  if (!transaction && !numbering) {
    numbering = { state: { client_id: '', next_seq: 1 }, lock: Promise.resolve() };
    if (!numberings.has(kv)) numberings.set(kv, new Map());
    numberings.get(kv)!.set(base, numbering);
  }

  return {
    name: `kv:${base}`,
    // Writers in other isolates never take the browser's flush lock; the server dedupes instead.
    shared: false,
    append(plan) {
      if (transaction) {
        return transaction(async (txn) => {
          const o = opsOf(txn);
          const text = await o.get(stateKey);
          const state = text === null || text === undefined ? freshState(await countQueued(o)) : (JSON.parse(String(text)) as QueueState);
          const entries = plan(state);
          state.size += entries.length;
          await Promise.all([putAll(o, entries), o.put(stateKey, JSON.stringify(state))]);
          return state;
        });
      }
      const n = numbering!;
      const run = n.lock.then(async () => {
        const state: QueueState = { ...n.state, size: await countQueued(ops) };
        if (n.state.dropped) state.dropped = { ...n.state.dropped };
        const entries = plan(state);
        await putAllOrNone(entries);
        // Taken only once written: a failed append is planned again with the same numbers.
        n.state = { client_id: state.client_id, next_seq: state.next_seq, ...(state.dropped && { dropped: state.dropped }) };
        state.size += entries.length;
        return state;
      });
      n.lock = run.catch(() => {});
      return run;
    },
    async put(entries, replacing = []) {
      if (!transaction) {
        // No transactions: a crash between the two steps leaves a copy (the server dedupes), never a loss.
        await putAll(ops, entries);
        if (replacing.length) await ops.delete(replacing.map((k) => base + k));
        return;
      }
      await transaction(async (txn) => {
        const o = opsOf(txn);
        const gone = await removeCounted(o, replacing);
        // Requeued events grow the queue, unless a copy is there already (a crash between requeue's two steps).
        const queued = entries.filter((e) => e.key.startsWith(QUEUED));
        const fresh = (await Promise.all(queued.map((e) => o.get(base + e.key)))).filter((v) => v === null || v === undefined).length;
        await putAll(o, entries);
        if (fresh !== gone) await adjust(o, (s) => (s.size += fresh - gone));
      });
    },
    async list(prefix, limit) {
      const found = await ops.list(base + prefix, limit);
      const entries = await Promise.all(found.map(async ([key, value]) => parse(value === undefined ? await ops.get(key) : value)));
      return entries.filter((e): e is QueueEntry => e !== undefined);
    },
    async delete(keys) {
      if (!transaction) return void (await ops.delete(keys.map((k) => base + k)));
      await transaction(async (txn) => {
        const o = opsOf(txn);
        const gone = await removeCounted(o, keys);
        if (gone) await adjust(o, (s) => (s.size -= gone));
      });
    },
    async count(prefix) {
      return (await ops.list(base + prefix, Infinity)).length;
    },
  };
}

interface Ops {
  get(key: string): Promise<unknown>;
  put(key: string, text: string): Promise<unknown>;
  /** For each key, what the backend answered (Durable Object storage: whether it existed). */
  delete(keys: string[]): Promise<unknown[]>;
  /** Keys in order, with the value when the listing already carries it. */
  list(prefix: string, limit: number): Promise<[string, unknown][]>;
}

function kvOps(kv: KVNamespaceLike): Ops {
  return {
    get: (key) => kv.get(key),
    put: (key, text) => kv.put(key, text),
    delete: (keys) => Promise.all(keys.map((k) => kv.delete(k))),
    async list(prefix, wanted) {
      // Whole pages: a limit of 1.5 would take a page of 1.5, then another.
      const limit = Math.floor(wanted);
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

/** The first `limit` keys in order, as a listing with no values (a queue is bounded by maxQueueSize, so what is sorted is too). */
const firstKeys = (keys: string[], limit: number): [string, unknown][] => keys.sort().slice(0, Math.max(0, limit)).map((k) => [k, undefined]);

/** How long a SCAN for keys queued with no index (by an older version) holds for every store of a database. */
const ADOPT_EVERY_MS = 24 * 60 * 60 * 1000;

function redisOps(redis: RedisLike, base: string): Ops {
  // SCAN has no order and may repeat keys: collect, dedupe. It walks the whole database, COUNT keys a call.
  const scan = async (prefix: string) => {
    const keys = new Set<string>();
    let cursor: string | number = 0;
    do {
      const [next, page]: [string | number, string[]] = await redis.scan(cursor, { match: `${escapeGlob(prefix)}*`, count: 1000 });
      for (const key of page) keys.add(key);
      cursor = next;
    } while (String(cursor) !== '0');
    return keys;
  };
  const { sadd, srem, smembers } = redis;
  if (typeof sadd !== 'function' || typeof srem !== 'function' || typeof smembers !== 'function') {
    return {
      get: (key) => redis.get(key),
      put: (key, text) => redis.set(key, text),
      delete: async (keys) => (keys.length ? [await redis.del(...keys)] : []),
      list: async (prefix, limit) => firstKeys([...(await scan(prefix))], limit),
    };
  }
  // The queue's keys (events and dead letters) in a set: listing reads the queue, not the database. An entry joins
  // the set before it is written and leaves it before it is deleted, so that a failure in between leaves at most a
  // member with no value (skipped when listed) or a value nobody lists, never a queued event that is not listed.
  const index = `${base}!index`;
  const marker = `${base}!indexed`;
  const inIndex = (key: string) => key.startsWith(base + QUEUED) || key.startsWith(base + DEAD);
  // What an older version queued with no index joins it by one SCAN; the marker (when that was) tells later stores,
  // for a day: an isolate of the older version still running through a deploy may queue after it, and what it
  // leaves is found by the next day's SCAN, not lost.
  let adopted: Promise<void> | undefined;
  const adopt = () =>
    (adopted ??= (async () => {
      const at = Number(await redis.get(marker));
      if (at > 0 && Math.abs(Date.now() - at) < ADOPT_EVERY_MS) return;
      const keys = [...(await scan(base))].filter(inIndex);
      for (let i = 0; i < keys.length; i += 1000) await sadd.call(redis, index, keys[i]!, ...keys.slice(i + 1, i + 1000));
      await redis.set(marker, String(Date.now()));
    })().catch((error: unknown) => {
      adopted = undefined;
      throw error;
    }));
  return {
    get: (key) => redis.get(key),
    async put(key, text) {
      const added = await sadd.call(redis, index, key);
      try {
        return await redis.set(key, text);
      } catch (error) {
        if (added === 1) await Promise.resolve(srem.call(redis, index, key)).catch(() => {});
        throw error;
      }
    },
    async delete(keys) {
      if (!keys.length) return [];
      await srem.call(redis, index, ...keys);
      return [await redis.del(...keys)];
    },
    async list(prefix, limit) {
      await adopt();
      return firstKeys((await smembers.call(redis, index)).map(String).filter((k) => k.startsWith(prefix)), limit);
    },
  };
}

/**
 * Values come back as text (KV), as stored (Durable Objects), or already parsed (Upstash's automatic deserialisation).
 * One that is no entry (not JSON, `null`: another tool's key under the prefix) is passed over, not thrown: a throw
 * failed every listing, and nothing queued was delivered again.
 */
function parse(value: unknown): QueueEntry | undefined {
  let entry = value as Partial<QueueEntry> | null | undefined;
  if (typeof value === 'string') {
    try {
      entry = JSON.parse(value) as Partial<QueueEntry> | null;
    } catch {
      return undefined;
    }
  }
  return typeof entry?.key === 'string' && typeof entry.body === 'string' ? (entry as QueueEntry) : undefined;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
