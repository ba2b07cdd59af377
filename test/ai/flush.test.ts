// aiFlush with logs of every shape the AiLog type allows, and with calls the app has not finished with. The
// model is the AI SDK's own mock (ai/test), standing in for a provider: no network; the log is a stand-in too.
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { aegislogMiddleware, aiFlush, type AiLog } from '../../src/ai/index.js';
import { controlledStream, generateResult, streamParts } from './mock-model.js';

/** A log that keeps what it is given; `flush` as the test wants it. */
function fakeLog(flush?: () => unknown) {
  const recorded: Record<string, unknown>[] = [];
  let flushes = 0;
  const log = {
    record: (_type: string, payload: Record<string, unknown> = {}) => (recorded.push(payload), `e${recorded.length}`),
    ...(flush && {
      flush: () => {
        flushes++;
        return flush();
      },
    }),
  } as AiLog;
  return { log, recorded, flushes: () => flushes };
}

describe('aiFlush', () => {
  it("accepts any flush(): a promise, a value, nothing, one that throws or rejects; never rejects itself", async () => {
    const logs = [
      fakeLog(async () => undefined),
      fakeLog(() => undefined), // a synchronous flush
      fakeLog(() => 3),
      fakeLog(() => {
        throw new Error('flush failed');
      }),
      fakeLog(() => Promise.reject(new Error('flush failed'))),
      fakeLog(),
    ];
    for (const { log, recorded } of logs) {
      const model = wrapLanguageModel({ model: new MockLanguageModelV4({ doGenerate: generateResult('Fine.') }), middleware: aegislogMiddleware({ log, digestKey: 'k' }) });
      await generateText({ model, prompt: 'How are you?' });
      await expect(aiFlush(log)).resolves.toBeUndefined();
      // The event, digested after the call, was recorded before the flush.
      expect(recorded.map((p) => p.output_chars)).toEqual([5]);
    }
    expect(logs.map((l) => l.flushes())).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('does not wait for a stream nobody reads: it resolves, and the stream is recorded when it ends', async () => {
    const { log, recorded, flushes } = fakeLog(() => undefined);
    const source = controlledStream();
    const other = controlledStream();
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({ doStream: async () => ({ stream: [source, other][calls++]!.stream }) }),
      middleware: aegislogMiddleware({ log, digestKey: 'k' }),
    });
    let calls = 0;
    // Handed to the app, never read: one through the model, one through streamText (which reads only as the app does).
    const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
    streamText({ model, prompt: 'Hello', onError: () => undefined });
    for (let i = 0; calls < 2 && i < 1000; i++) await new Promise((turn) => setImmediate(turn));
    expect(calls).toBe(2);
    // Would never resolve if it waited for these streams: nothing will read them.
    await aiFlush(log);
    expect([recorded, flushes()]).toEqual([[], 1]);

    // Read to its end later: recorded then, and the next aiFlush waits for its digests.
    source.push(...streamParts(['Hi ', 'there.']));
    source.close();
    const reader = stream.getReader();
    while (!(await reader.read()).done);
    await aiFlush(log);
    expect(recorded.map((p) => [p.outcome, p.output_chars, typeof p.output_digest])).toEqual([['ok', 9, 'string']]);
  });
});
