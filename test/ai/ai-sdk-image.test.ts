// The AI SDK's image-model middleware with the real `ai` (ai@7, v4 middleware; ai@6, installed as `ai6`, v3) and
// its mock image models, and with the real OpenAI provider against the fake OpenAI server on 127.0.0.1 (a stand-in
// for the provider, which cannot run here), recording through the real client into the real reference server. Each
// test checks the exact event stored and that the app got the same result as from the unwrapped model.
import { createOpenAI } from '@ai-sdk/openai';
import { generateImage, wrapImageModel } from 'ai';
import { MockImageModelV4 } from 'ai/test';
import { generateImage as generateImage6, wrapImageModel as wrapImageModel6 } from 'ai6';
import { MockImageModelV3 } from 'ai6/test';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aegislogImageMiddleware, aiDigest, wrapOpenAI } from '../../src/ai/index.js';
import { AegisLogError } from '../../src/index.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { IMAGE_MODEL, IMAGE_USAGE, imageBytes, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const middleware = () => aegislogImageMiddleware({ log: h.log, digestKey: DIGEST_KEY });
const PROMPT = 'A parcel left at the door, in watercolour.';
const RESPONSE_MODEL = 'mock-image-2026-05';
const base64 = (index: number) => Buffer.from(imageBytes(index)).toString('base64');
/** A mock model's answer: `n` images (base64, or bytes), its usage, the model it names. */
const answer =
  (as: 'base64' | 'bytes' = 'base64', usage = true) =>
  async ({ n }: { n: number }) => ({
    images: as === 'base64' ? Array.from({ length: n }, (_, i) => base64(i)) : Array.from({ length: n }, (_, i) => imageBytes(i)),
    warnings: [],
    response: { timestamp: new Date(Date.UTC(2026, 4, 1)), modelId: RESPONSE_MODEL, headers: undefined },
    ...(usage && { usage: { inputTokens: 50, outputTokens: 272, totalTokens: 322 } }),
  });
/** The image digest an auditor computes from the image files kept: aiDigest of their bytes, in answer order. */
const imagesDigest = (...indexes: number[]) => aiDigest(indexes.map(imageBytes), DIGEST_KEY);
/** The event of a call that made images 0 and 1 of the mock model's answer, on both majors. */
const twoImagesEvent = async () => ({
  ...imageEvent,
  input_chars: PROMPT.length,
  input_digest: hmac(PROMPT),
  image_count: 2,
  image_digest: await imagesDigest(0, 1),
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 50, output_tokens: 272 },
});

/** What every event of a mock model's doGenerate has. */
const imageEvent = {
  ...generated,
  event_type: 'model_inference',
  integration: 'ai-sdk',
  operation: 'generateImage',
  streamed: false,
  provider: 'mock-provider',
  response_model_id: RESPONSE_MODEL,
  outcome: 'ok',
  model_context: { model_id: 'mock-model-id', model_version: RESPONSE_MODEL, model_type: 'image-generation' },
};

describe('ai@7 (v4 middleware)', () => {
  it('generateImage, base64 images: the same result as unwrapped; the exact event, its image digest that of the decoded bytes', async () => {
    const model = new MockImageModelV4({ doGenerate: answer(), maxImagesPerCall: 2 });
    const plain = await generateImage({ model, prompt: PROMPT, n: 2 });
    const result = await generateImage({ model: wrapImageModel({ model, middleware: middleware() }), prompt: PROMPT, n: 2 });
    expect(result.images.map((i) => i.base64)).toEqual(plain.images.map((i) => i.base64));
    expect(result.usage).toEqual(plain.usage);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual(await twoImagesEvent());
    // The files the app saves (result.images[i].uint8Array) are what the digest covers.
    expect(event!.image_digest).toBe(await aiDigest(result.images.map((i) => i.uint8Array), DIGEST_KEY));
    // One meaning per field: output_digest is the text's, and an image call outputs none.
    expect(event).not.toHaveProperty('output_digest');
  });

  it('bytes images, n = 3 in calls of 2: one event per model call; no usage, no token counts', async () => {
    const model = new MockImageModelV4({ doGenerate: answer('bytes', false), maxImagesPerCall: 2 });
    const result = await generateImage({ model: wrapImageModel({ model, middleware: middleware() }), prompt: PROMPT, n: 3 });
    expect(result.images).toHaveLength(3);
    const events = await h.events();
    expect(events.map((e) => [e.image_count, e.image_digest, e.output_digest, e.performance_metrics])).toEqual([
      [2, await imagesDigest(0, 1), undefined, { latency_ms: expect.any(Number) }],
      [1, await imagesDigest(0), undefined, { latency_ms: expect.any(Number) }],
    ]);
  });

  it('an edit: the images handed over and the mask by their size (bytes or base64), not digested; a URL\'s size is not known', async () => {
    const model = new MockImageModelV4({ doGenerate: answer(), supportsFileInputs: true, supportsMaskInputs: true });
    const wrapped = wrapImageModel({ model, middleware: middleware() });
    const photo = new Uint8Array(2_000).fill(9);
    const mask = Buffer.from(new Uint8Array(500).fill(1)).toString('base64');
    await generateImage({ model: wrapped, prompt: { text: PROMPT, images: [photo], mask } });
    await generateImage({ model: wrapped, prompt: { text: PROMPT, images: [photo, 'https://images.example.com/door.png'] } });
    const events = await h.events();
    expect(events.map((e) => [e.input_bytes, e.input_chars, e.input_digest, e.image_count])).toEqual([
      [2_500, PROMPT.length, hmac(PROMPT), 1],
      [undefined, PROMPT.length, hmac(PROMPT), 1],
    ]);
  });

  it('a failed call and an aborted one: the app gets the same error; recorded error and aborted', async () => {
    const failing = new MockImageModelV4({
      doGenerate: async ({ abortSignal }) => {
        if (abortSignal?.aborted) throw abortSignal.reason;
        throw Object.assign(new Error('Your request was rejected by the safety system.'), { statusCode: 400 });
      },
    });
    const wrapped = wrapImageModel({ model: failing, middleware: middleware() });
    await expect(generateImage({ model: wrapped, prompt: PROMPT, maxRetries: 0 })).rejects.toMatchObject({ message: 'Your request was rejected by the safety system.' });
    const abort = new AbortController();
    abort.abort();
    await expect(generateImage({ model: wrapped, prompt: PROMPT, maxRetries: 0, abortSignal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error, e.input_digest, e.image_count, e.image_digest, e.performance_metrics.anomaly_flags])).toEqual([
      ['error', { name: 'Error', message: 'Your request was rejected by the safety system.', status: 400 }, hmac(PROMPT), undefined, undefined, ['error']],
      ['aborted', { name: 'AbortError', message: expect.any(String) }, hmac(PROMPT), undefined, undefined, ['aborted']],
    ]);
    expect(events[0]!.model_context).toEqual({ model_id: 'mock-model-id', model_version: 'unreported', model_type: 'image-generation' });
  });

  it('the OpenAI provider against the fake server: the same image digest as wrapOpenAI records for the same images', async () => {
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: api.url });
    const model = wrapImageModel({ model: provider.image(IMAGE_MODEL), middleware: middleware() });
    const { images } = await generateImage({ model, prompt: PROMPT, n: 2 });
    expect(images.map((i) => [...i.uint8Array])).toEqual([[...imageBytes(0)], [...imageBytes(1)]]);
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: api.url, maxRetries: 0 }), { log: h.log, digestKey: DIGEST_KEY });
    await client.images.generate({ model: IMAGE_MODEL, prompt: PROMPT, n: 2 });
    const [event, openaiEvent, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...imageEvent,
      provider: 'openai.image',
      response_model_id: IMAGE_MODEL,
      input_chars: PROMPT.length,
      input_digest: hmac(PROMPT),
      image_count: 2,
      image_digest: await imagesDigest(0, 1),
      model_context: { model_id: IMAGE_MODEL, model_version: IMAGE_MODEL, model_type: 'image-generation' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: IMAGE_USAGE.input_tokens, output_tokens: IMAGE_USAGE.output_tokens },
    });
    expect([openaiEvent!.operation, openaiEvent!.input_digest, openaiEvent!.image_digest]).toEqual(['images.generate', event!.input_digest, event!.image_digest]);
    expect(openaiEvent).not.toHaveProperty('output_digest');
  });

  it('per-call options travel in providerOptions.aegislog; a model_type the options pin is kept', async () => {
    const model = new MockImageModelV4({ doGenerate: answer() });
    const wrapped = wrapImageModel({ model, middleware: aegislogImageMiddleware({ log: h.log, model_context: { model_type: 'text-to-image', deployment_id: 'eu' } }) });
    await generateImage({ model: wrapped, prompt: PROMPT, providerOptions: { aegislog: { trace_id: 'req-42' } } });
    const [event] = await h.events();
    expect([event!.trace_id, event!.model_context]).toEqual(['req-42', { model_id: 'mock-model-id', model_version: RESPONSE_MODEL, model_type: 'text-to-image', deployment_id: 'eu' }]);
  });

  it('options are checked as it is made: ERR_CONFIG naming the field', () => {
    expect(() => aegislogImageMiddleware({ log: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
    expect(() => aegislogImageMiddleware({ log: h.log, capture: 'all' as never })).toThrow(AegisLogError);
  });
});

describe('wrapped twice', () => {
  it('with the same log: one event per call (the outer wrap records it), nested or listed, ai@7 and ai@6', async () => {
    const model = new MockImageModelV4({ doGenerate: answer() });
    const nested = wrapImageModel({ model: wrapImageModel({ model, middleware: middleware() }), middleware: aegislogImageMiddleware({ log: h.log }) });
    const listed = wrapImageModel({ model, middleware: [aegislogImageMiddleware({ log: h.log }), middleware()] });
    for (const wrapped of [nested, listed]) expect((await generateImage({ model: wrapped, prompt: PROMPT })).images).toHaveLength(1);
    const v3 = () => aegislogImageMiddleware({ log: h.log, specificationVersion: 'v3' });
    const model6 = new MockImageModelV3({ doGenerate: answer() });
    await generateImage6({ model: wrapImageModel6({ model: wrapImageModel6({ model: model6, middleware: v3() }), middleware: v3() }), prompt: PROMPT });
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.image_count])).toEqual([
      ['generateImage', 1],
      ['generateImage', 1],
      ['generateImage', 1],
    ]);
    // The outer wrap's options (no digest key) made the events.
    expect(events.every((e) => e.image_digest === undefined && e.output_digest === undefined)).toBe(true);
  });

  it('with another log: each log records the call', async () => {
    const other: Record<string, unknown>[] = [];
    const log = { record: (_type: string, payload: Record<string, unknown> = {}) => (other.push(payload), 'id') };
    const model = new MockImageModelV4({ doGenerate: answer() });
    await generateImage({ model: wrapImageModel({ model: wrapImageModel({ model, middleware: middleware() }), middleware: aegislogImageMiddleware({ log }) }), prompt: PROMPT });
    expect((await h.events()).map((e) => e.image_count)).toEqual([1]);
    expect(other.map((p) => p.image_count)).toEqual([1]);
  });
});

describe('ai@6 (v3 middleware)', () => {
  it('generateImage: the same result as unwrapped; the exact event', async () => {
    const model = new MockImageModelV3({ doGenerate: answer(), maxImagesPerCall: 2 });
    const plain = await generateImage6({ model, prompt: PROMPT, n: 2 });
    const wrapped = wrapImageModel6({ model, middleware: aegislogImageMiddleware({ log: h.log, digestKey: DIGEST_KEY, specificationVersion: 'v3' }) });
    const result = await generateImage6({ model: wrapped, prompt: PROMPT, n: 2 });
    expect(result.images.map((i) => i.base64)).toEqual(plain.images.map((i) => i.base64));
    expect(await h.events()).toEqual([await twoImagesEvent()]);
  });

  it('a failed call: recorded as failed, the app gets the same error', async () => {
    const failing = new MockImageModelV3({
      doGenerate: async () => {
        throw Object.assign(new Error('Rate limit reached'), { statusCode: 429 });
      },
    });
    const wrapped = wrapImageModel6({ model: failing, middleware: aegislogImageMiddleware({ log: h.log, specificationVersion: 'v3' }) });
    await expect(generateImage6({ model: wrapped, prompt: PROMPT, maxRetries: 0 })).rejects.toMatchObject({ message: 'Rate limit reached' });
    const [event] = await h.events();
    expect(event).toMatchObject({ operation: 'generateImage', outcome: 'error', error: { status: 429 }, model_context: { model_type: 'image-generation' } });
  });
});
