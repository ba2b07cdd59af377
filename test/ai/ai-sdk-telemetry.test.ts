// The AI SDK's telemetry integration (ai@7): registered once, it records every model call with no model
// wrapped. Real `ai`, its mock models, the real client and reference server.
import { APICallError, generateObject, generateText, registerTelemetry, stepCountIs, streamObject, streamText, tool } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aegislogTelemetry, aiDigest } from '../../src/ai/index.js';
import { generated, harness, type Harness } from './harness.js';
import { controlledStream, DIGEST_KEY, generateResult, hmac, RESPONSE, streamParts, usage } from './mock-model.js';
import { chatStream, MODEL, startOpenAIServer } from './openai-server.js';

let h: Harness;
beforeAll(async () => void (h = await harness()));
afterAll(async () => h?.close());
afterEach(() => void (globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = undefined));

const PROMPT = 'Summarise my last order.';
/**
 * One integration per test: an integration records its events in the order its calls ended, but two,
 * each digesting on the thread pool, may record theirs in either order.
 */
let shared: { integrations: ReturnType<typeof aegislogTelemetry>[] } | undefined;
beforeEach(() => void (shared = undefined));
const telemetry = () => (shared ??= { integrations: [aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY })] });

describe('aegislogTelemetry', () => {
  it('registerTelemetry: every generateText call is recorded, the model unwrapped', async () => {
    registerTelemetry(aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY }));
    const model = new MockLanguageModelV4({ doGenerate: generateResult('Two books, shipped.') });
    const result = await generateText({ model, system: 'Be brief.', prompt: PROMPT });
    expect(result.text).toBe('Two books, shipped.');
    expect(await h.events()).toEqual([
      {
        ...generated,
        event_type: 'model_inference',
        integration: 'ai-sdk-telemetry',
        operation: 'ai.generateText',
        streamed: false,
        provider: 'mock-provider',
        response_model_id: RESPONSE.modelId,
        response_id: RESPONSE.id,
        outcome: 'ok',
        finish_reason: 'stop',
        input_chars: PROMPT.length + 'Be brief.'.length,
        output_chars: 'Two books, shipped.'.length,
        input_digest: hmac({ instructions: 'Be brief.', messages: [{ role: 'user', content: PROMPT }] }),
        output_digest: hmac('Two books, shipped.'),
        model_context: { model_id: 'mock-model-id', model_version: RESPONSE.modelId, model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 11, output_tokens: 5 },
      },
    ]);
  });

  it('streamText: one event when the stream ends, with time to first token', async () => {
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Two ', 'books.'])) }) });
    const result = streamText({ model, prompt: PROMPT, telemetry: telemetry() });
    expect(await result.text).toBe('Two books.');
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ operation: 'ai.streamText', streamed: true, outcome: 'ok', output_chars: 10, output_digest: hmac('Two books.'), time_to_first_token_ms: expect.any(Number) });
  });

  it('generateObject and streamObject: one event per model call (the SDK reports them as object steps)', async () => {
    const json = '{"total":42}';
    const schema = z.object({ total: z.number() });
    const generating = new MockLanguageModelV4({ doGenerate: generateResult(json) });
    // One integration: its events are in the order their calls ended (two would each keep their own order).
    const integration = telemetry();
    const generated = await generateObject({ model: generating, schema, system: 'Be brief.', prompt: PROMPT, telemetry: integration });
    expect(generated.object).toEqual({ total: 42 });
    const streaming = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['{"total":', '42}'])) }) });
    const streamed = streamObject({ model: streaming, schema, prompt: PROMPT, telemetry: integration });
    for await (const _ of streamed.partialObjectStream); // streamObject reads the model only as the app reads it
    expect(await streamed.object).toEqual({ total: 42 });
    const events = await h.events();
    expect(events).toHaveLength(2);
    const common = { integration: 'ai-sdk-telemetry', provider: 'mock-provider', outcome: 'ok', finish_reason: 'stop', response_model_id: RESPONSE.modelId, response_id: RESPONSE.id, output_chars: json.length, output_digest: hmac(json) };
    expect(events[0]).toMatchObject({ ...common, operation: 'ai.generateObject', streamed: false, input_digest: hmac({ messages: generating.doGenerateCalls[0]!.prompt }) });
    expect(events[1]).toMatchObject({ ...common, operation: 'ai.streamObject', streamed: true, input_digest: hmac({ messages: streaming.doStreamCalls[0]!.prompt }), time_to_first_token_ms: expect.any(Number) });
    expect(events.map((e) => [e.performance_metrics.input_tokens, e.performance_metrics.output_tokens])).toEqual([[11, 5], [11, 5]]);
    expect(events[0]!.input_chars).toBe(PROMPT.length + 'Be brief.'.length);
  });

  it('a tool loop: one event per model call', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => (++calls === 1 ? generateResult('', { tools: ['lookup'] }) : generateResult('Order 42: two books.')),
    });
    const result = await generateText({
      model,
      prompt: PROMPT,
      tools: { lookup: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => 'order 42' }) },
      stopWhen: stepCountIs(3),
      telemetry: telemetry(),
    });
    expect(result.text).toBe('Order 42: two books.');
    const events = await h.events();
    // The first call generated no text: no output size or digest.
    expect(events.map((e) => [e.finish_reason, e.tool_calls, e.output_chars, e.output_digest])).toEqual([
      ['tool-calls', ['lookup'], undefined, undefined],
      ['stop', undefined, 'Order 42: two books.'.length, hmac('Order 42: two books.')],
    ]);
  });

  it('a tool call without a name (a provider that leaves it out) is left out, not the event', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generateResult('', { tools: ['lookup', undefined as never] }) });
    await generateText({ model, prompt: PROMPT, telemetry: telemetry() });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.tool_calls])).toEqual([['ok', 'tool-calls', ['lookup']]]);
  });

  it("the app's telemetry.functionId (which of its functions made the call) is the event's function_id, whatever the call", async () => {
    const model = new MockLanguageModelV4({
      doGenerate: async (options) => (options.responseFormat?.type === 'json' ? generateResult('{"books":2}') : generateResult('Two books.')),
      doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Two ', 'books.'])) }),
    });
    const settings = { ...telemetry(), functionId: 'order-summary' };
    await generateText({ model, prompt: PROMPT, telemetry: settings });
    await streamText({ model, prompt: PROMPT, telemetry: settings }).consumeStream();
    await generateObject({ model, prompt: PROMPT, schema: z.object({ books: z.number() }), telemetry: settings });
    await generateText({ model, prompt: PROMPT, telemetry: telemetry() });
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.function_id])).toEqual([
      ['ai.generateText', 'order-summary'],
      ['ai.streamText', 'order-summary'],
      ['ai.generateObject', 'order-summary'],
      ['ai.generateText', undefined],
    ]);
  });

  it("images the model made beside its text (a Gemini image model's): counted and digested, as the image middleware's", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 4, 5]);
    const generated = generateResult('Here it is.');
    const model = new MockLanguageModelV4({
      doGenerate: async () => ({
        ...generated,
        content: [
          ...generated.content,
          // v4 file data: base64 (as Gemini answers it) or bytes; a file that is no image is neither counted nor digested.
          { type: 'file' as const, mediaType: 'image/png', data: { type: 'data' as const, data: Buffer.from(png).toString('base64') } },
          { type: 'file' as const, mediaType: 'audio/wav', data: { type: 'data' as const, data: new Uint8Array([9, 9]) } },
          { type: 'file' as const, mediaType: 'image/jpeg', data: { type: 'data' as const, data: jpeg } },
        ],
      }),
      doStream: async () => ({
        stream: convertArrayToReadableStream([
          ...streamParts(['Here.']).slice(0, -1),
          { type: 'file', mediaType: 'image/png', data: { type: 'data', data: png } },
          ...streamParts(['Here.']).slice(-1),
        ]),
      }),
    });
    const result = await generateText({ model, prompt: 'Draw my parcel.', telemetry: telemetry() });
    expect(result.files.map((f) => f.mediaType)).toEqual(['image/png', 'audio/wav', 'image/jpeg']);
    const streamed = streamText({ model, prompt: 'Draw my parcel.', telemetry: telemetry() });
    await streamed.consumeStream();
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.image_count, e.image_digest, e.output_digest])).toEqual([
      // The images' bytes in answer order: what aiDigest gives of the files kept, as for the image middleware's.
      ['ai.generateText', 2, await aiDigest([png, jpeg], DIGEST_KEY), hmac('Here it is.')],
      ['ai.streamText', 1, await aiDigest([png], DIGEST_KEY), hmac('Here.')],
    ]);
    // With the outputs withheld by the app, the SDK hands over no file: none counted, and the event says so.
    await generateText({ model, prompt: 'Draw my parcel.', telemetry: { ...telemetry(), recordOutputs: false, recordInputs: false } });
    const [withheld] = await h.events();
    expect([withheld!.image_count, withheld!.image_digest, withheld!.withheld]).toEqual([undefined, undefined, ['input', 'output']]);
    // With the inputs alone withheld, the images are the output's, kept.
    await generateText({ model, prompt: 'Draw my parcel.', telemetry: { ...telemetry(), recordInputs: false } });
    const [inputWithheld] = await h.events();
    expect([inputWithheld!.image_count, inputWithheld!.image_digest, inputWithheld!.withheld]).toEqual([2, await aiDigest([png, jpeg], DIGEST_KEY), ['input']]);
  });

  it("the app's recordInputs/recordOutputs false: no input or output fields, and the event says they were withheld", async () => {
    // The SDK then hands integrations `messages: []` and `content: []`: a digest of that is the same for every
    // prompt, and no text reads as an answer with none.
    const model = new MockLanguageModelV4({ doGenerate: generateResult('Two books, shipped.', { tools: ['lookup'] }) });
    for (const [recordInputs, recordOutputs] of [[false, false], [false, true], [true, false]] as const) {
      const result = await generateText({ model, prompt: PROMPT, telemetry: { ...telemetry(), recordInputs, recordOutputs } });
      expect(result.text).toBe('Two books, shipped.');
      const [event] = await h.events();
      const withheld = [...(recordInputs ? [] : ['input']), ...(recordOutputs ? [] : ['output'])];
      expect(event!.withheld, `${recordInputs} ${recordOutputs}`).toEqual(withheld);
      for (const field of ['input_chars', 'input_digest']) expect(field in event!, field).toBe(recordInputs);
      for (const field of ['output_chars', 'output_digest', 'tool_calls']) expect(field in event!, field).toBe(recordOutputs);
      // What the SDK still reports is kept: the finish reason and the token counts.
      expect(event).toMatchObject({ outcome: 'ok', finish_reason: 'tool-calls', performance_metrics: { input_tokens: 11, output_tokens: 5 } });
      shared = undefined;
    }
  });

  it('an error: outcome error, and the app gets the error', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        throw new Error('quota exceeded');
      },
    });
    await expect(generateText({ model, prompt: PROMPT, maxRetries: 0, telemetry: telemetry() })).rejects.toThrow('quota exceeded');
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'error', error: { message: 'quota exceeded' }, performance_metrics: { anomaly_flags: ['error'] } });
  });

  it("a stream that fails with an error part: outcome error, whether a finish part follows or not", async () => {
    const failing = (finish: boolean) =>
      new MockLanguageModelV4({
        doStream: async () => {
          const parts = [...streamParts(['Two ']).slice(0, 4), { type: 'error', error: new Error('overloaded') }];
          if (finish) parts.push({ type: 'finish', finishReason: { unified: 'error', raw: undefined }, usage: usage(11, 1) });
          return { stream: convertArrayToReadableStream(parts) };
        },
      });
    for (const finish of [true, false]) {
      const result = streamText({ model: failing(finish), prompt: PROMPT, onError: () => undefined, telemetry: telemetry() });
      for await (const _ of result.fullStream);
    }
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
      ['error', 'error', 4, ['error']],
      ['error', 'error', 4, ['error']],
    ]);
  });

  it('a stream that ends with no finish part and no error: finish reason interrupted, as the middleware records it', async () => {
    // The SDK reports no end of that model call, and its own placeholder finish reason (`other`) as the operation ends.
    const model = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Two ']).slice(0, 5)) }) });
    for await (const _ of streamText({ model, prompt: PROMPT, onError: () => undefined, telemetry: telemetry() }).fullStream);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'ok', finish_reason: 'interrupted', output_chars: 4, performance_metrics: { anomaly_flags: ['interrupted'] } });
    expect(event!.error).toBeUndefined();
  });

  it('the OpenAI provider reports an error mid-stream: outcome error', async () => {
    // A local OpenAI-compatible server stands in for the provider; @ai-sdk/openai is the real provider.
    const api = await startOpenAIServer();
    try {
      api.script({ sse: [...chatStream(['Partial ']).slice(0, 2), { data: { error: { message: 'The server had an error', type: 'server_error', code: null } } }], done: false });
      const model = createOpenAI({ apiKey: 'sk-test', baseURL: api.url }).chat(MODEL);
      const result = streamText({ model, prompt: PROMPT, onError: () => undefined, telemetry: telemetry() });
      for await (const _ of result.fullStream);
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'error', finish_reason: 'error', performance_metrics: { anomaly_flags: ['error'] } });
    } finally {
      await api.close();
    }
  });

  it('retries: a streamed attempt that failed is an event of its own, outcome error; generateText reports one model call', async () => {
    // retry-after-ms: 0, so that the SDK retries at once.
    const overloaded = () => new APICallError({ message: 'overloaded', url: 'http://127.0.0.1/v1', requestBodyValues: {}, statusCode: 529, responseHeaders: { 'retry-after-ms': '0' }, isRetryable: true });
    let calls = 0;
    const model = new MockLanguageModelV4({
      doStream: async () => {
        if (++calls === 1) throw overloaded();
        return { stream: convertArrayToReadableStream(streamParts(['Two books.'])) };
      },
      doGenerate: async () => {
        if (++calls === 3) throw overloaded();
        return generateResult('Two books.');
      },
    });
    // One integration: its events are in the order their calls ended (two would each keep their own order).
    const integration = telemetry();
    expect(await streamText({ model, prompt: PROMPT, maxRetries: 1, telemetry: integration }).text).toBe('Two books.');
    expect((await generateText({ model, prompt: PROMPT, maxRetries: 1, telemetry: integration })).text).toBe('Two books.');
    expect(calls).toBe(4);
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.output_chars])).toEqual([
      ['ai.streamText', 'error', undefined],
      ['ai.streamText', 'ok', 10],
      // The SDK retries within one model call of generateText: one event, its latency both attempts and the wait.
      ['ai.generateText', 'ok', 10],
    ]);
  });

  it('an aborted stream: outcome aborted', async () => {
    const source = controlledStream();
    const model = new MockLanguageModelV4({ doStream: source.answer });
    const abort = new AbortController();
    const result = streamText({ model, prompt: PROMPT, abortSignal: abort.signal, telemetry: telemetry() });
    source.push(...streamParts(['Two ']).slice(0, 4));
    const reader = result.textStream.getReader();
    expect((await reader.read()).value).toBe('Two ');
    abort.abort();
    for (let i = 0; i < 10 && !(await reader.read()).done; i++);
    const [event] = await h.events();
    expect(event).toMatchObject({ outcome: 'aborted', streamed: true, performance_metrics: { anomaly_flags: ['aborted'] } });
  });

  it('a signal aborted before the call: aborted, whether the model heeds it or not', async () => {
    // No reason given: the signal's reason is an AbortError, which is how an abort is told from the error that
    // generateText reports (the SDK hands over that error alone, no abort).
    const abort = new AbortController();
    abort.abort();
    // A model that heeds the signal (as a provider's fetch does), and one that ignores it.
    const heeding = new MockLanguageModelV4({
      doGenerate: async ({ abortSignal }) => {
        abortSignal?.throwIfAborted();
        return generateResult('Two books.');
      },
      doStream: async ({ abortSignal }) => {
        abortSignal?.throwIfAborted();
        return { stream: convertArrayToReadableStream(streamParts(['Two books.'])) };
      },
    });
    const ignoring = new MockLanguageModelV4({ doStream: async () => ({ stream: convertArrayToReadableStream(streamParts(['Two books.'])) }) });
    await expect(generateText({ model: heeding, prompt: PROMPT, abortSignal: abort.signal, maxRetries: 0, telemetry: telemetry() })).rejects.toMatchObject({ name: 'AbortError' });
    for (const model of [heeding, ignoring]) {
      const result = streamText({ model, prompt: PROMPT, abortSignal: abort.signal, maxRetries: 0, onError: () => undefined, telemetry: telemetry() });
      for await (const _ of result.fullStream);
    }
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.performance_metrics.anomaly_flags])).toEqual([
      ['ai.generateText', 'aborted', 'AbortError', ['aborted']],
      ['ai.streamText', 'aborted', 'AbortError', ['aborted']],
      ['ai.streamText', 'aborted', 'AbortError', ['aborted']],
    ]);
  });

  it('aborts with no model call after them (between two steps) are not kept for ever: the oldest of 1,000 is let go', async () => {
    // The integration's methods called as the SDK calls them, into a stand-in log.
    const recorded: Record<string, unknown>[] = [];
    const integration = aegislogTelemetry({ log: { record: (_type, payload = {}) => (recorded.push(payload), 'id') } });
    for (let i = 0; i <= 1000; i++) integration.onAbort({ callId: `call-${i}` });
    // call-1000 is still known as aborted when its model call starts; call-0, the oldest, was let go.
    for (const callId of ['call-0', 'call-1000']) {
      integration.onLanguageModelCallStart({ callId, provider: 'p', modelId: 'm' });
      integration.onLanguageModelCallEnd({ callId, modelId: 'm', finishReason: 'stop', usage: {}, content: [] });
    }
    expect(recorded.map((p) => p.outcome)).toEqual(['ok', 'aborted']);
  });
});
