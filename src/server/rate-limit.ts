import { HttpError } from '../transport/web-handler.js';

/** A token bucket per API key, in units of work (see `Limits.keyRatePerSecond`). */
export interface KeyRate {
  perSecond: number;
  burst: number;
}

/**
 * Per-key budgets, kept in this server's memory (in workerd: per isolate, so a
 * cap per instance). A request is admitted while its key's bucket holds a
 * unit; the rest of its cost (its events, its size) is charged once known and
 * may leave the bucket in debt (at most one request's cost, since a request is
 * admitted only from a positive balance), which the key's next requests wait
 * out. So a key's average rate is bounded, and a refused request costs one unit.
 */
export interface KeyBudget {
  /** Takes one unit, or throws 429 with `Retry-After` (whole seconds) when the bucket is empty. */
  admit(key: object): void;
  /** Takes `units` more for work already done. */
  charge(key: object, units: number): void;
  /** Milliseconds until the key's bucket is out of debt (0 if it is): a long answer waits them out between parts. */
  debtMs(key: object): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function keyBudget(rate: KeyRate, now: () => number): KeyBudget {
  const { perSecond, burst } = rate;
  // Keyed by the key's entry object: as many buckets as configured keys, never more.
  const buckets = new WeakMap<object, Bucket>();
  const off = !(perSecond > 0);
  const refill = (key: object): Bucket => {
    const t = now();
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { tokens: burst, at: t }));
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * perSecond);
    bucket.at = t;
    return bucket;
  };
  return {
    admit(key) {
      if (off) return;
      const bucket = refill(key);
      if (bucket.tokens < 1) {
        const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
        throw new HttpError(429, 'rate_limited', `this key's rate limit is ${perSecond} units/s (burst ${burst}); retry in ${seconds} s`, undefined, {
          'retry-after': String(seconds),
        });
      }
      bucket.tokens -= 1;
    },
    charge(key, units) {
      if (off || !(units > 0)) return;
      const bucket = refill(key);
      bucket.tokens -= units;
    },
    debtMs(key) {
      if (off) return 0;
      const bucket = refill(key);
      return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / perSecond) * 1000);
    },
  };
}
