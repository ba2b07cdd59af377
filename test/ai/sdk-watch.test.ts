// observeStream (src/ai/sdk-watch.ts) and a stream the app drops, on a stream made here whose iterator does not hold
// it: every SDK's own iterator does (a generator keeps its `this`; the per-SDK tests collect while one is read), and
// the wrapper must not rely on that. A made stream, not a fake of a provider: the shape observeStream reads.
import { describe, expect, it } from 'vitest';
import type { AiCall } from '../../src/ai/options.js';
import { observeStream } from '../../src/ai/sdk-watch.js';
import { collectNow, collectUntilSettled } from './harness.js';

type Items = AsyncIterableIterator<string>;

/** A stream of `items` read through its `iterator()` method, as OpenAI's and Anthropic's are; the iterator holds only the items. */
function madeStream(items: string[]) {
  return {
    iterator() {
      let i = 0;
      return { next: async () => (i < items.length ? { value: items[i++]!, done: false } : { value: undefined, done: true as const }) };
    },
    [Symbol.asyncIterator]() {
      return this.iterator();
    },
  };
}

/**
 * Watches a made stream of `items` and hands it to `use` (what the app does with it), keeping only what `use` returns:
 * the stream itself is then held by nothing of the test's. Returns what each recording was filled with, and a promise
 * for each of the first two recordings.
 */
function watched<T>(items: string[], use: (stream: AsyncIterable<string> & { iterator(): unknown }) => T) {
  const fills: Partial<AiCall>[] = [];
  const settles: (() => void)[] = [];
  const recordings = [0, 1].map(() => new Promise<void>((resolve) => settles.push(resolve)));
  const fromItem = (item: string, into: Partial<AiCall>) => {
    into.output = (into.output ?? '') + item;
    if (item.endsWith('.')) into.finishReason = 'stop';
  };
  const recorded = (fill: Partial<AiCall>) => {
    fills.push(fill);
    settles[fills.length - 1]?.();
  };
  const stream = madeStream(items);
  observeStream(stream, {}, fromItem, recorded, (error) => recorded({ outcome: 'error', error }), () => undefined);
  return { fills, recordings, held: use(stream) };
}

describe('observeStream: a stream the app drops', () => {
  it('read to its end by its iterator alone, collected between its items: recorded once, at its end, not as dropped', async () => {
    const { fills, held } = watched(['It left ', 'the depot.'], (stream) => stream[Symbol.asyncIterator]() as Items);
    const read = [];
    for (let step, n = 0; n < 10 && !(step = await held.next()).done; n++) {
      read.push(step.value);
      await collectNow();
    }
    expect(read).toEqual(['It left ', 'the depot.']);
    // A recording the collections made would have come first, aborted.
    expect(fills).toEqual([{}]);
  });

  it('dropped unread: aborted, unread; read part-way and dropped: aborted; each once, when collected', async () => {
    const unread = watched(['It left ', 'the depot.'], () => undefined);
    const part = await (async () => {
      const w = watched(['It left ', 'the depot.'], (stream) => stream[Symbol.asyncIterator]() as Items);
      expect((await w.held.next()).value).toBe('It left ');
      return { fills: w.fills, recordings: w.recordings };
    })();
    expect(await collectUntilSettled([unread.recordings[0]!, part.recordings[0]!], 2)).toBe(2);
    expect(unread.fills).toEqual([{ outcome: 'aborted', extra: { unread: true } }]);
    expect(part.fills).toEqual([{ outcome: 'aborted' }]);
  });
});
