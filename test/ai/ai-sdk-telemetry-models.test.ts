// The AI SDK's telemetry integration (ai@7) and its other model calls: embed, embedMany, rerank, transcribe and
// generateSpeech. Real `ai` and its mock models (the real OpenAI provider against the fake OpenAI server for
// embeddings), the real client and reference server; each test checks the exact events stored.
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, embed, embedMany, generateSpeech, registerTelemetry, rerank, transcribe, wrapEmbeddingModel } from 'ai';
import { MockEmbeddingModelV4, MockRerankingModelV4, MockSpeechModelV4, MockTranscriptionModelV4 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aegislogEmbeddingMiddleware, aegislogTelemetry, type AiLog } from '../../src/ai/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { EMBEDDING_MODEL, EMBEDDING_SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));
afterEach(() => void (globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = undefined));

/**
 * An integration, given to the calls (or registered): one per test, as an integration records its events in the order
 * its calls ended, but two, each digesting on the thread pool, may record theirs in either order.
 */
const integration = () => aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY });
const TEXT = 'Where is my parcel?';
const VALUES = ['Where is my parcel?', 'When does it arrive?', 'Can I return shoes?'];
/** A mock model's answer: one 3-long vector per value, 4 tokens a value. */
const vectors = ({ values }: { values: string[] }) => Promise.resolve({ embeddings: values.map((_, i) => [i, 0.5, -0.25]), usage: { tokens: 4 * values.length }, warnings: [] });
const at = new Date(1_780_000_000_000);

/** What every event of these calls has. */
const base = { ...generated, event_type: 'model_inference', integration: 'ai-sdk-telemetry', streamed: false, provider: 'mock-provider', outcome: 'ok' };
const context = (type: string, version = 'unreported') => ({ model_id: 'mock-model-id', model_version: version, model_type: type });

describe('aegislogTelemetry: embeddings', () => {
  it('registerTelemetry, then embed: one exact event, as the embedding middleware records the same call', async () => {
    registerTelemetry(integration());
    const model = new MockEmbeddingModelV4({ doEmbed: vectors });
    const result = await embed({ model, value: TEXT });
    expect(result.embedding).toEqual([0, 0.5, -0.25]);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...base,
      operation: 'ai.embed',
      input_chars: TEXT.length,
      input_digest: hmac([TEXT]),
      embedding_count: 1,
      embedding_dimensions: 3,
      model_context: context('embedding'),
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 4 },
    });
    // The same call through the embedding middleware (telemetry off): the same record, but for who made it.
    const middleware = aegislogEmbeddingMiddleware({ log: h.log, digestKey: DIGEST_KEY });
    await embed({ model: wrapEmbeddingModel({ model, middleware }), value: TEXT, telemetry: { isEnabled: false } });
    const [viaMiddleware] = await h.events();
    const same = (e: Record<string, any>) => ({ ...e, integration: undefined, operation: undefined, event_id: undefined, trace_id: undefined, recorded_at: undefined, client_seq: undefined, performance_metrics: undefined });
    expect(same(viaMiddleware!)).toEqual(same(event!));
  });

  it('embedMany in chunks: one event per model call, in chunk order', async () => {
    const model = new MockEmbeddingModelV4({ doEmbed: vectors, maxEmbeddingsPerCall: 2 });
    const result = await embedMany({ model, values: VALUES, telemetry: { integrations: [integration()] } });
    expect(result.embeddings).toHaveLength(3);
    expect(await h.events()).toEqual([
      {
        ...base,
        operation: 'ai.embedMany',
        input_chars: VALUES[0]!.length + VALUES[1]!.length,
        input_digest: hmac(VALUES.slice(0, 2)),
        embedding_count: 2,
        embedding_dimensions: 3,
        model_context: context('embedding'),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 8 },
      },
      {
        ...base,
        operation: 'ai.embedMany',
        input_chars: VALUES[2]!.length,
        input_digest: hmac(VALUES.slice(2)),
        embedding_count: 1,
        embedding_dimensions: 3,
        model_context: context('embedding'),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 4 },
      },
    ]);
  });

  it('an attempt that failed and was retried is a call that failed; a call that failed for good is too, with its error', async () => {
    const integrations = [integration()];
    let attempts = 0;
    const model = new MockEmbeddingModelV4({
      doEmbed: async (options) => {
        attempts++;
        // Retryable at once: `retry-after-ms: 0` is the provider's word, which the SDK heeds.
        if (attempts === 1 || attempts >= 3) {
          throw new APICallError({ message: 'Overloaded', url: 'http://127.0.0.1/embed', requestBodyValues: {}, statusCode: 503, responseHeaders: { 'retry-after-ms': '0' }, isRetryable: attempts === 1 });
        }
        return vectors(options);
      },
    });
    await embed({ model, value: TEXT, telemetry: { integrations } });
    await expect(embed({ model, value: TEXT, maxRetries: 0, telemetry: { integrations } })).rejects.toMatchObject({ statusCode: 503 });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error, e.embedding_count, e.input_digest, e.performance_metrics.anomaly_flags])).toEqual([
      // The SDK tells nothing of the failed attempt but that its retry started: no error to record.
      ['error', undefined, undefined, hmac([TEXT]), ['error']],
      ['ok', undefined, 1, hmac([TEXT]), undefined],
      ['error', { name: 'AI_APICallError', message: 'Overloaded', status: 503 }, undefined, hmac([TEXT]), ['error']],
    ]);
    expect(attempts).toBe(3);
  });

  it('a failed attempt is recorded as its retry starts, so that its latency is its own, not its retry\'s too', async () => {
    // A log that keeps the payloads it is given, at once: what was recorded while the retry runs.
    const recorded: Record<string, unknown>[] = [];
    const log: AiLog = { record: (_type, payload) => (recorded.push(payload!), `e${recorded.length}`) };
    let seenByRetry: unknown[] | undefined;
    let attempts = 0;
    const model = new MockEmbeddingModelV4({
      doEmbed: async (options) => {
        if (++attempts === 1) throw new APICallError({ message: 'Overloaded', url: 'http://127.0.0.1/embed', requestBodyValues: {}, statusCode: 503, responseHeaders: { 'retry-after-ms': '0' }, isRetryable: true });
        // The first attempt's event may take a few turns (its digest): waited for, within a bound.
        for (let turn = 0; turn < 1000 && recorded.length === 0; turn++) await new Promise((next) => setImmediate(next));
        seenByRetry = recorded.map((p) => p.outcome);
        return vectors(options);
      },
    });
    await embed({ model, value: TEXT, telemetry: { integrations: [aegislogTelemetry({ log })] } });
    expect(seenByRetry).toEqual(['error']);
    expect(recorded.map((p) => [p.outcome, p.embedding_count])).toEqual([['error', undefined], ['ok', 1]]);

    // embedMany's chunks run side by side: a retried chunk's failed attempt is its own, not the other chunk's.
    recorded.length = 0;
    let second = 0;
    const turns = async (until: () => boolean) => {
      for (let turn = 0; turn < 1000 && !until(); turn++) await new Promise((next) => setImmediate(next));
    };
    const chunked = new MockEmbeddingModelV4({
      maxEmbeddingsPerCall: 2,
      supportsParallelCalls: true,
      doEmbed: async (options) => {
        if (options.values.length === 2) await turns(() => second === 2); // the first chunk answers after the retry
        else if (++second === 1) throw new APICallError({ message: 'Overloaded', url: 'http://127.0.0.1/embed', requestBodyValues: {}, statusCode: 503, responseHeaders: { 'retry-after-ms': '0' }, isRetryable: true });
        else await turns(() => recorded.length === 1);
        return vectors(options);
      },
    });
    await embedMany({ model: chunked, values: VALUES, telemetry: { integrations: [aegislogTelemetry({ log })] } });
    expect(recorded.map((p) => [p.outcome, p.embedding_count])).toEqual([['error', undefined], ['ok', 2], ['ok', 1]]);
  });

  it("the OpenAI provider against the fake server: the model its answer names is the version", async () => {
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    await embedMany({ model: provider.embedding(EMBEDDING_MODEL), values: VALUES.slice(0, 2), telemetry: { integrations: [integration()] } });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      operation: 'ai.embedMany',
      provider: 'openai.embedding',
      response_model_id: EMBEDDING_SNAPSHOT,
      embedding_count: 2,
      model_context: { model_id: EMBEDDING_MODEL, model_version: EMBEDDING_SNAPSHOT, model_type: 'embedding' },
    });
  });

  it("the app's telemetry.functionId is the event's function_id", async () => {
    const model = new MockEmbeddingModelV4({ doEmbed: vectors, maxEmbeddingsPerCall: 2 });
    await embedMany({ model, values: VALUES, telemetry: { integrations: [integration()], functionId: 'kb-index' } });
    expect((await h.events()).map((e) => [e.operation, e.function_id])).toEqual([
      ['ai.embedMany', 'kb-index'],
      ['ai.embedMany', 'kb-index'],
    ]);
  });

  it("with the app's recordInputs and recordOutputs false: no digest of what the SDK emptied, and said so", async () => {
    const integrations = [integration()];
    const model = new MockEmbeddingModelV4({ doEmbed: vectors });
    await embed({ model, value: TEXT, telemetry: { integrations, recordInputs: false } });
    await embed({ model, value: TEXT, telemetry: { integrations, recordOutputs: false } });
    const events = await h.events();
    expect(events.map((e) => [e.withheld, e.input_digest, e.input_chars, e.embedding_count, e.performance_metrics.input_tokens])).toEqual([
      [['input'], undefined, undefined, 1, 4],
      [['output'], hmac([TEXT]), TEXT.length, undefined, 4],
    ]);
  });
});

describe('aegislogTelemetry: rerank', () => {
  const documents = ['It left the depot.', 'Shoes can be returned within 30 days.', 'Parcels arrive in 2 days.'];
  const ranked = new MockRerankingModelV4({
    doRerank: async () => ({
      ranking: [{ index: 2, relevanceScore: 0.9 }, { index: 0, relevanceScore: 0.4 }],
      response: { id: 'rr-1', modelId: 'mock-reranker-2026-05', timestamp: at },
    }),
  });

  it('a reranker is a model call: the query and documents digested, the results counted, the model that answered', async () => {
    const result = await rerank({ model: ranked, query: TEXT, documents, topN: 2, telemetry: { integrations: [integration()] } });
    expect(result.ranking.map((r) => r.originalIndex)).toEqual([2, 0]);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...base,
      operation: 'ai.rerank',
      response_id: 'rr-1',
      response_model_id: 'mock-reranker-2026-05',
      input_chars: TEXT.length + documents.join('').length,
      input_digest: hmac({ query: TEXT, documents }),
      rerank_result_count: 2,
      model_context: context('reranker', 'mock-reranker-2026-05'),
      performance_metrics: { latency_ms: expect.any(Number) },
    });
  });

  it('a failed rerank: the error; its results withheld by the app: not counted, and said so', async () => {
    const integrations = [integration()];
    const failing = new MockRerankingModelV4({ doRerank: async () => Promise.reject(Object.assign(new Error('Bad documents'), { statusCode: 400 })) });
    await expect(rerank({ model: failing, query: TEXT, documents, maxRetries: 0, telemetry: { integrations } })).rejects.toThrow('Bad documents');
    await rerank({ model: ranked, query: TEXT, documents, telemetry: { integrations, recordOutputs: false } });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error, e.rerank_result_count, e.withheld, e.input_digest, e.response_id])).toEqual([
      ['error', { name: 'Error', message: 'Bad documents', status: 400 }, undefined, undefined, hmac({ query: TEXT, documents }), undefined],
      ['ok', undefined, undefined, ['output'], hmac({ query: TEXT, documents }), 'rr-1'],
    ]);
  });
});

describe('aegislogTelemetry: speech', () => {
  it('transcribe: the audio by its size only, the text heard; generateSpeech: the text said, the audio by its size', async () => {
    const integrations = [integration()];
    const heard = new MockTranscriptionModelV4({
      doGenerate: async () => ({ text: 'Where is my parcel?', segments: [], language: 'en', durationInSeconds: 1.5, warnings: [], response: { timestamp: at, modelId: 'mock-stt-2026' } }),
    });
    const said = new MockSpeechModelV4({
      doGenerate: async () => ({ audio: new Uint8Array(1234), warnings: [], response: { timestamp: at, modelId: 'mock-tts-2026' } }),
    });
    const transcript = await transcribe({ model: heard, audio: new Uint8Array(4321), telemetry: { integrations } });
    expect(transcript.text).toBe('Where is my parcel?');
    const speech = await generateSpeech({ model: said, text: 'It left the depot.', telemetry: { integrations } });
    expect(speech.audio.uint8Array).toHaveLength(1234);
    expect(await h.events()).toEqual([
      {
        ...base,
        operation: 'ai.transcribe',
        response_model_id: 'mock-stt-2026',
        input_bytes: 4321,
        output_chars: 'Where is my parcel?'.length,
        output_digest: hmac('Where is my parcel?'),
        model_context: context('speech-to-text', 'mock-stt-2026'),
        performance_metrics: { latency_ms: expect.any(Number) },
      },
      {
        ...base,
        operation: 'ai.generateSpeech',
        response_model_id: 'mock-tts-2026',
        input_chars: 'It left the depot.'.length,
        input_digest: hmac('It left the depot.'),
        output_bytes: 1234,
        model_context: context('text-to-speech', 'mock-tts-2026'),
        performance_metrics: { latency_ms: expect.any(Number) },
      },
    ]);
  });

  it('a failed transcription is recorded with its error', async () => {
    const failing = new MockTranscriptionModelV4({ doGenerate: async () => Promise.reject(new Error('Unsupported audio')) });
    await expect(transcribe({ model: failing, audio: new Uint8Array(10), maxRetries: 0, telemetry: { integrations: [integration()] } })).rejects.toThrow('Unsupported audio');
    const [event] = await h.events();
    expect(event).toMatchObject({ operation: 'ai.transcribe', outcome: 'error', error: { name: 'Error', message: 'Unsupported audio' }, input_bytes: 10 });
    expect(event!.output_digest).toBeUndefined();
  });
});
