// The AI SDK middleware with the real `ai` (the current major) and its mock language models, recording
// through the real client into the real reference server on 127.0.0.1. Each test checks the exact event
// stored and that the app got the same result as from the unwrapped model.
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { z } from 'zod';
import { convertArrayToReadableStream, convertReadableStreamToArray, MockLanguageModelV4 } from 'ai/test';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { aegislogMiddleware, aegislogTelemetry, aiDigest, aiFlush, UNREPORTED, type AiOptions } from '../../src/ai/index.js';
import type { RecordOptions } from '../../src/client/event.js';
import { AegisLogValidationError } from '../../src/index.js';
import { generated, harness, TENANT, type Harness } from './harness.js';
import { controlledStream, DIGEST_KEY, generateResult, hmac, RESPONSE, streamParts } from './mock-model.js';
import { MODEL, startOpenAIServer } from './openai-server.js';

let h: Harness;
beforeAll(async () => void (h = await harness()));
afterAll(async () => h?.close());

/**
 * Without options, one middleware per test: a middleware records its events in the order its calls
 * ended, but two middlewares, each digesting on the thread pool, may record theirs in either order.
 */
let shared: ReturnType<typeof aegislogMiddleware> | undefined;
beforeEach(() => void (shared = undefined));
const middlewareOf = (options: Partial<AiOptions>) => aegislogMiddleware({ log: h.log, digestKey: DIGEST_KEY, digestKeyId: 'k-2026', ...options });
const wrap = (model: MockLanguageModelV4, options: Partial<AiOptions> = {}) =>
  wrapLanguageModel({ model, middleware: Object.keys(options).length === 0 ? (shared ??= middlewareOf({})) : middlewareOf(options) });

const PROMPT = 'What is the refund window for shoes?';
const ANSWER = 'Thirty days from delivery.';

/** The prompt as the model received it (what input_digest covers). */
const promptOf = (model: MockLanguageModelV4, i = 0) => (model.doGenerateCalls[i] ?? model.doStreamCalls[i])!.prompt;

describe('generate', () => {
  it('records one event per call; the app gets the same result as from the unwrapped model', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const plain = await generateText({ model, prompt: PROMPT });
    const wrapped = await generateText({ model: wrap(model), prompt: PROMPT });
    expect(wrapped.text).toBe(ANSWER);
    expect(wrapped.text).toBe(plain.text);
    expect(wrapped.usage).toEqual(plain.usage);
    expect(wrapped.finishReason).toBe(plain.finishReason);
    expect(wrapped.response.id).toBe(plain.response.id);
    expect(wrapped.response.modelId).toBe(plain.response.modelId);
    expect(wrapped.content).toEqual(plain.content);

    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'ai-sdk',
      operation: 'generate',
      streamed: false,
      provider: 'mock-provider',
      response_model_id: 'mock-model-2026-05',
      response_id: 'resp-7',
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: PROMPT.length,
      output_chars: ANSWER.length,
      input_digest: hmac(promptOf(model, 1)),
      output_digest: hmac(ANSWER),
      digest_key_id: 'k-2026',
      model_context: { model_id: 'mock-model-id', model_version: 'mock-model-2026-05', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 11, output_tokens: 5 },
    });
    // Privacy by default: neither the prompt nor the answer is in the evidence.
    expect(JSON.stringify(event)).not.toContain('refund');
    expect(JSON.stringify(event)).not.toContain('Thirty');
  });

  it('tool calls: their names, finish reason tool-calls', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult('', { tools: ['weather', 'calendar'] }) });
    const result = await generateText({ model: wrap(model), prompt: 'Weather in Paris and my meetings?' });
    expect(result.toolCalls.map((c) => c.toolName)).toEqual(['weather', 'calendar']);
    const [event] = await h.events();
    expect(event).toMatchObject({ tool_calls: ['weather', 'calendar'], finish_reason: 'tool-calls', outcome: 'ok' });
    // No text generated: no output size or digest.
    expect(event!.output_chars).toBeUndefined();
    expect(event!.output_digest).toBeUndefined();
  });

  it('a tool call without a name (a provider that leaves it out) is left out, not the event', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult('', { tools: ['weather', undefined as never] }) });
    await generateText({ model: wrap(model), prompt: 'Weather in Paris?' });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ tool_calls: ['weather'], finish_reason: 'tool-calls', outcome: 'ok' });
  });

  it('an error: the app gets the same error; the event says outcome error, with the error but no stack', async () => {
    const failure = Object.assign(new Error('provider overloaded'), { status: 529 });
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        throw failure;
      },
    });
    await expect(generateText({ model: wrap(model), prompt: PROMPT, maxRetries: 0 })).rejects.toBe(failure);
    const [event] = await h.events();
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'ai-sdk',
      operation: 'generate',
      streamed: false,
      provider: 'mock-provider',
      outcome: 'error',
      error: { name: 'Error', message: 'provider overloaded', status: 529 },
      input_chars: PROMPT.length,
      input_digest: hmac(promptOf(model)),
      digest_key_id: 'k-2026',
      model_context: { model_id: 'mock-model-id', model_version: UNREPORTED, model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
    });
  });

  it("the AI SDK's APICallError: its statusCode is the event's status (OpenAI's status as it comes)", async () => {
    const errors = [
      new APICallError({ message: 'overloaded', url: 'http://127.0.0.1/v1', requestBodyValues: {}, statusCode: 529, isRetryable: false }),
      Object.assign(new Error('odd'), { status: '500' }),
    ];
    for (const failure of errors) {
      const model = new MockLanguageModelV4({
        doGenerate: async () => {
          throw failure;
        },
      });
      await expect(generateText({ model: wrap(model), prompt: PROMPT, maxRetries: 0 })).rejects.toBe(failure);
    }
    expect((await h.events()).map((e) => e.error)).toEqual([
      { name: 'AI_APICallError', message: 'overloaded', status: 529 },
      { name: 'Error', message: 'odd', status: '500' },
    ]);
  });

  it("a provider's fetch aborted: the app gets the DOMException; the event records its name (which fixes its legacy numeric code)", async () => {
    // A local OpenAI-compatible server stands in for the provider; @ai-sdk/openai is the real provider, and its
    // fetch rejects with the signal's reason: a DOMException, AbortError by default, TimeoutError as
    // AbortSignal.timeout() aborts (given here by hand, so that no clock decides when).
    const api = await startOpenAIServer();
    try {
      const model = wrapLanguageModel({ model: createOpenAI({ apiKey: 'sk-test', baseURL: api.url }).chat(MODEL), middleware: middlewareOf({}) });
      const thrown: any[] = [];
      for (const reason of [undefined, new DOMException('The operation was aborted due to timeout', 'TimeoutError')]) {
        api.script({ stall: true });
        const abort = new AbortController();
        const call = generateText({ model, prompt: PROMPT, abortSignal: abort.signal, maxRetries: 0 }).catch((e: unknown) => e);
        await api.stalled();
        abort.abort(reason);
        thrown.push(await call);
      }
      expect(thrown.map((e) => [e instanceof DOMException, e.name, e.code])).toEqual([
        [true, 'AbortError', 20],
        [true, 'TimeoutError', 23],
      ]);
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.error])).toEqual([
        ['aborted', { name: 'AbortError', message: thrown[0].message }],
        ['aborted', { name: 'TimeoutError', message: 'The operation was aborted due to timeout' }],
      ]);
    } finally {
      await api.close();
    }
  });

  it('content filter and length finishes raise anomaly flags', async () => {
    for (const finish of ['content-filter', 'length']) {
      const model = new MockLanguageModelV4({ doGenerate: generateResult('partial', { finish }) });
      await generateText({ model: wrap(model), prompt: PROMPT });
    }
    const events = await h.events();
    expect(events.map((e) => [e.finish_reason, e.performance_metrics.anomaly_flags]).sort()).toEqual([
      ['content-filter', ['content_filter']],
      ['length', ['length']],
    ]);
  });
});

describe('stream', () => {
  it('the app reads the same parts as from the unwrapped model; one event at the end, with time to first token', async () => {
    const pieces = ['Thirty ', 'days ', 'from ', 'delivery.'];
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(pieces)) }) });
    const plain = streamText({ model, prompt: PROMPT, _internal: { generateId: () => 'id', currentDate: () => new Date(0) } } as never);
    const wrapped = streamText({ model: wrap(model), prompt: PROMPT, _internal: { generateId: () => 'id', currentDate: () => new Date(0) } } as never);
    const [a, b] = await Promise.all([convertReadableStreamToArray(plain.fullStream), convertReadableStreamToArray(wrapped.fullStream)]);
    expect(strip(b)).toEqual(strip(a));
    expect(await wrapped.text).toBe(ANSWER);

    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'ai-sdk',
      operation: 'stream',
      streamed: true,
      provider: 'mock-provider',
      response_model_id: RESPONSE.modelId,
      response_id: RESPONSE.id,
      outcome: 'ok',
      finish_reason: 'stop',
      time_to_first_token_ms: expect.any(Number),
      input_chars: PROMPT.length,
      output_chars: ANSWER.length,
      input_digest: hmac(promptOf(model, 1)),
      output_digest: hmac(ANSWER),
      digest_key_id: 'k-2026',
      model_context: { model_id: 'mock-model-id', model_version: RESPONSE.modelId, model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 11, output_tokens: 5 },
    });
    expect(event!.time_to_first_token_ms).toBeLessThanOrEqual(event!.performance_metrics.latency_ms);
  });

  it('tool calls in a stream', async () => {
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts([], { tools: ['weather'] })) }) });
    const result = streamText({ model: wrap(model), prompt: 'Weather?' });
    expect((await result.toolCalls).map((c) => c.toolName)).toEqual(['weather']);
    const [event] = await h.events();
    expect(event).toMatchObject({ streamed: true, tool_calls: ['weather'], finish_reason: 'tool-calls', outcome: 'ok' });
  });

  it('aborted mid-way: one event, outcome aborted, with what was generated so far', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV4({ doStream: source.answer });
    const abort = new AbortController();
    const result = streamText({ model: wrap(model), prompt: PROMPT, abortSignal: abort.signal });
    source.push(...streamParts(['Thirty ']).slice(0, 4));
    const reader = result.textStream.getReader();
    expect((await reader.read()).value).toBe('Thirty ');
    abort.abort();
    for (let i = 0; i < 10 && !(await reader.read()).done; i++);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'aborted', streamed: true, output_chars: 'Thirty '.length, output_digest: hmac('Thirty ') });
    expect(event!.performance_metrics.anomaly_flags).toEqual(['aborted']);
    expect(event!.finish_reason).toBeUndefined();
  });

  it('a signal aborted before the call: aborted, as an abort during the call is, whether the model heeds it or not', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stopped before it began'));
    const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }];
    // One middleware, so that the events are in the order the calls ended. Models that ignore the signal: one
    // generates, the other streams (read to its end).
    const middleware = aegislogMiddleware({ log: h.log, digestKey: DIGEST_KEY });
    const wrap = (model: MockLanguageModelV4) => wrapLanguageModel({ model, middleware });
    const generating = wrap(new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) }));
    expect((await generating.doGenerate({ prompt, abortSignal: abort.signal })).content).toEqual(generateResult(ANSWER).content);
    const streaming = wrap(new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Thirty'])) }) }));
    await convertReadableStreamToArray((await streaming.doStream({ prompt, abortSignal: abort.signal })).stream);
    // A model that heeds it (as a provider's fetch does), through generateText.
    const heeding = new MockLanguageModelV4({
      doGenerate: async ({ abortSignal }) => {
        abortSignal?.throwIfAborted();
        return generateResult(ANSWER);
      },
    });
    await expect(generateText({ model: wrap(heeding), prompt: PROMPT, abortSignal: abort.signal, maxRetries: 0 })).rejects.toThrow('stopped before it began');
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.error, e.performance_metrics.anomaly_flags])).toEqual([
      ['generate', 'aborted', { name: 'Error', message: 'stopped before it began' }, ['aborted']],
      ['stream', 'aborted', { name: 'Error', message: 'stopped before it began' }, ['aborted']],
      ['generate', 'aborted', { name: 'Error', message: 'stopped before it began' }, ['aborted']],
    ]);
  });

  it('the consumer stops reading (cancel): one event, outcome aborted', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: source.stream }) });
    const wrapped = wrap(model);
    const { stream } = await wrapped.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    source.push(...streamParts(['He']).slice(0, 4));
    const reader = stream.getReader();
    for (let i = 0; i < 4; i++) await reader.read();
    await reader.cancel('client went away');
    expect(await source.cancelled()).toBe('client went away');
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'aborted', error: { name: 'string', message: 'client went away' }, output_chars: 2, output_digest: hmac('He') });
  });

  it('an error part-way: the app sees the same error; one event, outcome error', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: source.stream }) });
    const result = streamText({ model: wrap(model), prompt: PROMPT, onError: () => undefined });
    source.push(...streamParts(['Thir']).slice(0, 4));
    const reset = new TypeError('upstream connection reset');
    const texts: string[] = [];
    const reading = (async () => {
      for await (const part of result.fullStream) if (part.type === 'text-delta') source.fail(reset), texts.push(part.text);
    })();
    await expect(reading).rejects.toBe(reset);
    expect(texts).toEqual(['Thir']);
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'error', error: { name: 'TypeError', message: 'upstream connection reset' }, output_chars: 4 });
    expect(event!.performance_metrics.anomaly_flags).toEqual(['error']);
  });

  it('a stream that ends with no finish part: finish reason interrupted, not a complete answer', async () => {
    // The provider's stream closed without its completion signal (a connection the proxy ended cleanly, say):
    // the text so far, with the SDK's word for it. After an error part, the SDK's word is error (as the telemetry's).
    const cut = streamParts(['Thirty ']).slice(0, 5);
    const parts = [cut, [...cut, { type: 'error', error: new Error('overloaded') }]];
    const middleware = aegislogMiddleware({ log: h.log });
    for (const p of parts) {
      const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(p) }) });
      for await (const _ of streamText({ model: wrapLanguageModel({ model, middleware }), prompt: PROMPT, onError: () => undefined }).fullStream);
    }
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
      ['ok', 'interrupted', 7, ['interrupted']],
      ['error', 'error', 7, ['error']],
    ]);
  });
});

describe('wrapped twice', () => {
  it('with the same log: one event per call (the outer wrap records it), generated or streamed', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: generateResult(ANSWER),
      doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Thirty ', 'days.'])) }),
    });
    // Nested (a library wraps the model, the app wraps it again), and two middlewares in one wrap.
    const nested = wrapLanguageModel({ model: wrap(model), middleware: aegislogMiddleware({ log: h.log }) });
    const listed = wrapLanguageModel({ model, middleware: [aegislogMiddleware({ log: h.log }), aegislogMiddleware({ log: h.log, digestKey: DIGEST_KEY })] });
    for (const wrapped of [nested, listed]) {
      expect((await generateText({ model: wrapped, prompt: PROMPT })).text).toBe(ANSWER);
      expect(await streamText({ model: wrapped, prompt: PROMPT }).text).toBe('Thirty days.');
    }
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.output_chars])).toEqual([
      ['generate', 'ok', ANSWER.length],
      ['stream', 'ok', 'Thirty days.'.length],
      ['generate', 'ok', ANSWER.length],
      ['stream', 'ok', 'Thirty days.'.length],
    ]);
    // The outer wrap's options (no digest key) made the events.
    expect(events.every((e) => e.output_digest === undefined)).toBe(true);
  });

  it('with another log: each log records the call', async () => {
    const other: Record<string, unknown>[] = [];
    const log = { record: (_type: string, payload: Record<string, unknown> = {}) => (other.push(payload), 'id') };
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    await generateText({ model: wrapLanguageModel({ model: wrap(model), middleware: aegislogMiddleware({ log }) }), prompt: PROMPT });
    // A wrap that ended releases the call's params: the same params, called again, are recorded again.
    const wrapped = wrapLanguageModel({ model, middleware: aegislogMiddleware({ log }) });
    const params = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: PROMPT }] }] };
    await wrapped.doGenerate(params);
    await wrapped.doGenerate(params);
    expect((await h.events()).map((e) => e.output_chars)).toEqual([ANSWER.length]);
    expect(other.map((p) => p.output_chars)).toEqual([ANSWER.length, ANSWER.length, ANSWER.length]);
  });

  it('two calls at once with the same params: each recorded, once, wrapped once or twice', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: generateResult(ANSWER),
      doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Thirty ', 'days.'])) }),
    });
    const params = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: PROMPT }] }] };
    const once = wrapLanguageModel({ model, middleware: aegislogMiddleware({ log: h.log }) });
    const twice = wrapLanguageModel({ model: wrap(model), middleware: aegislogMiddleware({ log: h.log }) });
    for (const wrapped of [once, twice]) {
      await Promise.all([wrapped.doGenerate(params), wrapped.doGenerate(params)]);
      for (const { stream } of await Promise.all([wrapped.doStream(params), wrapped.doStream(params)])) await convertReadableStreamToArray(stream);
    }
    const events = await h.events();
    expect(events.map((e) => e.operation).sort()).toEqual(['generate', 'generate', 'generate', 'generate', 'stream', 'stream', 'stream', 'stream']);
    // The params the app gave are left as they were.
    expect(Object.keys(params)).toEqual(['prompt']);
  });
});

describe('finish reason error', () => {
  it('a call the model finished with reason error, no error part: outcome error, as the telemetry says', async () => {
    // Providers report some failures so (Gemini's MALFORMED_FUNCTION_CALL, a stream the provider ended with a failure).
    const parts = streamParts(['Thir'], { finish: 'error' });
    const generating = new MockLanguageModelV4({ doGenerate: generateResult('Thir', { finish: 'error' }) });
    const streaming = () => new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(parts) }) });
    // One middleware and one telemetry integration: each records its events in the order their calls ended.
    const middleware = aegislogMiddleware({ log: h.log, digestKey: DIGEST_KEY });
    expect((await generateText({ model: wrapLanguageModel({ model: generating, middleware }), prompt: PROMPT })).finishReason).toBe('error');
    expect(await streamText({ model: wrapLanguageModel({ model: streaming(), middleware }), prompt: PROMPT }).finishReason).toBe('error');
    const recorded = await h.events();
    // The same calls through the telemetry integration.
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY })] };
    await generateText({ model: generating, prompt: PROMPT, telemetry });
    await streamText({ model: streaming(), prompt: PROMPT, telemetry }).consumeStream();
    const events = [...recorded, ...(await h.events())];
    expect(events.map((e) => [e.integration, e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
      ['ai-sdk', 'error', 'error', 4, ['error']],
      ['ai-sdk', 'error', 'error', 4, ['error']],
      ['ai-sdk-telemetry', 'error', 'error', 4, ['error']],
      ['ai-sdk-telemetry', 'error', 'error', 4, ['error']],
    ]);
    // No error part, no error thrown: nothing to say but the finish reason.
    expect(events.map((e) => e.error)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('options', () => {
  it("capture 'full' records the prompt and the answer; bytes as a size only", async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    await generateText({
      model: wrap(model, { capture: 'full' }),
      messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }, { type: 'file', data: new Uint8Array([1, 2, 3]), mediaType: 'image/png' }] }],
    });
    const [event] = await h.events();
    expect(event!.output).toBe(ANSWER);
    expect(event!.input).toEqual([{ role: 'user', content: [{ type: 'text', text: PROMPT }, { type: 'file', mediaType: 'image/png', data: { type: 'data', data: '[3 bytes]' } }] }]);
    // The digest covers the bytes themselves (base64url in the canonical JSON), not the placeholder.
    expect(event!.input_digest).not.toBe(hmac(event!.input));
  });

  it("capture 'full' of an input nested deeper than an event may be: recorded, its content left out and said so", async () => {
    // A tool's JSON result nested 40 deep: the client refuses an event nested deeper than 32 levels.
    let value: unknown = 'leaf';
    for (let i = 0; i < 40; i++) value = { child: value };
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const onError = vi.fn();
    const messages = [
      { role: 'user' as const, content: PROMPT },
      { role: 'assistant' as const, content: [{ type: 'tool-call' as const, toolCallId: 'c1', toolName: 'lookup', input: {} }] },
      { role: 'tool' as const, content: [{ type: 'tool-result' as const, toolCallId: 'c1', toolName: 'lookup', output: { type: 'json' as const, value: value as any } }] },
    ];
    await generateText({ model: wrap(model, { capture: 'full', onError }), messages });
    const [event, ...more] = await h.events();
    expect(onError).not.toHaveBeenCalled();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'ok', content_omitted: 'too_deep', input_digest: hmac(promptOf(model)), output_digest: hmac(ANSWER) });
    expect(event).not.toHaveProperty('input');
    expect(event).not.toHaveProperty('output');
  });

  it("capture 'full' of a tool result holding an integer beyond 2^53: recorded, the integer as text", async () => {
    // A tool's JSON result with a 64-bit id: the client refuses an integer beyond ±(2^53−1) (PROTOCOL.md §1).
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const onError = vi.fn();
    const messages = [
      { role: 'user' as const, content: PROMPT },
      { role: 'assistant' as const, content: [{ type: 'tool-call' as const, toolCallId: 'c1', toolName: 'lookup', input: {} }] },
      { role: 'tool' as const, content: [{ type: 'tool-result' as const, toolCallId: 'c1', toolName: 'lookup', output: { type: 'json' as const, value: { order_id: 2 ** 64, items: 3 } } }] },
    ];
    await generateText({ model: wrap(model, { capture: 'full', onError }), messages });
    const [event, ...more] = await h.events();
    expect(onError).not.toHaveBeenCalled();
    expect(more).toEqual([]);
    // The digest covers the number as canonical JSON writes it, as before.
    expect(event).toMatchObject({ outcome: 'ok', output: ANSWER, input_digest: await aiDigest(promptOf(model), DIGEST_KEY), output_digest: hmac(ANSWER) });
    expect(event!.input[2].content[0].output.value).toEqual({ order_id: '18446744073709552000', items: 3 });
  });

  it("capture 'full' of an input of more JSON values than an event may hold: recorded, its content left out and said so", async () => {
    // A tool's result of 120,000 small numbers (240,000 characters, under the character bound): the client
    // refuses a payload of more than 99,000 JSON values.
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const onError = vi.fn();
    const messages = [
      { role: 'user' as const, content: PROMPT },
      { role: 'assistant' as const, content: [{ type: 'tool-call' as const, toolCallId: 'c1', toolName: 'series', input: {} }] },
      { role: 'tool' as const, content: [{ type: 'tool-result' as const, toolCallId: 'c1', toolName: 'series', output: { type: 'json' as const, value: Array.from({ length: 120_000 }, (_, i) => i % 10) } }] },
    ];
    await generateText({ model: wrap(model, { capture: 'full', onError }), messages });
    const [event, ...more] = await h.events();
    expect(onError).not.toHaveBeenCalled();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'ok', content_omitted: 'too_large', input_digest: hmac(promptOf(model)), output_digest: hmac(ANSWER) });
    expect(event).not.toHaveProperty('input');
  });

  it('a message cut at 1,000 characters, or holding half a pair, is made well-formed, and so is a full capture: every call is recorded', async () => {
    // The client refuses text that is not well-formed (JCS): a cut in the middle of a pair used to leave it, and a
    // message that held half a pair already (a parse error quoting a cut answer) lost the failed call's event.
    const failures = [new Error(`${'x'.repeat(999)}😀 rate limited`), new SyntaxError('Unexpected end of JSON input: "smile \ud83d'), new Error('\udc00 lone low, 😀 kept')];
    const onError = vi.fn();
    for (const failure of failures) {
      const failing = new MockLanguageModelV4({
        doGenerate: async () => {
          throw failure;
        },
      });
      await expect(generateText({ model: wrap(failing, { onError }), prompt: PROMPT, maxRetries: 0 })).rejects.toBe(failure);
    }
    await generateText({ model: wrap(new MockLanguageModelV4({ doGenerate: generateResult('smile \ud83d') }), { capture: 'full' }), prompt: PROMPT });
    expect(onError).not.toHaveBeenCalled();
    // Several middlewares (several options): each keeps its own order, not all of them together.
    const events = await h.events();
    expect(events).toHaveLength(4);
    expect(events.filter((e) => e.outcome === 'error').map((e) => e.error.message).sort()).toEqual([`${'x'.repeat(999)}\ufffd`, 'Unexpected end of JSON input: "smile \ufffd', '\ufffd lone low, 😀 kept'].sort());
    expect(events.find((e) => e.outcome === 'ok')).toMatchObject({ output: 'smile \ufffd', output_chars: 7 });
  });

  it('no key: sizes and counts, no digest', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    await generateText({ model: wrapLanguageModel({ model, middleware: aegislogMiddleware({ log: h.log }) }), prompt: PROMPT });
    const [event] = await h.events();
    expect(event).toMatchObject({ input_chars: PROMPT.length, output_chars: ANSWER.length });
    expect(Object.keys(event!).filter((k) => k.includes('digest'))).toEqual([]);
  });

  it('contexts from options, per-call functions and providerOptions.aegislog; model_version pinned', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const policy = { policy_name: 'answers', policy_version: '3', policy_hash: `sha256:${'a'.repeat(64)}` };
    const wrapped = wrap(model, {
      eventType: 'support_answer',
      policy_context: policy,
      data_provenance: { reference_databases: ['help-centre'] },
      model_context: { model_version: '2026.05', deployment_id: 'eu-1' },
      human_intervention: (call) => ({ required: call.outputTokens! > 3 }),
      performance_metrics: { confidence_score: 0.9, anomaly_flags: ['low_context'] },
    });
    await generateText({
      model: wrapped,
      prompt: PROMPT,
      providerOptions: { aegislog: { event_id: 'answer-0001', session_context: { session_id: 's-1', started_at: 1_780_000_000 } } },
    });
    const [event] = await h.events();
    expect(event).toMatchObject({
      event_type: 'support_answer',
      event_id: 'answer-0001',
      policy_context: policy,
      data_provenance: { reference_databases: ['help-centre'] },
      human_intervention: { required: true },
      session_context: { session_id: 's-1', started_at: 1_780_000_000 },
      model_context: { model_id: 'mock-model-id', model_version: '2026.05', model_type: 'llm', deployment_id: 'eu-1' },
      performance_metrics: { confidence_score: 0.9, anomaly_flags: ['low_context'], input_tokens: 11, output_tokens: 5 },
    });
  });

  it('an event_id in providerOptions.aegislog, in a tool loop with a retry: the first call keeps it, each later call one derived from it, none lost', async () => {
    const onError = vi.fn();
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        calls++;
        if (calls === 1) return generateResult('', { tools: ['lookup'] });
        if (calls === 2) {
          const headers = { 'retry-after-ms': '0' };
          throw new APICallError({ message: 'overloaded', url: 'http://127.0.0.1/v1', requestBodyValues: {}, statusCode: 529, isRetryable: true, responseHeaders: headers });
        }
        return generateResult(ANSWER);
      },
    });
    const wrapped = wrap(model, { onError });
    const tools = { lookup: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => 'order 42' }) };
    const result = await generateText({ model: wrapped, prompt: PROMPT, tools, stopWhen: stepCountIs(3), maxRetries: 1, providerOptions: { aegislog: { event_id: 'answer-0002' } } });
    expect(result.text).toBe(ANSWER);
    // Streamed too: a request of its own, with its own id.
    let streams = 0;
    const streaming = new MockLanguageModelV4({
      doStream: async () => ({ stream: convertArrayToReadableStream(++streams === 1 ? streamParts([], { tools: ['lookup'] }) : streamParts([ANSWER])) }),
    });
    const streamed = streamText({ model: wrap(streaming, { onError }), prompt: PROMPT, tools, stopWhen: stepCountIs(3), providerOptions: { aegislog: { event_id: 'answer-0003' } } });
    expect(await streamed.text).toBe(ANSWER);
    const events = await h.events();
    expect(onError).not.toHaveBeenCalled();
    // Two middlewares: each keeps its own order, not the two together.
    expect(events.map((e) => [e.event_id, e.outcome, e.finish_reason]).sort()).toEqual([
      ['answer-0002', 'ok', 'tool-calls'],
      ['answer-0002.2', 'error', undefined],
      ['answer-0002.3', 'ok', 'stop'],
      ['answer-0003', 'ok', 'tool-calls'],
      ['answer-0003.2', 'ok', 'stop'],
    ]);
  });

  it('per-call model_context and performance_metrics: each function called once an event, under what the call carries', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const calls = { model: 0, metrics: 0 };
    const wrapped = wrap(model, {
      model_context: () => (calls.model++, { model_version: '2026.05', deployment_id: 'eu-1' }),
      performance_metrics: () => (calls.metrics++, { confidence_score: 0.9 }),
    });
    await generateText({ model: wrapped, prompt: PROMPT });
    // The call's own contexts merge over the options' (the options' function still called, once).
    const carried = { model_context: { deployment_id: 'us-2' }, performance_metrics: { confidence_score: 0.5 } };
    await generateText({ model: wrapped, prompt: PROMPT, providerOptions: { aegislog: carried } });
    const events = await h.events();
    expect(calls).toEqual({ model: 2, metrics: 2 });
    expect(events.map((e) => [e.model_context, e.performance_metrics])).toEqual([
      [{ model_id: 'mock-model-id', model_version: '2026.05', model_type: 'llm', deployment_id: 'eu-1' }, { confidence_score: 0.9, latency_ms: expect.any(Number), input_tokens: 11, output_tokens: 5 }],
      [{ model_id: 'mock-model-id', model_version: '2026.05', model_type: 'llm', deployment_id: 'us-2' }, { confidence_score: 0.5, latency_ms: expect.any(Number), input_tokens: 11, output_tokens: 5 }],
    ]);
  });

  it('anomaly_flags given join the derived ones; one given as a string is one flag; one not text is refused, by name', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER, { finish: 'length' }) });
    const run = (anomaly_flags: unknown, onError?: AiOptions['onError']) =>
      generateText({ model: wrap(model, { performance_metrics: { anomaly_flags } as never, onError }), prompt: PROMPT });
    await run(['low_context', 'length']);
    // A JavaScript caller's string: kept whole, not split into its letters (a Set of a string holds its characters).
    await run('low_context');
    await run(null);
    const onError = vi.fn();
    await run(7, onError);
    // Sorted: each wrap() here is a middleware of its own, and two middlewares digesting on the thread pool may record
    // in either order.
    const flags = (await h.events()).map((e) => JSON.stringify(e.performance_metrics.anomaly_flags)).sort();
    expect(flags).toEqual(['["length"]', '["low_context","length"]', '["low_context","length"]']);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(AegisLogValidationError);
    expect(onError.mock.calls[0]![0].field).toBe('performance_metrics.anomaly_flags[0]');
  });

  it('redact sees every event: it may change it, or return null to record nothing', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const seen: string[] = [];
    const wrapped = wrap(model, {
      redact: (event, call) => {
        seen.push(call.operation);
        if (call.outputTokens === 5 && seen.length === 2) return null;
        return { ...event, payload: { ...event.payload, provider: 'redacted' } };
      },
    });
    await generateText({ model: wrapped, prompt: PROMPT });
    await generateText({ model: wrapped, prompt: PROMPT });
    const events = await h.events();
    expect(seen).toEqual(['generate', 'generate']);
    expect(events.map((e) => e.provider)).toEqual(['redacted']);
  });

  it('sync: through recordSync, the receipt handed to onRecorded', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const onRecorded = vi.fn();
    await generateText({ model: wrap(model, { sync: true, onRecorded }), prompt: PROMPT });
    const [event] = await h.events();
    expect(onRecorded).toHaveBeenCalledTimes(1);
    const { eventId, receipt } = onRecorded.mock.calls[0]![0];
    expect(receipt).toMatchObject({ ok: true, event_id: event!.event_id, signature_b64url: expect.any(String) });
    expect(eventId).toBe(event!.event_id);
  });

  it('sync with a digest key: each event is sent at once, not after the receipt of the one before', async () => {
    // The real client's recordSync, the first call's held (a slow server, a retry): the second's must not wait for it.
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    const sent: string[] = [];
    let bothSent!: () => void;
    const both = new Promise<void>((ok) => (bothSent = ok));
    const log = {
      record: h.log.record.bind(h.log),
      flush: () => h.log.flush(),
      recordSync: async (type: string, payload?: Record<string, unknown>, options?: RecordOptions) => {
        sent.push(String(payload?.output_chars));
        if (sent.length === 2) bothSent();
        if (sent.length === 1) await held;
        return h.log.recordSync(type, payload, options);
      },
    };
    const first = new MockLanguageModelV4({ doGenerate: generateResult('one') });
    const second = new MockLanguageModelV4({ doGenerate: generateResult('three') });
    const options = { log, sync: true, digestKey: DIGEST_KEY };
    const middleware = aegislogMiddleware(options);
    await generateText({ model: wrapLanguageModel({ model: first, middleware }), prompt: PROMPT });
    await generateText({ model: wrapLanguageModel({ model: second, middleware }), prompt: PROMPT });
    // The second is sent while the first is still held. A middleware that waited for the first's receipt
    // would never send it: the test then fails on its timeout. (Waiting a number of loop turns instead
    // was too few on a loaded machine, where the digests (WebCrypto) wait for the thread pool.)
    await both;
    const before = [...sent];
    release();
    await aiFlush(log);
    expect(before).toEqual(['3', '5']);
    expect((await h.events()).map((e) => e.output_chars).sort()).toEqual([3, 5]);
  });

  it('waitUntil: handed one promise per call, settled once the event is recorded and delivered', async () => {
    const handed: Promise<unknown>[] = [];
    const ids: string[] = [];
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Thirty ', 'days.'])) }) });
    const wrapped = wrap(model, { waitUntil: (promise) => handed.push(promise), onRecorded: ({ eventId }) => ids.push(eventId) });
    const result = streamText({ model: wrapped, prompt: PROMPT });
    expect(await result.text).toBe('Thirty days.');
    expect(handed).toHaveLength(1);
    await handed[0];
    expect(ids).toHaveLength(1);
    // Delivered by that promise's flush, before anything else flushes.
    const exported = await (await h.server.call(`/export?tenant_id=${TENANT}`)).text();
    expect(exported).toContain(ids[0]);
    expect((await h.events()).map((e) => e.event_id)).toEqual(ids);
  });

  it('a failure to record never reaches the app: the result is the same, onError is told', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult(ANSWER) });
    const onError = vi.fn();
    const wrapped = wrap(model, { session_context: { session_id: 's', started_at: -5 }, onError });
    const result = await generateText({ model: wrapped, prompt: PROMPT });
    expect(result.text).toBe(ANSWER);
    expect(await h.events()).toEqual([]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(AegisLogValidationError);
    expect(onError.mock.calls[0]![0].field).toBe('session_context.started_at');
  });

  it('a throwing option function or redact hook is reported, not thrown', async () => {
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['ok'])) }) });
    const onError = vi.fn();
    const result = streamText({
      model: wrap(model, {
        trace_id: () => {
          throw new Error('no trace here');
        },
        onError,
      }),
      prompt: PROMPT,
    });
    expect(await result.text).toBe('ok');
    await h.events();
    expect(onError.mock.calls.map((c) => c[0].message)).toEqual(['no trace here']);
  });
});

/** Stream parts without what differs between two runs by design (timestamps, ids of the provider's response). */
function strip(parts: any[]): any[] {
  return parts.map(({ timestamp, request, response, performance, ...part }) => part);
}
