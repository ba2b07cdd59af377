// wrapGoogleGenAI with the real Google Gen AI SDK (`@google/genai` 3.x, and 2.x installed as `genai2`) against a
// small Gemini API on 127.0.0.1 that answers JSON and streams server-sent events (gemini-server.ts: a stand-in for
// the provider, which cannot run here). Each test compares what the app gets with what the unwrapped client gets,
// and checks the exact event.
import { GoogleGenAI as GoogleGenAI3 } from '@google/genai';
import { GoogleGenAI as GoogleGenAI2 } from 'genai2';
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiDigest, wrapGoogleGenAI } from '../../src/ai/index.js';
import {
  answer1,
  apiError,
  blocked,
  chunks,
  EMBEDDING_MODEL,
  embeddings,
  IMAGE_MODEL,
  IMAGE_TEXT,
  imageAnswer,
  imagePng,
  inlinePart,
  MODEL,
  MODEL_VERSION,
  startGeminiServer,
  USAGE,
  type GeminiServer,
} from './gemini-server.js';
import { closeBoth, droppedEvents, dropStreams, generated, startWith, unreadEvent, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';

let h: Harness;
let api: GeminiServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startGeminiServer));
});
afterAll(() => closeBoth(h, api));

const SYSTEM = 'You are a support agent.';
const QUESTION = 'Where is my parcel?';
const ANSWER = 'It left the depot this morning.';
const PIECES = ['It left ', 'the depot ', 'this morning.'];

/** What the app gets, without the HTTP headers the SDK attaches (their `date` differs from call to call). */
const data = (response: any) => {
  const { sdkHttpResponse, ...rest } = JSON.parse(JSON.stringify(response));
  expect(sdkHttpResponse).toBeDefined();
  return rest;
};

/** The exact event of a call of `contents: QUESTION` with SYSTEM as its system instruction, answered ANSWER. */
const okEvent = (streamed: boolean, output = ANSWER) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'google-genai',
  operation: streamed ? 'models.generateContentStream' : 'models.generateContent',
  streamed,
  provider: 'google',
  response_model_id: MODEL_VERSION,
  response_id: 'resp-1',
  outcome: 'ok',
  finish_reason: 'stop',
  gemini_finish_reason: 'STOP',
  ...(streamed && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: SYSTEM.length + QUESTION.length,
  output_chars: output.length,
  input_digest: hmac({ systemInstruction: SYSTEM, contents: QUESTION }),
  output_digest: hmac(output),
  model_context: { model_id: MODEL, model_version: MODEL_VERSION, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
});

describe.each([
  ['@google/genai@3', GoogleGenAI3],
  ['@google/genai@2', GoogleGenAI2 as unknown as typeof GoogleGenAI3],
])('%s', (_, GoogleGenAI) => {
  const make = () => new GoogleGenAI({ apiKey: 'gemini-test-key', httpOptions: { baseUrl: api.url } });
  const clients = () => ({ plain: make(), wrapped: wrapGoogleGenAI(make(), { log: h.log, digestKey: DIGEST_KEY }) });
  const PARAMS = { model: MODEL, contents: QUESTION, config: { systemInstruction: SYSTEM } };

  describe('models.generateContent', () => {
    it('returns what the SDK returns (the same response, its text); records the exact event', async () => {
      const { plain, wrapped } = clients();
      api.script({ json: answer1(ANSWER) }, { json: answer1(ANSWER) });
      const expected = await plain.models.generateContent(PARAMS);
      const result = await wrapped.models.generateContent(PARAMS);
      expect(result.constructor).toBe(expected.constructor);
      expect(data(result)).toEqual(data(expected));
      expect(result.text).toBe(ANSWER);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent(false));
    });

    it('a system instruction as a Content and multi-turn contents: the text of every part counted, the input digested as given', async () => {
      const { wrapped } = clients();
      const systemInstruction = { parts: [{ text: SYSTEM }, { text: 'Answer briefly.' }] };
      const contents = [
        { role: 'user', parts: [{ text: QUESTION }] },
        { role: 'model', parts: [{ text: 'Which parcel?' }] },
        { role: 'user', parts: [{ text: 'The red one.' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] },
      ];
      await wrapped.models.generateContent({ model: MODEL, contents, config: { systemInstruction, temperature: 0 } });
      // The app goes on with its conversation in the same list, before the digest is computed.
      contents.push({ role: 'model', parts: [{ text: 'More.' }] });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        outcome: 'ok',
        input_chars: SYSTEM.length + 'Answer briefly.'.length + QUESTION.length + 'Which parcel?'.length + 'The red one.'.length,
        input_digest: hmac({ systemInstruction, contents: contents.slice(0, 3) }),
        output_digest: hmac('You asked 12 characters.'),
      });
    });

    it('a function call answer: its names as tool_calls, finish reason tool-calls, no output', async () => {
      const { wrapped } = clients();
      api.script({ json: answer1('', { calls: ['track_parcel', 'notify'] }) });
      const result = await wrapped.models.generateContent(PARAMS);
      expect(result.functionCalls?.map((c) => c.name)).toEqual(['track_parcel', 'notify']);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ outcome: 'ok', finish_reason: 'tool-calls', gemini_finish_reason: 'STOP', tool_calls: ['track_parcel', 'notify'] });
      expect(event).not.toHaveProperty('output_chars');
      expect(event).not.toHaveProperty('output_digest');
    });

    it('thought parts are not output; thought tokens are output tokens', async () => {
      const { wrapped } = clients();
      api.script({ json: answer1(ANSWER, { thought: 'The parcel was scanned at 7:00.', usage: { ...USAGE, thoughtsTokenCount: 30, totalTokenCount: 49 } }) });
      await wrapped.models.generateContent(PARAMS);
      const [event] = await h.events();
      expect(event).toMatchObject({ output_chars: ANSWER.length, output_digest: hmac(ANSWER), performance_metrics: { input_tokens: 12, output_tokens: 37 } });
    });

    it('a SAFETY finish and a blocked prompt: content-filter, with the reason as sent; MAX_TOKENS, MALFORMED_FUNCTION_CALL, a reason of its own', async () => {
      const { wrapped } = clients();
      api.script(
        { json: answer1('', { finish: 'SAFETY' }) },
        { json: blocked('PROHIBITED_CONTENT') },
        { json: answer1('Half an', { finish: 'MAX_TOKENS' }) },
        { json: answer1('', { finish: 'IMAGE_PROHIBITED_CONTENT' }) },
        { json: answer1('', { finish: 'MALFORMED_FUNCTION_CALL' }) },
        { json: answer1('Hola', { finish: 'LANGUAGE' }) },
      );
      await wrapped.models.generateContent(PARAMS);
      const refused = await wrapped.models.generateContent(PARAMS);
      expect(refused.promptFeedback?.blockReason).toBe('PROHIBITED_CONTENT');
      for (let i = 0; i < 4; i++) await wrapped.models.generateContent(PARAMS);
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.gemini_finish_reason, e.block_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'content-filter', 'SAFETY', undefined, undefined, ['content_filter']],
        ['ok', 'content-filter', undefined, 'PROHIBITED_CONTENT', undefined, ['content_filter']],
        ['ok', 'length', 'MAX_TOKENS', undefined, 'Half an'.length, ['length']],
        ['ok', 'content-filter', 'IMAGE_PROHIBITED_CONTENT', undefined, undefined, ['content_filter']],
        // The model finished with an error: a failed call, as every integration records finish reason `error`.
        ['error', 'error', 'MALFORMED_FUNCTION_CALL', undefined, undefined, ['error']],
        // A reason the AI SDK's words do not name: `other`, the reason as sent beside it.
        ['ok', 'other', 'LANGUAGE', undefined, 'Hola'.length, undefined],
      ]);
      expect(events[1]).toMatchObject({ response_id: 'resp-blocked', performance_metrics: { input_tokens: 12 } });
      expect(events[1]!.performance_metrics).not.toHaveProperty('output_tokens');
    });

    it('a 429 and a 400: the app gets the SDK\'s ApiError as unwrapped; recorded with its status and the API\'s status word', async () => {
      const { plain, wrapped } = clients();
      const limited = { status: 429, json: apiError(429, 'Resource has been exhausted (e.g. check quota).', 'RESOURCE_EXHAUSTED') };
      api.script(limited, limited, { status: 400, json: apiError(400, 'Invalid value at contents.', 'INVALID_ARGUMENT') });
      const expected = await plain.models.generateContent(PARAMS).catch((e: unknown) => e);
      const got = await wrapped.models.generateContent(PARAMS).catch((e: unknown) => e);
      expect(got).toBeInstanceOf((expected as object).constructor);
      expect(got).toEqual(expected);
      expect(Object.keys(got as object)).toEqual(Object.keys(expected as object));
      await expect(wrapped.models.generateContent(PARAMS)).rejects.toMatchObject({ status: 400 });
      const [event, invalid, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'google-genai',
        operation: 'models.generateContent',
        streamed: false,
        provider: 'google',
        outcome: 'error',
        error: { name: 'ApiError', message: JSON.stringify(limited.json), status: 429, code: 'RESOURCE_EXHAUSTED' },
        input_chars: SYSTEM.length + QUESTION.length,
        input_digest: hmac({ systemInstruction: SYSTEM, contents: QUESTION }),
        model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
      });
      expect(invalid).toMatchObject({ outcome: 'error', error: { name: 'ApiError', status: 400, code: 'INVALID_ARGUMENT' } });
    });

    it('aborted through config.abortSignal, before the call and while the server holds it: the app gets the SDK\'s error; aborted, once each', async () => {
      const { wrapped } = clients();
      const before = new AbortController();
      before.abort();
      const first = await wrapped.models.generateContent({ ...PARAMS, config: { ...PARAMS.config, abortSignal: before.signal } }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(Error);
      api.script({ stall: true });
      const during = new AbortController();
      const pending = wrapped.models.generateContent({ ...PARAMS, config: { ...PARAMS.config, abortSignal: during.signal } });
      await api.stalled();
      during.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      await api.disconnected();
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.performance_metrics.anomaly_flags])).toEqual([
        ['models.generateContent', 'aborted', (first as Error).name, ['aborted']],
        ['models.generateContent', 'aborted', 'AbortError', ['aborted']],
      ]);
    });

    it('params the SDK itself refuses: the app gets the same error as unwrapped; recorded as a failed call', async () => {
      const { plain, wrapped } = clients();
      const expected = await (async () => plain.models.generateContent(undefined as never))().catch((e: unknown) => e);
      const got = await (async () => wrapped.models.generateContent(undefined as never))().catch((e: unknown) => e);
      expect(got).toBeInstanceOf((expected as object).constructor);
      expect((got as Error).message).toBe((expected as Error).message);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ outcome: 'error', error: { name: 'TypeError' }, model_context: { model_id: 'undefined' } });
    });

    it('nothing is thrown into the app: bad options are ERR_CONFIG as it is wrapped; a throwing redact goes to onError, the call goes on', async () => {
      expect(() => wrapGoogleGenAI(make(), { log: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
      const errors: unknown[] = [];
      const wrapped = wrapGoogleGenAI(make(), {
        log: h.log,
        onError: (error) => errors.push(error),
        redact: () => {
          throw new Error('redact failed');
        },
      });
      expect((await wrapped.models.generateContent(PARAMS)).text).toBe(`You asked ${QUESTION.length} characters.`);
      expect(await h.events()).toEqual([]);
      expect(errors).toEqual([expect.objectContaining({ message: 'redact failed' })]);
    });

    it('wrapping twice with one log records once', async () => {
      const { wrapped } = clients();
      const again = wrapGoogleGenAI(wrapped, { log: h.log, digestKey: DIGEST_KEY });
      expect(again).toBe(wrapped);
      await wrapped.models.generateContent(PARAMS);
      for await (const _ of await wrapped.models.generateContentStream(PARAMS));
      await wrapped.models.embedContent({ model: EMBEDDING_MODEL, contents: [QUESTION] });
      expect((await h.events()).map((e) => e.operation)).toEqual(['models.generateContent', 'models.generateContentStream', 'models.embedContent']);
    });
  });

  describe('models.generateContentStream', () => {
    it('read to its end: the app reads the same chunks; one event at the end with usage and time to first token', async () => {
      const { plain, wrapped } = clients();
      api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) });
      const expected = [];
      for await (const chunk of await plain.models.generateContentStream(PARAMS)) expected.push(data(chunk));
      const stream = await wrapped.models.generateContentStream(PARAMS);
      const got = [];
      for await (const chunk of stream) got.push(data(chunk));
      expect(got).toEqual(expected);
      expect(got).toHaveLength(3);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent(true));
    });

    it('a stream the app drops, unread or read part-way and never stopped: aborted once collected (unread if never read); one kept is not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapGoogleGenAI(make(), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) }, { sse: chunks(PIECES) }, { sse: chunks(PIECES) });
      const create = () => wrapped.models.generateContentStream(PARAMS);
      expect(await dropStreams(handed, create, (chunk) => chunk.text, 'It left ')).toEqual({ recorded: 2, kept: ANSWER, looped: ANSWER });
      const events = await h.events();
      const { unread, kept } = droppedEvents(events, 'It left ');
      expect(unread).toEqual(
        unreadEvent(MODEL, {
          integration: 'google-genai',
          operation: 'models.generateContentStream',
          provider: 'google',
          input_chars: SYSTEM.length + QUESTION.length,
          input_digest: hmac({ systemInstruction: SYSTEM, contents: QUESTION }),
        }),
      );
      expect(kept).toEqual(okEvent(true));
    });

    it('function calls and thoughts streamed; a stream that ends without a finish reason is interrupted', async () => {
      const { wrapped } = clients();
      api.script({ sse: chunks([], { calls: ['track_parcel'], thought: 'Look it up.' }) }, { sse: chunks(['It left '], { finish: null }) });
      for await (const _ of await wrapped.models.generateContentStream(PARAMS));
      for await (const _ of await wrapped.models.generateContentStream(PARAMS));
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.tool_calls, e.output_chars, typeof e.time_to_first_token_ms, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'tool-calls', ['track_parcel'], undefined, 'number', undefined],
        ['ok', 'interrupted', undefined, 'It left '.length, 'number', ['interrupted']],
      ]);
    });

    it('broken off by the app (break): aborted, with the text so far', async () => {
      const { wrapped } = clients();
      api.script({ sse: chunks(PIECES), hold: 2 });
      for await (const chunk of await wrapped.models.generateContentStream(PARAMS)) if (chunk.text) break;
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left '), performance_metrics: { anomaly_flags: ['aborted'] } });
      expect(event).not.toHaveProperty('finish_reason');
      api.release();
    });

    // The stream is an async generator, its own iterator: an app may call its next() itself, not only for await.
    it("read by calling the generator's next() itself, or next() then for await: the same chunks; one event each; its return() part-way: aborted", async () => {
      const { plain, wrapped } = clients();
      const byNext = async (stream: AsyncGenerator<any>) => {
        const got = [];
        for (let step = await stream.next(); !step.done; step = await stream.next()) got.push(data(step.value));
        return got;
      };
      const mixed = async (stream: AsyncGenerator<any>) => {
        const got = [data((await stream.next()).value)];
        for await (const chunk of stream) got.push(data(chunk));
        return got;
      };
      for (const read of [byNext, mixed]) {
        api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) });
        const expected = await read(await plain.models.generateContentStream(PARAMS));
        expect(expected).toHaveLength(3);
        expect(await read(await wrapped.models.generateContentStream(PARAMS))).toEqual(expected);
        expect(await h.events()).toEqual([okEvent(true)]);
      }
      api.script({ sse: chunks(PIECES), hold: 2 });
      const stream = await wrapped.models.generateContentStream(PARAMS);
      expect((await stream.next()).value.text).toBe('It left ');
      expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, performance_metrics: { anomaly_flags: ['aborted'] } });
      api.release();
    });

    it('aborted through config.abortSignal between two reads, or while a read waits: aborted, with the text so far', async () => {
      const { wrapped } = clients();
      api.script({ sse: chunks(PIECES), hold: 2 }, { sse: chunks(PIECES), hold: 1 });
      // Between reads: the app aborts and never reads again.
      const between = new AbortController();
      const stream = await wrapped.models.generateContentStream({ ...PARAMS, config: { ...PARAMS.config, abortSignal: between.signal } });
      const iterator = stream[Symbol.asyncIterator]();
      expect((await iterator.next()).value.text).toBe('It left ');
      between.abort();
      await api.disconnected();
      // While a read waits for the server.
      const waiting = new AbortController();
      const reads: string[] = [];
      const failed = (async () => {
        for await (const chunk of await wrapped.models.generateContentStream({ ...PARAMS, config: { ...PARAMS.config, abortSignal: waiting.signal } })) {
          reads.push(chunk.text!);
          waiting.abort();
        }
      })().catch((e: unknown) => e);
      expect(await failed).toMatchObject({ name: 'AbortError' });
      expect(reads).toEqual(['It left ']);
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        [true, 'aborted', 'It left '.length, ['aborted']],
        [true, 'aborted', 'It left '.length, ['aborted']],
      ]);
    });

    it('an abort signal the app keeps for many calls: the wrapper leaves no listener on it once a stream is recorded', async () => {
      const { plain, wrapped } = clients();
      const listeners = async (client: typeof plain) => {
        const signal = new AbortController().signal;
        for (let i = 0; i < 3; i++) for await (const _ of await client.models.generateContentStream({ ...PARAMS, config: { ...PARAMS.config, abortSignal: signal } }));
        return getEventListeners(signal, 'abort').length;
      };
      // The SDK's own listeners (one per request) stay: the wrapper adds none to them.
      expect(await listeners(wrapped)).toBe(await listeners(plain));
      expect((await h.events()).map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok']);
    });

    it('a 429 before the stream: the app gets the SDK\'s error; recorded as a failed streamed call', async () => {
      const { wrapped } = clients();
      api.script({ status: 429, json: apiError(429, 'Resource has been exhausted (e.g. check quota).', 'RESOURCE_EXHAUSTED') });
      await expect(wrapped.models.generateContentStream(PARAMS)).rejects.toMatchObject({ name: 'ApiError', status: 429 });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ operation: 'models.generateContentStream', streamed: true, outcome: 'error', error: { name: 'ApiError', status: 429, code: 'RESOURCE_EXHAUSTED' } });
    });
  });

  describe('models.embedContent', () => {
    it('returns what the SDK returns; records the input, the vectors\' count and dimensions, no output', async () => {
      const { plain, wrapped } = clients();
      const contents = ['Where is my parcel?', 'When does it arrive?'];
      api.script({ json: embeddings(2, 4) }, { json: embeddings(2, 4) });
      const expected = await plain.models.embedContent({ model: EMBEDDING_MODEL, contents });
      const result = await wrapped.models.embedContent({ model: EMBEDDING_MODEL, contents });
      expect(data(result)).toEqual(data(expected));
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'google-genai',
        operation: 'models.embedContent',
        streamed: false,
        provider: 'google',
        outcome: 'ok',
        input_chars: contents.join('').length,
        input_digest: hmac(contents),
        embedding_count: 2,
        embedding_dimensions: 4,
        model_context: { model_id: EMBEDDING_MODEL, model_version: 'unreported', model_type: 'embedding' },
        performance_metrics: { latency_ms: expect.any(Number) },
      });
    });

    it('token counts when the answer has them (Vertex AI\'s statistics), and a failed call', async () => {
      const { wrapped } = clients();
      const counted = embeddings(2, 3) as any;
      counted.embeddings[0].statistics = { tokenCount: 5, truncated: false };
      counted.embeddings[1].statistics = { tokenCount: 6, truncated: false };
      api.script({ json: counted }, { status: 400, json: apiError(400, 'Invalid value at requests.', 'INVALID_ARGUMENT') });
      await wrapped.models.embedContent({ model: EMBEDDING_MODEL, contents: ['a', 'bb'] });
      await expect(wrapped.models.embedContent({ model: EMBEDDING_MODEL, contents: 'c' })).rejects.toMatchObject({ status: 400 });
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.embedding_count, e.embedding_dimensions, e.performance_metrics.input_tokens, e.error?.code, e.model_context.model_type])).toEqual([
        ['ok', 2, 3, 11, undefined, 'embedding'],
        ['error', undefined, undefined, undefined, 'INVALID_ARGUMENT', 'embedding'],
      ]);
    });
  });

  describe('image models: text and images in one answer (gemini-2.5-flash-image)', () => {
    const PROMPT = 'Draw my parcel at the door, in watercolour.';
    const IMAGE_PARAMS = { model: IMAGE_MODEL, contents: PROMPT };
    /**
     * The image digest as an auditor computes it from the files kept, independently of the code under test: HMAC
     * (node:crypto) of the protocol's canonical JSON of the list of the images' bytes as base64url, in answer order.
     */
    const imagesHmac = (...images: Uint8Array[]) => hmac(images.map((bytes) => Buffer.from(bytes).toString('base64url')));
    /** The exact event of IMAGE_PARAMS answered by the image model: the text's size and digest, the images' count and digest. */
    const imageEvent = (streamed: boolean) => ({
      ...okEvent(streamed, IMAGE_TEXT),
      input_chars: PROMPT.length,
      input_digest: hmac({ contents: PROMPT }),
      image_count: 2,
      image_digest: imagesHmac(imagePng(0), imagePng(1)),
      model_context: { model_id: IMAGE_MODEL, model_version: MODEL_VERSION, model_type: 'llm' },
    });
    /** The images as the app saves them from what it got: the base64 of the inline image parts, decoded. */
    const saved = (parts: any[]) => parts.filter((p) => p.inlineData).map((p) => new Uint8Array(Buffer.from(p.inlineData.data, 'base64')));

    it('generateContent: the same answer as unwrapped; output_digest the text\'s, image_digest that of the images\' bytes in order', async () => {
      const { plain, wrapped } = clients();
      const expected = await plain.models.generateContent(IMAGE_PARAMS);
      const result = await wrapped.models.generateContent(IMAGE_PARAMS);
      expect(data(result)).toEqual(data(expected));
      expect(result.text).toBe(IMAGE_TEXT);
      const files = saved(result.candidates![0]!.content!.parts!);
      expect(files).toEqual([imagePng(0), imagePng(1)]);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(imageEvent(false));
      // What an auditor runs on the files kept: aiDigest of the list of their bytes; and on the text kept.
      expect(event!.image_digest).toBe(await aiDigest(files, DIGEST_KEY));
      expect(event!.output_digest).toBe(await aiDigest(result.text!, DIGEST_KEY));
      expect(event!.image_digest).not.toBe(imagesHmac(imagePng(1), imagePng(0)));
    });

    it('generateContentStream: images in chunks of their own, between the text\'s; the same event, streamed', async () => {
      const { plain, wrapped } = clients();
      const expected = [];
      for await (const chunk of await plain.models.generateContentStream(IMAGE_PARAMS)) expected.push(data(chunk));
      const got: any[] = [];
      for await (const chunk of await wrapped.models.generateContentStream(IMAGE_PARAMS)) got.push(data(chunk));
      expect(got).toEqual(expected);
      expect(got.map((c) => Object.keys(c.candidates[0].content.parts[0])[0])).toEqual(['text', 'inlineData', 'text', 'inlineData']);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(imageEvent(true));
      expect(event!.image_digest).toBe(await aiDigest(saved(got.flatMap((c) => c.candidates[0].content.parts)), DIGEST_KEY));
    });

    it('thought images are not output (as thought text is not); inline audio is no image; no image, no image fields', async () => {
      const { wrapped } = clients();
      const thoughtImage = inlinePart(imagePng(7), 'image/png', { thought: true });
      const audio = inlinePart(new Uint8Array(64).fill(3), 'audio/L16;codec=pcm;rate=24000');
      api.script(
        { json: imageAnswer({ thought: 'A watercolour, then.', parts: [audio] }) },
        { json: answer1(IMAGE_TEXT, { parts: [thoughtImage, inlinePart(imagePng(0)), audio] }) },
        { json: answer1('No image this time.', { parts: [audio] }) },
      );
      for (let i = 0; i < 3; i++) await wrapped.models.generateContent(IMAGE_PARAMS);
      await wrapped.models.generateContent(PARAMS);
      const events = await h.events();
      expect(events.map((e) => [e.output_digest, e.image_count, e.image_digest])).toEqual([
        [hmac(IMAGE_TEXT), 2, imagesHmac(imagePng(0), imagePng(1))],
        [hmac(IMAGE_TEXT), 1, imagesHmac(imagePng(0))],
        [hmac('No image this time.'), undefined, undefined],
        [hmac(`You asked ${QUESTION.length} characters.`), undefined, undefined],
      ]);
      for (const event of events.slice(2)) {
        expect(event).not.toHaveProperty('image_count');
        expect(event).not.toHaveProperty('image_digest');
      }
    });

    it("without a digest key: image_count alone; capture: 'full' keeps the text as `output`, the images' sizes as `images`", async () => {
      const counted = wrapGoogleGenAI(make(), { log: h.log });
      const full = wrapGoogleGenAI(make(), { log: h.log, capture: 'full' });
      await counted.models.generateContent(IMAGE_PARAMS);
      await full.models.generateContent(IMAGE_PARAMS);
      const [plainEvent, fullEvent, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(plainEvent).toMatchObject({ output_chars: IMAGE_TEXT.length, image_count: 2 });
      expect(plainEvent).not.toHaveProperty('image_digest');
      expect(plainEvent).not.toHaveProperty('images');
      expect([fullEvent!.image_count, fullEvent!.output, fullEvent!.images]).toEqual([2, IMAGE_TEXT, [`[${imagePng(0).length} bytes]`, `[${imagePng(1).length} bytes]`]]);
    });
  });

  describe('automatic function calling (tools the SDK runs: CallableTool)', () => {
    const tool = {
      tool: async () => ({ functionDeclarations: [{ name: 'track_parcel', description: 'Where a parcel is' }] }),
      callTool: async (calls: { name?: string }[]) => calls.map((c) => ({ functionResponse: { name: c.name, response: { city: 'Lyon' } } })),
    };

    it('the SDK runs the tool and calls the model again within one call: one event for its loop, the final answer\'s finish reason (a limit docs/ai.md states)', async () => {
      const { wrapped } = clients();
      api.script({ json: answer1('', { calls: ['track_parcel'] }) });
      const sent = api.requests.length;
      const params = { model: MODEL, contents: QUESTION, config: { tools: [tool] } };
      const result = await wrapped.models.generateContent(params);
      expect(result.text).toBe('You asked 0 characters.');
      api.script({ sse: chunks([], { calls: ['track_parcel'] }) });
      let text = '';
      for await (const chunk of await wrapped.models.generateContentStream(params)) text += chunk.candidates?.[0]?.content?.parts?.map((p) => p.text ?? '').join('') ?? '';
      expect(text).toBe('You asked 0 characters.');
      // Two model calls each.
      expect(api.requests.length - sent).toBe(4);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.finish_reason, e.tool_calls, e.output_chars])).toEqual([
        // The answer returned is the last call's: the function call before it is not seen.
        ['models.generateContent', 'ok', 'stop', undefined, text.length],
        // The stream carries every call's chunks: the function call, then the answer.
        ['models.generateContentStream', 'ok', 'stop', ['track_parcel'], text.length],
      ]);
    });
  });

  describe('chats', () => {
    it('sendMessage and sendMessageStream go through models: one event each, the history and the message as the model is given them', async () => {
      const { wrapped } = clients();
      const chat = wrapped.chats.create({ model: MODEL, config: { systemInstruction: SYSTEM } });
      const first = await chat.sendMessage({ message: QUESTION });
      expect(first.text).toBe(`You asked ${QUESTION.length} characters.`);
      let streamed = '';
      for await (const chunk of await chat.sendMessageStream({ message: 'Thanks' })) streamed += chunk.text;
      expect(streamed).toBe('You asked 6 characters.');
      const events = await h.events();
      const user = (text: string) => ({ role: 'user', parts: [{ text }] });
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.finish_reason, e.input_digest, e.output_chars])).toEqual([
        ['models.generateContent', false, 'ok', 'stop', hmac({ systemInstruction: SYSTEM, contents: [user(QUESTION)] }), first.text!.length],
        ['models.generateContentStream', true, 'ok', 'stop', hmac({ systemInstruction: SYSTEM, contents: [user(QUESTION), { role: 'model', parts: [{ text: first.text }] }, user('Thanks')] }), streamed.length],
      ]);
    });
  });
});
