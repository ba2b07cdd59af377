// A Set is described as an array of its first `limits.items` values, as a Map is read only up to the limit: it
// was copied whole first ([...set]), so that a traced call given a Set of millions copied millions, every call.
import { describe, expect, it } from 'vitest';
import { compileRedaction, describe as describeValue, DEFAULT_TRACE_LIMITS } from '../../src/trace/describe.js';
import { aegislogTrace } from '../../src/trace/index.js';
import { recordingLog } from './recording-log.js';

/** A Set of `n` numbers that counts the values its iterators hand out. */
function countedSet(n: number) {
  const set = new Set(Array.from({ length: n }, (_, i) => i));
  const read = { values: 0 };
  const iterate = Set.prototype[Symbol.iterator];
  Object.defineProperty(set, Symbol.iterator, {
    value() {
      const it = iterate.call(set);
      return { next: () => { const r = it.next(); if (!r.done) read.values++; return r; }, [Symbol.iterator]() { return this; } };
    },
  });
  return { set, read };
}

describe('a Set larger than the item limit', () => {
  it('is read only up to the limit, and says how many more it holds', () => {
    const { set, read } = countedSet(100_000);
    const described = describeValue(set, ['input'], compileRedaction(undefined)) as unknown[];
    expect(described).toHaveLength(DEFAULT_TRACE_LIMITS.items + 1);
    expect(described.slice(0, 3)).toEqual([0, 1, 2]);
    expect(described.at(-1)).toBe(`[… ${100_000 - DEFAULT_TRACE_LIMITS.items} more items]`);
    expect(read.values).toBeLessThanOrEqual(DEFAULT_TRACE_LIMITS.items + 1);
  });

  it('below the depth limit, is named with its size, reading none of it', () => {
    const { set, read } = countedSet(5_000);
    expect(describeValue({ a: set }, ['input'], compileRedaction(undefined), { ...DEFAULT_TRACE_LIMITS, depth: 1 })).toEqual({ a: '[Array(5000)]' });
    expect(read.values).toBe(0);
  });

  it('passed to a traced function: the call is recorded, reading no more of the Set than it keeps', () => {
    const log = recordingLog();
    const { set, read } = countedSet(200_000);
    const f = aegislogTrace((s: Set<number>) => s.size, { log, eventType: 'set' });
    expect(f(set)).toBe(200_000);
    expect(log.calls).toHaveLength(1);
    expect((log.calls[0]!.payload.input as unknown[][])[0]).toHaveLength(DEFAULT_TRACE_LIMITS.items + 1);
    expect(read.values).toBeLessThanOrEqual(DEFAULT_TRACE_LIMITS.items + 1);
  });
});
