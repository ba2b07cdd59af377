// wrapOpenAI with the real `openai` SDK (the current major and the previous one, installed as `openai6`)
// against a small OpenAI-compatible server on 127.0.0.1 that answers JSON and streams server-sent events.
// Each test compares what the app gets with what the unwrapped client gets, and checks the exact event.
import OpenAI7, { AzureOpenAI } from 'openai';
import { APIPromise as APIPromise7 } from 'openai/api-promise';
import { Stream as Stream7 } from 'openai/streaming';
import OpenAI6 from 'openai6';
import { APIPromise as APIPromise6 } from 'openai6/api-promise';
import { Stream as Stream6 } from 'openai6/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiDigest, wrapOpenAI, type AiCall } from '../../src/ai/index.js';
import { closeBoth, collectNow, collectUntilSettled, droppedEvents, dropStreams, generated, startWith, unreadEvent, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import {
  chatCompletion,
  chatStream,
  compaction,
  EMBEDDING_MODEL,
  EMBEDDING_SNAPSHOT,
  embeddingVector,
  IMAGE_MODEL,
  IMAGE_USAGE,
  imageBytes,
  imageUrl,
  MODEL,
  MODERATION_MODEL,
  ownApiOptions,
  response,
  responseStream,
  SNAPSHOT,
  SPEECH,
  startOpenAIServer,
  textCompletion,
  textStream,
  TRANSCRIPT,
  type OpenAIServer,
} from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(() => closeBoth(h, api));

const MESSAGES = [
  { role: 'system' as const, content: 'You are a support agent.' },
  { role: 'user' as const, content: 'Where is my parcel?' },
];
const INPUT_CHARS = 'You are a support agent.'.length + 'Where is my parcel?'.length;
const textLength = (...texts: string[]) => texts.join('').length;
/** What every event of a non-streamed `chat.completions.create` has. */
const chatEvent = { ...generated, event_type: 'model_inference', integration: 'openai', operation: 'chat.completions', streamed: false, provider: 'openai' };

/** The event of a background response's retrieve that found it final: the fake's answer, as `responses.create` was asked. */
const finalRetrieved = (responseId: string, streamed: boolean) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'openai',
  operation: 'responses.retrieve',
  streamed,
  provider: 'openai',
  response_model_id: SNAPSHOT,
  response_id: responseId,
  outcome: 'ok',
  finish_reason: 'stop',
  output_chars: 'You asked 20 characters.'.length,
  output_digest: hmac('You asked 20 characters.'),
  background: true,
  model_context: { model_id: SNAPSHOT, model_version: SNAPSHOT, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9, output_tokens: 5 },
});

/** The exact event of a Responses API create, not streamed, of `instructions: 'Be brief.'` and `input: 'When does it arrive?'` answered 'Tomorrow.'. */
const responsesCreateEvent = (operation: 'responses' | 'beta.responses') => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'openai',
  operation,
  streamed: false,
  provider: 'openai',
  response_model_id: SNAPSHOT,
  response_id: 'resp_1',
  outcome: 'ok',
  finish_reason: 'stop',
  input_chars: 'Be brief.'.length + 'When does it arrive?'.length,
  output_chars: 'Tomorrow.'.length,
  input_digest: hmac({ instructions: 'Be brief.', input: 'When does it arrive?' }),
  output_digest: hmac('Tomorrow.'),
  model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9, output_tokens: 5 },
});

describe.each([
  ['openai@7', OpenAI7, APIPromise7, Stream7],
  ['openai@6', OpenAI6 as unknown as typeof OpenAI7, APIPromise6, Stream6],
])('%s', (_, OpenAI, APIPromise, Stream) => {
  const clients = () => {
    const options = ownApiOptions(api);
    return { plain: new OpenAI(options), wrapped: wrapOpenAI(new OpenAI(options), { log: h.log, digestKey: DIGEST_KEY }) };
  };

  describe('chat.completions.create', () => {
    it('returns exactly what the SDK returns (the same APIPromise kind, the same data); records the exact event', async () => {
      const { plain, wrapped } = clients();
      api.script({ json: chatCompletion('It left the depot this morning.') }, { json: chatCompletion('It left the depot this morning.') });
      const expected = await plain.chat.completions.create({ model: MODEL, messages: MESSAGES });
      const promise = wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(promise).toBeInstanceOf(APIPromise);
      const result = await promise;
      expect(result).toEqual(expected);
      expect(result._request_id).toBe(`req_${api.requests.length}`);

      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...chatEvent,
        response_model_id: SNAPSHOT,
        response_id: 'chatcmpl-1',
        outcome: 'ok',
        finish_reason: 'stop',
        input_chars: INPUT_CHARS,
        output_chars: 'It left the depot this morning.'.length,
        input_digest: hmac(MESSAGES),
        output_digest: hmac('It left the depot this morning.'),
        system_fingerprint: 'fp_test',
        model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
      });
    });

    it('streamed: the app iterates the same chunks; one event at the end with usage and time to first token', async () => {
      const { plain, wrapped } = clients();
      const events = chatStream(['It left ', 'the depot.'], { usage: true });
      api.script({ sse: events }, { sse: events });
      const params = { model: MODEL, messages: MESSAGES, stream: true as const, stream_options: { include_usage: true } };
      const expected = [];
      for await (const chunk of await plain.chat.completions.create(params)) expected.push(chunk);
      const stream = await wrapped.chat.completions.create(params);
      expect(stream).toBeInstanceOf(Stream);
      const got = [];
      for await (const chunk of stream) got.push(chunk);
      expect(got).toEqual(expected);

      const [event] = await h.events();
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'openai',
        operation: 'chat.completions',
        streamed: true,
        provider: 'openai',
        response_model_id: SNAPSHOT,
        response_id: 'chatcmpl-s1',
        outcome: 'ok',
        finish_reason: 'stop',
        time_to_first_token_ms: expect.any(Number),
        input_chars: INPUT_CHARS,
        output_chars: 'It left the depot.'.length,
        input_digest: hmac(MESSAGES),
        output_digest: hmac('It left the depot.'),
        system_fingerprint: 'fp_test',
        model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
      });
    });

    it('a refusal is output, as content is: its size and digest, streamed and not', async () => {
      const { wrapped } = clients();
      const REFUSAL = "I can't help with tracking someone else's parcel.";
      const refused = chatCompletion(null);
      refused.choices[0]!.message.refusal = REFUSAL as never;
      // The stream sends the refusal in pieces of delta.refusal, as the API does.
      const [role, ...rest] = chatStream([]);
      const piece = (refusal: string) => ({ data: { ...(role!.data as object), choices: [{ index: 0, delta: { refusal }, logprobs: null, finish_reason: null }] } });
      api.script({ json: refused }, { sse: [role!, piece("I can't help "), piece("with tracking someone else's parcel."), ...rest] });
      const answer = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(answer.choices[0]!.message.refusal).toBe(REFUSAL);
      let streamed = '';
      for await (const chunk of await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })) streamed += chunk.choices[0]?.delta.refusal ?? '';
      expect(streamed).toBe(REFUSAL);
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.output_chars, e.output_digest, e.finish_reason])).toEqual([
        [false, REFUSAL.length, hmac(REFUSAL), 'stop'],
        [true, REFUSAL.length, hmac(REFUSAL), 'stop'],
      ]);
      expect(events[1]!.time_to_first_token_ms).toEqual(expect.any(Number));
    });

    it('tool calls, streamed and not', async () => {
      const { wrapped } = clients();
      api.script({ json: chatCompletion(null, { tools: ['track_parcel'] }) }, { sse: chatStream([], { tools: ['track_parcel', 'notify'] }) });
      const answer = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(answer.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'track_parcel' } });
      for await (const _ of await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }));
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.finish_reason, e.tool_calls, e.output_chars])).toEqual([
        [false, 'tool-calls', ['track_parcel'], undefined],
        [true, 'tool-calls', ['track_parcel', 'notify'], undefined],
      ]);
      // A stream without usage (no include_usage): no token counts.
      expect(events[1]!.performance_metrics).toEqual({ latency_ms: expect.any(Number) });
    });

    it('n = 2, streamed: the finish reason is the first choice\'s, as its text is, whichever choice ends last', async () => {
      const { wrapped } = clients();
      const chunk = (choices: unknown[]) => ({ data: { id: 'c1', object: 'chat.completion.chunk', created: 1, model: SNAPSHOT, choices } });
      // Choice 0 is cut at max_tokens; choice 1 stops normally, after it.
      api.script({
        sse: [
          chunk([{ index: 0, delta: { role: 'assistant', content: 'Trunc' }, finish_reason: null }, { index: 1, delta: { role: 'assistant', content: 'Full.' }, finish_reason: null }]),
          chunk([{ index: 0, delta: {}, finish_reason: 'length' }]),
          chunk([{ index: 1, delta: {}, finish_reason: 'stop' }]),
        ],
      });
      const stream = await wrapped.chat.completions.create({ model: MODEL, n: 2, messages: MESSAGES, stream: true });
      for await (const _ of stream);
      const [event] = await h.events();
      expect(event).toMatchObject({ finish_reason: 'length', output_chars: 'Trunc'.length, performance_metrics: { anomaly_flags: ['length'] } });
    });

    it('a tool call of a kind without a name (a type newer than this wrapper) is left out, not the event', async () => {
      const { wrapped } = clients();
      const completion = chatCompletion(null, { tools: ['track_parcel'] });
      const message = completion.choices[0]!.message as { tool_calls: unknown[] };
      message.tool_calls.push({ id: 'call_1', type: 'mcp_call', mcp_call: { server_label: 'parcels' } });
      api.script({ json: completion });
      const answer = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(answer.choices[0]!.message.tool_calls).toHaveLength(2);
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.tool_calls])).toEqual([['ok', 'tool-calls', ['track_parcel']]]);
    });

    it('an API error: the app gets the same error; the event records status and code', async () => {
      const { wrapped } = clients();
      api.script({ status: 429, json: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } });
      const error = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const [event] = await h.events();
      expect(event).toMatchObject({
        outcome: 'error',
        error: { name: 'RateLimitError', message: '429 Rate limit reached', status: 429, code: 'rate_limit_exceeded' },
        model_context: { model_id: MODEL, model_version: 'unreported' },
        performance_metrics: { anomaly_flags: ['error'] },
      });
      expect(event!.output_digest).toBeUndefined();
    });

    it('the app stops reading (break): aborted, with the text so far', async () => {
      const { wrapped } = clients();
      api.script({ sse: chatStream(['It ', 'left ', 'the depot.']), hold: 3 });
      for await (const chunk of await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })) {
        if (chunk.choices[0]?.delta.content === 'left ') break;
      }
      await api.disconnected();
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left '), performance_metrics: { anomaly_flags: ['aborted'] } });
    });

    it('a stream the app drops, unread or read part-way and never stopped: aborted once collected (unread if never read); one kept is not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      api.script({ sse: chatStream(['It ', 'left.']) }, { sse: chatStream(['It ', 'left.']) }, { sse: chatStream(['It ', 'left.']) }, { sse: chatStream(['It ', 'left.']) });
      const create = () => wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      const dropped = await dropStreams(handed, create, (chunk) => chunk.choices[0]?.delta.content, 'It ');
      expect(dropped).toEqual({ recorded: 2, kept: 'It left.', looped: 'It left.' });
      const events = await h.events();
      const { unread, kept } = droppedEvents(events, 'It ');
      expect(unread).toEqual(
        unreadEvent(MODEL, {
          ...chatEvent,
          input_chars: INPUT_CHARS,
          input_digest: hmac(MESSAGES),
        }),
      );
      expect(kept).toMatchObject({ streamed: true, outcome: 'ok', output_chars: 'It left.'.length });
    });

    it('stream.controller.abort(): aborted (the SDK ends the iteration quietly)', async () => {
      const { wrapped } = clients();
      api.script({ sse: chatStream(['It ', 'left.']), hold: 2 });
      const stream = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      let n = 0;
      for await (const _ of stream) if (++n === 2) stream.controller.abort();
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'aborted', output_chars: 3 });
    });

    it('a stream aborted before the app reads it (controller.abort(), the request signal): aborted, once each', async () => {
      const { wrapped } = clients();
      api.script({ sse: chatStream(['never read']), hold: 0 }, { sse: chatStream(['never read']), hold: 0 });
      const stream = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
      stream.controller.abort();
      await api.disconnected();
      const abort = new AbortController();
      await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }, { signal: abort.signal });
      abort.abort();
      await api.disconnected();
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.streamed, e.output_chars])).toEqual([
        ['aborted', true, undefined],
        ['aborted', true, undefined],
      ]);
    });

    it('a signal aborted before the call: the app gets APIUserAbortError; aborted, streamed or not', async () => {
      const { wrapped } = clients();
      const abort = new AbortController();
      abort.abort();
      const signal = { signal: abort.signal };
      await expect(wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES }, signal)).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
      await expect(wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }, signal)).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
      await expect(wrapped.responses.create({ model: MODEL, input: 'When?' }, signal)).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.error?.name])).toEqual([
        ['chat.completions', false, 'aborted', 'APIUserAbortError'],
        ['chat.completions', true, 'aborted', 'APIUserAbortError'],
        ['responses', false, 'aborted', 'APIUserAbortError'],
      ]);
    });

    it('an abort signal before the answer: the app gets APIUserAbortError; aborted', async () => {
      const { wrapped } = clients();
      api.script({ sse: chatStream(['late']), hold: 0 });
      const abort = new AbortController();
      const pending = wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }, { signal: abort.signal });
      const stream = await pending;
      const reading = (async () => {
        for await (const _ of stream);
      })();
      abort.abort();
      await reading.catch(() => undefined);
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'aborted', streamed: true });
    });

    it('the connection drops mid-stream: the app gets the error; one event, outcome error', async () => {
      const { wrapped } = clients();
      api.script({ sse: chatStream(['It ', 'left.']), reset: 2 });
      const got: string[] = [];
      const reading = (async () => {
        for await (const chunk of await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })) got.push(chunk.choices[0]?.delta.content ?? '');
      })();
      await expect(reading).rejects.toThrow();
      expect(got).toEqual(['', 'It ']);
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'error', output_chars: 3, performance_metrics: { anomaly_flags: ['error'] } });
    });

    it('a stream that ends with no finish reason, [DONE] or not: finish reason interrupted, not a complete answer', async () => {
      const { wrapped } = clients();
      // The finish chunk left out: the connection closed cleanly (a proxy's timeout, say) before the model was done.
      const cut = chatStream(['It ', 'left.']).slice(0, -1);
      api.script({ sse: cut }, { sse: cut, done: false });
      for (let i = 0; i < 2; i++) for await (const _ of await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }));
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['ok', 'interrupted', 8, ['interrupted']],
        ['ok', 'interrupted', 8, ['interrupted']],
      ]);
    });

    it('withResponse() and tee() (the stream itself dropped, collected while its branches are read): recorded once each; asResponse() from the status alone', async () => {
      const { wrapped } = clients();
      api.script({ json: chatCompletion('one') }, { sse: chatStream(['two']) }, { json: chatCompletion('three') });
      const { data, response: raw } = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES }).withResponse();
      expect(data.choices[0]!.message.content).toBe('one');
      expect(raw.status).toBe(200);
      const [left, right] = (await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })).tee();
      const read = async (s: AsyncIterable<any>) => {
        let text = '';
        for await (const c of s) {
          text += c.choices[0]?.delta.content ?? '';
          await collectNow();
        }
        return text;
      };
      expect(await Promise.all([read(left), read(right)])).toEqual(['two', 'two']);
      const response = await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES }).asResponse();
      expect(((await response.json()) as any).choices[0].message.content).toBe('three');
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.output_chars, e.raw_response, e.http_status])).toEqual([
        [false, 3, undefined, undefined],
        [true, 3, undefined, undefined],
        [false, undefined, true, 200],
      ]);
    });

    it('a call the app drops unread is recorded from its HTTP status once its promise is collected; one read later is not', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      api.script({ json: chatCompletion('read after a while') }, { json: chatCompletion('nobody reads this') }, { json: { error: { message: 'slow down' } }, status: 500 });
      const sent = api.requests.length;
      const call = () => wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      const kept = call(); // read below, after collections
      for (let i = 0; i < 2; i++) void call(); // dropped: nothing keeps these promises
      for (let turn = 0; api.requests.length < sent + 3 && turn < 10_000; turn++) await new Promise((r) => setImmediate(r));
      // The two dropped calls end once collected and answered; the kept one stays in progress until read.
      expect(await collectUntilSettled(handed, 2)).toBe(2);
      expect((await kept).choices[0]!.message.content).toBe('read after a while');
      const events = await h.events();
      const [failed, dropped, read] = [...events.slice(0, 2).sort((a, b) => (a.outcome < b.outcome ? -1 : 1)), events[2]];
      // The failed request was recorded as any failure is, read or not: its response promise rejected.
      expect(failed).toMatchObject({ outcome: 'error', error: { name: 'InternalServerError', status: 500 } });
      expect(dropped).toEqual({
        ...chatEvent,
        outcome: 'ok',
        unread: true,
        http_status: 200,
        input_chars: INPUT_CHARS,
        input_digest: hmac(MESSAGES),
        model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' }, // no answer read, no snapshot
        performance_metrics: { latency_ms: expect.any(Number) },
      });
      expect(read).toMatchObject({ outcome: 'ok', output_chars: 'read after a while'.length });
      expect(read).not.toHaveProperty('unread');
    });

    it('latency_ms runs to the answer, not to when the app awaits it', async () => {
      // A fetch that tells when the response is in (the SDK's own fetch underneath).
      let arrived!: () => void;
      const fetched = new Promise<void>((ok) => (arrived = ok));
      const fetch = async (...args: Parameters<typeof globalThis.fetch>) => {
        const response = await globalThis.fetch(...args);
        arrived();
        return response;
      };
      const { plain } = clients();
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api, fetch)), { log: h.log });
      api.script({ json: chatCompletion('Here.') }, { json: chatCompletion('Other work.'), delay: 50 });
      const t0 = performance.now();
      const pending = wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      await fetched;
      // A turn of the event loop: the SDK has handed the response over (it does no I/O after fetch).
      await new Promise((turn) => setImmediate(turn));
      const answered = performance.now() - t0;
      // The app does other work (a request the server answers 50 ms later) before it awaits the call.
      await plain.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect((await pending).choices[0]!.message.content).toBe('Here.');
      const [event] = await h.events();
      // Not a bound on speed: the answer was in before `answered` was taken, whatever the machine.
      expect(event!.performance_metrics.latency_ms).toBeLessThanOrEqual(answered + 0.001);
    });

    it('the app appends the answer to its messages: the digest covers the messages as sent', async () => {
      const { wrapped } = clients();
      const messages: any[] = [...MESSAGES];
      const completion = await wrapped.chat.completions.create({ model: MODEL, messages });
      // The usual chat loop: the answer, then the next question, go into the same array.
      messages.push(completion.choices[0]!.message, { role: 'user', content: 'Thanks' });
      const chunks = await wrapped.chat.completions.create({ model: MODEL, messages, stream: true });
      const sent = [...messages];
      for await (const chunk of chunks) messages.push({ role: 'assistant', content: chunk.choices[0]?.delta.content ?? '' });
      const responses: any[] = [{ role: 'user', content: 'Hi' }];
      await wrapped.responses.create({ model: MODEL, input: responses });
      responses.push({ role: 'user', content: 'More' });
      const events = await h.events();
      expect(events.map((e) => e.input_digest)).toEqual([hmac(MESSAGES), hmac(sent), hmac({ input: [{ role: 'user', content: 'Hi' }] })]);
    });

    it('a prompt nested too deep to digest: the app gets its answer; onError gets ERR_TOO_DEEP and the call; the calls around it recorded', async () => {
      const errors: { error: any; call?: AiCall }[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY, onError: (error, { call }) => errors.push({ error, call }) });
      // A tool's JSON result nested 300 levels deep: JSON (and the SDK) carry it, canonical JSON refuses it past 256.
      let deep: unknown = 'leaf';
      for (let i = 0; i < 300; i++) deep = { v: deep };
      const messages = [...MESSAGES, { role: 'user' as const, content: [{ type: 'text' as const, text: 'And this?', data: deep }] }];
      await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      const completion = await wrapped.chat.completions.create({ model: MODEL, messages });
      expect(completion.choices[0]!.message.content).toBe('You asked 9 characters.');
      await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      const events = await h.events();
      expect(events.map((e) => e.input_digest)).toEqual([hmac(MESSAGES), hmac(MESSAGES)]);
      expect(errors).toHaveLength(1);
      const [{ error, call }] = errors as [(typeof errors)[0]];
      expect(error).toMatchObject({ name: 'AegisLogValidationError', code: 'ERR_TOO_DEEP', field: expect.stringMatching(/^\$\[2\]\.content\[0\]\.data(\.v)+$/) });
      // The object at depth 257 (the messages being the first level, `data` the fifth).
      expect(error.field.split('.v')).toHaveLength(257 - 5 + 1);
      expect(call).toMatchObject({ operation: 'chat.completions', outcome: 'ok', responseId: 'chatcmpl-1', input: messages });
    });

    it('an empty model (an environment variable set but empty): the failed call is recorded, its model unreported', async () => {
      const errors: unknown[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, onError: (error) => void errors.push(error) });
      api.script({ status: 400, json: { error: { message: 'you must provide a model parameter', type: 'invalid_request_error', code: null } } });
      const error = await wrapped.chat.completions.create({ model: '', messages: MESSAGES }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const events = await h.events();
      expect(errors).toEqual([]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ outcome: 'error', error: { status: 400 }, model_context: { model_id: 'unreported', model_version: 'unreported' } });
    });

    it('params the SDK itself refuses: the app gets the same error as unwrapped; recorded as a failed call, as wrapAnthropic does', async () => {
      const { plain } = clients();
      const errors: unknown[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, onError: (error) => void errors.push(error) });
      for (const create of ['chat', 'embeddings'] as const) {
        const call = (c: typeof plain) => (create === 'chat' ? c.chat.completions.create(undefined as never) : c.embeddings.create(undefined as never));
        const expected = await (async () => call(plain))().catch((e: unknown) => e);
        const got = await (async () => call(wrapped))().catch((e: unknown) => e);
        expect(got).toBeInstanceOf((expected as object).constructor);
        expect((got as Error).message).toBe((expected as Error).message);
      }
      // No request went out, but the app's call failed: one event each (docs/ai.md: one event per model call,
      // whatever happens to it), nothing for onError.
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.error.name, e.model_context.model_id, e.performance_metrics.anomaly_flags])).toEqual([
        ['chat.completions', false, 'error', 'TypeError', 'undefined', ['error']],
        ['embeddings', false, 'error', 'TypeError', 'undefined', ['error']],
      ]);
      expect(errors).toEqual([]);
    });

    it('wrapping twice records once', async () => {
      const { wrapped } = clients();
      wrapOpenAI(wrapped, { log: h.log });
      await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect(await h.events()).toHaveLength(1);
    });
  });

  describe('parse() and stream() helpers', () => {
    // openai@7.59 derives each helper's promise from create()'s with a parse function of its own (_thenUnwrap).
    it('chat.completions.parse and .stream, responses.parse and .stream: recorded once each, waitUntil settles', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, waitUntil: (p) => handed.push(p) });
      const format = { type: 'json_schema' as const, json_schema: { name: 'eta', strict: true, schema: { type: 'object', properties: { eta: { type: 'string' } }, required: ['eta'], additionalProperties: false } } };
      api.script(
        { json: chatCompletion('{"eta":"today"}') },
        { json: chatCompletion('{"eta":"soon"}') },
        { sse: chatStream(['It ', 'left.']) },
        { json: response('Tomorrow.') },
        { sse: responseStream(['Tomor', 'row.']) },
      );
      const parsed = await wrapped.chat.completions.parse({ model: MODEL, messages: MESSAGES, response_format: format });
      expect(parsed.choices[0]!.message.parsed).toEqual({ eta: 'today' });
      const { data, response: raw } = await wrapped.chat.completions.parse({ model: MODEL, messages: MESSAGES, response_format: format }).withResponse();
      expect([data.choices[0]!.message.parsed, raw.status]).toEqual([{ eta: 'soon' }, 200]);
      expect((await wrapped.chat.completions.stream({ model: MODEL, messages: MESSAGES }).finalChatCompletion()).choices[0]!.message.content).toBe('It left.');
      expect((await wrapped.responses.parse({ model: MODEL, input: 'When?' })).output_text).toBe('Tomorrow.');
      expect((await wrapped.responses.stream({ model: MODEL, input: 'When?' }).finalResponse()).output_text).toBe('Tomorrow.');

      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.outcome, e.output_chars])).toEqual([
        ['chat.completions', false, 'ok', '{"eta":"today"}'.length],
        ['chat.completions', false, 'ok', '{"eta":"soon"}'.length],
        ['chat.completions', true, 'ok', 'It left.'.length],
        ['responses', false, 'ok', 'Tomorrow.'.length],
        ['responses', true, 'ok', 'Tomorrow.'.length],
      ]);
      expect(handed).toHaveLength(5);
      await Promise.all(handed);
    });
  });

  describe('responses.create', () => {
    it('returns what the SDK returns (output_text included); records the exact event', async () => {
      const { plain, wrapped } = clients();
      api.script({ json: response('Tomorrow.') }, { json: response('Tomorrow.') });
      const params = { model: MODEL, instructions: 'Be brief.', input: 'When does it arrive?' };
      const expected = await plain.responses.create(params);
      const result = await wrapped.responses.create(params);
      expect(result).toEqual(expected);
      expect(result.output_text).toBe('Tomorrow.');
      const [event] = await h.events();
      expect(event).toEqual(responsesCreateEvent('responses'));
    });

    it('streamed: the same events; one record at the end', async () => {
      const { plain, wrapped } = clients();
      const sse = responseStream(['Tomor', 'row.']);
      api.script({ sse }, { sse });
      const params = { model: MODEL, input: [{ role: 'user' as const, content: 'When?' }], stream: true as const };
      const expected = [];
      for await (const e of await plain.responses.create(params)) expected.push(e);
      const got = [];
      for await (const e of await wrapped.responses.create(params)) got.push(e);
      expect(got).toEqual(expected);
      const [event] = await h.events();
      expect(event).toMatchObject({
        streamed: true,
        outcome: 'ok',
        finish_reason: 'stop',
        response_id: 'resp_1',
        output_chars: 'Tomorrow.'.length,
        output_digest: hmac('Tomorrow.'),
        input_chars: 5,
        time_to_first_token_ms: expect.any(Number),
        performance_metrics: { input_tokens: 9, output_tokens: 5 },
      });
    });

    it('a stream the app drops, unread or read part-way: aborted once collected (unread if never read), as chat\'s', async () => {
      const handed: Promise<unknown>[] = [];
      const wrapped = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
      api.script({ sse: responseStream(['Tomor', 'row.']) }, { sse: responseStream(['Tomor', 'row.']) }, { sse: responseStream(['Tomor', 'row.']) }, { sse: responseStream(['Tomor', 'row.']) });
      const create = () => wrapped.responses.create({ model: MODEL, input: 'When?', stream: true });
      const text = (event: any) => (event.type === 'response.output_text.delta' ? event.delta : undefined);
      expect(await dropStreams(handed, create, text, 'Tomor')).toEqual({ recorded: 2, kept: 'Tomorrow.', looped: 'Tomorrow.' });
      const events = await h.events();
      const { unread, part, kept } = droppedEvents(events, 'Tomor');
      expect(unread).toMatchObject({ operation: 'responses', streamed: true, outcome: 'aborted', unread: true, input_digest: hmac({ input: 'When?' }) });
      expect(unread).not.toHaveProperty('output_chars');
      expect(part).toMatchObject({ operation: 'responses' });
      expect(kept).toMatchObject({ operation: 'responses', outcome: 'ok', finish_reason: 'stop', output_chars: 'Tomorrow.'.length });
    });

    it('a stream that ends with no terminal event (completed, incomplete, failed): finish reason interrupted', async () => {
      const { wrapped } = clients();
      api.script({ sse: responseStream(['Tomor', 'row.']).slice(0, -1) });
      for await (const _ of await wrapped.responses.create({ model: MODEL, input: 'When?', stream: true }));
      const [event] = await h.events();
      expect(event).toMatchObject({ outcome: 'ok', finish_reason: 'interrupted', output_chars: 'Tomorrow.'.length, performance_metrics: { anomaly_flags: ['interrupted'] } });
    });

    it('the app stops reading at the terminal event (or the finish chunk): a complete answer, not an abort', async () => {
      const { wrapped } = clients();
      // Apps stop at the event that ends the answer: nothing but the stream's close (or chat's [DONE]) follows it.
      api.script({ sse: responseStream(['Tomor', 'row.']) }, { sse: chatStream(['Tomor', 'row.']) });
      for await (const event of await wrapped.responses.create({ model: MODEL, input: 'When?', stream: true })) if (event.type === 'response.completed') break;
      for await (const chunk of await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })) if (chunk.choices[0]?.finish_reason) break;
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
        ['responses', 'ok', 'stop', 'Tomorrow.'.length, undefined],
        ['chat.completions', 'ok', 'stop', 'Tomorrow.'.length, undefined],
      ]);
    });

    it('a refusal is output, as output text is: its size and digest, streamed and not', async () => {
      const { wrapped } = clients();
      const REFUSAL = "I can't help with that.";
      const refused = response('');
      refused.output.push({ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: REFUSAL }] });
      // The stream: its refusal deltas, then the terminal event with the whole response.
      const sse = responseStream([]);
      const delta = (d: string) => ({ event: 'response.refusal.delta', data: { type: 'response.refusal.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: d } });
      sse.splice(2, 0, delta("I can't "), delta('help with that.'));
      sse.at(-1)!.data = { ...(sse.at(-1)!.data as object), response: refused };
      api.script({ json: refused }, { sse }, { sse: sse.slice(0, -1), hold: 4 });
      await wrapped.responses.create({ model: MODEL, input: 'Whose parcel?' });
      for await (const _ of await wrapped.responses.create({ model: MODEL, input: 'Whose parcel?', stream: true }));
      // Stopped before the terminal event: the refusal so far, from its deltas.
      for await (const event of await wrapped.responses.create({ model: MODEL, input: 'Whose parcel?', stream: true })) if (event.type === 'response.refusal.delta' && event.delta === 'help with that.') break;
      await api.disconnected();
      const events = await h.events();
      expect(events.map((e) => [e.streamed, e.outcome, e.output_chars, e.output_digest])).toEqual([
        [false, 'ok', REFUSAL.length, hmac(REFUSAL)],
        [true, 'ok', REFUSAL.length, hmac(REFUSAL)],
        [true, 'aborted', REFUSAL.length, hmac(REFUSAL)],
      ]);
    });

    it('background: the create records the queued response; the retrieve that finds it final records its answer, linked by response_id', async () => {
      const { wrapped } = clients();
      const params = { model: MODEL, instructions: 'Be brief.', input: 'When does it arrive?', background: true };
      const created = await wrapped.responses.create(params);
      expect(created).toMatchObject({ status: 'queued', background: true });
      // The app polls: still in progress, then final; and it retrieves the final response once more.
      expect((await wrapped.responses.retrieve(created.id)).status).toBe('in_progress');
      api.finish(created.id);
      const final = await wrapped.responses.retrieve(created.id);
      expect(final).toMatchObject({ status: 'completed', output_text: 'You asked 20 characters.' });
      await wrapped.responses.retrieve(created.id);
      const [queued, answered, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(queued).toMatchObject({ operation: 'responses', response_id: created.id, outcome: 'ok', finish_reason: 'queued', background: true, input_digest: hmac({ instructions: 'Be brief.', input: 'When does it arrive?' }) });
      expect(queued!.output_digest).toBeUndefined();
      expect(answered).toEqual(finalRetrieved(created.id, false));
    });

    it('background: a stream resumed through retrieve, a failed response, a cancel; other retrieves are not recorded', async () => {
      const { wrapped } = clients();
      const create = () => wrapped.responses.create({ model: MODEL, input: 'When?', background: true });
      const [streamedOne, failedOne, cancelledOne] = [await create(), await create(), await create()];
      api.finish(streamedOne.id);
      api.finish(failedOne.id, response('', { status: 'failed', error: { code: 'server_error', message: 'The model crashed' } }));
      const events = [];
      for await (const event of await wrapped.responses.retrieve(streamedOne.id, { stream: true })) events.push(event.type);
      expect(events.at(-1)).toBe('response.completed');
      expect(await wrapped.responses.retrieve(failedOne.id)).toMatchObject({ status: 'failed' });
      expect(await wrapped.responses.cancel(cancelledOne.id)).toMatchObject({ status: 'cancelled' });
      // Not background responses' final states: a response that was not made in the background, an unknown id.
      api.script({ json: response('Tomorrow.') });
      expect(await wrapped.responses.retrieve('resp_1')).toMatchObject({ status: 'completed' });
      await expect(wrapped.responses.retrieve('resp_unknown')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      const recorded = await h.events();
      expect(recorded.map((e) => [e.operation, e.streamed, e.response_id, e.outcome, e.finish_reason, e.output_chars, e.background])).toEqual([
        ['responses', false, streamedOne.id, 'ok', 'queued', undefined, true],
        ['responses', false, failedOne.id, 'ok', 'queued', undefined, true],
        ['responses', false, cancelledOne.id, 'ok', 'queued', undefined, true],
        ['responses.retrieve', true, streamedOne.id, 'ok', 'stop', 'You asked 5 characters.'.length, true],
        ['responses.retrieve', false, failedOne.id, 'error', 'error', undefined, true],
        ['responses.cancel', false, cancelledOne.id, 'aborted', 'cancelled', undefined, true],
      ]);
      expect(recorded[3]!.output_digest).toBe(hmac('You asked 5 characters.'));
      expect(recorded[4]!.error).toEqual({ name: 'Error', message: 'The model crashed', code: 'server_error' });
      expect(recorded[5]!.performance_metrics.anomaly_flags).toEqual(['aborted']);
    });

    it('background, streamed by its create to the end: recorded final by the create, not again by a retrieve', async () => {
      const { wrapped } = clients();
      let id = '';
      for await (const event of await wrapped.responses.create({ model: MODEL, input: 'When?', background: true, stream: true })) if (event.type === 'response.created') id = event.response.id;
      expect(await wrapped.responses.retrieve(id)).toMatchObject({ status: 'completed' });
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.streamed, e.response_id, e.finish_reason, e.background])).toEqual([['responses', true, id, 'stop', true]]);
    });

    it('background: responses.stream({ response_id, starting_after }) read to its end records the final state once, as a streamed retrieve', async () => {
      const { plain, wrapped } = clients();
      const created = await wrapped.responses.create({ model: MODEL, input: 'When does it arrive?', background: true });
      api.finish(created.id);
      // The SDK's helper resumes the response's events (it retrieves them all, and drops those up to starting_after itself).
      const read = async (stream: ReturnType<typeof plain.responses.stream>) => {
        const events = [];
        for await (const event of stream) events.push(event);
        return { events, final: await stream.finalResponse() };
      };
      const expected = await read(plain.responses.stream({ response_id: created.id, starting_after: 2 }));
      const got = await read(wrapped.responses.stream({ response_id: created.id, starting_after: 2 }));
      expect(got).toEqual(expected);
      expect(got.events[0]).toMatchObject({ sequence_number: 3 });
      expect(got.events.at(-1)).toMatchObject({ type: 'response.completed' });
      expect(got.final).toMatchObject({ id: created.id, status: 'completed', output_text: 'You asked 20 characters.' });
      const [queued, answered, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(queued).toMatchObject({ operation: 'responses', response_id: created.id, finish_reason: 'queued', background: true });
      expect(answered).toEqual(finalRetrieved(created.id, true));
      // Resumed again, its final response only (the helper reads the events all the same), and retrieved: not recorded again.
      expect((await wrapped.responses.stream({ response_id: created.id }).finalResponse()).output_text).toBe('You asked 20 characters.');
      expect(await wrapped.responses.retrieve(created.id)).toMatchObject({ status: 'completed' });
      expect(await h.events()).toEqual([]);
    });
    it('background: responses.stream({ response_id }) while in progress: left before its end, not recorded (a later retrieve is); followed live to its end, recorded once', async () => {
      const { wrapped } = clients();
      const create = () => wrapped.responses.create({ model: MODEL, input: 'When?', background: true });
      const [left, followed] = [await create(), await create()];
      expect((await h.events()).map((e) => [e.operation, e.response_id, e.finish_reason])).toEqual([
        ['responses', left.id, 'queued'],
        ['responses', followed.id, 'queued'],
      ]);
      // Left: the app stops at the first event it is given, the response still in progress (the helper aborts its request).
      for await (const event of wrapped.responses.stream({ response_id: left.id, starting_after: 0 })) {
        expect(event).toMatchObject({ type: 'response.in_progress', sequence_number: 1 });
        break;
      }
      await api.disconnected();
      expect(await h.events()).toEqual([]);
      api.finish(left.id);
      expect(await wrapped.responses.retrieve(left.id)).toMatchObject({ status: 'completed' });
      // Followed live: the response becomes final while the app reads its events.
      const types = [];
      for await (const event of wrapped.responses.stream({ response_id: followed.id })) {
        types.push(event.type);
        if (event.type === 'response.in_progress') api.finish(followed.id);
      }
      expect([types[0], types[1], types.at(-1)]).toEqual(['response.created', 'response.in_progress', 'response.completed']);
      expect(types).toContain('response.output_text.delta');
      const recorded = await h.events();
      expect(recorded.map((e) => [e.operation, e.streamed, e.response_id, e.outcome, e.finish_reason, e.output_chars, e.background, e.performance_metrics.output_tokens])).toEqual([
        ['responses.retrieve', false, left.id, 'ok', 'stop', 'You asked 5 characters.'.length, true, 5],
        ['responses.retrieve', true, followed.id, 'ok', 'stop', 'You asked 5 characters.'.length, true, 5],
      ]);
      expect(recorded[1]!.output_digest).toBe(hmac('You asked 5 characters.'));
    });

    it('incomplete (max_output_tokens), failed, and function calls', async () => {
      const { wrapped } = clients();
      api.script(
        { json: response('Tomor', { status: 'incomplete', reason: 'max_output_tokens' }) },
        { sse: responseStream(['x'], { status: 'failed', error: { code: 'server_error', message: 'The model crashed' } }) },
        { json: response('', { tools: ['track_parcel'] }) },
      );
      await wrapped.responses.create({ model: MODEL, input: 'a' });
      for await (const _ of await wrapped.responses.create({ model: MODEL, input: 'b', stream: true }));
      await wrapped.responses.create({ model: MODEL, input: 'c' });
      const events = await h.events();
      expect(events.map((e) => [e.outcome, e.finish_reason, e.performance_metrics.anomaly_flags, e.tool_calls])).toEqual([
        ['ok', 'length', ['length'], undefined],
        ['error', 'error', ['error'], undefined],
        ['ok', 'tool-calls', undefined, ['track_parcel']],
      ]);
      expect(events[1]!.error).toEqual({ name: 'Error', message: 'The model crashed', code: 'server_error' });
    });
  });

  describe('responses.create with the image generation tool', () => {
    const tools = [{ type: 'image_generation' as const }];
    const params = { model: MODEL, instructions: 'Be brief.', input: 'When does it arrive?', tools };
    /** The image digest an auditor computes from the images the app saved: aiDigest of their bytes, in output order. */
    const savedDigest = (results: (string | null | undefined)[]) => aiDigest(results.map((r) => new Uint8Array(Buffer.from(r!, 'base64'))), DIGEST_KEY);
    const imageResults = (answer: { output: { type: string }[] }) => answer.output.flatMap((item: any) => (item.type === 'image_generation_call' ? [item.result] : []));

    it('text and one image: returns what the SDK returns; the exact event, image_digest that of the decoded bytes, output_digest the text\'s', async () => {
      const { plain, wrapped } = clients();
      api.script({ json: response('Tomorrow.', { images: 1 }) }, { json: response('Tomorrow.', { images: 1 }) });
      const expected = await plain.responses.create(params);
      const answer = await wrapped.responses.create(params);
      expect(answer).toEqual(expected);
      expect(answer.output_text).toBe('Tomorrow.');
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      const saved = imageResults(answer);
      expect(saved).toHaveLength(1);
      expect(event).toEqual({ ...responsesCreateEvent('responses'), image_count: 1, image_digest: await savedDigest(saved) });
      expect(event!.image_digest).toBe(await aiDigest([imageBytes(0)], DIGEST_KEY));
      // One meaning per field: output_digest stays the text's; a hosted tool's call is not an app's tool call.
      expect(event!.output_digest).toBe(hmac('Tomorrow.'));
      expect(event).not.toHaveProperty('tool_calls');
    });

    it('two images: both, in output order', async () => {
      const { wrapped } = clients();
      api.script({ json: response('Here they are.', { images: 2 }) });
      const answer = await wrapped.responses.create(params);
      const [event] = await h.events();
      expect(event).toMatchObject({ image_count: 2, image_digest: await savedDigest(imageResults(answer)), output_digest: hmac('Here they are.'), finish_reason: 'stop' });
      expect(event!.image_digest).toBe(await aiDigest([imageBytes(0), imageBytes(1)], DIGEST_KEY));
      expect(event!.image_digest).not.toBe(await aiDigest([imageBytes(1), imageBytes(0)], DIGEST_KEY));
    });

    it('streamed: the app reads the same events; the final images only, not the partial ones, nor twice (item done, then completed)', async () => {
      const { plain, wrapped } = clients();
      const sse = responseStream(['Here ', 'they are.'], { images: 2 });
      api.script({ sse }, { sse });
      const expected = [];
      for await (const e of await plain.responses.create({ ...params, stream: true })) expected.push(e);
      const got = [];
      for await (const e of await wrapped.responses.create({ ...params, stream: true })) got.push(e);
      expect(got).toEqual(expected);
      expect(got.filter((e) => e.type === 'response.image_generation_call.partial_image')).toHaveLength(2);
      const [event] = await h.events();
      expect(event).toMatchObject({
        streamed: true,
        finish_reason: 'stop',
        output_digest: hmac('Here they are.'),
        image_count: 2,
        image_digest: await aiDigest([imageBytes(0), imageBytes(1)], DIGEST_KEY),
        time_to_first_token_ms: expect.any(Number),
      });
    });

    it('streamed, images only, cut before the terminal event: the images done so far, the first partial image its first token', async () => {
      const { wrapped } = clients();
      const sse = responseStream([], { images: 1 });
      api.script({ sse: sse.slice(0, -1) });
      for await (const _ of await wrapped.responses.create({ ...params, stream: true }));
      const [event] = await h.events();
      expect(event).toMatchObject({ finish_reason: 'interrupted', image_count: 1, image_digest: await aiDigest([imageBytes(0)], DIGEST_KEY), time_to_first_token_ms: expect.any(Number) });
      expect(event).not.toHaveProperty('output_digest');
    });

    it('an answer without images (none made, or the generation failed) has no image fields, after one with', async () => {
      const { wrapped } = clients();
      api.script({ json: response('Tomorrow.', { images: 1 }) }, { json: response('Tomorrow.') }, { json: response('Sorry.', { failedImages: 1 }) }, { sse: responseStream(['Tomorrow.']) });
      await wrapped.responses.create(params);
      await wrapped.responses.create(params);
      await wrapped.responses.create(params);
      for await (const _ of await wrapped.responses.create({ ...params, stream: true }));
      const events = await h.events();
      expect(events.map((e) => [e.image_count, e.image_digest === undefined])).toEqual([
        [1, false],
        [undefined, true],
        [undefined, true],
        [undefined, true],
      ]);
      for (const event of events.slice(1)) expect(Object.keys(event).filter((k) => k.startsWith('image'))).toEqual([]);
    });

    it('background: the retrieve that finds it final records its images, JSON or resumed stream; beta.responses alike', async () => {
      const { wrapped } = clients();
      const created = await wrapped.responses.create({ ...params, background: true });
      api.finish(created.id, response('Tomorrow.', { images: 1 }));
      await wrapped.responses.retrieve(created.id);
      const resumed = await wrapped.responses.create({ ...params, background: true });
      api.finish(resumed.id, response('Tomorrow.', { images: 2 }));
      for await (const _ of await wrapped.responses.retrieve(resumed.id, { stream: true }));
      api.script({ json: response('Tomorrow.', { images: 1 }) });
      await wrapped.beta.responses.create(params);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.finish_reason, e.image_count, e.image_digest])).toEqual([
        ['responses', 'queued', undefined, undefined],
        ['responses.retrieve', 'stop', 1, await aiDigest([imageBytes(0)], DIGEST_KEY)],
        ['responses', 'queued', undefined, undefined],
        ['responses.retrieve', 'stop', 2, await aiDigest([imageBytes(0), imageBytes(1)], DIGEST_KEY)],
        ['beta.responses', 'stop', 1, await aiDigest([imageBytes(0)], DIGEST_KEY)],
      ]);
    });
  });

  describe('completions.create (legacy text completions)', () => {
    it('returns exactly what the SDK returns; records the exact event (the prompt as input, choices[0].text as output)', async () => {
      const { plain, wrapped } = clients();
      const params = { model: MODEL, prompt: 'Say where the parcel is:', max_tokens: 16 };
      const expected = await plain.completions.create(params);
      const result = await wrapped.completions.create(params);
      expect(result).toEqual(expected);
      expect(result).toEqual(textCompletion('You asked 24 characters.'));
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'openai',
        operation: 'completions',
        streamed: false,
        provider: 'openai',
        response_model_id: SNAPSHOT,
        response_id: 'cmpl-1',
        outcome: 'ok',
        finish_reason: 'stop',
        input_chars: 'Say where the parcel is:'.length,
        output_chars: 'You asked 24 characters.'.length,
        input_digest: hmac('Say where the parcel is:'),
        output_digest: hmac('You asked 24 characters.'),
        system_fingerprint: 'fp_test',
        model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 6, output_tokens: 7 },
      });
    });

    it('streamed: the app iterates the same chunks; one event at the end with usage and time to first token', async () => {
      const { plain, wrapped } = clients();
      const sse = textStream(['In ', 'Lyon.'], { usage: true });
      api.script({ sse }, { sse });
      const params = { model: MODEL, prompt: ['Where is ', 'my parcel?'], stream: true as const, stream_options: { include_usage: true } };
      const expected = [];
      for await (const chunk of await plain.completions.create(params)) expected.push(chunk);
      const got = [];
      for await (const chunk of await wrapped.completions.create(params)) got.push(chunk);
      expect(got).toEqual(expected);
      const [event] = await h.events();
      expect(event).toMatchObject({
        operation: 'completions',
        streamed: true,
        outcome: 'ok',
        finish_reason: 'stop',
        input_chars: 'Where is my parcel?'.length,
        input_digest: hmac(['Where is ', 'my parcel?']),
        output_chars: 'In Lyon.'.length,
        output_digest: hmac('In Lyon.'),
        time_to_first_token_ms: expect.any(Number),
        performance_metrics: { input_tokens: 6, output_tokens: 7 },
      });
    });

    it('cut at max_tokens, and an API error: finish reason length; the app gets the same error', async () => {
      const { wrapped } = clients();
      api.script({ json: textCompletion('In Ly', { finish: 'length' }) }, { status: 429, json: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
      await wrapped.completions.create({ model: MODEL, prompt: 'Where?', max_tokens: 2 });
      await expect(wrapped.completions.create({ model: MODEL, prompt: 'Where?' })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.finish_reason, e.performance_metrics.anomaly_flags, e.error?.code])).toEqual([
        ['completions', 'ok', 'length', ['length'], undefined],
        ['completions', 'error', undefined, ['error'], 'rate_limit_exceeded'],
      ]);
    });
  });

  describe('responses.compact', () => {
    const CONVERSATION = [
      { role: 'user' as const, content: 'Where is my parcel?' },
      { role: 'assistant' as const, content: 'In Lyon.' },
      { role: 'user' as const, content: 'When does it arrive?' },
    ];

    it('returns what the SDK returns; records the model call: input digest and tokens, no output (the compaction is opaque)', async () => {
      const { plain, wrapped } = clients();
      const params = { model: MODEL, instructions: 'Keep the order number.', input: CONVERSATION };
      const expected = await plain.responses.compact(params);
      const result = await wrapped.responses.compact(params);
      expect(result).toEqual(expected);
      expect(result).toEqual(compaction(params));
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'openai',
        operation: 'responses.compact',
        streamed: false,
        provider: 'openai',
        response_id: 'resp_cmp_1',
        outcome: 'ok',
        input_chars: textLength(params.instructions, ...CONVERSATION.map((m) => m.content)),
        input_digest: hmac({ instructions: 'Keep the order number.', input: CONVERSATION }),
        // The compaction names no model snapshot, nor a finish reason: neither is made up.
        model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 40, output_tokens: 12 },
      });
    });

    it('an API error: the app gets the same error; the event records it', async () => {
      const { plain, wrapped } = clients();
      const refusal = { status: 400, json: { error: { message: 'input is too short to compact', type: 'invalid_request_error', param: 'input', code: 'too_short' } } };
      api.script(refusal, refusal);
      const expected = await plain.responses.compact({ model: MODEL, input: 'Hi' }).catch((e: unknown) => e);
      const got = await wrapped.responses.compact({ model: MODEL, input: 'Hi' }).catch((e: unknown) => e);
      expect(got).toBeInstanceOf(OpenAI.BadRequestError);
      expect(String(got)).toBe(String(expected));
      const [event] = await h.events();
      expect(event).toMatchObject({ operation: 'responses.compact', outcome: 'error', error: { status: 400, code: 'too_short', message: expect.stringContaining('input is too short to compact') } });
    });

    it('beta.responses.compact: recorded alike, operation beta.responses.compact', async () => {
      const { wrapped } = clients();
      await wrapped.beta.responses.compact({ model: MODEL, input: CONVERSATION });
      const [event] = await h.events();
      expect(event).toMatchObject({ operation: 'beta.responses.compact', response_id: 'resp_cmp_1', outcome: 'ok', input_digest: hmac({ input: CONVERSATION }), performance_metrics: { input_tokens: 40, output_tokens: 12 } });
    });
  });

  describe('embeddings.create', () => {
    const TEXT = 'Where is my parcel?';
    /** What every embeddings event has: the fake names EMBEDDING_SNAPSHOT for EMBEDDING_MODEL. */
    const embeddingsEvent = {
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation: 'embeddings',
      streamed: false,
      provider: 'openai',
      response_model_id: EMBEDDING_SNAPSHOT,
      outcome: 'ok',
      model_context: { model_id: EMBEDDING_MODEL, model_version: EMBEDDING_SNAPSHOT, model_type: 'embedding' },
    };

    it('a string (the SDK asks base64 and decodes it): returns what the SDK returns; the exact event, no output digest nor finish reason', async () => {
      const { plain, wrapped } = clients();
      const params = { model: EMBEDDING_MODEL, input: TEXT };
      const expected = await plain.embeddings.create(params);
      const promise = wrapped.embeddings.create(params);
      expect(promise).toBeInstanceOf(APIPromise);
      const result = await promise;
      expect(result).toEqual(expected);
      expect(result.data[0]!.embedding).toEqual(embeddingVector(0, 8));
      // The SDK's own default, which the wrapper must not change.
      expect(api.requests.at(-1)!.body.encoding_format).toBe('base64');
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...embeddingsEvent,
        input_chars: TEXT.length,
        input_digest: hmac(TEXT),
        embedding_count: 1,
        embedding_dimensions: 8,
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: 4 },
      });
    });

    it('a list of strings, as floats or as base64 the app decodes itself, and token arrays: count, dimensions, the input as sent', async () => {
      const { plain, wrapped } = clients();
      const input = ['Where is my parcel?', 'When does it arrive?'];
      const tokens = [[9906, 374], [3923, 1587, 433]];
      const asFloats = { model: EMBEDDING_MODEL, input, dimensions: 4, encoding_format: 'float' as const };
      const asBase64 = { ...asFloats, encoding_format: 'base64' as const };
      const floats = await wrapped.embeddings.create(asFloats);
      expect(floats).toEqual(await plain.embeddings.create(asFloats));
      expect(floats.data.map((d) => d.embedding)).toEqual([embeddingVector(0, 4), embeddingVector(1, 4)]);
      const base64 = await wrapped.embeddings.create(asBase64);
      expect(base64).toEqual(await plain.embeddings.create(asBase64));
      expect(typeof base64.data[0]!.embedding).toBe('string');
      await wrapped.embeddings.create({ model: EMBEDDING_MODEL, input: tokens });
      const events = await h.events();
      const listed = { input_chars: input.join('').length, input_digest: hmac(input), embedding_count: 2, embedding_dimensions: 4, performance_metrics: { latency_ms: expect.any(Number), input_tokens: 8 } };
      expect(events).toEqual([
        { ...embeddingsEvent, ...listed },
        { ...embeddingsEvent, ...listed },
        // No text given: no characters (the tokens say its size).
        { ...embeddingsEvent, input_chars: 0, input_digest: hmac(tokens), embedding_count: 2, embedding_dimensions: 8, performance_metrics: { latency_ms: expect.any(Number), input_tokens: 5 } },
      ]);
    });

    it('a 429: the app gets the same error; the event records it, model version unreported', async () => {
      const { plain, wrapped } = clients();
      const limited = { status: 429, json: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
      api.script(limited, limited);
      const expected = await plain.embeddings.create({ model: EMBEDDING_MODEL, input: TEXT }).catch((e: unknown) => e);
      const error = await wrapped.embeddings.create({ model: EMBEDDING_MODEL, input: TEXT }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(String(error)).toBe(String(expected));
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...generated,
        event_type: 'model_inference',
        integration: 'openai',
        operation: 'embeddings',
        streamed: false,
        provider: 'openai',
        outcome: 'error',
        error: { name: 'RateLimitError', message: '429 Rate limit reached', status: 429, code: 'rate_limit_exceeded' },
        input_chars: TEXT.length,
        input_digest: hmac(TEXT),
        model_context: { model_id: EMBEDDING_MODEL, model_version: 'unreported', model_type: 'embedding' },
        performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
      });
    });

    it('aborted before the call or while the server holds it: the app gets APIUserAbortError; aborted, once each', async () => {
      const { wrapped } = clients();
      const before = new AbortController();
      before.abort();
      await expect(wrapped.embeddings.create({ model: EMBEDDING_MODEL, input: TEXT }, { signal: before.signal })).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
      api.script({ stall: true });
      const during = new AbortController();
      const pending = wrapped.embeddings.create({ model: EMBEDDING_MODEL, input: TEXT }, { signal: during.signal }).catch((e: unknown) => e);
      await api.stalled();
      during.abort();
      expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.embedding_count, e.performance_metrics.anomaly_flags])).toEqual([
        ['embeddings', 'aborted', 'APIUserAbortError', undefined, ['aborted']],
        ['embeddings', 'aborted', 'APIUserAbortError', undefined, ['aborted']],
      ]);
    });

    it('a model_type the options pin is kept; chat calls of the same client stay llm; wrapping twice records once', async () => {
      const { wrapped } = clients();
      wrapOpenAI(wrapped, { log: h.log });
      await wrapped.embeddings.create({ model: EMBEDDING_MODEL, input: TEXT });
      await wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES });
      expect((await h.events()).map((e) => [e.operation, e.model_context])).toEqual([
        ['embeddings', { model_id: EMBEDDING_MODEL, model_version: EMBEDDING_SNAPSHOT, model_type: 'embedding' }],
        ['chat.completions', { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' }],
      ]);
      const pinned = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, model_context: { model_type: 'text-embedding', deployment_id: 'eu' } });
      await pinned.embeddings.create({ model: EMBEDDING_MODEL, input: TEXT });
      expect((await h.events()).map((e) => [e.operation, e.model_context])).toEqual([
        ['embeddings', { model_id: EMBEDDING_MODEL, model_version: EMBEDDING_SNAPSHOT, model_type: 'text-embedding', deployment_id: 'eu' }],
      ]);
    });
  });

  describe('moderations.create', () => {
    /** What every moderations event has: the fake answers as MODERATION_MODEL. */
    const moderationEvent = {
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation: 'moderations',
      streamed: false,
      provider: 'openai',
      response_model_id: MODERATION_MODEL,
      response_id: 'modr-1',
      outcome: 'ok',
    };

    it('returns what the SDK returns; the exact event: the input as sent, how many results were flagged and for what, no output digest', async () => {
      const { plain, wrapped } = clients();
      const input = ['Where is my parcel?', 'I will hurt the courier.'];
      const params = { model: 'omni-moderation-latest', input };
      const expected = await plain.moderations.create(params);
      const promise = wrapped.moderations.create(params);
      expect(promise).toBeInstanceOf(APIPromise);
      expect(await promise).toEqual(expected);
      expect(await h.events()).toEqual([
        {
          ...moderationEvent,
          input_chars: input.join('').length,
          input_digest: hmac(input),
          moderation_results: 2,
          flagged: 1,
          flagged_categories: ['harassment/threatening', 'violence'],
          model_context: { model_id: 'omni-moderation-latest', model_version: MODERATION_MODEL, model_type: 'moderation' },
          performance_metrics: { latency_ms: expect.any(Number) },
        },
      ]);
    });

    it('text and image parts, no model asked (the API picks its default): the model the answer names; nothing flagged', async () => {
      const { wrapped } = clients();
      const input = [
        { type: 'text' as const, text: 'A photo of my parcel.' },
        { type: 'image_url' as const, image_url: { url: 'https://example.com/parcel.png' } },
      ];
      await wrapped.moderations.create({ input });
      expect(await h.events()).toEqual([
        {
          ...moderationEvent,
          input_chars: 'A photo of my parcel.'.length,
          input_digest: hmac(input),
          moderation_results: 1,
          flagged: 0,
          model_context: { model_id: MODERATION_MODEL, model_version: MODERATION_MODEL, model_type: 'moderation' },
          performance_metrics: { latency_ms: expect.any(Number) },
        },
      ]);
    });

    it('a 429: the app gets the same error; recorded as failed', async () => {
      const { plain, wrapped } = clients();
      const limited = { status: 429, json: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
      api.script(limited, limited);
      const expected = await plain.moderations.create({ input: 'x' }).catch((e: unknown) => e);
      const error = await wrapped.moderations.create({ input: 'x' }).catch((e: unknown) => e);
      expect(String(error)).toBe(String(expected));
      const [event] = await h.events();
      expect(event).toMatchObject({ operation: 'moderations', outcome: 'error', error: { status: 429 }, model_context: { model_id: 'unreported', model_type: 'moderation' } });
    });
  });

  describe('audio.transcriptions.create and audio.translations.create', () => {
    const AUDIO = new Uint8Array(48_000).fill(7);
    const file = () => new File([AUDIO], 'parcel.wav', { type: 'audio/wav' });
    /** What every transcription event has: the answer names no model. */
    const audioEvent = (operation: string) => ({
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation,
      streamed: false,
      provider: 'openai',
      outcome: 'ok',
      model_context: { model_id: 'gpt-4o-transcribe', model_version: 'unreported', model_type: 'speech-to-text' },
    });

    it('a File: returns what the SDK returns; the exact event: the file size (not its bytes digested), the text out, the tokens', async () => {
      const { plain, wrapped } = clients();
      const expected = await plain.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: file() });
      const promise = wrapped.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: file() });
      expect(promise).toBeInstanceOf(APIPromise);
      expect(await promise).toEqual(expected);
      // The upload went out whole.
      expect(api.requests.at(-1)!.body.file).toEqual({ name: 'parcel.wav', type: 'audio/wav', size: AUDIO.length });
      expect(await h.events()).toEqual([
        {
          ...audioEvent('audio.transcriptions'),
          input_bytes: AUDIO.length,
          output_chars: TRANSCRIPT.length,
          output_digest: hmac(TRANSCRIPT),
          performance_metrics: { latency_ms: expect.any(Number), input_tokens: 20, output_tokens: 6 },
        },
      ]);
    });

    it('response formats: text and srt (the string as answered), verbose_json (its text); translations alike', async () => {
      const { wrapped } = clients();
      const text = await wrapped.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: file(), response_format: 'text' });
      const srt = await wrapped.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: file(), response_format: 'srt' });
      await wrapped.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: file(), response_format: 'verbose_json' });
      await wrapped.audio.translations.create({ model: 'gpt-4o-transcribe', file: file() });
      expect(text).toBe(`${TRANSCRIPT}\n`);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.response_format, e.input_bytes, e.output_chars, e.output_digest])).toEqual([
        ['audio.transcriptions', 'text', AUDIO.length, text.length, hmac(text)],
        ['audio.transcriptions', 'srt', AUDIO.length, srt.length, hmac(srt)],
        ['audio.transcriptions', 'verbose_json', AUDIO.length, TRANSCRIPT.length, hmac(TRANSCRIPT)],
        ['audio.translations', undefined, AUDIO.length, TRANSCRIPT.length, hmac(TRANSCRIPT)],
      ]);
      expect(events.every((e) => e.input_digest === undefined && e.model_context.model_type === 'speech-to-text')).toBe(true);
    });

    it('streamed: the app reads the same events; one event at the end, with time to first token and the usage', async () => {
      const { plain, wrapped } = clients();
      const params = { model: 'gpt-4o-transcribe', file: file(), stream: true as const };
      const expected = [];
      for await (const e of await plain.audio.transcriptions.create(params)) expected.push(e);
      const got = [];
      for await (const e of await wrapped.audio.transcriptions.create({ ...params, file: file() })) got.push(e);
      expect(got).toEqual(expected);
      expect(await h.events()).toEqual([
        {
          ...audioEvent('audio.transcriptions'),
          streamed: true,
          finish_reason: 'stop',
          input_bytes: AUDIO.length,
          time_to_first_token_ms: expect.any(Number),
          output_chars: TRANSCRIPT.length,
          output_digest: hmac(TRANSCRIPT),
          performance_metrics: { latency_ms: expect.any(Number), input_tokens: 20, output_tokens: 6 },
        },
      ]);
    });

    it('a file whose size is not known without reading it (a stream): no input_bytes; the upload unchanged', async () => {
      const { wrapped } = clients();
      const { Readable } = await import('node:stream');
      const { toFile } = await import('openai');
      const upload = await toFile(Readable.from([Buffer.from(AUDIO)]), 'parcel.wav');
      await wrapped.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: upload });
      const streamed = Readable.from([Buffer.from(AUDIO)]);
      await wrapped.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: streamed as never });
      expect(api.requests.at(-1)!.body.file.size).toBe(AUDIO.length);
      const events = await h.events();
      // toFile read the stream into a File already: its size is known.
      expect(events.map((e) => [e.outcome, e.input_bytes, e.output_chars])).toEqual([
        ['ok', AUDIO.length, TRANSCRIPT.length],
        ['ok', undefined, TRANSCRIPT.length],
      ]);
    });
  });

  describe('images.generate, images.edit and images.createVariation', () => {
    const PROMPT = 'A parcel left at the door, in watercolour.';
    const PNG = new Uint8Array(2_000).fill(9);
    const MASK = new Uint8Array(500).fill(1);
    const png = (name = 'door.png', bytes = PNG) => new File([bytes], name, { type: 'image/png' });
    /** What every image event has: the answer names no model (no response_model_id, model_version unreported). */
    const imageEvent = (operation: string, model: string = IMAGE_MODEL) => ({
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation,
      streamed: false,
      provider: 'openai',
      outcome: 'ok',
      model_context: { model_id: model, model_version: 'unreported', model_type: 'image-generation' },
    });
    /** The image digest an auditor computes from the image files kept: aiDigest of their bytes, in answer order. */
    const imagesDigest = (...indexes: number[]) => aiDigest(indexes.map(imageBytes), DIGEST_KEY);

    it('generate, base64 answer: returns what the SDK returns; the exact event, its image digest that of the decoded bytes', async () => {
      const { plain, wrapped } = clients();
      const expected = await plain.images.generate({ model: IMAGE_MODEL, prompt: PROMPT });
      const promise = wrapped.images.generate({ model: IMAGE_MODEL, prompt: PROMPT });
      expect(promise).toBeInstanceOf(APIPromise);
      const answer = await promise;
      expect(answer).toEqual(expected);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({
        ...imageEvent('images.generate'),
        input_chars: PROMPT.length,
        input_digest: hmac(PROMPT),
        image_count: 1,
        image_digest: await imagesDigest(0),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: IMAGE_USAGE.input_tokens, output_tokens: IMAGE_USAGE.output_tokens },
      });
      // The PNG the app saves from the answer is what the digest covers; an auditor's own HMAC over the bytes' canonical JSON agrees.
      const saved = Buffer.from(answer.data![0]!.b64_json!, 'base64');
      expect(event!.image_digest).toBe(await aiDigest([new Uint8Array(saved)], DIGEST_KEY));
      expect(event!.image_digest).toBe(hmac([saved.toString('base64url')]));
      // One meaning per field: output_digest is the text's, and an image call outputs none.
      expect(event).not.toHaveProperty('output_digest');
    });

    it('generate, n = 2, no model asked: model_id unreported (never "undefined"); the digest covers both images in answer order', async () => {
      const { wrapped } = clients();
      const answer = await wrapped.images.generate({ prompt: PROMPT, n: 2 });
      expect(answer.data).toHaveLength(2);
      const [event] = await h.events();
      expect(event).toEqual({
        ...imageEvent('images.generate', 'unreported'),
        input_chars: PROMPT.length,
        input_digest: hmac(PROMPT),
        image_count: 2,
        image_digest: await imagesDigest(0, 1),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: IMAGE_USAGE.input_tokens, output_tokens: IMAGE_USAGE.output_tokens },
      });
      expect(event!.image_digest).not.toBe(await imagesDigest(1, 0));
      expect(event).not.toHaveProperty('output_digest');
    });

    it('generate, URL answer: the digest covers the URLs; no token counts (none answered)', async () => {
      const { wrapped } = clients();
      const answer = await wrapped.images.generate({ model: 'dall-e-2', prompt: PROMPT, n: 2, response_format: 'url' });
      expect(answer.data!.map((i) => i.url)).toEqual([imageUrl(0), imageUrl(1)]);
      expect(await h.events()).toEqual([
        {
          ...imageEvent('images.generate', 'dall-e-2'),
          input_chars: PROMPT.length,
          input_digest: hmac(PROMPT),
          image_count: 2,
          image_digest: hmac([imageUrl(0), imageUrl(1)]),
          performance_metrics: { latency_ms: expect.any(Number) },
        },
      ]);
    });

    it('edit: the uploads\' total size (images and mask, not digested), the prompt, the images out', async () => {
      const { plain, wrapped } = clients();
      const expected = await plain.images.edit({ model: IMAGE_MODEL, image: png(), prompt: PROMPT });
      const answer = await wrapped.images.edit({ model: IMAGE_MODEL, image: png(), prompt: PROMPT });
      expect(answer).toEqual(expected);
      expect(api.requests.at(-1)!.body.image).toEqual({ name: 'door.png', type: 'image/png', size: PNG.length });
      await wrapped.images.edit({ model: IMAGE_MODEL, image: [png(), png('porch.png')], mask: png('mask.png', MASK), prompt: PROMPT, n: 2 });
      const [one, two, ...more] = await h.events();
      expect(more).toEqual([]);
      const edited = {
        ...imageEvent('images.edit'),
        input_chars: PROMPT.length,
        input_digest: hmac(PROMPT),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: IMAGE_USAGE.input_tokens, output_tokens: IMAGE_USAGE.output_tokens },
      };
      expect(one).toEqual({ ...edited, input_bytes: PNG.length, image_count: 1, image_digest: await imagesDigest(0) });
      expect(two).toEqual({ ...edited, input_bytes: 2 * PNG.length + MASK.length, image_count: 2, image_digest: await imagesDigest(0, 1) });
    });

    it('edit with an upload whose size is not known without reading it (a stream): no input_bytes; the upload unchanged', async () => {
      const { wrapped } = clients();
      const { Readable } = await import('node:stream');
      await wrapped.images.edit({ model: IMAGE_MODEL, image: [png(), Readable.from([Buffer.from(PNG)]) as never], prompt: PROMPT });
      const [event] = await h.events();
      expect(event).toMatchObject({ operation: 'images.edit', outcome: 'ok', image_count: 1 });
      expect(event).not.toHaveProperty('input_bytes');
    });

    it('createVariation: the upload\'s size, no prompt (no input size nor digest), the images out', async () => {
      const { plain, wrapped } = clients();
      const params = () => ({ model: 'dall-e-2', image: png(), response_format: 'url' as const });
      const expected = await plain.images.createVariation(params());
      const promise = wrapped.images.createVariation(params());
      expect(promise).toBeInstanceOf(APIPromise);
      expect(await promise).toEqual(expected);
      expect(await h.events()).toEqual([
        {
          ...imageEvent('images.createVariation', 'dall-e-2'),
          input_bytes: PNG.length,
          image_count: 1,
          image_digest: hmac([imageUrl(0)]),
          performance_metrics: { latency_ms: expect.any(Number) },
        },
      ]);
    });

    it('a 400 (the prompt refused): the app gets the same error; recorded as failed, with the prompt\'s size and digest', async () => {
      const { plain, wrapped } = clients();
      const refused = { status: 400, json: { error: { message: 'Your request was rejected by the safety system.', type: 'image_generation_user_error', param: null, code: 'moderation_blocked' } } };
      api.script(refused, refused);
      const expected = await plain.images.generate({ model: IMAGE_MODEL, prompt: PROMPT }).catch((e: unknown) => e);
      const error = await wrapped.images.generate({ model: IMAGE_MODEL, prompt: PROMPT }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(String(error)).toBe(String(expected));
      expect(await h.events()).toEqual([
        {
          ...imageEvent('images.generate'),
          outcome: 'error',
          error: { name: 'BadRequestError', message: '400 Your request was rejected by the safety system.', status: 400, code: 'moderation_blocked' },
          input_chars: PROMPT.length,
          input_digest: hmac(PROMPT),
          performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
        },
      ]);
    });

    it('aborted while the server holds it (generate, edit): the app gets APIUserAbortError; aborted, once each', async () => {
      const { wrapped } = clients();
      for (const call of [
        (signal: AbortSignal) => wrapped.images.generate({ model: IMAGE_MODEL, prompt: PROMPT }, { signal }),
        (signal: AbortSignal) => wrapped.images.edit({ model: IMAGE_MODEL, image: png(), prompt: PROMPT }, { signal }),
      ]) {
        api.script({ stall: true });
        const abort = new AbortController();
        const pending = call(abort.signal).catch((e: unknown) => e);
        await api.stalled();
        abort.abort();
        expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
      }
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.image_count, e.image_digest, e.performance_metrics.anomaly_flags])).toEqual([
        ['images.generate', 'aborted', 'APIUserAbortError', undefined, undefined, ['aborted']],
        ['images.edit', 'aborted', 'APIUserAbortError', undefined, undefined, ['aborted']],
      ]);
    });

    it('streamed (generate, edit): the app reads the same events; one event at the completed event, its final image only', async () => {
      const { plain, wrapped } = clients();
      const expected = [];
      for await (const e of await plain.images.generate({ model: IMAGE_MODEL, prompt: PROMPT, stream: true, partial_images: 1 })) expected.push(e);
      const got = [];
      for await (const e of await wrapped.images.generate({ model: IMAGE_MODEL, prompt: PROMPT, stream: true, partial_images: 1 })) got.push(e);
      expect(got).toEqual(expected);
      expect(got.map((e) => e.type)).toEqual(['image_generation.partial_image', 'image_generation.completed']);
      for await (const _ of await wrapped.images.edit({ model: IMAGE_MODEL, image: png(), prompt: PROMPT, stream: true, partial_images: 1 }));
      const streamed = {
        streamed: true,
        finish_reason: 'stop',
        time_to_first_token_ms: expect.any(Number),
        input_chars: PROMPT.length,
        input_digest: hmac(PROMPT),
        image_count: 1,
        image_digest: await imagesDigest(0),
        performance_metrics: { latency_ms: expect.any(Number), input_tokens: IMAGE_USAGE.input_tokens, output_tokens: IMAGE_USAGE.output_tokens },
      };
      expect(await h.events()).toEqual([
        { ...imageEvent('images.generate'), ...streamed },
        { ...imageEvent('images.edit'), ...streamed, input_bytes: PNG.length },
      ]);
    });

    it('streamed, cut before the completed event: interrupted, no image', async () => {
      const { wrapped } = clients();
      const partial = { event: 'image_generation.partial_image', data: { type: 'image_generation.partial_image', b64_json: 'AQID', partial_image_index: 0 } };
      api.script({ sse: [partial] });
      for await (const _ of await wrapped.images.generate({ model: IMAGE_MODEL, prompt: PROMPT, stream: true, partial_images: 1 }));
      const [event] = await h.events();
      expect(event).toMatchObject({ operation: 'images.generate', streamed: true, outcome: 'ok', finish_reason: 'interrupted', performance_metrics: { anomaly_flags: ['interrupted'] } });
      expect(event).not.toHaveProperty('image_count');
      expect(event).not.toHaveProperty('image_digest');
      expect(event).not.toHaveProperty('output_digest');
    });

    it("capture: 'full' keeps the prompt and, as `images`, the images' sizes (never their bytes) or URLs; no text output", async () => {
      const full = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, capture: 'full' });
      await full.images.generate({ model: IMAGE_MODEL, prompt: PROMPT, n: 2 });
      await full.images.generate({ model: 'dall-e-2', prompt: PROMPT, response_format: 'url' });
      const events = await h.events();
      expect(events.map((e) => [e.input, e.images, e.image_digest])).toEqual([
        [PROMPT, [`[${imageBytes(0).length} bytes]`, `[${imageBytes(1).length} bytes]`], undefined],
        [PROMPT, [imageUrl(0)], undefined],
      ]);
      for (const event of events) expect(event).not.toHaveProperty('output');
    });

    it('a model_type the options pin is kept', async () => {
      const pinned = wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, model_context: { model_type: 'text-to-image' } });
      await pinned.images.generate({ model: IMAGE_MODEL, prompt: PROMPT });
      expect((await h.events()).map((e) => [e.operation, e.model_context.model_type, e.output_chars])).toEqual([['images.generate', 'text-to-image', undefined]]);
    });
  });

  describe('audio.speech.create', () => {
    const TEXT = 'Your parcel arrives tomorrow between nine and noon.';
    /** What every speech event has: the text in, the audio's size when the answer says it; the answer names no model. */
    const speechEvent = {
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation: 'audio.speech',
      streamed: false,
      provider: 'openai',
      outcome: 'ok',
      input_chars: TEXT.length,
      input_digest: hmac(TEXT),
      model_context: { model_id: 'gpt-4o-mini-tts', model_version: 'unreported', model_type: 'text-to-speech' },
      performance_metrics: { latency_ms: expect.any(Number) },
    };
    const params = { model: 'gpt-4o-mini-tts', voice: 'alloy' as const, input: TEXT };

    it('returns the same Response, its body unread; the exact event: the text in, output_bytes from Content-Length', async () => {
      const { plain, wrapped } = clients();
      const expected = new Uint8Array(await (await plain.audio.speech.create(params)).arrayBuffer());
      const promise = wrapped.audio.speech.create(params);
      expect(promise).toBeInstanceOf(APIPromise);
      const response = await promise;
      expect(response).toBeInstanceOf(Response);
      const [event, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual({ ...speechEvent, output_bytes: SPEECH.length });
      // Recorded before the app read the audio, which the wrapper left whole for it.
      expect(response.bodyUsed).toBe(false);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(expected);
    });

    it('an answer without Content-Length (chunked): nothing of the output; the app reads the whole audio', async () => {
      const { wrapped } = clients();
      api.script({ bytes: SPEECH, chunked: true });
      const response = await wrapped.audio.speech.create(params);
      expect(response.headers.get('content-length')).toBeNull();
      expect(await h.events()).toEqual([speechEvent]);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(SPEECH);
    });

    it('a 400 and an abort: the app gets the same errors; recorded error and aborted', async () => {
      const { wrapped } = clients();
      api.script({ status: 400, json: { error: { message: 'Input too long.', type: 'invalid_request_error', param: 'input', code: null } } }, { stall: true });
      await expect(wrapped.audio.speech.create(params)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      const abort = new AbortController();
      const pending = wrapped.audio.speech.create(params, { signal: abort.signal }).catch((e: unknown) => e);
      await api.stalled();
      abort.abort();
      expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
      const events = await h.events();
      expect(events.map((e) => [e.operation, e.outcome, e.error?.status, e.input_digest, e.output_bytes, e.model_context.model_type])).toEqual([
        ['audio.speech', 'error', 400, hmac(TEXT), undefined, 'text-to-speech'],
        ['audio.speech', 'aborted', undefined, hmac(TEXT), undefined, 'text-to-speech'],
      ]);
    });
  });

  describe('beta.responses', () => {
    it('create, streamed or not: returns what the SDK returns; the same event as responses.create, operation beta.responses', async () => {
      const { plain, wrapped } = clients();
      const sse = responseStream(['Tomor', 'row.']);
      api.script({ json: response('Tomorrow.') }, { json: response('Tomorrow.') }, { sse }, { sse });
      const params = { model: MODEL, instructions: 'Be brief.', input: 'When does it arrive?' };
      const expected = await plain.beta.responses.create(params);
      const result = await wrapped.beta.responses.create(params);
      expect(result).toEqual(expected);
      const streamed = { model: MODEL, input: [{ role: 'user' as const, content: 'When?' }], stream: true as const };
      const expectedItems = [];
      for await (const e of await plain.beta.responses.create(streamed)) expectedItems.push(e);
      const items = [];
      for await (const e of await wrapped.beta.responses.create(streamed)) items.push(e);
      expect(items).toEqual(expectedItems);
      const [event, streamedEvent, ...more] = await h.events();
      expect(more).toEqual([]);
      expect(event).toEqual(responsesCreateEvent('beta.responses'));
      expect(streamedEvent).toMatchObject({
        operation: 'beta.responses',
        streamed: true,
        outcome: 'ok',
        finish_reason: 'stop',
        output_chars: 'Tomorrow.'.length,
        output_digest: hmac('Tomorrow.'),
        input_digest: hmac({ input: [{ role: 'user', content: 'When?' }] }),
        time_to_first_token_ms: expect.any(Number),
      });
    });

    it('background: the retrieve that finds it final and a cancel are recorded once each, as beta.responses.retrieve and .cancel', async () => {
      const { wrapped } = clients();
      const create = () => wrapped.beta.responses.create({ model: MODEL, instructions: 'Be brief.', input: 'When does it arrive?', background: true });
      const [answeredOne, cancelledOne] = [await create(), await create()];
      expect(answeredOne).toMatchObject({ status: 'queued', background: true });
      expect((await wrapped.beta.responses.retrieve(answeredOne.id)).status).toBe('in_progress');
      api.finish(answeredOne.id);
      expect(await wrapped.beta.responses.retrieve(answeredOne.id)).toMatchObject({ status: 'completed' });
      expect(await wrapped.beta.responses.retrieve(answeredOne.id)).toMatchObject({ status: 'completed' });
      expect(await wrapped.beta.responses.cancel(cancelledOne.id)).toMatchObject({ status: 'cancelled' });
      const recorded = await h.events();
      expect(recorded.map((e) => [e.operation, e.response_id, e.outcome, e.finish_reason, e.background])).toEqual([
        ['beta.responses', answeredOne.id, 'ok', 'queued', true],
        ['beta.responses', cancelledOne.id, 'ok', 'queued', true],
        ['beta.responses.retrieve', answeredOne.id, 'ok', 'stop', true],
        ['beta.responses.cancel', cancelledOne.id, 'aborted', 'cancelled', true],
      ]);
      expect(recorded[2]).toEqual({ ...finalRetrieved(answeredOne.id, false), operation: 'beta.responses.retrieve' });
    });

    it('wrapping twice records once', async () => {
      const { wrapped } = clients();
      wrapOpenAI(wrapped, { log: h.log, digestKey: DIGEST_KEY });
      api.script({ json: response('Tomorrow.') });
      await wrapped.beta.responses.create({ model: MODEL, input: 'When?' });
      expect((await h.events()).map((e) => e.operation)).toEqual(['beta.responses']);
    });
  });
});

describe('which provider, and where the calls went', () => {
  /** A chat call's event, but for what the test checks. */
  const chatCall = async (client: OpenAI7) => {
    api.script({ json: chatCompletion('Tomorrow.') });
    await client.chat.completions.create({ model: MODEL, messages: MESSAGES });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    return event!;
  };

  it("OpenAI's own API: provider openai, no base_url (the SDK's default baseURL)", async () => {
    const event = await chatCall(wrapOpenAI(new OpenAI7(ownApiOptions(api)), { log: h.log }));
    expect(event).toMatchObject({ provider: 'openai', outcome: 'ok' });
    expect(event).not.toHaveProperty('base_url');
  });

  it("another provider's OpenAI-compatible API: the provider the options name, the base URL the client sends to", async () => {
    const wrapped = wrapOpenAI(new OpenAI7({ apiKey: 'sk-test', baseURL: `${api.url}/`, maxRetries: 0 }), { log: h.log, provider: 'deepseek' });
    expect(await chatCall(wrapped)).toMatchObject({ provider: 'deepseek', base_url: api.url, outcome: 'ok' });
    // The background retrieve's event too.
    const created = await wrapped.responses.create({ model: MODEL, input: 'When?', background: true });
    api.finish(created.id);
    await wrapped.responses.retrieve(created.id);
    expect((await h.events()).map((e) => [e.operation, e.provider, e.base_url])).toEqual([
      ['responses', 'deepseek', api.url],
      ['responses.retrieve', 'deepseek', api.url],
    ]);
  });

  it('an AzureOpenAI client: provider azure, its base URL; the option names another', async () => {
    const azure = () => new AzureOpenAI({ apiKey: 'az-test', apiVersion: '2025-04-01-preview', endpoint: api.url.slice(0, -'/v1'.length), maxRetries: 0 });
    const origin = new URL(api.url).origin;
    expect(await chatCall(wrapOpenAI(azure(), { log: h.log }))).toMatchObject({ provider: 'azure', base_url: `${origin}/openai`, outcome: 'ok' });
    expect(api.requests.at(-1)!.path).toBe(`/openai/deployments/${MODEL}/chat/completions`);
    expect(await chatCall(wrapOpenAI(azure(), { log: h.log, provider: 'azure.eu' }))).toMatchObject({ provider: 'azure.eu', base_url: `${origin}/openai` });
  });

  it("a base URL's credentials and query are not recorded", async () => {
    const baseURL = `http://proxy-user:proxy-secret@${new URL(api.url).host}/v1?key=gateway-secret`;
    const wrapped = wrapOpenAI(new OpenAI7({ apiKey: 'sk-test', baseURL, maxRetries: 0 }), { log: h.log });
    // fetch refuses a URL with credentials: the call fails, and is recorded all the same.
    await expect(wrapped.chat.completions.create({ model: MODEL, messages: MESSAGES })).rejects.toThrow();
    const [event] = await h.events();
    expect(event).toMatchObject({ provider: 'openai', base_url: api.url, outcome: 'error' });
    expect(JSON.stringify(event)).not.toMatch(/secret/);
  });

  it('a provider that is not a non-empty string is ERR_CONFIG naming it', () => {
    for (const provider of ['', 42, {}]) {
      expect(() => wrapOpenAI(new OpenAI7(ownApiOptions(api)), { log: h.log, provider: provider as string })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'provider' }));
    }
  });
});
