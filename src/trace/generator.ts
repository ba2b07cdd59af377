/**
 * A generator's call is its iteration: calling a generator function runs none of its body, so the call is
 * recorded when the iteration ends (it returns, throws, or the caller closes it with `return()`, as `break`
 * does), not when the generator object is made. The caller gets the generator object itself, watched through
 * own `next`, `return` and `throw` that call the generator's own and look at what they give.
 */

/** What watching an iteration reports: each value yielded, then, once, how it ended. */
export interface IterationWatch {
  yielded(value: unknown): void;
  /** `failed`: it threw `outcome`; otherwise it returned `outcome`. `closed`: the caller ended it with `return()`. */
  ended(failed: boolean, outcome: unknown, closed: boolean): void;
}

type Method = 'next' | 'return' | 'throw';
type Step = (...args: unknown[]) => unknown;

/** `"sync"` or `"async"` for a generator object (of this realm or another), otherwise undefined. */
export function generatorKind(value: unknown): 'sync' | 'async' | undefined {
  try {
    const tag = Object.prototype.toString.call(value);
    return tag === '[object Generator]' ? 'sync' : tag === '[object AsyncGenerator]' ? 'async' : undefined;
  } catch {
    return undefined; // a Proxy whose traps throw is no generator of ours to watch
  }
}

/**
 * Watches `gen` in place; false when it cannot be (a frozen generator). The generator object stays the one the
 * caller gets: `Symbol.asyncIterator` returns it, `instanceof` and `util.types.isGeneratorObject` hold, and
 * `for … of` / `for await` read the watched `next` and `return`.
 */
export function watchGenerator(gen: object, kind: 'sync' | 'async', watch: IterationWatch): boolean {
  // A generator already watched (a function handing out one long-lived generator at every call) gets this call's
  // watch beside the others: wrapped again at each call, a step went through one layer per call, until the stack
  // overflowed.
  const add = watching.get(gen);
  if (add) {
    add(watch);
    return true;
  }
  /**
   * Each call's watch, until its iteration ended. `closing`: a return() was answered since the call; the end that
   * follows (at once, or after a `finally` yielded) is the caller's.
   */
  const watches = new Set<{ watch: IterationWatch; closing: boolean }>();
  const seen = (result: IteratorResult<unknown>, byReturn: boolean): void => {
    for (const w of watches) {
      w.closing ||= byReturn;
      if (result.done) {
        watches.delete(w);
        w.watch.ended(false, result.value, w.closing);
      } else w.watch.yielded(result.value);
    }
  };
  const threw = (error: unknown): void => {
    for (const w of watches) {
      watches.delete(w);
      w.watch.ended(true, error, false);
    }
  };
  // One flag for the three methods: a return() or throw() from inside a running next() is refused as "already
  // running" and ends nothing, as much as a nested next() is.
  const body = { running: false };
  try {
    for (const method of ['next', 'return', 'throw'] as const) {
      const own = (gen as Record<Method, Step>)[method];
      const onResult = (result: unknown) => seen(result as IteratorResult<unknown>, method === 'return');
      const step = kind === 'sync' ? watchSync(gen, own, onResult, threw, body) : watchAsync(gen, own, onResult, threw);
      Object.defineProperty(step, 'name', { value: method, configurable: true });
      Object.defineProperty(step, 'length', { value: own.length, configurable: true });
      // Not enumerable, as the generator's own methods are not: `{ ...gen }` and Object.keys stay empty.
      Object.defineProperty(gen, method, { value: step, writable: true, configurable: true, enumerable: false });
    }
  } catch {
    return false;
  }
  const adding = (w: IterationWatch) => void watches.add({ watch: w, closing: false });
  watching.set(gen, adding);
  adding(watch);
  return true;
}

/** The generators watched, each with how to add a call's watch to it. */
const watching = new WeakMap<object, (watch: IterationWatch) => void>();

function watchSync(gen: object, own: Step, seen: (result: unknown) => void, threw: (error: unknown) => void, body: { running: boolean }): Step {
  return function (this: unknown, ...args: unknown[]) {
    // Another receiver, or a call from inside the running body ("already running", which ends nothing): as is.
    if (this !== gen || body.running) return Reflect.apply(own, this, args);
    body.running = true;
    let result: unknown;
    try {
      result = Reflect.apply(own, gen, args);
    } catch (error) {
      threw(error);
      throw error;
    } finally {
      body.running = false;
    }
    seen(result);
    return result;
  };
}

function watchAsync(gen: object, own: Step, seen: (result: unknown) => void, threw: (error: unknown) => void): Step {
  return function (this: unknown, ...args: unknown[]) {
    if (this !== gen) return Reflect.apply(own, this, args);
    // A new promise settling as the generator's does: a rejection the caller leaves unhandled still surfaces.
    return (Reflect.apply(own, gen, args) as Promise<unknown>).then(
      (result) => {
        seen(result);
        return result;
      },
      (error: unknown) => {
        threw(error);
        throw error;
      },
    );
  };
}
