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

/**
 * Every client without a key, as one key of the budget: the public answers whose work grows with their
 * size (a history page of 1,000 checkpoints: 6 ms of the event loop; a root entry bundle, 256 heads hashed:
 * 2 ms; a /healthz: 0.05 ms) draw on it, so that anonymous clients together take at most one key's rate
 * of the server however many connections they hold. Such a request waits its turn (one at a time, in
 * order) until the budget is out of debt, then does its work and is charged for it: a client that pages
 * through the whole history (`aegislog mirror`) is slowed, never refused.
 */
const ANONYMOUS = {};
const turns = new WeakMap<KeyBudget, Promise<void>>();

/** Runs `work` (which gives its answer and the units it cost) in the anonymous clients' turn of `budget`. */
export async function anonymousTurn<T>(budget: KeyBudget, signal: AbortSignal | undefined, work: () => Promise<{ answer: T; units: number }>): Promise<T> {
  const before = turns.get(budget) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  turns.set(budget, mine);
  try {
    await before;
    await outOfDebt(budget, ANONYMOUS, signal);
    // The client left while it waited: nobody reads this answer, and its work is not done.
    if (signal?.aborted) throw new HttpError(429, 'rate_limited', 'the client went away while its request waited for the anonymous rate', undefined, { 'retry-after': '1' });
    const { answer, units } = await work();
    budget.charge(ANONYMOUS, units);
    return answer;
  } finally {
    done();
    if (turns.get(budget) === mine) turns.delete(budget);
  }
}

/** Requests of this process waiting (in `outOfDebt`) for their key to be out of debt. */
let waitingForDebt = 0;

/**
 * How many requests wait for their key's budget now: a condition a test can wait for (a request that found
 * its budget in debt under a still clock), where it would otherwise give the server time and hope.
 */
export function requestsWaitingForBudget(): number {
  return waitingForDebt;
}

/** Resolves once `key` of `budget` is out of debt, looking again at most every 250 ms, or at once when `signal` aborts. */
export async function outOfDebt(budget: KeyBudget, key: object, signal?: AbortSignal): Promise<void> {
  let wait = budget.debtMs(key);
  if (!(wait > 0) || signal?.aborted) return;
  waitingForDebt++;
  try {
    for (; wait > 0 && !signal?.aborted; wait = budget.debtMs(key)) await delay(Math.min(wait, 250), signal);
  } finally {
    waitingForDebt--;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
