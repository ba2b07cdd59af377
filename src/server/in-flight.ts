import { HttpError } from '../transport/web-handler.js';
import type { KeyRing } from './auth.js';

/**
 * Requests in flight per API key (`Limits.keyInFlight`). The rate bucket admits every request that
 * arrives while a unit is left, so without a cap one key could have a thousand slow 4 MiB bodies
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

/**
 * Admits a request of an identified key (auth.ts `identify`): its slot in flight first, then its rate
 * unit, so that a request refused at the cap costs the key nothing. Gives the function that lets it go.
 */
export function admitHeld(ctx: { ring: KeyRing; inFlight: KeyInFlight }, key: object): () => void {
  const release = ctx.inFlight.enter(key);
  try {
    ctx.ring.budget.admit(key);
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

/** Runs `work` as one of `key`'s requests in flight (`admitHeld`), let go however it ends. */
export async function held<T>(ctx: { ring: KeyRing; inFlight: KeyInFlight }, key: object, work: () => Promise<T>): Promise<T> {
  const release = admitHeld(ctx, key);
  try {
    return await work();
  } finally {
    release();
  }
}
