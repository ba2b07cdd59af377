// wrapAnthropic with the real `@anthropic-ai/sdk` (the current major, 1.x, and the previous one, 0.137, installed
// as `anthropic0`) against a small Messages API on 127.0.0.1 that answers JSON and streams server-sent events
// (anthropic-server.ts: a stand-in for the provider, which cannot run here). Each test compares what the app
// gets with what the unwrapped client gets, and checks the exact event.
import Anthropic1 from '@anthropic-ai/sdk';
import { APIPromise as APIPromise1 } from '@anthropic-ai/sdk/api-promise';
import { Stream as Stream1 } from '@anthropic-ai/sdk/streaming';
import Anthropic0 from 'anthropic0';
import { APIPromise as APIPromise0 } from 'anthropic0/api-promise';
import { Stream as Stream0 } from 'anthropic0/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapAnthropic, type AiCall } from '../../src/ai/index.js';
import { apiError, message, messageStream, MODEL, SNAPSHOT, startAnthropicServer, USAGE, type AnthropicServer } from './anthropic-server.js';
import { closeBoth, collectNow, collectUntilSettled, droppedEvents, dropStreams, generated, startWith, unreadEvent, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';

let h: Harness;
let api: AnthropicServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startAnthropicServer));
});
afterAll(() => closeBoth(h, api));

const SYSTEM = 'You are a support agent.';
const MESSAGES = [{ role: 'user' as const, content: 'Where is my parcel?' }];
const INPUT_CHARS = SYSTEM.length + 'Where is my parcel?'.length;
const PARAMS = { model: MODEL, max_tokens: 256, system: SYSTEM, messages: MESSAGES };
const ANSWER = 'It left the depot this morning.';

/** The exact event of a call with PARAMS answered ANSWER, as the fake answers it by default. */
const okEvent = (streamed: boolean, output = ANSWER) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'anthropic',
  operation: 'messages',
  streamed,
  provider: 'anthropic',
  response_model_id: SNAPSHOT,
  response_id: 'msg_1',
  outcome: 'ok',
  finish_reason: 'stop',
  stop_reason: 'end_turn',
  ...(streamed && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: INPUT_CHARS,
  output_chars: output.length,
  input_digest: hmac({ system: SYSTEM, messages: MESSAGES }),
  output_digest: hmac(output),
  model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
});

describe.each([
  // 1.x runs its tool runner over a message thread (threads: true); 0.137 has none.
  ['@anthropic-ai/sdk@1', Anthropic1, APIPromise1, Stream1, true],
  ['@anthropic-ai/sdk@0.137', Anthropic0 as unknown as typeof Anthropic1, APIPromise0 as unknown as typeof APIPromise1, Stream0 as unknown as typeof Stream1, false],
])('%s', (_, Anthropic, APIPromise, Stream, threads) => {
  const options = () => ({ apiKey: 'sk-ant-test', baseURL: api.url, maxRetries: 0 });
  const clients = () => ({ plain: new Anthropic(options()), wrapped: wrapAnthropic(new Anthropic(options()), { log: h.log, digestKey: DIGEST_KEY }) });

  describe('messages.create', () => {
    it('returns exactly what the SDK returns (the same APIPromise kind, the same message); records the exact event', async () => {
      const { plain, wrapped } = clients();
      api.script({ json: message(ANSWER) }, { json: message(ANSWER) });
      const expected = await plain.messages.create(PARAMS);
      const promise = wrapped.messages.create(PARAMS);
      expect(promise).toBeInstanceOf(APIPromise);
      const result = await promise;
      expect(result).toEqual(expected);
      expect(result._request_id).toBe(`req_${api.requests.length}`);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent(false));
    });

    it('streamed: the app iterates the same events; one event at the end with usage and time to first token', async () => {
      const { plain, wrapped } = clients();
      const sse = messageStream(['It left ', 'the depot ', 'this morning.']);
      api.script({ sse }, { sse });
      const params = { ...PARAMS, stream: true as const };
      const expected = [];
      for await (const e of await plain.messages.create(params)) expected.push(e);
      const stream = await wrapped.messages.create(params);
      expect(stream).toBeInstanceOf(Stream);
      const got = [];
      for await (const e of stream) got.push(e);
      expect(got).toEqual(expected);
      // The SDK hands over every event but the pings.
      expect(got.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent(true));
    });

    it('a stream the app drops, unread or read part-way and never stopped: aborted once collected (unread if never read); one kept is not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapAnthropic(new Anthropic(options()), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      const sse = messageStream(['It left ', 'the depot.']);
      api.script({ sse }, { sse }, { sse }, { sse });
      const create = () => wrapped.messages.create({ ...PARAMS, stream: true });
      const text = (e: any) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? e.delta.text : undefined);
      expect(await dropStreams(handed, create, text, 'It left ')).toEqual({ recorded: 2, kept: 'It left the depot.', looped: 'It left the depot.' });
      const events = await h.events();
      const { unread, part, kept } = droppedEvents(events, 'It left ');
      expect(unread).toEqual(
        unreadEvent(MODEL, {
          integration: 'anthropic',
          operation: 'messages',
          provider: 'anthropic',
          input_chars: INPUT_CHARS,
          input_digest: hmac({ system: SYSTEM, messages: MESSAGES }),
        }),
      );
      expect(part).toMatchObject({ response_id: 'msg_1' });
      expect(kept).toMatchObject({ streamed: true, outcome: 'ok', output_chars: 'It left the depot.'.length });
    });

    it('tool use, streamed and not: the tools the app runs and those Anthropic runs (server_tool_use), by name; no text, no output', async () => {
      const { wrapped } = clients();
      api.script({ json: message('', { tools: ['track_parcel'], server_tools: ['web_search'] }) }, { sse: messageStream([], { tools: ['track_parcel', 'notify'] }) });
      const answer = await wrapped.messages.create(PARAMS);
      expect(answer.content.map((b) => b.type)).toEqual(['server_tool_use', 'tool_use']);
      const streamed = [];
      for await (const e of await wrapped.messages.create({ ...PARAMS, stream: true })) if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') streamed.push(e.delta.partial_json);
      expect(streamed.join('')).toBe('{"city": "Paris"}{"city": "Paris"}');
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.finish_reason, e.stop_reason, e.tool_calls, e.output_chars, e.output_digest])).toEqual([
        [false, 'tool-calls', 'tool_use', ['web_search', 'track_parcel'], undefined, undefined],
        [true, 'tool-calls', 'tool_use', ['track_parcel', 'notify'], undefined, undefined],
      ]);
      // A tool call is a first token: the model generated it.
      expect(events[1]!.time_to_first_token_ms).toEqual(expect.any(Number));
    });

    it('stop reasons: max_tokens → length, refusal → content-filter (flagged), pause_turn → stop, one unknown → other; the provider\'s own kept', async () => {
      const { wrapped } = clients();
      api.script(
        { json: message('It left the', { stop: 'max_tokens' }) },
        { sse: messageStream(["I can't help ", 'with that.'], { stop: 'refusal' }) },
        { json: message('Searching…', { stop: 'pause_turn', server_tools: ['web_search'] }) },
        { json: message('Done.', { stop: 'a_reason_from_2027' }) },
        { json: message('Ctx', { stop: 'model_context_window_exceeded' }) },
      );
      await wrapped.messages.create({ ...PARAMS, max_tokens: 3 });
      for await (const _ of await wrapped.messages.create({ ...PARAMS, stream: true }));
      await wrapped.messages.create(PARAMS);
      await wrapped.messages.create(PARAMS);
      await wrapped.messages.create(PARAMS);
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.stop_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'length', 'max_tokens', 'It left the'.length, ['length']],
        ['ok', 'content-filter', 'refusal', "I can't help with that.".length, ['content_filter']],
        ['ok', 'stop', 'pause_turn', 'Searching…'.length, undefined],
        ['ok', 'other', 'a_reason_from_2027', 'Done.'.length, undefined],
        ['ok', 'length', 'model_context_window_exceeded', 3, ['length']],
      ]);
      // A refusal's text is output, as any text is.
      expect(events[1]!.output_digest).toBe(hmac("I can't help with that."));
    });

    it('tokens: the prompt cache\'s reads and writes count as input, as OpenAI\'s cached tokens do; message_delta\'s running totals win', async () => {
      const { wrapped } = clients();
      const cached = { ...USAGE, input_tokens: 5, cache_creation_input_tokens: 40, cache_read_input_tokens: 2000, output_tokens: 9 };
      const sse = messageStream(['Yes.'], { usage: cached });
      // The API's newer message_delta carries the input counts too (null where unchanged).
      (sse.at(-2) as any).usage = { input_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: 2000, output_tokens: 11 };
      api.script({ json: message('Yes.', { usage: cached }) }, { sse });
      await wrapped.messages.create(PARAMS);
      for await (const _ of await wrapped.messages.create({ ...PARAMS, stream: true }));
      const events = await h.events();
      expect(events.map((e) => e.performance_metrics)).toEqual([
        { latency_ms: expect.any(Number), input_tokens: 2045, output_tokens: 9 },
        { latency_ms: expect.any(Number), input_tokens: 2045, output_tokens: 11 },
      ]);
    });

    it('API errors (429 rate limited, 529 overloaded): the app gets the same error; the event records its status and type', async () => {
      const { plain, wrapped } = clients();
      const limited = { status: 429, json: apiError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit') };
      const overloaded = { status: 529, json: apiError('overloaded_error', 'Overloaded') };
      api.script(limited, limited, overloaded, overloaded);
      for (const stream of [false, true]) {
        const expected = await plain.messages.create({ ...PARAMS, stream } as typeof PARAMS).catch((e: unknown) => e);
        const got = await wrapped.messages.create({ ...PARAMS, stream } as typeof PARAMS).catch((e: unknown) => e);
        expect((got as object).constructor).toBe((expected as object).constructor);
        expect(String(got)).toBe(String(expected));
      }
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.error.status, e.error.code, e.performance_metrics.anomaly_flags])).toEqual([
        [false, 'error', 429, 'rate_limit_error', ['error']],
        [true, 'error', 529, 'overloaded_error', ['error']],
      ]);
      expect(events[0]).toMatchObject({ error: { name: 'RateLimitError', message: expect.stringContaining('per-minute rate limit') }, model_context: { model_version: 'unreported' } });
      expect(events[0]!.output_digest).toBeUndefined();
    });

    it('an error event mid-stream (overloaded): the app gets the SDK\'s error; one event, outcome error, the text so far', async () => {
      const { wrapped } = clients();
      const sse = messageStream(['It ', 'left.']).slice(0, 4);
      sse.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      api.script({ sse });
      const got: string[] = [];
      const error = await (async () => {
        for await (const e of await wrapped.messages.create({ ...PARAMS, stream: true })) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') got.push(e.delta.text);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(got).toEqual(['It ']);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ outcome: 'error', error: { code: 'overloaded_error', message: expect.stringContaining('Overloaded') }, output_chars: 3, performance_metrics: { anomaly_flags: ['error'] } });
      expect(event!.finish_reason).toBeUndefined();
    });

    it('the app stops reading (break): aborted, with the text so far; after message_delta, the answer had ended: ok', async () => {
      const { wrapped } = clients();
      const sse = messageStream(['It ', 'left ', 'the depot.']);
      api.script({ sse, hold: 5 }, { sse });
      for await (const e of await wrapped.messages.create({ ...PARAMS, stream: true })) {
        if (e.type === 'content_block_delta' && e.delta.type === 'text_delta' && e.delta.text === 'left ') break;
      }
      await api.disconnected();
      for await (const e of await wrapped.messages.create({ ...PARAMS, stream: true })) if (e.type === 'message_delta') break;
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['aborted', undefined, 'It left '.length, ['aborted']],
        ['ok', 'stop', 'It left the depot.'.length, undefined],
      ]);
      expect(events[0]!.output_digest).toBe(hmac('It left '));
    });

    it('an abort signal: before the answer, during the stream, and stream.controller.abort(): aborted, once each', async () => {
      const { wrapped } = clients();
      const sse = messageStream(['It ', 'left.']);
      api.script({ stall: true }, { sse, hold: 4 }, { sse, hold: 4 });
      // Before the answer: the app gets the SDK's APIUserAbortError.
      const before = new AbortController();
      const pending = wrapped.messages.create(PARAMS, { signal: before.signal });
      await api.stalled();
      before.abort();
      await expect(pending).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
      // During the stream, by the request's signal, then by the stream's controller.
      const during = new AbortController();
      const stream = await wrapped.messages.create({ ...PARAMS, stream: true }, { signal: during.signal });
      const read = (async () => {
        for await (const e of stream) if (e.type === 'content_block_delta') during.abort();
      })();
      await read.catch(() => undefined);
      const controlled = await wrapped.messages.create({ ...PARAMS, stream: true });
      for await (const e of controlled) if (e.type === 'content_block_delta') controlled.controller.abort();
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        [false, 'aborted', undefined, ['aborted']],
        [true, 'aborted', 3, ['aborted']],
        [true, 'aborted', 3, ['aborted']],
      ]);
      expect(events[0]!.error.name).toBe('APIUserAbortError');
    });

    it('a stream that ends without message_delta and message_stop: finish reason interrupted, not a complete answer', async () => {
      const { wrapped } = clients();
      // The connection closed cleanly (a proxy's timeout, say) before the model was done.
      api.script({ sse: messageStream(['It ', 'left.']).slice(0, -2) }, { sse: messageStream(['It ', 'left.']).slice(0, -1) });
      for await (const _ of await wrapped.messages.create({ ...PARAMS, stream: true }));
      // Without message_stop only: message_delta said how the answer ended.
      for await (const _ of await wrapped.messages.create({ ...PARAMS, stream: true }));
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'interrupted', 8, ['interrupted']],
        ['ok', 'stop', 8, undefined],
      ]);
    });

    it('the connection drops mid-stream: the app gets the error; one event, outcome error', async () => {
      const { wrapped } = clients();
      api.script({ sse: messageStream(['It ', 'left.']), reset: 4 });
      const reading = (async () => {
        for await (const _ of await wrapped.messages.create({ ...PARAMS, stream: true }));
      })();
      await expect(reading).rejects.toThrow();
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'error', output_chars: 3, performance_metrics: { anomaly_flags: ['error'] } });
    });

    it('the app appends the answer to its messages: the digest covers the messages as sent', async () => {
      const { wrapped } = clients();
      const messages: any[] = [...MESSAGES];
      const answer = await wrapped.messages.create({ ...PARAMS, messages });
      messages.push({ role: 'assistant', content: answer.content }, { role: 'user', content: 'Thanks' });
      const sent = [...messages];
      const stream = await wrapped.messages.create({ ...PARAMS, messages, stream: true });
      for await (const e of stream) if (e.type === 'message_stop') messages.push({ role: 'assistant', content: 'more' });
      const events = await h.events();
      expect(events.map((e) => e.input_digest)).toEqual([hmac({ system: SYSTEM, messages: MESSAGES }), hmac({ system: SYSTEM, messages: sent })]);
    });

    it('a prompt nested too deep to digest: the app gets its answer; onError gets ERR_TOO_DEEP and the call; the calls around it recorded', async () => {
      const errors: { error: any; call?: AiCall }[] = [];
      const wrapped = wrapAnthropic(new Anthropic(options()), { log: h.log, digestKey: DIGEST_KEY, onError: (error, { call }) => errors.push({ error, call }) });
      // A tool's JSON result nested 300 levels deep: JSON (and the SDK) carry it, canonical JSON refuses it past 256.
      let deep: unknown = 'leaf';
      for (let i = 0; i < 300; i++) deep = { v: deep };
      const messages = [...MESSAGES, { role: 'user' as const, content: [{ type: 'text' as const, text: 'And this?', data: deep }] }];
      await wrapped.messages.create(PARAMS);
      const answer = await wrapped.messages.create({ ...PARAMS, messages });
      expect(answer.content[0]).toMatchObject({ type: 'text', text: 'You asked 9 characters.' });
      await wrapped.messages.create(PARAMS);
      const events = await h.events();
      expect(events.map((e) => e.input_digest)).toEqual([hmac({ system: SYSTEM, messages: MESSAGES }), hmac({ system: SYSTEM, messages: MESSAGES })]);
      expect(errors).toHaveLength(1);
      const [{ error, call }] = errors as [(typeof errors)[0]];
      // The input is `{ system, messages }`: the message is `messages[1]`.
      expect(error).toMatchObject({ name: 'AegisLogValidationError', code: 'ERR_TOO_DEEP', field: expect.stringMatching(/^messages\[1\]\.content\[0\]\.data(\.v)+$/) });
      // The object at depth 257 (the input being the first level, `data` the sixth).
      expect(error.field.split('.v')).toHaveLength(257 - 6 + 1);
      expect(call).toMatchObject({ integration: 'anthropic', operation: 'messages', outcome: 'ok', responseId: 'msg_1', input: { system: SYSTEM, messages } });
    });

    it('params the SDK itself refuses: the app gets the same error as unwrapped', async () => {
      const { plain, wrapped } = clients();
      const expected = await (async () => plain.messages.create(undefined as never))().catch((e: unknown) => e);
      const got = await (async () => wrapped.messages.create(undefined as never))().catch((e: unknown) => e);
      expect(got).toBeInstanceOf((expected as object).constructor);
      expect((got as Error).message).toBe((expected as Error).message);
      // No request went out, but the app's call failed: recorded so, never thrown into.
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ outcome: 'error', error: { name: 'TypeError' }, model_context: { model_id: 'undefined' } });
    });

    it('withResponse() and tee() (the stream itself dropped, collected while its branches are read): recorded once each; asResponse() from the status alone', async () => {
      const { wrapped } = clients();
      api.script({ json: message('one') }, { sse: messageStream(['two']) }, { json: message('three') });
      const { data, response: raw } = await wrapped.messages.create(PARAMS).withResponse();
      expect(data.content[0]).toMatchObject({ text: 'one' });
      expect(raw.status).toBe(200);
      const [left, right] = (await wrapped.messages.create({ ...PARAMS, stream: true })).tee();
      const read = async (s: AsyncIterable<any>) => {
        let text = '';
        for await (const e of s) {
          text += e.delta?.text ?? '';
          await collectNow();
        }
        return text;
      };
      expect(await Promise.all([read(left), read(right)])).toEqual(['two', 'two']);
      const response = await wrapped.messages.create(PARAMS).asResponse();
      expect(((await response.json()) as any).content[0].text).toBe('three');
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.output_chars, e.raw_response, e.http_status])).toEqual([
        [false, 3, undefined, undefined],
        [true, 3, undefined, undefined],
        [false, undefined, true, 200],
      ]);
    });

    it('a call the app drops unread is recorded from its HTTP status once its promise is collected; one read later is not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapAnthropic(new Anthropic(options()), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      api.script({ json: message('read after a while') }, { json: message('nobody reads this') });
      const sent = api.requests.length;
      const kept = wrapped.messages.create(PARAMS); // read below, after collections
      void wrapped.messages.create(PARAMS); // dropped: nothing keeps this promise
      for (let turn = 0; api.requests.length < sent + 2 && turn < 10_000; turn++) await new Promise((r) => setImmediate(r));
      expect(await collectUntilSettled(handed, 1)).toBe(1);
      expect((await kept).content[0]).toMatchObject({ text: 'read after a while' });
      const [dropped, read, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(dropped).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'anthropic',
        operation: 'messages',
        streamed: false,
        provider: 'anthropic',
        outcome: 'ok',
        unread: true,
        http_status: 200,
        input_chars: INPUT_CHARS,
        input_digest: hmac({ system: SYSTEM, messages: MESSAGES }),
        model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number) },
      });
      expect(read).toMatchObject({ outcome: 'ok', output_chars: 'read after a while'.length });
      expect(read).not.toHaveProperty('unread');
    });

    it('wrapping twice records once', async () => {
      const { wrapped } = clients();
      wrapAnthropic(wrapped, { log: h.log });
      await wrapped.messages.create(PARAMS);
      await wrapped.beta.messages.create(PARAMS);
      expect((await h.events()).map((e) => e.operation)).toEqual(['messages', 'beta.messages']);
    });
  });

  describe('the SDK\'s helpers built on create', () => {
    it('messages.stream() with finalMessage(): the same message as unwrapped; recorded once, as the streamed create it makes', async () => {
      const { plain, wrapped } = clients();
      const sse = messageStream(['It left ', 'the depot ', 'this morning.']);
      api.script({ sse }, { sse });
      const expected = await plain.messages.stream(PARAMS).finalMessage();
      const texts: string[] = [];
      const stream = wrapped.messages.stream(PARAMS).on('text', (t) => texts.push(t));
      expect(await stream.finalMessage()).toEqual(expected);
      expect(texts.join('')).toBe(ANSWER);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(okEvent(true));
    });

    it('messages.stream(): for await over its events, a break, and abort(): recorded once each', async () => {
      const { wrapped } = clients();
      const sse = messageStream(['It ', 'left ', 'the depot.']);
      api.script({ sse }, { sse, hold: 5 }, { sse, hold: 4 });
      const types = [];
      for await (const e of wrapped.messages.stream(PARAMS)) types.push(e.type);
      expect(types.at(-1)).toBe('message_stop');
      // The app leaves the loop: the helper aborts its request.
      for await (const e of wrapped.messages.stream(PARAMS)) if (e.type === 'content_block_delta') break;
      await api.disconnected();
      const aborted = wrapped.messages.stream(PARAMS);
      aborted.on('text', () => aborted.abort());
      await expect(aborted.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.finish_reason])).toEqual([
        [true, 'ok', 'stop'],
        [true, 'aborted', undefined],
        [true, 'aborted', undefined],
      ]);
    });

    it('waitUntil is handed one promise per call, which settles once its event is recorded, streamed helper or not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapAnthropic(new Anthropic(options()), { log: h.log, waitUntil: (p) => handed.push(p) });
      // A system prompt in blocks (with a cache breakpoint), as apps that cache it send it: its text counts as input.
      const system = [{ type: 'text' as const, text: SYSTEM, cache_control: { type: 'ephemeral' as const } }];
      await wrapped.messages.stream({ ...PARAMS, system }).finalMessage();
      await wrapped.messages.create({ ...PARAMS, system });
      expect(handed).toHaveLength(2);
      await Promise.all(handed);
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.input_chars])).toEqual([
        [true, 'ok', INPUT_CHARS],
        [false, 'ok', INPUT_CHARS],
      ]);
    });

    it('messages.parse(): recorded once, as the create it makes', async () => {
      const { wrapped } = clients();
      api.script({ json: message('{"eta":"today"}') });
      const format = { type: 'json_schema' as const, schema: { type: 'object', properties: { eta: { type: 'string' } }, required: ['eta'], additionalProperties: false } };
      const parsed = await wrapped.messages.parse({ ...PARAMS, output_config: { format } } as any);
      expect((parsed as any).parsed_output).toEqual({ eta: 'today' });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ operation: 'messages', streamed: false, outcome: 'ok', output_digest: hmac('{"eta":"today"}') });
    });
  });

  describe('beta.messages.toolRunner', () => {
    const tool = { name: 'track_parcel', description: 'Where a parcel is', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } }, run: async () => 'In Lyon.' };
    const params = { model: MODEL, max_tokens: 256, messages: MESSAGES, tools: [tool] };

    it('not streamed: one event per model call of its loop, the tool call and then the answer', async () => {
      const { wrapped } = clients();
      api.script({ json: message('', { tools: ['track_parcel'] }) });
      const final = await wrapped.beta.messages.toolRunner(params).runUntilDone();
      expect(final.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^You asked \d+ characters\.$/) });
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.finish_reason, e.tool_calls, e.output_chars])).toEqual([
        ['beta.messages', false, 'ok', 'tool-calls', ['track_parcel'], undefined],
        ['beta.messages', false, 'ok', 'stop', undefined, final.content[0]!.type === 'text' ? final.content[0]!.text.length : -1],
      ]);
      // Each call's input as sent: 0.137 sends the whole conversation; a 1.x thread, the turn's new messages.
      expect(events[0]!.input_digest).toBe(hmac({ messages: MESSAGES }));
      expect(api.requests.at(-1)!.body.messages).toHaveLength(threads ? 1 : 3);
      expect(events[1]!.input_digest).toBe(hmac({ messages: api.requests.at(-1)!.body.messages }));
    });

    it(`streamed: one event per model call${threads ? ', from its HTTP status alone (a thread reads its streamed turns out of sight)' : ''}`, async () => {
      const { wrapped } = clients();
      api.script({ sse: messageStream([], { tools: ['track_parcel'] }) });
      const final = await wrapped.beta.messages.toolRunner({ ...params, stream: true }).runUntilDone();
      expect(final.stop_reason).toBe('end_turn');
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.finish_reason, e.tool_calls, e.raw_response, e.http_status])).toEqual(
        threads
          ? [
              ['beta.messages', true, 'ok', undefined, undefined, true, 200],
              ['beta.messages', true, 'ok', undefined, undefined, true, 200],
            ]
          : [
              ['beta.messages', true, 'ok', 'tool-calls', ['track_parcel'], undefined, undefined],
              ['beta.messages', true, 'ok', 'stop', undefined, undefined, undefined],
            ],
      );
      expect(events[0]!.input_digest).toBe(hmac({ messages: MESSAGES }));
    });
  });

  describe('beta.messages', () => {
    it('create, streamed or not: returns what the SDK returns; the same event as messages.create, operation beta.messages', async () => {
      const { plain, wrapped } = clients();
      const sse = messageStream(['It left ', 'the depot ', 'this morning.']);
      api.script({ json: message(ANSWER) }, { json: message(ANSWER) }, { sse }, { sse });
      const expected = await plain.beta.messages.create(PARAMS);
      const promise = wrapped.beta.messages.create(PARAMS);
      expect(promise).toBeInstanceOf(APIPromise);
      expect(await promise).toEqual(expected);
      const expectedEvents = [];
      for await (const e of await plain.beta.messages.create({ ...PARAMS, stream: true })) expectedEvents.push(e);
      const got = [];
      for await (const e of await wrapped.beta.messages.create({ ...PARAMS, stream: true })) got.push(e);
      expect(got).toEqual(expectedEvents);
      expect(api.requests.at(-1)!.path).toBe('/v1/messages');
      const [event, streamed, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({ ...okEvent(false), operation: 'beta.messages' });
      expect(streamed).toEqual({ ...okEvent(true), operation: 'beta.messages' });
    });

    it('beta.messages.stream() with finalMessage(): recorded once, operation beta.messages', async () => {
      const { wrapped } = clients();
      api.script({ sse: messageStream(['It left ', 'the depot ', 'this morning.']) });
      expect((await wrapped.beta.messages.stream(PARAMS).finalMessage()).content[0]).toMatchObject({ text: ANSWER });
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({ ...okEvent(true), operation: 'beta.messages' });
    });
  });
});
