// The AI SDK's embedding-model middleware with the real `ai` (ai@7, v4 middleware; ai@6, installed as `ai6`, v3)
// and its mock embedding models, and with the real OpenAI provider against the fake OpenAI server on 127.0.0.1,
// recording through the real client into the real reference server. Each test checks the exact event stored and
// that the app got the same result as from the unwrapped model.
import { createOpenAI } from '@ai-sdk/openai';
import { embed, embedMany, wrapEmbeddingModel } from 'ai';
import { MockEmbeddingModelV4 } from 'ai/test';
import { embed as embed6, wrapEmbeddingModel as wrapEmbeddingModel6 } from 'ai6';
import { MockEmbeddingModelV3 } from 'ai6/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aegislogEmbeddingMiddleware } from '../../src/ai/index.js';
import { AegisLogError } from '../../src/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { EMBEDDING_MODEL, EMBEDDING_SNAPSHOT, embeddingVector, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const middleware = () => aegislogEmbeddingMiddleware({ log: h.log, digestKey: DIGEST_KEY });
const TEXT = 'Where is my parcel?';
/** A mock model's answer: one 3-long vector per value, 4 tokens a value. */
const answer = ({ values }: { values: string[] }) => Promise.resolve({ embeddings: values.map((_, i) => [i, 0.5, -0.25]), usage: { tokens: 4 * values.length }, warnings: [] });

/** What every event of a mock model's doEmbed has. */
const embedEvent = {
  ...generated,
  event_type: 'model_inference',
  integration: 'ai-sdk',
  operation: 'embed',
  streamed: false,
  provider: 'mock-provider',
  outcome: 'ok',
  // The spec's result names no model: the version is the options' to pin.
  model_context: { model_id: 'mock-model-id', model_version: 'unreported', model_type: 'embedding' },
};
/** The event of `embed` of TEXT through a mock model, in either major. */
const embedOfText = {
  ...embedEvent,
  input_chars: TEXT.length,
  input_digest: hmac([TEXT]),
  embedding_count: 1,
  embedding_dimensions: 3,
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 4 },
};

describe('ai@7 (v4 middleware)', () => {
  it('embed: the same result as unwrapped; the exact event (the values as the model is given them), no output digest', async () => {
    const model = new MockEmbeddingModelV4({ doEmbed: answer });
    const plain = await embed({ model, value: TEXT });
    const result = await embed({ model: wrapEmbeddingModel({ model, middleware: middleware() }), value: TEXT });
    expect(result.embedding).toEqual(plain.embedding);
    expect(result.usage).toEqual(plain.usage);
    expect(await h.events()).toEqual([embedOfText]);
  });

  it('embedMany: one event per model call (values in chunks of maxEmbeddingsPerCall)', async () => {
    const model = new MockEmbeddingModelV4({ doEmbed: answer, maxEmbeddingsPerCall: 2 });
    const values = ['Where is my parcel?', 'When does it arrive?', 'Can I return shoes?'];
    const plain = await embedMany({ model, values });
    const result = await embedMany({ model: wrapEmbeddingModel({ model, middleware: middleware() }), values });
    expect(result.embeddings).toEqual(plain.embeddings);
    const events = await h.events();
    expect(events).toEqual([
      {
        ...embedEvent,
        input_chars: values[0]!.length + values[1]!.length,
        input_digest: hmac(values.slice(0, 2)),
        embedding_count: 2,
        embedding_dimensions: 3,
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 8 },
      },
      {
        ...embedEvent,
        input_chars: values[2]!.length,
        input_digest: hmac(values.slice(2)),
        embedding_count: 1,
        embedding_dimensions: 3,
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 4 },
      },
    ]);
  });

  it('a failed call and an aborted one: the app gets the same error; recorded error and aborted', async () => {
    const failing = new MockEmbeddingModelV4({
      doEmbed: async ({ abortSignal }) => {
        if (abortSignal?.aborted) throw abortSignal.reason;
        throw Object.assign(new Error('Rate limit reached'), { statusCode: 429 });
      },
    });
    const wrapped = wrapEmbeddingModel({ model: failing, middleware: middleware() });
    const error = await embed({ model: wrapped, value: TEXT, maxRetries: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'Rate limit reached' });
    const abort = new AbortController();
    abort.abort();
    await expect(embed({ model: wrapped, value: TEXT, maxRetries: 0, abortSignal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error, e.embedding_count, e.performance_metrics.anomaly_flags])).toEqual([
      ['error', { name: 'Error', message: 'Rate limit reached', status: 429 }, undefined, ['error']],
      ['aborted', { name: 'AbortError', message: expect.any(String) }, undefined, ['aborted']],
    ]);
  });

  it('the OpenAI provider against the fake server: the model the answer names is the version', async () => {
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    const model = wrapEmbeddingModel({ model: provider.embedding(EMBEDDING_MODEL), middleware: middleware() });
    const { embedding } = await embed({ model, value: TEXT, providerOptions: { openai: { dimensions: 4 } } });
    expect(embedding).toEqual(embeddingVector(0, 4));
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...embedEvent,
      provider: 'openai.embedding',
      response_model_id: EMBEDDING_SNAPSHOT,
      input_chars: TEXT.length,
      input_digest: hmac([TEXT]),
      embedding_count: 1,
      embedding_dimensions: 4,
      model_context: { model_id: EMBEDDING_MODEL, model_version: EMBEDDING_SNAPSHOT, model_type: 'embedding' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 4 },
    });
  });

  it('options are checked as it is made: ERR_CONFIG naming the field', () => {
    expect(() => aegislogEmbeddingMiddleware({ log: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
    expect(() => aegislogEmbeddingMiddleware({ log: h.log, capture: 'all' as never })).toThrow(AegisLogError);
  });
});

describe('wrapped twice', () => {
  it('with the same log: one event per call (the outer wrap records it), nested or listed, ai@7 and ai@6', async () => {
    const model = new MockEmbeddingModelV4({ doEmbed: answer });
    const nested = wrapEmbeddingModel({ model: wrapEmbeddingModel({ model, middleware: middleware() }), middleware: aegislogEmbeddingMiddleware({ log: h.log }) });
    const listed = wrapEmbeddingModel({ model, middleware: [aegislogEmbeddingMiddleware({ log: h.log }), middleware()] });
    for (const wrapped of [nested, listed]) expect((await embed({ model: wrapped, value: TEXT })).embedding).toEqual([0, 0.5, -0.25]);
    const v3 = (log = h.log) => aegislogEmbeddingMiddleware({ log, specificationVersion: 'v3' });
    const model6 = new MockEmbeddingModelV3({ doEmbed: answer });
    await embed6({ model: wrapEmbeddingModel6({ model: wrapEmbeddingModel6({ model: model6, middleware: v3() }), middleware: v3() }), value: TEXT });
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.embedding_count])).toEqual([
      ['embed', 1],
      ['embed', 1],
      ['embed', 1],
    ]);
    // The outer wrap's options (no digest key) made the events.
    expect(events.every((e) => e.input_digest === undefined)).toBe(true);
  });

  it('with another log: each log records the call; the same params called again, or twice at once, are recorded each time', async () => {
    const other: Record<string, unknown>[] = [];
    const log = { record: (_type: string, payload: Record<string, unknown> = {}) => (other.push(payload), 'id') };
    const model = new MockEmbeddingModelV4({ doEmbed: answer });
    await embed({ model: wrapEmbeddingModel({ model: wrapEmbeddingModel({ model, middleware: middleware() }), middleware: aegislogEmbeddingMiddleware({ log }) }), value: TEXT });
    const wrapped = wrapEmbeddingModel({ model, middleware: aegislogEmbeddingMiddleware({ log }) });
    const params = { values: [TEXT] };
    await wrapped.doEmbed(params);
    await Promise.all([wrapped.doEmbed(params), wrapped.doEmbed(params)]);
    expect((await h.events()).map((e) => e.input_digest)).toEqual([hmac([TEXT])]);
    expect(other.map((p) => p.embedding_count)).toEqual([1, 1, 1, 1]);
    // The params the app gave are left as they were.
    expect(Object.keys(params)).toEqual(['values']);
  });
});

describe('ai@6 (v3 middleware)', () => {
  it('embed: the same result as unwrapped; the exact event', async () => {
    const model = new MockEmbeddingModelV3({ doEmbed: answer });
    const plain = await embed6({ model, value: TEXT });
    const wrapped = wrapEmbeddingModel6({ model, middleware: aegislogEmbeddingMiddleware({ log: h.log, digestKey: DIGEST_KEY, specificationVersion: 'v3' }) });
    const result = await embed6({ model: wrapped, value: TEXT });
    expect(result.embedding).toEqual(plain.embedding);
    expect(await h.events()).toEqual([embedOfText]);
  });
});
