// aegislogCallbacks with the real LangChain.js (`@langchain/core`, `@langchain/openai`'s ChatOpenAI and OpenAI)
// against the small OpenAI-compatible server on 127.0.0.1 (openai-server.ts), which stands in for the model
// provider. Each test checks what the app gets and the events as the reference server stored them.
import { InMemoryCache } from '@langchain/core/caches';
import { RunnableLambda } from '@langchain/core/runnables';
import { ChatOpenAI, OpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aegislogCallbacks, aiDigest, type AiLog, type AiOptions } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { chatCompletion, chatStream, MODEL, SNAPSHOT, startOpenAIServer, textCompletion, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const SYSTEM = 'You are a support agent.';
const QUESTION = 'Where is my parcel?';
/** What the app gives LangChain: its message tuples. */
const PROMPT: [string, string][] = [
  ['system', SYSTEM],
  ['human', QUESTION],
];
/** What the event's input is (and `input_digest` covers): the messages as `{ role, content }`, OpenAI's role words. */
const INPUT = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: QUESTION },
];
const INPUT_CHARS = SYSTEM.length + QUESTION.length;
const ANSWER = 'It left the depot this morning.';

const chatModel = (fields: Record<string, unknown> = {}) => new ChatOpenAI({ model: MODEL, apiKey: 'test', configuration: { baseURL: api.url }, maxRetries: 0, ...fields });
const handler = (options: Partial<AiOptions> = {}) => aegislogCallbacks({ log: h.log, digestKey: DIGEST_KEY, ...options });

/** A log that keeps the payloads it is given, at once (the tests of which log records a run, and when, and of the bound). */
const countingLog = () => {
  const recorded: Record<string, unknown>[] = [];
  const log: AiLog = { record: (_type, payload) => (recorded.push(payload!), `e${recorded.length}`) };
  return { log, recorded };
};

describe('aegislogCallbacks (LangChain.js)', () => {
  it('invoke: the app gets its answer; one exact event, its run id LangChain\'s', async () => {
    api.script({ json: chatCompletion(ANSWER) });
    const runId = '01a24c9c-0000-7000-8000-000000000001';
    const answer = await chatModel().invoke(PROMPT, { callbacks: [handler()], runId });
    expect(answer.content).toBe(ANSWER);

    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'langchain',
      operation: 'chat',
      streamed: false,
      provider: 'openai',
      response_model_id: SNAPSHOT,
      response_id: 'chatcmpl-1',
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: INPUT_CHARS,
      output_chars: ANSWER.length,
      input_digest: hmac(INPUT),
      output_digest: hmac(ANSWER),
      run_id: runId,
      model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
    // The digests are aiDigest's of the documented input (the messages as role and content) and of the answer's text.
    expect(event!.input_digest).toBe(await aiDigest(INPUT, DIGEST_KEY));
    expect(event!.output_digest).toBe(await aiDigest(ANSWER, DIGEST_KEY));
  });

  it("recorded before invoke resolves, even while LangChain's background queue is busy with another handler", async () => {
    // A handler in LangChain's background queue (a plain object without awaitHandlers) that holds the queue
    // until released: handlers queued behind it would run after invoke resolved, and aiFlush would not wait for them.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = { handleChatModelStart: () => held };
    const counted = countingLog();
    try {
      api.script({ json: chatCompletion(ANSWER) });
      await chatModel().invoke(PROMPT, { callbacks: [slow, aegislogCallbacks({ log: counted.log })] });
      expect(counted.recorded.map((p) => p.output_chars)).toEqual([ANSWER.length]);
    } finally {
      release(); // the queue is the process's: later tests need it
    }
  });

  it("capture 'full': the input as role and content, plain data (not LangChain's serialised classes)", async () => {
    api.script({ json: chatCompletion(ANSWER) });
    await chatModel().invoke(PROMPT, { callbacks: [handler({ capture: 'full' })] });
    const [event] = await h.events();
    expect(event).toMatchObject({ input: INPUT, output: ANSWER });
  });

  it('stream: the app gets the chunks; streamed, time to first token, the text joined, the usage (streamUsage)', async () => {
    api.script({ sse: chatStream(['It left ', 'the depot.'], { usage: true }) });
    let text = '';
    for await (const chunk of await chatModel().stream(PROMPT, { callbacks: [handler()] })) text += chunk.content;
    expect(text).toBe('It left the depot.');
    const [event] = await h.events();
    expect(event).toMatchObject({
      integration: 'langchain',
      operation: 'chat',
      streamed: true,
      response_model_id: SNAPSHOT,
      response_id: 'chatcmpl-s1',
      outcome: 'ok',
      finish_reason: 'stop',
      time_to_first_token_ms: expect.any(Number),
      output_chars: text.length,
      output_digest: hmac(text),
      input_digest: hmac(INPUT),
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
    expect(event!.time_to_first_token_ms).toBeLessThanOrEqual(event!.performance_metrics.latency_ms);
  });

  it("invoke of a model made with streaming: true: streamed, the API's token usage, never LangChain's own estimate", async () => {
    // Such an invoke streams, joins the chunks, then estimates tokens with js-tiktoken, which fetches its ranks from a
    // CDN. Nothing leaves 127.0.0.1 here, so that fetch fails at once, as on a machine offline, and LangChain counts
    // approximately (its warning is silenced). Its estimate, in `llmOutput.estimatedTokenUsage`, is not a count.
    const fetch = globalThis.fetch;
    const offline = vi.spyOn(globalThis, 'fetch').mockImplementation((url, init) =>
      String(url instanceof Request ? url.url : url).startsWith('http://127.0.0.1:') ? fetch(url, init) : Promise.reject(new TypeError('offline')));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      api.script({ sse: chatStream(['It left ', 'the depot.'], { usage: true }) }, { sse: chatStream(['It left ', 'the depot.']) });
      const counted = await chatModel({ streaming: true }).invoke(PROMPT, { callbacks: [handler()] });
      const uncounted = await chatModel({ streaming: true, streamUsage: false }).invoke(PROMPT, { callbacks: [handler()] });
      expect([counted.content, uncounted.content]).toEqual(['It left the depot.', 'It left the depot.']);
      expect(offline.mock.calls.some(([url]) => String(url).startsWith('https://tiktoken.'))).toBe(true);
      const [withUsage, withoutUsage, ...more] = await h.events();
      expect(more).toEqual([]);
      for (const event of [withUsage, withoutUsage]) {
        expect(event).toMatchObject({
          integration: 'langchain', operation: 'chat', streamed: true, outcome: 'ok', finish_reason: 'stop',
          time_to_first_token_ms: expect.any(Number), output_chars: 18, output_digest: hmac('It left the depot.'), input_digest: hmac(INPUT),
        });
      }
      expect(withUsage!.performance_metrics).toEqual({ latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 });
      expect(withoutUsage!.performance_metrics).toEqual({ latency_ms: expect.any(Number) });
    } finally {
      offline.mockRestore();
      warn.mockRestore();
    }
  });

  it('a tool call: its name, finish reason tool-calls, no output text', async () => {
    api.script({ json: chatCompletion(null, { tools: ['track_parcel'] }) });
    const tool = { type: 'function' as const, function: { name: 'track_parcel', description: 'Tracks a parcel', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
    const answer = await chatModel().bindTools([tool]).invoke(PROMPT, { callbacks: [handler()] });
    expect(answer.tool_calls?.map((c) => c.name)).toEqual(['track_parcel']);
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'ok', finish_reason: 'tool-calls', tool_calls: ['track_parcel'] });
    expect(event!.output_chars).toBeUndefined();
    expect(event!.output_digest).toBeUndefined();
  });

  it('a 500 and a 400: the app gets the error; outcome error, with the HTTP status and the API code', async () => {
    api.script({ status: 500, json: { error: { message: 'boom', type: 'server_error', param: null, code: null } } }, { status: 400, json: { error: { message: 'bad request', type: 'invalid_request_error', param: null, code: 'invalid_value' } } });
    const model = chatModel();
    const callbacks = [handler()]; // one handler: its events in the order the runs ended
    const thrown = [await model.invoke(PROMPT, { callbacks }).catch((e: unknown) => e), await model.invoke(PROMPT, { callbacks }).catch((e: unknown) => e)];
    expect(thrown.map((e: any) => e.status)).toEqual([500, 400]);
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error, e.performance_metrics.anomaly_flags, e.input_digest])).toEqual([
      ['error', { name: 'InternalServerError', message: '500 boom', status: 500 }, ['error'], hmac(INPUT)],
      ['error', { name: 'BadRequestError', message: '400 bad request', status: 400, code: 'invalid_value' }, ['error'], hmac(INPUT)],
    ]);
  });

  it('an abort through the signal: the app gets the abort; outcome aborted', async () => {
    api.script({ stall: true });
    const abort = new AbortController();
    const call = chatModel().invoke(PROMPT, { callbacks: [handler()], signal: abort.signal }).catch((e: unknown) => e);
    await api.stalled();
    abort.abort();
    expect(((await call) as Error).name).toBe('AbortError');
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'aborted', streamed: false, error: { name: 'AbortError' }, performance_metrics: { anomaly_flags: ['aborted'] } });
  });

  it('a stream aborted while the app reads it: aborted, with the text LangChain reported so far', async () => {
    // Held after its role chunk and two pieces: the stream neither ends nor fails, and LangChain calls no callback.
    api.script({ sse: chatStream(['It left ', 'the depot.', ' Later.']), hold: 3 });
    const abort = new AbortController();
    let text = '';
    const reading = (async () => {
      for await (const chunk of await chatModel().stream(PROMPT, { callbacks: [handler()], signal: abort.signal })) {
        text += chunk.content;
        if (text === 'It left the depot.') abort.abort();
      }
    })().catch((e: unknown) => e);
    expect(((await reading) as Error).name).toBe('AbortError');
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'aborted', streamed: true, time_to_first_token_ms: expect.any(Number) });
    // ChatOpenAI reports a token to its handlers about when the app takes its chunk, before or after it (seen both ways
    // under Node 22 and 24): the text recorded is what was reported, the app's text or one chunk short of it.
    expect(['It left ', 'It left the depot.']).toContain(text.slice(0, event!.output_chars));
    expect(event!.output_digest).toBe(hmac(text.slice(0, event!.output_chars)));
  });

  it('batch of two: two events, each its own run and input', async () => {
    api.script({ json: chatCompletion('One.', { id: 'chatcmpl-a' }) }, { json: chatCompletion('Two.', { id: 'chatcmpl-b' }) });
    const answers = await chatModel().batch(['first?', 'second?'], { callbacks: [handler()], maxConcurrency: 1 });
    expect(answers.map((a) => a.content)).toEqual(['One.', 'Two.']);
    const events = await h.events();
    expect(events.map((e) => [e.response_id, e.input_digest, e.output_digest])).toEqual([
      ['chatcmpl-a', hmac([{ role: 'user', content: 'first?' }]), hmac('One.')],
      ['chatcmpl-b', hmac([{ role: 'user', content: 'second?' }]), hmac('Two.')],
    ]);
    expect(events[0]!.run_id).not.toBe(events[1]!.run_id);
  });

  it('on the model or on the call: each run recorded once per log, whichever handlers of that log it reaches', async () => {
    const one = countingLog();
    const other = countingLog();
    const onModel = aegislogCallbacks({ log: one.log });
    const model = chatModel({ callbacks: [onModel] });
    const counts: number[][] = [];
    const count = () => counts.push([one.recorded.length, other.recorded.length]);
    await model.invoke('a'); // the model's handler
    count();
    await model.invoke('b', { callbacks: [onModel] }); // the same handler object twice: LangChain calls it once
    count();
    await model.invoke('c', { callbacks: [aegislogCallbacks({ log: one.log })] }); // another handler of the same log
    count();
    await chatModel().invoke('d', { callbacks: [aegislogCallbacks({ log: one.log })] }); // on the call alone
    count();
    await model.invoke('e', { callbacks: [aegislogCallbacks({ log: other.log })] }); // another log: each records it
    count();
    expect(counts).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
      [5, 1],
    ]);
    expect(other.recorded[0]!.run_id).toBe(one.recorded[4]!.run_id);
  });

  it("metadata.aegislog: the call's record options, carried into its event (and from a chain's config into its model runs)", async () => {
    api.script({ json: chatCompletion(ANSWER) }, { json: chatCompletion(ANSWER) });
    const session_context = { session_id: 's-1', started_at: 1_780_000_000 };
    await chatModel().invoke(PROMPT, { callbacks: [handler()], metadata: { aegislog: { event_id: 'answer-0001', session_context } } });
    const chain = RunnableLambda.from(async (q: string, config) => (await chatModel().invoke(q, config)).content);
    await chain.invoke('Where?', { callbacks: [handler()], metadata: { aegislog: { session_context: { ...session_context, session_id: 's-2' } } } });
    // Two handlers, two recorders: each keeps its own order, not the two together (a call carrying an event_id is
    // recorded once the digest chunk has loaded), so the events are compared by session.
    const events = (await h.events()).sort((a, b) => String(a.session_context.session_id).localeCompare(String(b.session_context.session_id)));
    expect(events.map((e) => [e.event_id, e.session_context])).toEqual([
      ['answer-0001', session_context],
      [expect.any(String), { ...session_context, session_id: 's-2' }],
    ]);
  });

  it("metadata.aegislog's event_id on a chain of two model runs: the first run keeps it, the second records it numbered, none lost", async () => {
    api.script({ json: chatCompletion('One.') }, { json: chatCompletion('Two.') });
    const model = chatModel();
    const chain = RunnableLambda.from(async (q: string, config) => [(await model.invoke(q, config)).content, (await model.invoke(q, config)).content]);
    expect(await chain.invoke('Where?', { callbacks: [handler()], metadata: { aegislog: { event_id: 'answer-0004' } } })).toEqual(['One.', 'Two.']);
    const events = await h.events();
    expect(events.map((e) => [e.event_id, e.output_digest])).toEqual([
      ['answer-0004', hmac('One.')],
      ['answer-0004.2', hmac('Two.')],
    ]);
  });

  it("nested runs: each model run inside a chain is its own event, with the chain's run as its parent; the chain is not recorded", async () => {
    api.script({ json: chatCompletion('One.') }, { json: chatCompletion('Two.') });
    const model = chatModel();
    const chain = RunnableLambda.from(async (q: string, config) => [(await model.invoke(q, config)).content, (await model.invoke(q, config)).content]);
    const chainRun = '01a24c9c-0000-7000-8000-0000000000c1';
    expect(await chain.invoke('Where?', { callbacks: [handler()], runId: chainRun })).toEqual(['One.', 'Two.']);
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.parent_run_id, e.output_digest])).toEqual([
      ['chat', chainRun, hmac('One.')],
      ['chat', chainRun, hmac('Two.')],
    ]);
  });

  it('an answer from the model\'s cache: a run of its own, cached, not streamed', async () => {
    api.script({ json: chatCompletion(ANSWER) });
    const model = chatModel({ cache: new InMemoryCache() });
    const requestsBefore = api.requests.length;
    // One handler for both calls: events of one handler are recorded in the order their runs ended (two handlers'
    // digests are prepared side by side, and either may be recorded first).
    const callbacks = [handler()];
    await model.invoke(PROMPT, { callbacks });
    expect((await model.invoke(PROMPT, { callbacks })).content).toBe(ANSWER);
    expect(api.requests).toHaveLength(requestsBefore + 1);
    const events = await h.events();
    expect(events.map((e) => [e.streamed, e.cached, e.output_digest, e.input_digest])).toEqual([
      [false, undefined, hmac(ANSWER), hmac(INPUT)],
      [false, true, hmac(ANSWER), hmac(INPUT)],
    ]);
  });

  it("a text LLM (OpenAI completions): operation llm, the prompt as input, the run's token usage", async () => {
    api.script({ json: textCompletion(' in Lyon.') });
    const llm = new OpenAI({ model: 'text-test', apiKey: 'test', configuration: { baseURL: api.url }, maxRetries: 0 });
    expect(await llm.invoke('Your parcel is', { callbacks: [handler()] })).toBe(' in Lyon.');
    const [event] = await h.events();
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'langchain',
      operation: 'llm',
      streamed: false,
      provider: 'openai',
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: 'Your parcel is'.length,
      output_chars: ' in Lyon.'.length,
      input_digest: hmac('Your parcel is'),
      output_digest: hmac(' in Lyon.'),
      run_id: expect.any(String),
      model_context: { model_id: 'text-test', model_version: 'unreported', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 6, output_tokens: 7 },
    });
  });

  it('input LangChain never sends: never thrown into it, reported to onError; the model call goes on', async () => {
    const errors: unknown[] = [];
    const { log, recorded } = countingLog();
    const cb = aegislogCallbacks({ log, onError: (error) => void errors.push(error) });
    // Not a list of message lists: the run is not opened, the failure reported.
    expect(() => cb.handleChatModelStart({}, [42] as never, 'r1')).not.toThrow();
    // A message whose content cannot be read: the event cannot be built, the failure reported.
    const broken = {
      type: 'human',
      get content(): never {
        throw new TypeError('content unreadable');
      },
    };
    expect(() => cb.handleChatModelStart({}, [[broken]], 'r2')).not.toThrow();
    expect(() => cb.handleLLMEnd(null as never, 'r2')).not.toThrow();
    // Ends and tokens of runs it never saw: nothing.
    expect(() => cb.handleLLMNewToken('x', {}, 'r9')).not.toThrow();
    expect(() => cb.handleLLMError(new Error('x'), 'r9')).not.toThrow();
    expect(errors.map((e) => (e as Error).name)).toEqual(['TypeError', 'TypeError']);
    expect((errors[1] as Error).message).toBe('content unreadable');
    expect(recorded).toEqual([]);
    // And through LangChain: a handler that fails leaves the call its answer.
    api.script({ json: chatCompletion(ANSWER) });
    const failing = aegislogCallbacks({ log, onError: (error) => void errors.push(error), redact: () => {
      throw new Error('redact failed');
    } });
    expect((await chatModel().invoke(PROMPT, { callbacks: [failing] })).content).toBe(ANSWER);
    expect((errors[2] as Error).message).toBe('redact failed');
  });

  it('a run that never ends (a stream left before its end): the oldest recorded as aborted once 1,000 runs are open on the log', async () => {
    const { log, recorded } = countingLog();
    const cb = aegislogCallbacks({ log });
    cb.handleLLMStart({ id: ['langchain', 'llms', 'openai', 'OpenAI'] }, ['first'], 'run-0', undefined, { invocation_params: { model: 'm' } });
    cb.handleLLMNewToken('Par', {}, 'run-0');
    for (let i = 1; i < 1000; i++) cb.handleLLMStart({}, [`p${i}`], `run-${i}`);
    expect(recorded).toEqual([]);
    cb.handleLLMStart({}, ['one more'], 'run-1000');
    expect(recorded).toEqual([{ integration: 'langchain', operation: 'llm', streamed: true, provider: 'openai', outcome: 'aborted', time_to_first_token_ms: expect.any(Number), input_chars: 5, output_chars: 3, run_id: 'run-0' }]);
    // The others are still open: each ends as LangChain ends it.
    cb.handleLLMEnd({ generations: [[{ text: 'ok' }]] }, 'run-1');
    expect(recorded.map((p) => [p.run_id, p.outcome])).toEqual([
      ['run-0', 'aborted'],
      ['run-1', 'ok'],
    ]);
  });

  it('LangChain uses the handler itself (it has a name of its own), not a handler it would make of it on every call', async () => {
    const [one, two] = [handler(), handler()];
    expect(one.name).toMatch(/^aegislog-\d+$/);
    expect(two.name).not.toBe(one.name);
    const handlersOfTheCall = await RunnableLambda.from((_input: string, config) => (config?.callbacks as { handlers?: unknown[] } | undefined)?.handlers ?? []).invoke('x', { callbacks: [one, two] });
    expect(handlersOfTheCall).toEqual([one, two]);
    expect(handlersOfTheCall[0]).toBe(one);
  });

  it('options checked as the handler is made', () => {
    expect(() => aegislogCallbacks({ log: {} as AiLog })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
    expect(() => aegislogCallbacks({ log: h.log, capture: 'all' as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'capture' }));
  });
});
