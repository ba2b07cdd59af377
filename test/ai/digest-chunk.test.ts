// The digest chunk (digest.js) is loaded the first time an event needs it. In an app that ships it as a chunk of
// its own, that load can fail (a deploy removed the file, the network dropped): every event then goes to onError.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AiCall, AiLog } from '../../src/ai/options.js';

afterEach(() => {
  vi.doUnmock('../../src/ai/digest.js');
  vi.resetModules();
});

describe('a digest chunk that fails to load', () => {
  it('tells onError of each event, and leaves no rejection unhandled (which ends a Node process)', async () => {
    vi.resetModules();
    vi.doMock('../../src/ai/digest.js', () => {
      throw new Error('the digest chunk failed to load');
    });
    const { aiFlush, recorder } = await import('../../src/ai/record.js');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const errors: unknown[] = [];
      const recorded: unknown[] = [];
      const log: AiLog = { record: (_type, payload) => (recorded.push(payload), 'e') };
      const record = recorder({ log, digestKey: 'k', onError: (error) => errors.push(error) });
      const call = (): AiCall => ({ integration: 'openai', operation: 'chat', streamed: false, provider: 'openai', modelId: 'gpt-4o', outcome: 'ok', latencyMs: 1, input: 'hi', output: 'hello' });
      // Three calls end one after the other: the second and third wait in line behind the first's digests.
      for (let i = 0; i < 3; i++) record(call, () => undefined);
      await aiFlush(log);
      // Macrotasks pass, so that Node would have reported a rejection nobody handled.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(recorded).toEqual([]);
      expect(errors).toHaveLength(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
