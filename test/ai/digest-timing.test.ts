// When keyed digests are computed: after the app's code that awaits the model call (a task of their own,
// so that the HMACs' tens of µs are not added to the call), except in a hidden page, whose timers may wait
// a second in which the page can be closed: there they are computed at once. The log is a recorder here;
// the events' delivery is the client's and is tested with it.
import { wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, expect, it, vi } from 'vitest';
import { aegislogMiddleware, aiDigest, aiFlush, type AiLog } from '../../src/ai/index.js';
import { DIGEST_KEY, generateResult, hmac } from './mock-model.js';

const PROMPT = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Refund window?' }] }];

function setUp() {
  const payloads: Record<string, unknown>[] = [];
  const log: AiLog = { record: (_type, payload) => (payloads.push(payload!), `e${payloads.length}`) };
  const model = wrapLanguageModel({ model: new MockLanguageModelV4({ doGenerate: generateResult('Thirty days.') }), middleware: aegislogMiddleware({ log, digestKey: DIGEST_KEY }) });
  return { log, payloads, call: () => model.doGenerate({ prompt: PROMPT }) };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

it('computes the digests in a task after the call: the code awaiting it runs first, however many turns it takes', async () => {
  await aiDigest('loads the digest chunk first', DIGEST_KEY);
  const { log, payloads, call } = setUp();
  const sign = vi.spyOn(crypto.subtle, 'sign');
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  await call();
  for (let turn = 0; turn < 50; turn++) await Promise.resolve();
  expect(sign).not.toHaveBeenCalled();
  expect(payloads).toEqual([]);
  vi.runAllTimers();
  await aiFlush(log);
  expect(sign).toHaveBeenCalledTimes(2);
  expect(payloads).toHaveLength(1);
  expect(payloads[0]).toMatchObject({ output_digest: hmac('Thirty days.') });
});

it('in a hidden page, computes them at once: no timer is waited for', async () => {
  await aiDigest('loads the digest chunk first', DIGEST_KEY);
  vi.stubGlobal('document', { hidden: true });
  const { log, payloads, call } = setUp();
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  await call();
  await aiFlush(log); // would never end if a timer were needed: fake timers do not run by themselves
  expect(payloads).toHaveLength(1);
  expect(payloads[0]).toMatchObject({ output_digest: hmac('Thirty days.') });
});

it('prepares the digests of calls that end together side by side: one timer turn serves them all', async () => {
  await aiDigest('loads the digest chunk first', DIGEST_KEY);
  const { log, payloads, call } = setUp();
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  await Promise.all([call(), call(), call()]);
  for (let turn = 0; turn < 50; turn++) await Promise.resolve();
  // Each preparation waits its timer turn: all three wait at once, not each after the one before (which
  // held a process to about 800 events a second, a turn of at least 1 ms each).
  expect(vi.getTimerCount()).toBe(3);
  vi.runAllTimers();
  await aiFlush(log);
  expect(payloads.map((p) => p.output_digest)).toEqual(Array(3).fill(hmac('Thirty days.')));
});
