// The same middleware on the previous major, ai@6 (installed as `ai6`), whose models and middleware speak
// the v3 specification. ai@6 runs on Node 20, which ai@7 does not declare.
import { generateText, streamText, wrapLanguageModel } from 'ai6';
import { convertArrayToReadableStream, convertReadableStreamToArray, MockLanguageModelV3 } from 'ai6/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aegislogMiddleware } from '../../src/ai/index.js';
import { generated, harness, type Harness } from './harness.js';
import { controlledStream, DIGEST_KEY, generateResult, hmac, RESPONSE, streamParts } from './mock-model.js';

let h: Harness;
beforeAll(async () => void (h = await harness()));
afterAll(async () => h?.close());

const middleware = () => aegislogMiddleware({ log: h.log, digestKey: DIGEST_KEY, specificationVersion: 'v3' });
const PROMPT = 'Is my parcel late?';

describe('ai@6 (v3 middleware)', () => {
  it('generate: the same result as unwrapped, the exact event', async () => {
    const model = new MockLanguageModelV3({ doGenerate: generateResult('It arrives tomorrow.') as never });
    const plain = await generateText({ model, prompt: PROMPT });
    const result = await generateText({ model: wrapLanguageModel({ model, middleware: middleware() }), prompt: PROMPT });
    expect(result.text).toBe(plain.text);
    expect(result.usage).toEqual(plain.usage);
    expect(await h.events()).toEqual([
      {
        ...generated,
        event_type: 'model_inference',
        integration: 'ai-sdk',
        operation: 'generate',
        streamed: false,
        provider: 'mock-provider',
        response_model_id: RESPONSE.modelId,
        response_id: RESPONSE.id,
        outcome: 'ok',
        finish_reason: 'stop',
        input_chars: PROMPT.length,
        output_chars: 'It arrives tomorrow.'.length,
        input_digest: hmac(model.doGenerateCalls[1]!.prompt),
        output_digest: hmac('It arrives tomorrow.'),
        model_context: { model_id: 'mock-model-id', model_version: RESPONSE.modelId, model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 11, output_tokens: 5 },
      },
    ]);
  });

  it('stream, with a tool call', async () => {
    const model = new MockLanguageModelV3({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['It ', 'arrives.'], { tools: ['track_parcel'] })) }) });
    const result = streamText({ model: wrapLanguageModel({ model, middleware: middleware() }), prompt: PROMPT });
    expect(await result.text).toBe('It arrives.');
    const [event] = await h.events();
    expect(event).toMatchObject({ streamed: true, outcome: 'ok', finish_reason: 'tool-calls', tool_calls: ['track_parcel'], output_chars: 11, output_digest: hmac('It arrives.') });
    expect(event!.time_to_first_token_ms).toEqual(expect.any(Number));
  });

  it('a stream that ends with no finish part: finish reason interrupted', async () => {
    const model = new MockLanguageModelV3({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['It ']).slice(0, 5)) }) });
    for await (const _ of streamText({ model: wrapLanguageModel({ model, middleware: middleware() }), prompt: PROMPT, onError: () => undefined }).fullStream);
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'ok', finish_reason: 'interrupted', output_chars: 3, performance_metrics: { anomaly_flags: ['interrupted'] } });
  });

  it('two calls at once with the same params: each recorded, once, wrapped once or twice', async () => {
    const model = new MockLanguageModelV3({
      doGenerate: generateResult('It arrives tomorrow.') as never,
      doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['It ', 'arrives.'])) }),
    });
    const params = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: PROMPT }] }] };
    const once = wrapLanguageModel({ model, middleware: middleware() });
    const twice = wrapLanguageModel({ model: once, middleware: middleware() });
    for (const wrapped of [once, twice]) {
      await Promise.all([wrapped.doGenerate(params), wrapped.doGenerate(params)]);
      for (const { stream } of await Promise.all([wrapped.doStream(params), wrapped.doStream(params)])) await convertReadableStreamToArray(stream);
    }
    // Two middlewares, each digesting on the thread pool: their events may be recorded in either order.
    expect((await h.events()).map((e) => e.operation).sort()).toEqual(['generate', 'generate', 'generate', 'generate', 'stream', 'stream', 'stream', 'stream']);
  });

  it('aborted mid-way', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV3({ doStream: source.answer });
    const abort = new AbortController();
    const result = streamText({ model: wrapLanguageModel({ model, middleware: middleware() }), prompt: PROMPT, abortSignal: abort.signal });
    source.push(...streamParts(['It ']).slice(0, 4));
    const reader = result.textStream.getReader();
    expect((await reader.read()).value).toBe('It ');
    abort.abort();
    for (let i = 0; i < 10 && !(await reader.read()).done; i++);
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'aborted', output_chars: 3, performance_metrics: { anomaly_flags: ['aborted'] } });
  });

  it('an abort ends the call even when the model stream is neither failed nor cancelled', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV3({ doStream: async () => ({ stream: source.stream }) });
    const abort = new AbortController();
    const result = streamText({ model: wrapLanguageModel({ model, middleware: middleware() }), prompt: PROMPT, abortSignal: abort.signal });
    source.push(...streamParts(['It ']).slice(0, 4));
    expect((await result.textStream.getReader().read()).value).toBe('It ');
    abort.abort(new Error('user pressed stop'));
    // h.events() waits only for the events of calls that have ended: this one is there because the abort ended it.
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'aborted', error: { name: 'Error', message: 'user pressed stop' }, output_chars: 3 });
  });

  it('a signal aborted before the call: aborted, though ai@6 never reads the stream', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV3({ doStream: async () => ({ stream: source.stream }) });
    const abort = new AbortController();
    abort.abort(new Error('stopped before it began'));
    streamText({ model: wrapLanguageModel({ model, middleware: middleware() }), prompt: PROMPT, abortSignal: abort.signal, onError: () => undefined });
    // Bounded by turns of the event loop, not time: the SDK calls the model (and nothing will end its stream).
    for (let i = 0; i < 1000 && model.doStreamCalls.length === 0; i++) await new Promise((turn) => setImmediate(turn));
    expect(model.doStreamCalls).toHaveLength(1);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'aborted', error: { name: 'Error', message: 'stopped before it began' }, performance_metrics: { anomaly_flags: ['aborted'] } });
  });
});
