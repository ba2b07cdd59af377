// A traced generator function: the call is its iteration, recorded when that ends, with the caller seeing the
// generator exactly as it would untraced.
import { describe, expect, it } from 'vitest';
import { aegislogTrace } from '../../src/trace/index.js';
import { recordingLog } from './recording-log.js';

/** What a caller observes driving `g` through next, throw and return, each step awaited. */
async function drive(g: AsyncGenerator<number, string, number> | Generator<number, string, number>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const step = async (call: () => unknown) => {
    try {
      seen.push(['ok', await call()]);
    } catch (error) {
      seen.push(['threw', (error as Error).message]);
    }
  };
  await step(() => g.next(0));
  await step(() => g.next(10));
  await step(() => g.throw(new Error('poke')));
  await step(() => g.next(1));
  await step(() => g.return('early')); // the finally yields once more
  await step(() => g.next(5));
  await step(() => g.next(6));
  return seen;
}

// A running total of what it is sent; a throw() into it yields -1; closing it yields 99 from its finally.
async function* totalAsync(first: number): AsyncGenerator<number, string, number> {
  let total = first;
  try {
    for (;;) {
      try {
        total += (yield total) ?? 0;
      } catch {
        yield -1;
      }
    }
  } finally {
    yield 99;
  }
}
function* totalSync(first: number): Generator<number, string, number> {
  let total = first;
  try {
    for (;;) {
      try {
        total += (yield total) ?? 0;
      } catch {
        yield -1;
      }
    }
  } finally {
    yield 99;
  }
}

describe('aegislogTrace: generators', () => {
  it('an async generator whose first next() throws records the error, not "ok" when it is made', async () => {
    const log = recordingLog();
    const err = new Error('feed down');
    const feed = aegislogTrace(async function* feed(topic: string) {
      if (topic) throw err;
      yield topic;
    }, { log });
    const g = feed('news');
    expect(log.calls).toHaveLength(0); // nothing has run yet
    await expect(g.next()).rejects.toBe(err);
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'feed', outcome: 'error', input: ['news'], output: { count: 0, yielded: [] }, error: { name: 'Error', message: 'feed down' } },
    ]);
    await expect(g.next()).resolves.toEqual({ value: undefined, done: true });
    expect(log.calls).toHaveLength(1);
  });

  it('a sync generator too: recorded when it throws, with what it yielded before', () => {
    const log = recordingLog();
    const rows = aegislogTrace(function* rows() {
      yield 1;
      throw new RangeError('row 2 unreadable');
    }, { log });
    const g = rows();
    expect(g.next()).toEqual({ value: 1, done: false });
    expect(log.calls).toHaveLength(0);
    expect(() => g.next()).toThrow('row 2 unreadable');
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'rows', outcome: 'error', input: [], output: { count: 1, yielded: [1] }, error: { name: 'RangeError', message: 'row 2 unreadable' } },
    ]);
  });

  it('for await to the end: one event, at the end, with the values yielded, the value returned and the latency to there', async () => {
    const log = recordingLog();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const count = aegislogTrace(async function* count(n: number) {
      for (let i = 0; i < n; i++) yield { i };
      await gate;
      return 'done';
    }, { log, performance_metrics: (call) => ({ output_tokens: (call.result as string).length }) });
    const seen: unknown[] = [];
    let allSeen!: () => void;
    const three = new Promise<void>((resolve) => (allSeen = resolve));
    const loop = (async () => {
      for await (const v of count(3)) if (seen.push(v) === 3) allSeen();
    })();
    await three;
    expect(log.calls).toHaveLength(0); // the iteration has not ended
    release();
    await loop;
    expect(seen).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'count', outcome: 'ok', input: [3], output: { count: 3, yielded: [{ i: 0 }, { i: 1 }, { i: 2 }], returned: 'done' } },
    ]);
    expect(log.calls[0]!.options.performance_metrics).toMatchObject({ output_tokens: 4 });
  });

  it('break (return()) records the iteration as closed by the caller, after its finally ran', async () => {
    const log = recordingLog();
    let cleaned = false;
    const ticker = aegislogTrace(async function* ticker() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleaned = true;
      }
    }, { log });
    for await (const i of ticker()) if (i === 2) break;
    expect(cleaned).toBe(true);
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'ticker', outcome: 'ok', input: [], output: { count: 3, yielded: [0, 1, 2], closed: true } },
    ]);

    const words = aegislogTrace(function* words() {
      yield 'a';
      yield 'b';
    }, { log });
    for (const w of words()) if (w === 'a') break;
    const unstarted = words();
    expect(unstarted.return(undefined)).toEqual({ value: undefined, done: true });
    expect(log.calls.slice(1).map((c) => c.payload.output)).toEqual([{ count: 1, yielded: ['a'], closed: true }, { count: 0, yielded: [], closed: true }]);
  });

  it('the caller sees the generator as untraced: next/throw/return answers, identity, instanceof, no own keys', async () => {
    const log = recordingLog();
    const tracedAsync = aegislogTrace(totalAsync, { log });
    const tracedSync = aegislogTrace(totalSync, { log });
    expect(await drive(tracedAsync(1))).toEqual(await drive(totalAsync(1)));
    expect(await drive(tracedSync(1))).toEqual(await drive(totalSync(1)));
    expect(log.calls.map((c) => c.payload.output)).toEqual([
      { count: 5, yielded: [1, 11, -1, 11, 99], returned: 'early', closed: true },
      { count: 5, yielded: [1, 11, -1, 11, 99], returned: 'early', closed: true },
    ]);

    const g = tracedAsync(0);
    expect(g[Symbol.asyncIterator]()).toBe(g);
    expect(g).toBeInstanceOf(totalAsync);
    expect(g).toBeInstanceOf(tracedAsync);
    expect(Object.prototype.toString.call(g)).toBe('[object AsyncGenerator]');
    expect(Object.keys(g)).toEqual([]);
    expect([g.next.name, g.next.length]).toEqual(['next', 1]);
    const s = tracedSync(0);
    expect(s[Symbol.iterator]()).toBe(s);
    // A receiver that is not the generator fails as it would untraced.
    expect(() => s.next.call({} as never)).toThrow(TypeError);
    await expect(g.next.call({} as never)).rejects.toThrow(TypeError);
  });

  it('a sync generator closed from inside its own body ("already running") is recorded by how it really ends', () => {
    const log = recordingLog();
    let self!: Generator<number, string>;
    const refused: string[] = [];
    // A body that hands itself to a callback which tries to close it (an abort handler fired synchronously):
    // the generator refuses, the body catches that and goes on to its real end.
    const steps = aegislogTrace(function* steps(): Generator<number, string> {
      yield 1;
      for (const close of [() => self.return('stop'), () => self.throw(new Error('stop'))]) {
        try {
          close();
        } catch (error) {
          refused.push((error as Error).message);
        }
      }
      yield 2;
      return 'done';
    }, { log });
    self = steps();
    expect([self.next(), self.next(), self.next()]).toEqual([{ value: 1, done: false }, { value: 2, done: false }, { value: 'done', done: true }]);
    expect(refused).toEqual(['Generator is already running', 'Generator is already running']);
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'steps', outcome: 'ok', input: [], output: { count: 2, yielded: [1, 2], returned: 'done' } },
    ]);
  });

  it('a function that returns the same generator at every call: each call recorded, and the generator still steps after 20,000 calls', () => {
    const log = recordingLog();
    let calls = 0;
    const counting = { record: () => String(++calls) };
    function* ticks(): Generator<number, string> {
      for (let i = 0; i < 3; i++) yield i;
      return 'end';
    }
    // A long-lived generator the function hands out (a shared feed, an id source): each call wrapped its methods
    // once more, so that a step went through one layer per call made, until next() overflowed the stack.
    const shared = ticks();
    const feed = aegislogTrace(function feed() { return shared; }, { log: counting });
    for (let i = 0; i < 20_000; i++) feed();
    expect(feed().next()).toEqual({ value: 0, done: false });

    // Each call is the iteration from when it returned the generator, recorded once, when that ends.
    const again = ticks();
    const source = aegislogTrace(function source() { return again; }, { log });
    const first = source();
    expect(first.next()).toEqual({ value: 0, done: false });
    const second = source();
    expect(second).toBe(first);
    expect([...second]).toEqual([1, 2]);
    expect(log.calls.map((c) => c.payload.output)).toEqual([
      { count: 3, yielded: [0, 1, 2], returned: 'end' },
      { count: 2, yielded: [1, 2], returned: 'end' },
    ]);
    expect(calls).toBe(0); // the shared feed has not ended
  });

  it('calls queued on an async generator are answered in order and recorded once', async () => {
    const log = recordingLog();
    const two = aegislogTrace(async function* two() {
      yield 1;
      yield 2;
    }, { log });
    const g = two();
    const answers = await Promise.all([g.next(), g.next(), g.next(), g.return(undefined), g.next()]);
    expect(answers.map((a) => a.done)).toEqual([false, false, true, true, true]);
    expect(log.calls.map((c) => c.payload.output)).toEqual([{ count: 2, yielded: [1, 2] }]);
  });

  it('keeps a count of a long stream, the values the limits allow, each as it was when yielded', () => {
    const log = recordingLog();
    const shared = { n: 0 };
    const stream = aegislogTrace(function* stream(n: number) {
      for (let i = 0; i < n; i++) {
        shared.n = i; // the same object yielded each time, changed after
        yield shared;
      }
    }, { log, limits: { items: 3 } });
    let last = 0;
    for (const v of stream(100_000)) last = v.n;
    expect(last).toBe(99_999);
    expect(log.calls[0]!.payload.output).toEqual({ count: 100_000, yielded: [{ n: 0 }, { n: 1 }, { n: 2 }, '[… 99997 more items]'] });
  });

  it('applies capture.output to each yielded value and to the returned one; false records no output', async () => {
    const log = recordingLog();
    const chunks = async function* chat(_q: string) {
      yield { delta: 'Hel', id: 'c1' };
      yield { delta: 'lo', id: 'c1' };
      return { usage: { total_tokens: 9 } };
    };
    const traced = aegislogTrace(chunks, { log, capture: { output: (c) => (c as { delta?: string }).delta ?? c } });
    for await (const _ of traced('hi'));
    const quiet = aegislogTrace(chunks, { log, capture: { output: false } });
    for await (const _ of quiet('hi'));
    expect(log.calls.map((c) => c.payload)).toEqual([
      { function: 'chat', outcome: 'ok', input: ['hi'], output: { count: 2, yielded: ['Hel', 'lo'], returned: { usage: { total_tokens: 9 } } } },
      { function: 'chat', outcome: 'ok', input: ['hi'] },
    ]);
  });

  it('redacts the paths docs/trace.md gives a generator\'s values: output.yielded.<n> and output.returned', async () => {
    const log = recordingLog();
    const keys = aegislogTrace(async function* keys(): AsyncGenerator<string, string> {
      yield 'sk-one';
      yield 'sk-two';
      return 'sk-last';
    }, { log, redact: ['output.yielded.*', 'output.returned'] });
    for await (const _ of keys());
    const first = aegislogTrace(function* first() {
      yield { id: 1 };
      yield 'sk-only-the-second';
      return { done: true };
    }, { log, redact: ['output.yielded.1'] });
    [...first()];
    expect(log.calls.map((c) => c.payload.output)).toEqual([
      { count: 2, yielded: ['[REDACTED]', '[REDACTED]'], returned: '[REDACTED]' },
      { count: 2, yielded: [{ id: 1 }, '[REDACTED]'], returned: { done: true } },
    ]);
    expect(log.calls.map((c) => c.wire).join()).not.toContain('sk-');
  });

  it('a capture function that throws on a yielded value is reported; the iteration goes on untouched', () => {
    const log = recordingLog();
    const errors: unknown[] = [];
    const letters = aegislogTrace(function* letters() {
      yield 'a';
      yield 'b';
    }, { log, capture: { output: (v) => { if (v === 'b') throw new Error('bad capture'); return v; } }, onError: (e) => errors.push(e) });
    expect([...letters()]).toEqual(['a', 'b']);
    expect(log.calls).toHaveLength(0);
    expect((errors as Error[]).map((e) => e.message)).toEqual(['bad capture']);
  });
});
