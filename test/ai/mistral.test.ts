// wrapMistral with the real Mistral SDK (`@mistralai/mistralai` 2.x, and 1.x installed as `mistral1`) against a small
// Mistral API on 127.0.0.1 that answers JSON and streams server-sent events (mistral-server.ts: a stand-in for the
// provider, which cannot run here). Each test compares what the app gets with what the unwrapped client gets, and
// checks the event.
import { Mistral as Mistral2 } from '@mistralai/mistralai';
import { Mistral as Mistral1 } from 'mistral1';
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aiDigest, wrapMistral } from '../../src/ai/index.js';
import { closeBoth, droppedEvents, dropStreams, generated, startWith, unreadEvent, type Harness } from './harness.js';
import { AGENT_ID, apiError, chunks, completion, EMBEDDING_MODEL, embeddings, MODEL, MODEL_VERSION, startMistralServer, USAGE, type MistralServer } from './mistral-server.js';
import { DIGEST_KEY, hmac } from './mock-model.js';

let h: Harness;
let api: MistralServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startMistralServer));
});
afterAll(() => closeBoth(h, api));

const SYSTEM = 'You are a support agent.';
const QUESTION = 'Where is my parcel?';
const MESSAGES = [
  { role: 'system' as const, content: SYSTEM },
  { role: 'user' as const, content: QUESTION },
];
const ANSWER = 'It left the depot this morning.';
const PIECES = ['It left ', 'the depot ', 'this morning.'];

/** What the app gets, as JSON (a stream's chunks are plain objects; a response is one). */
const data = (value: unknown) => JSON.parse(JSON.stringify(value));

/** The exact event of a call of MESSAGES answered ANSWER. */
const okEvent = (operation: string, output = ANSWER) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'mistral',
  operation,
  streamed: operation.endsWith('.stream'),
  provider: 'mistral',
  response_model_id: MODEL_VERSION,
  response_id: 'cmpl-1',
  outcome: 'ok',
  finish_reason: 'stop',
  mistral_finish_reason: 'stop',
  ...(operation.endsWith('.stream') && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: SYSTEM.length + QUESTION.length,
  output_chars: output.length,
  input_digest: hmac(MESSAGES),
  output_digest: hmac(output),
  model_context: { model_id: MODEL, model_version: MODEL_VERSION, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: USAGE.prompt_tokens, output_tokens: USAGE.completion_tokens },
});

describe.each([
  ['@mistralai/mistralai@2', Mistral2, 2],
  ['@mistralai/mistralai@1', Mistral1 as unknown as typeof Mistral2, 1],
])('%s', (_, Mistral, major) => {
  const make = () => new Mistral({ apiKey: 'mistral-test-key', serverURL: api.origin, retryConfig: { strategy: 'none' } });
  const clients = () => ({ plain: make(), wrapped: wrapMistral(make(), { log: h.log, digestKey: DIGEST_KEY }) });
  const PARAMS = { model: MODEL, messages: MESSAGES };
  /** Reads a stream to its end: its chunks' text. */
  const readAll = async (stream: AsyncIterable<{ data: any }>) => {
    let text = '';
    for await (const event of stream) text += typeof event.data.choices[0]?.delta.content === 'string' ? event.data.choices[0].delta.content : '';
    return text;
  };

  describe('chat.complete', () => {
    it('returns what the SDK returns (the same promise, the same response); records the exact event', async () => {
      const { plain, wrapped } = clients();
      api.script({ json: completion(ANSWER) }, { json: completion(ANSWER) });
      const expected = await plain.chat.complete(PARAMS);
      // The SDK's own method, seen from inside the wrap: its promise and its response are what the app gets.
      const client = make();
      const complete = client.chat.complete;
      let inner: unknown;
      client.chat.complete = function (this: unknown, ...args: Parameters<typeof complete>) {
        return (inner = complete.apply(this, args));
      };
      const wrapped2 = wrapMistral(client, { log: h.log, digestKey: DIGEST_KEY });
      expect(wrapped2).toBe(client);
      const promise = wrapped2.chat.complete(PARAMS);
      expect(promise).toBe(inner);
      const result = await promise;
      expect(result).toBe(await inner);
      expect(data(result)).toEqual(data(expected));
      expect(result.choices[0]!.message?.content).toBe(ANSWER);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent('chat.complete'));
      expect(wrapped.chat).toBe(wrapped.chat);
    });

    it('messages copied at the call; content as a list of chunks: text counted, image parts digested; digests match aiDigest', async () => {
      const { wrapped } = clients();
      const messages: any[] = [
        { role: 'user', content: [{ type: 'text', text: QUESTION }, { type: 'image_url', imageUrl: 'https://example.test/parcel.png' }] },
        { role: 'assistant', content: 'Which parcel?' },
        { role: 'user', content: 'The red one.' },
      ];
      const result = await wrapped.chat.complete({ model: MODEL, messages });
      const kept = [...messages];
      // The app goes on with its conversation in the same list, before the digest is computed.
      messages.push({ role: 'assistant', content: 'More.' });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        outcome: 'ok',
        input_chars: QUESTION.length + 'Which parcel?'.length + 'The red one.'.length,
        input_digest: await aiDigest(kept, DIGEST_KEY),
        output_digest: await aiDigest(result.choices[0]!.message?.content, DIGEST_KEY),
      });
    });

    it('tool calls: their names, finish reason tool-calls, no output; thinking chunks are not output, text chunks are', async () => {
      const { wrapped } = clients();
      const thought = [{ type: 'thinking', thinking: [{ type: 'text', text: 'The parcel was scanned at 7:00.' }] }, { type: 'text', text: ANSWER }];
      api.script({ json: completion('', { calls: ['track_parcel', 'notify'] }) }, { json: completion('', { content: thought }) });
      const called = await wrapped.chat.complete(PARAMS);
      expect(called.choices[0]!.message?.toolCalls?.map((c) => c.function.name)).toEqual(['track_parcel', 'notify']);
      await wrapped.chat.complete(PARAMS);
      const [tools, thinking, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(tools).toMatchObject({ outcome: 'ok', finish_reason: 'tool-calls', mistral_finish_reason: 'tool_calls', tool_calls: ['track_parcel', 'notify'] });
      expect(tools).not.toHaveProperty('output_chars');
      expect(tools).not.toHaveProperty('output_digest');
      expect(thinking).toMatchObject({ finish_reason: 'stop', output_chars: ANSWER.length, output_digest: hmac(ANSWER) });
      expect(thinking).not.toHaveProperty('tool_calls');
    });

    it('finish reasons: length, model_length (length), error (a failed call), one not foreseen (other)', async () => {
      const { wrapped } = clients();
      api.script(
        { json: completion('Half an', { finish: 'length' }) },
        { json: completion('Half an', { finish: 'model_length' }) },
        { json: completion('', { finish: 'error' }) },
        { json: completion('Hola', { finish: 'language_switch' }) },
      );
      for (let i = 0; i < 4; i++) await wrapped.chat.complete(PARAMS);
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.mistral_finish_reason, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'length', 'length', ['length']],
        ['ok', 'length', 'model_length', ['length']],
        ['error', 'error', 'error', ['error']],
        ['ok', 'other', 'language_switch', undefined],
      ]);
    });

    it("a 429 and a 422: the app gets the SDK's error as unwrapped; recorded with the error's name and status", async () => {
      const { plain, wrapped } = clients();
      const limited = { status: 429, json: apiError('Requests rate limit exceeded', 'rate_limited') };
      const invalid = { status: 422, json: { detail: [{ loc: ['body', 'model'], msg: 'Field required', type: 'missing' }] } };
      api.script(limited, limited, invalid);
      const expected = await plain.chat.complete(PARAMS).catch((e: unknown) => e);
      const got = await wrapped.chat.complete(PARAMS).catch((e: unknown) => e);
      expect(got).toBeInstanceOf((expected as object).constructor);
      expect((got as Error).message).toBe((expected as Error).message);
      await expect(wrapped.chat.complete(PARAMS)).rejects.toMatchObject({ name: 'HTTPValidationError', statusCode: 422 });
      const [event, unprocessable, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'mistral',
        operation: 'chat.complete',
        streamed: false,
        provider: 'mistral',
        outcome: 'error',
        error: { name: 'SDKError', message: (got as Error).message, status: 429, code: 'rate_limited' },
        input_chars: SYSTEM.length + QUESTION.length,
        input_digest: hmac(MESSAGES),
        model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
      });
      expect(unprocessable).toMatchObject({ outcome: 'error', error: { name: 'HTTPValidationError', status: 422 } });
      // The API's error `type` is the code; a body with none (FastAPI's validation detail) leaves none.
      expect(unprocessable!.error).not.toHaveProperty('code');
      expect(got).not.toHaveProperty('code');
    });

    it("aborted through the request's signal (and the older fetchOptions.signal), before the call and while the server holds it: aborted", async () => {
      const { wrapped } = clients();
      const before = new AbortController();
      before.abort();
      const first = await wrapped.chat.complete(PARAMS, { signal: before.signal }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(Error);
      api.script({ stall: true });
      const during = new AbortController();
      const pending = wrapped.chat.complete(PARAMS, { fetchOptions: { signal: during.signal } });
      await api.stalled();
      during.abort();
      const second = await pending.catch((e: unknown) => e);
      expect(second).toBeInstanceOf(Error);
      await api.disconnected();
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.performance_metrics.anomaly_flags])).toEqual([
        ['chat.complete', 'aborted', (first as Error).name, ['aborted']],
        ['chat.complete', 'aborted', (second as Error).name, ['aborted']],
      ]);
    });

    it('a request the SDK itself refuses: the app gets the same error as unwrapped; recorded as a failed call', async () => {
      const { plain, wrapped } = clients();
      const expected = await plain.chat.complete({ model: MODEL } as never).catch((e: unknown) => e);
      const got = await wrapped.chat.complete({ model: MODEL } as never).catch((e: unknown) => e);
      expect(got).toBeInstanceOf((expected as object).constructor);
      expect((got as Error).message).toBe((expected as Error).message);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ outcome: 'error', error: { name: (expected as Error).name }, model_context: { model_id: MODEL } });
    });

    it('nothing is thrown into the app: bad options are ERR_CONFIG as it is wrapped; a throwing redact goes to onError; an answer of a shape not foreseen records what was understood', async () => {
      expect(() => wrapMistral(make(), { log: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
      const errors: unknown[] = [];
      const wrapped = wrapMistral(make(), {
        log: h.log,
        onError: (error) => errors.push(error),
        redact: () => {
          throw new Error('redact failed');
        },
      });
      expect((await wrapped.chat.complete(PARAMS)).choices[0]!.message?.content).toBe(`You asked ${QUESTION.length} characters.`);
      expect(await h.events()).toEqual([]);
      expect(errors).toEqual([expect.objectContaining({ message: 'redact failed' })]);
      // Chunks of a type not foreseen (the SDK passes them on), a tool call with no function, no usage, no choices.
      const { plain, wrapped: recording } = clients();
      const odd = completion('', { content: [{ type: 'audio_out', data: 'AAAA' }, { type: 'text', text: 'Here.' }] });
      (odd.choices[0]!.message as any).tool_calls = [{ id: 'call_9', type: 'function', function: { name: '', arguments: '{}' } }];
      const none = { id: 'cmpl-2', object: 'chat.completion', model: MODEL_VERSION, created: 1, choices: [], usage: USAGE };
      api.script({ json: odd }, { json: odd }, { json: none }, { json: none });
      const expected = await plain.chat.complete(PARAMS).catch((e: unknown) => e);
      expect(data(await recording.chat.complete(PARAMS).catch((e: unknown) => e))).toEqual(data(expected));
      const expectedNone = await plain.chat.complete(PARAMS);
      expect(data(await recording.chat.complete(PARAMS))).toEqual(data(expectedNone));
      const [oddEvent, noneEvent, ...more] = await h.events();
      expect(more).toEqual([]);
      if (major === 2) {
        // 2.x passes a chunk of an unknown type on: the text chunk beside it is the output; a tool call with no name is none.
        expect(oddEvent).toMatchObject({ outcome: 'ok', output_chars: 'Here.'.length, output_digest: hmac('Here.'), finish_reason: 'stop' });
        expect(oddEvent).not.toHaveProperty('tool_calls');
      } else {
        // 1.x refuses it (its ResponseValidationError, thrown to the app as unwrapped): a failed call.
        expect(expected).toMatchObject({ name: 'ResponseValidationError' });
        expect(oddEvent).toMatchObject({ outcome: 'error', error: { name: 'ResponseValidationError' } });
      }
      expect(noneEvent).toMatchObject({ outcome: 'ok', response_id: 'cmpl-2', performance_metrics: { input_tokens: 12, output_tokens: 7 } });
      expect(noneEvent).not.toHaveProperty('output_chars');
      expect(noneEvent).not.toHaveProperty('finish_reason');
    });

    it('wrapping twice records once; the sub-SDKs are the ones the app reaches later', async () => {
      const { wrapped } = clients();
      const chat = wrapped.chat;
      expect(wrapMistral(wrapped, { log: h.log, digestKey: DIGEST_KEY })).toBe(wrapped);
      expect(wrapped.chat).toBe(chat);
      await wrapped.chat.complete(PARAMS);
      await readAll(await wrapped.chat.stream(PARAMS));
      await wrapped.embeddings.create({ model: EMBEDDING_MODEL, inputs: [QUESTION] });
      expect((await h.events()).map((e) => e.operation)).toEqual(['chat.complete', 'chat.stream', 'embeddings.create']);
    });
  });

  describe('chat.stream', () => {
    it('a stream the app drops, unread or read part-way and never stopped: aborted once collected (unread if never read); one kept is not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapMistral(make(), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) }, { sse: chunks(PIECES) }, { sse: chunks(PIECES) });
      const create = () => wrapped.chat.stream(PARAMS);
      expect(await dropStreams(handed, create, (event) => event.data.choices[0]?.delta.content, 'It left ')).toEqual({ recorded: 2, kept: ANSWER, looped: ANSWER });
      const events = await h.events();
      const { unread, kept } = droppedEvents(events, 'It left ');
      expect(unread).toEqual(
        unreadEvent(MODEL, {
          integration: 'mistral',
          operation: 'chat.stream',
          provider: 'mistral',
          input_chars: SYSTEM.length + QUESTION.length,
          input_digest: hmac(MESSAGES),
        }),
      );
      expect(kept).toEqual(okEvent('chat.stream'));
    });

    it('read to its end: the same EventStream the SDK returns, the same chunks; one event at the end with usage and time to first token', async () => {
      const { plain, wrapped } = clients();
      api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) });
      const expected = [];
      for await (const event of await plain.chat.stream(PARAMS)) expected.push(data(event));
      const client = make();
      const stream = client.chat.stream;
      let inner: unknown;
      client.chat.stream = function (this: unknown, ...args: Parameters<typeof stream>) {
        return (inner = stream.apply(this, args));
      };
      wrapMistral(client, { log: h.log, digestKey: DIGEST_KEY });
      const promise = client.chat.stream(PARAMS);
      expect(promise).toBe(inner);
      const got = [];
      const result = await promise;
      expect(result).toBe(await inner);
      for await (const event of result) got.push(data(event));
      expect(got).toEqual(expected);
      expect(got).toHaveLength(5);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent('chat.stream'));
      expect(event!.output_digest).toBe(await aiDigest(PIECES.join(''), DIGEST_KEY));
    });

    it('tool calls and thinking streamed; a stream that ends without a finish reason is interrupted', async () => {
      const { wrapped } = clients();
      const thinking = [{ type: 'thinking', thinking: [{ type: 'text', text: 'Look it up.' }] }];
      api.script({ sse: chunks([thinking, [{ type: 'text', text: 'On it.' }]], { calls: ['track_parcel'] }) }, { sse: chunks(['It left '], { finish: null }) });
      await readAll(await wrapped.chat.stream(PARAMS));
      await readAll(await wrapped.chat.stream(PARAMS));
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.tool_calls, e.output_chars, typeof e.time_to_first_token_ms, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'tool-calls', ['track_parcel'], 'On it.'.length, 'number', undefined],
        ['ok', 'interrupted', undefined, 'It left '.length, 'number', ['interrupted']],
      ]);
    });

    it('broken off by the app (break): aborted, with the text so far; the connection cut mid-stream: error', async () => {
      const { wrapped } = clients();
      api.script({ sse: chunks(PIECES), hold: 2 }, { sse: chunks(PIECES), reset: 2 });
      for await (const event of await wrapped.chat.stream(PARAMS)) if (event.data.choices[0]?.delta.content) break;
      await api.disconnected();
      api.release();
      const cut = await readAll(await wrapped.chat.stream(PARAMS)).catch((e: unknown) => e);
      expect(cut).toBeInstanceOf(Error);
      const [broken, failed, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(broken).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left '), performance_metrics: { anomaly_flags: ['aborted'] } });
      expect(broken).not.toHaveProperty('finish_reason');
      expect(failed).toMatchObject({ streamed: true, outcome: 'error', output_chars: 'It left '.length, error: { name: (cut as Error).name }, performance_metrics: { anomaly_flags: ['error'] } });
    });

    it("aborted through the request's signal between two reads, or while a read waits: aborted, with the text so far", async () => {
      const { wrapped } = clients();
      api.script({ sse: chunks(PIECES), hold: 2 }, { sse: chunks(PIECES), hold: 2 });
      // Between reads: the app aborts and never reads again.
      const between = new AbortController();
      const stream = await wrapped.chat.stream(PARAMS, { signal: between.signal });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      expect((await iterator.next()).value.data.choices[0].delta.content).toBe('It left ');
      between.abort();
      await api.disconnected();
      // While a read waits for the server.
      const waiting = new AbortController();
      const reads: string[] = [];
      const failed = (async () => {
        for await (const event of await wrapped.chat.stream(PARAMS, { signal: waiting.signal })) {
          const text = event.data.choices[0]?.delta.content;
          if (typeof text === 'string' && text) reads.push(text), waiting.abort();
        }
      })().catch((e: unknown) => e);
      expect(await failed).toBeInstanceOf(Error);
      expect(reads).toEqual(['It left ']);
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        [true, 'aborted', 'It left '.length, ['aborted']],
        [true, 'aborted', 'It left '.length, ['aborted']],
      ]);
      api.release();
    });

    it('an abort signal the app keeps for many calls: the wrapper leaves no listener on it once a stream is recorded', async () => {
      const { plain, wrapped } = clients();
      const listeners = async (client: typeof plain) => {
        const signal = new AbortController().signal;
        for (let i = 0; i < 3; i++) await readAll(await client.chat.stream(PARAMS, { signal }));
        return getEventListeners(signal, 'abort').length;
      };
      // The SDK's own listeners (fetch's, if any stay) are the same: the wrapper adds none to them.
      expect(await listeners(wrapped)).toBe(await listeners(plain));
      expect((await h.events()).map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok']);
    });

    // The EventStream is a ReadableStream: an app may read it without iterating it, as a route that streams the
    // answer on to a browser does (pipeThrough). Each way is recorded as iterating is.
    it('read by getReader(), pipeThrough(), pipeTo(), tee() or values(): the same chunks as unwrapped; one event each, as for await records', async () => {
      const { plain, wrapped } = clients();
      const reads: Record<string, (stream: any) => Promise<unknown[]>> = {
        getReader: async (stream) => {
          const reader = stream.getReader();
          const got = [];
          for (let step = await reader.read(); !step.done; step = await reader.read()) got.push(data(step.value));
          return got;
        },
        pipeThrough: (stream) => reads.getReader!(stream.pipeThrough(new TransformStream({ transform: (event, out) => out.enqueue(event) }))),
        pipeTo: async (stream) => {
          const got: unknown[] = [];
          await stream.pipeTo(new WritableStream({ write: (event) => void got.push(data(event)) }));
          return got;
        },
        // One branch read to its end; the other left unread, as an app that logs one copy and drops the other.
        tee: (stream) => reads.getReader!(stream.tee()[0]),
        values: async (stream) => {
          const got = [];
          for await (const event of stream.values()) got.push(data(event));
          return got;
        },
      };
      for (const [name, read] of Object.entries(reads)) {
        api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) });
        const expected = await read(await plain.chat.stream(PARAMS));
        expect(await read(await wrapped.chat.stream(PARAMS)), name).toEqual(expected);
        expect(expected, name).toHaveLength(5);
        const [event, ...more] = await h.events();
        expect(more, name).toEqual([]);
        expect(event, name).toEqual(okEvent('chat.stream'));
      }
    });

    it('a reader cancelled part-way, or the stream cancelled unread: aborted; a reader released and taken again reads on', async () => {
      const { wrapped } = clients();
      api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES), hold: 1 }, { sse: chunks(PIECES) });
      // Cancelled after the first text.
      const stream = await wrapped.chat.stream(PARAMS);
      const reader = stream.getReader();
      expect(stream.locked).toBe(true);
      // Locked, as the SDK's stream is: a second reader throws, a cancel is refused.
      expect(() => stream.getReader()).toThrow(TypeError);
      await expect(stream.cancel()).rejects.toThrow(TypeError);
      await reader.read();
      expect((await reader.read()).value!.data.choices[0]!.delta.content).toBe('It left ');
      await reader.cancel('enough');
      // Cancelled before any read (the app changed its mind): the request was made all the same.
      const unread = await wrapped.chat.stream(PARAMS);
      await unread.cancel('not needed');
      await api.disconnected();
      api.release();
      // Released, then read again by a new reader and by for await: one call, read to its end.
      const again = await wrapped.chat.stream(PARAMS);
      const first = again.getReader();
      await first.read();
      first.releaseLock();
      expect(again.locked).toBe(false);
      expect(await readAll(again)).toBe(ANSWER);
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['aborted', 'It left '.length, ['aborted']],
        ['aborted', undefined, ['aborted']],
        ['ok', ANSWER.length, undefined],
      ]);
    });

    it("a runtime without ReadableStream's async iteration (the SDK's own polyfill reads by getReader()): for await and getReader() recorded", async () => {
      const { wrapped } = clients();
      const proto = ReadableStream.prototype as unknown as Record<symbol, unknown>;
      const native = Object.getOwnPropertyDescriptor(proto, Symbol.asyncIterator)!;
      /** Reads the stream with the runtime's async iteration gone (fetch, which iterates streams itself, is done by then). */
      const without = async <T>(read: () => Promise<T>) => {
        Object.defineProperty(proto, Symbol.asyncIterator, { ...native, value: undefined });
        try {
          return await read();
        } finally {
          Object.defineProperty(proto, Symbol.asyncIterator, native);
        }
      };
      api.script({ sse: chunks(PIECES) }, { sse: chunks(PIECES) });
      const iterated = await wrapped.chat.stream(PARAMS);
      expect(await without(() => readAll(iterated))).toBe(ANSWER);
      const taken = await wrapped.chat.stream(PARAMS);
      const steps = await without(async () => {
        // Taken here: the wrapper's stream is made through the SDK's polyfill, which reads by getReader() itself.
        const reader = taken.getReader();
        let n = 0;
        while (!(await reader.read()).done) n++;
        return n;
      });
      expect(steps).toBe(5);
      expect(await h.events()).toEqual([okEvent('chat.stream'), okEvent('chat.stream')]);
    });

    it("a 503 before the stream: the app gets the SDK's error; recorded as a failed streamed call", async () => {
      const { wrapped } = clients();
      api.script({ status: 503, json: apiError('Service unavailable', 'service_unavailable') });
      await expect(wrapped.chat.stream(PARAMS)).rejects.toMatchObject({ name: 'SDKError', statusCode: 503 });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ operation: 'chat.stream', streamed: true, outcome: 'error', error: { name: 'SDKError', status: 503, code: 'service_unavailable' } });
    });
  });

  describe('chat.parse and chat.parseStream (structured outputs)', () => {
    it('recorded as chat.parse and chat.parseStream: the JSON text as output; the app gets the parsed answer as unwrapped', async () => {
      const { plain, wrapped } = clients();
      const JSON_ANSWER = '{"city":"Lyon"}';
      const request = { ...PARAMS, responseFormat: z.object({ city: z.string() }) };
      api.script({ json: completion(JSON_ANSWER) }, { json: completion(JSON_ANSWER) }, { sse: chunks(['{"city":', '"Lyon"}']) });
      const expected = await plain.chat.parse(request);
      const parsed = await wrapped.chat.parse(request);
      expect(data(parsed)).toEqual(data(expected));
      expect(parsed.choices?.[0]?.message?.parsed).toEqual({ city: 'Lyon' });
      expect(await readAll(await wrapped.chat.parseStream(request))).toBe(JSON_ANSWER);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.finish_reason, e.input_digest, e.output_digest, e.performance_metrics.output_tokens])).toEqual([
        ['chat.parse', false, 'ok', 'stop', hmac(MESSAGES), hmac(JSON_ANSWER), USAGE.completion_tokens],
        ['chat.parseStream', true, 'ok', 'stop', hmac(MESSAGES), hmac(JSON_ANSWER), USAGE.completion_tokens],
      ]);
    });
  });

  describe('embeddings.create', () => {
    it("returns what the SDK returns; records the inputs, the vectors' count and dimensions, the tokens, no output", async () => {
      const { plain, wrapped } = clients();
      const inputs = ['Where is my parcel?', 'When does it arrive?'];
      const expected = await plain.embeddings.create({ model: EMBEDDING_MODEL, inputs });
      const result = await wrapped.embeddings.create({ model: EMBEDDING_MODEL, inputs });
      expect(data(result)).toEqual(data(expected));
      api.script({ status: 400, json: apiError('Too many inputs', 'invalid_request_error') });
      await expect(wrapped.embeddings.create({ model: EMBEDDING_MODEL, inputs: 'c' })).rejects.toMatchObject({ statusCode: 400 });
      const [event, failed, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'mistral',
        operation: 'embeddings.create',
        streamed: false,
        provider: 'mistral',
        response_model_id: EMBEDDING_MODEL,
        response_id: 'emb-1',
        outcome: 'ok',
        input_chars: inputs.join('').length,
        input_digest: hmac(inputs),
        embedding_count: 2,
        embedding_dimensions: 4,
        model_context: { model_id: EMBEDDING_MODEL, model_version: EMBEDDING_MODEL, model_type: 'embedding' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9 },
      });
      expect(failed).toMatchObject({ outcome: 'error', input_chars: 1, error: { name: 'SDKError', status: 400 }, model_context: { model_type: 'embedding' } });
    });
  });

  describe('fim and agents', () => {
    it('fim.complete and fim.stream: the prompt and suffix as input; the answer as output', async () => {
      const { wrapped } = clients();
      const request = { model: 'codestral-test', prompt: 'def parcel_status(', suffix: '    return status' };
      const answer = await wrapped.fim.complete(request);
      const text = await readAll(await wrapped.fim.stream(request));
      const events = await h.events();
      expect(answer.choices[0]!.message?.content).toBe(text);
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.finish_reason, e.input_chars, e.input_digest, e.output_digest, e.model_context.model_id])).toEqual([
        ['fim.complete', false, 'ok', 'stop', request.prompt.length + request.suffix.length, hmac({ prompt: request.prompt, suffix: request.suffix }), hmac(text), 'codestral-test'],
        ['fim.stream', true, 'ok', 'stop', request.prompt.length + request.suffix.length, hmac({ prompt: request.prompt, suffix: request.suffix }), hmac(text), 'codestral-test'],
      ]);
    });

    it("agents.complete and agents.stream: the agent's id as model_id, the answer's model as model_version", async () => {
      const { wrapped } = clients();
      api.script({ json: completion(ANSWER, { model: 'mistral-large-2411' }) }, { sse: chunks(PIECES, { model: 'mistral-large-2411' }) });
      await wrapped.agents.complete({ agentId: AGENT_ID, messages: [MESSAGES[1]!] });
      await readAll(await wrapped.agents.stream({ agentId: AGENT_ID, messages: [MESSAGES[1]!] }));
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.input_digest, e.output_digest, e.response_model_id, e.model_context])).toEqual(
        ['agents.complete', 'agents.stream'].map((operation) => [
          operation,
          operation === 'agents.stream',
          'ok',
          hmac([MESSAGES[1]]),
          hmac(ANSWER),
          'mistral-large-2411',
          { model_id: AGENT_ID, model_version: 'mistral-large-2411', model_type: 'llm' },
        ]),
      );
    });
  });
});
