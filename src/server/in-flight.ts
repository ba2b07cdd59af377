import { HttpError } from '../transport/web-handler.js';

/**
 * Requests in flight per API key (`Limits.keyInFlight`). The rate bucket admits every request that
 * arrives while a unit is left, so without a cap one key could have a thousand slow 2 MiB bodies
 * held in memory at once; with it, a key holds at most `max` bodies (or streamed exports).
 */
export interface KeyInFlight {
  /** Counts one more request of `key` and gives the function that lets it go (once); throws 429 at the cap. */
  enter(key: object): () => void;
}

export function keyInFlight(max: number): KeyInFlight {
  // Keyed by the key's entry object: as many counts as configured keys, never more.
  const counts = new WeakMap<object, number>();
  return {
    enter(key) {
      const count = counts.get(key) ?? 0;
      if (count >= max) {
        // Same shape as the rate limit's 429, which clients already retry after Retry-After.
        throw new HttpError(429, 'rate_limited', `this key has ${max} requests in flight, its limit; retry in 1 s`, undefined, { 'retry-after': '1' });
      }
      counts.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        counts.set(key, counts.get(key)! - 1);
      };
    },
  };
}

/** Runs `work` as one of `key`'s requests in flight, let go however it ends. */
export async function inFlight<T>(counter: KeyInFlight, key: object, work: () => Promise<T>): Promise<T> {
  const release = counter.enter(key);
  try {
    return await work();
  } finally {
    release();
  }
}
