// wrapCohere with the real Cohere SDK (`cohere-ai` 8.x) against a small Cohere API on 127.0.0.1 that answers JSON
// and streams server-sent events (cohere-server.ts: a stand-in for the provider, which cannot run here). Each test
// compares what the app gets with what the unwrapped client gets, and checks the event.
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiDigest, wrapCohere } from '../../src/ai/index.js';
import { closeBoth, droppedEvents, dropStreams, generated, startWith, unreadEvent, type Harness } from './harness.js';
import { apiError, chatAnswer, EMBEDDING_MODEL, events, MODEL, RERANK_MODEL, startCohereServer, USAGE, type CohereServer } from './cohere-server.js';
import { DIGEST_KEY, hmac } from './mock-model.js';

let h: Harness;
let api: CohereServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startCohereServer));
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
const PARAMS = { model: MODEL, messages: MESSAGES };

// No retries: a 429 is the app's to see at once (the SDK retries twice by default, after a delay).
const make = () => new CohereClientV2({ token: 'cohere-test-key', environment: api.origin, maxRetries: 0 });
const clients = () => ({ plain: make(), wrapped: wrapCohere(make(), { log: h.log, digestKey: DIGEST_KEY }) });

/** What the app gets, as JSON (the SDK's answers and events are plain objects). */
const data = (value: unknown) => JSON.parse(JSON.stringify(value));

/** Reads a stream to its end: its text. */
const readAll = async (stream: AsyncIterable<any>) => {
  let text = '';
  for await (const event of stream) if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? '';
  return text;
};

/** The exact event of a chat of MESSAGES answered ANSWER. */
const okEvent = (operation: 'chat' | 'chatStream') => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'cohere',
  operation,
  streamed: operation === 'chatStream',
  provider: 'cohere',
  response_id: 'chat-1',
  outcome: 'ok',
  finish_reason: 'stop',
  cohere_finish_reason: 'COMPLETE',
  ...(operation === 'chatStream' && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: SYSTEM.length + QUESTION.length,
  output_chars: ANSWER.length,
  input_digest: hmac(MESSAGES),
  output_digest: hmac(ANSWER),
  // Cohere's answers name no model version.
  model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: USAGE.tokens.input_tokens, output_tokens: USAGE.tokens.output_tokens },
});

describe('chat', () => {
  it('returns what the SDK returns (the same HttpResponsePromise, the same answer); records the exact event', async () => {
    const { plain } = clients();
    api.script({ json: chatAnswer(ANSWER) }, { json: chatAnswer(ANSWER) }, { json: chatAnswer(ANSWER) });
    const expected = await plain.chat(PARAMS);
    // The SDK's own method, seen from inside the wrap: its promise and its answer are what the app gets.
    const client = make();
    const chat = client.chat;
    let inner: unknown;
    client.chat = function (this: unknown, ...args: Parameters<typeof chat>) {
      return (inner = chat.apply(this, args));
    };
    expect(wrapCohere(client, { log: h.log, digestKey: DIGEST_KEY })).toBe(client);
    const promise = client.chat(PARAMS);
    expect(promise).toBe(inner);
    const result = await promise;
    expect(result).toBe(await inner);
    expect(data(result)).toEqual(data(expected));
    expect(result.message.content?.[0]).toEqual({ type: 'text', text: ANSWER });
    // withRawResponse() still gives the answer and the response.
    const raw = await client.chat(PARAMS).withRawResponse();
    expect(data(raw.data)).toEqual(data(expected));
    expect(raw.rawResponse.status).toBe(200);
    const [event, rawEvent, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual(okEvent('chat'));
    expect(rawEvent).toEqual(okEvent('chat'));
  });

  it('tool calls: their names, finish reason tool-calls, no output; thinking parts are not output; the messages copied at the call', async () => {
    const { wrapped } = clients();
    api.script({ json: chatAnswer('', { calls: ['track_parcel', 'notify'] }) }, { json: chatAnswer(ANSWER, { thinking: 'Scanned at 7:00.' }) });
    const called = await wrapped.chat(PARAMS);
    expect(called.message.toolCalls?.map((c) => c.function?.name)).toEqual(['track_parcel', 'notify']);
    const messages: any[] = [...MESSAGES];
    await wrapped.chat({ model: MODEL, messages });
    messages.push({ role: 'assistant', content: 'More.' });
    const [tools, thinking, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(tools).toMatchObject({ outcome: 'ok', finish_reason: 'tool-calls', cohere_finish_reason: 'TOOL_CALL', tool_calls: ['track_parcel', 'notify'] });
    expect(tools).not.toHaveProperty('output_chars');
    expect(thinking).toMatchObject({ finish_reason: 'stop', output_chars: ANSWER.length, output_digest: hmac(ANSWER), input_digest: await aiDigest(MESSAGES, DIGEST_KEY) });
  });

  it('finish reasons: MAX_TOKENS (length), STOP_SEQUENCE (stop), ERROR (a failed call), TIMEOUT (other)', async () => {
    const { wrapped } = clients();
    const reasons = ['MAX_TOKENS', 'STOP_SEQUENCE', 'ERROR', 'TIMEOUT'];
    api.script(...reasons.map((finish) => ({ json: chatAnswer('Half an', { finish }) })));
    for (const _ of reasons) await wrapped.chat(PARAMS);
    const got = await h.events();
    expect(got.map((e) => [e.outcome, e.finish_reason, e.cohere_finish_reason, e.performance_metrics.anomaly_flags])).toEqual([
      ['ok', 'length', 'MAX_TOKENS', ['length']],
      ['ok', 'stop', 'STOP_SEQUENCE', undefined],
      ['error', 'error', 'ERROR', ['error']],
      ['ok', 'other', 'TIMEOUT', undefined],
    ]);
  });

  it("a 429: the app gets the SDK's error as unwrapped; recorded with the error's name, status and body", async () => {
    const { plain, wrapped } = clients();
    const limited = { status: 429, json: apiError('You are using a Trial key, which is limited to 10 API calls / minute.') };
    api.script(limited, limited);
    const expected = await plain.chat(PARAMS).catch((e: unknown) => e);
    const got = await wrapped.chat(PARAMS).catch((e: unknown) => e);
    expect(got).toBeInstanceOf((expected as object).constructor);
    expect((got as Error).message).toBe((expected as Error).message);
    expect(got).toMatchObject({ name: 'TooManyRequestsError', statusCode: 429 });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'cohere',
      operation: 'chat',
      streamed: false,
      provider: 'cohere',
      outcome: 'error',
      // The SDK's message carries the API's body.
      error: { name: 'TooManyRequestsError', message: (got as Error).message, status: 429 },
      input_chars: SYSTEM.length + QUESTION.length,
      input_digest: hmac(MESSAGES),
      model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
    });
    expect(event!.error.message).toContain('limited to 10 API calls');
  });

  it("aborted through the request's abortSignal, before the call and while the server holds it: aborted", async () => {
    const { wrapped } = clients();
    const before = new AbortController();
    before.abort();
    const first = await wrapped.chat(PARAMS, { abortSignal: before.signal }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error);
    api.script({ stall: true });
    const during = new AbortController();
    const pending = wrapped.chat(PARAMS, { abortSignal: during.signal });
    await api.stalled();
    during.abort();
    const second = await pending.catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Error);
    await api.disconnected();
    const got = await h.events();
    expect(got.map((e) => [e.operation, e.outcome, e.error?.name, e.performance_metrics.anomaly_flags])).toEqual([
      ['chat', 'aborted', (first as Error).name, ['aborted']],
      ['chat', 'aborted', (second as Error).name, ['aborted']],
    ]);
  });

  it('wrapping twice records once; waitUntil is handed a promise that settles once the event is recorded', async () => {
    const { wrapped } = clients();
    const chat = wrapped.chat;
    expect(wrapCohere(wrapped, { log: h.log, digestKey: DIGEST_KEY })).toBe(wrapped);
    expect(wrapped.chat).toBe(chat);
    await wrapped.chat(PARAMS);
    await readAll(await wrapped.chatStream(PARAMS));
    await wrapped.embed({ model: EMBEDDING_MODEL, inputType: 'search_query', texts: [QUESTION] });
    await wrapped.rerank({ model: RERANK_MODEL, query: QUESTION, documents: ['a', 'b'] });
    expect((await h.events()).map((e) => e.operation)).toEqual(['chat', 'chatStream', 'embed', 'rerank']);

    const waited: Promise<unknown>[] = [];
    const recorded: string[] = [];
    const edge = wrapCohere(make(), { log: h.log, waitUntil: (p) => void waited.push(p), onRecorded: ({ eventId }) => void recorded.push(eventId) });
    await edge.chat(PARAMS);
    expect(waited).toHaveLength(1);
    await waited[0];
    expect(recorded).toHaveLength(1);
    expect((await h.events()).map((e) => e.event_id)).toEqual(recorded);
  });

  it("a CohereClient's v2 is wrapped; its v1 chat is not", async () => {
    const client = wrapCohere(new CohereClient({ token: 'cohere-test-key', environment: api.origin, maxRetries: 0 }), { log: h.log, digestKey: DIGEST_KEY });
    api.script({ json: chatAnswer(ANSWER) });
    await client.v2.chat(PARAMS);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual(okEvent('chat'));
    expect(client.chat).toBe(CohereClient.prototype.chat);
  });
});

describe('chatStream', () => {
  it('read to its end: the same Stream the SDK returns, the same events; one event at the end with usage and time to first token', async () => {
    const { plain } = clients();
    api.script({ sse: events(PIECES) }, { sse: events(PIECES) }, { sse: events(PIECES) });
    const expected = [];
    for await (const event of await plain.chatStream(PARAMS)) expected.push(data(event));
    const client = make();
    const chatStream = client.chatStream;
    let inner: unknown;
    client.chatStream = function (this: unknown, ...args: Parameters<typeof chatStream>) {
      return (inner = chatStream.apply(this, args));
    };
    wrapCohere(client, { log: h.log, digestKey: DIGEST_KEY });
    const promise = client.chatStream(PARAMS);
    expect(promise).toBe(inner);
    const stream = await promise;
    expect(stream).toBe(await inner);
    const got = [];
    for await (const event of stream) got.push(data(event));
    expect(got).toEqual(expected);
    expect(got.map((e) => e.type)).toEqual(['message-start', 'content-start', 'content-delta', 'content-delta', 'content-delta', 'content-end', 'message-end']);
    // Read through withRawResponse(): the stream is watched all the same.
    const { data: raw } = await client.chatStream(PARAMS).withRawResponse();
    expect(await readAll(raw)).toBe(ANSWER);
    const [event, rawEvent, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual(okEvent('chatStream'));
    expect(rawEvent).toEqual(okEvent('chatStream'));
  });

  it('a stream the app drops, unread or read part-way and never stopped: aborted once collected (unread if never read); one kept is not', async () => {
    const handed: Promise<unknown>[] = [];
    const wrapped = wrapCohere(make(), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
    api.script({ sse: events(PIECES) }, { sse: events(PIECES) }, { sse: events(PIECES) }, { sse: events(PIECES) });
    const create = () => wrapped.chatStream(PARAMS);
    const text = (event: any) => (event.type === 'content-delta' ? event.delta?.message?.content?.text : undefined);
    // The kept stream is read after the collections: this SDK's reads empty then, unwrapped as well (seen), so only
    // its event is checked, which the collections must not have made.
    const dropped = await dropStreams(handed, create, text, 'It left ');
    expect([dropped.recorded, dropped.looped]).toEqual([2, ANSWER]);
    const got = await h.events();
    const { unread, kept } = droppedEvents(got, 'It left ');
    expect(unread).toEqual(
      unreadEvent(MODEL, {
        integration: 'cohere',
        operation: 'chatStream',
        provider: 'cohere',
        input_chars: SYSTEM.length + QUESTION.length,
        input_digest: hmac(MESSAGES),
      }),
    );
    expect(kept).toMatchObject({ streamed: true, outcome: 'ok' });
    expect(kept).not.toHaveProperty('unread');
  });

  it('tool calls streamed: their names, tool-calls; a stream that ends without message-end is interrupted', async () => {
    const { wrapped } = clients();
    api.script({ sse: events([], { calls: ['track_parcel', 'notify'] }) }, { sse: events(['It left '], { finish: null }) });
    await readAll(await wrapped.chatStream(PARAMS));
    await readAll(await wrapped.chatStream(PARAMS));
    const got = await h.events();
    expect(got.map((e) => [e.outcome, e.finish_reason, e.tool_calls, e.output_chars, typeof e.time_to_first_token_ms, e.performance_metrics.anomaly_flags])).toEqual([
      ['ok', 'tool-calls', ['track_parcel', 'notify'], undefined, 'number', undefined],
      ['ok', 'interrupted', undefined, 'It left '.length, 'number', ['interrupted']],
    ]);
  });

  it("thinking and a tool plan are the model's first tokens, not output: a stream of thinking alone, one broken off at its tool plan", async () => {
    const { wrapped } = clients();
    api.script({ sse: events([], { thinking: 'The parcel was scanned at 7:00.', finish: 'MAX_TOKENS' }) }, { sse: events([], { calls: ['track_parcel'] }), hold: 2 });
    await readAll(await wrapped.chatStream(PARAMS));
    for await (const event of await wrapped.chatStream(PARAMS)) if (event.type === 'tool-plan-delta') break;
    await api.disconnected();
    api.release();
    const got = await h.events();
    expect(got.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.tool_calls, typeof e.time_to_first_token_ms])).toEqual([
      ['ok', 'length', undefined, undefined, 'number'],
      ['aborted', undefined, undefined, undefined, 'number'],
    ]);
  });

  it("read by the Stream's iterMessages(), for await or next(): the same events as unwrapped; recorded as for await over the stream is", async () => {
    // Private in the SDK's types, a method like any other to JavaScript: what its for await reads through.
    const messagesOf = (stream: unknown): AsyncGenerator<any> => (stream as { iterMessages(): AsyncGenerator<any> }).iterMessages();
    const { plain, wrapped } = clients();
    api.script({ sse: events(PIECES) }, { sse: events(PIECES) }, { sse: events(PIECES), hold: 3 });
    const expected = [];
    for await (const event of messagesOf(await plain.chatStream(PARAMS))) expected.push(data(event));
    const got = [];
    for await (const event of messagesOf(await wrapped.chatStream(PARAMS))) got.push(data(event));
    expect(got).toEqual(expected);
    // Its next() called by the app, then its return() part-way (a break).
    const messages = messagesOf(await wrapped.chatStream(PARAMS));
    let step;
    while (!(step = await messages.next()).done && step.value.type !== 'content-delta');
    expect(step.value).toMatchObject({ type: 'content-delta' });
    await messages.return(undefined);
    await api.disconnected();
    api.release();
    const [whole, broken, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(whole).toEqual(okEvent('chatStream'));
    expect(broken).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left ') });
  });

  it('broken off by the app (break): aborted, with the text so far; aborted through abortSignal while a read waits: aborted', async () => {
    const { wrapped } = clients();
    api.script({ sse: events(PIECES), hold: 3 }, { sse: events(PIECES), hold: 3 });
    for await (const event of await wrapped.chatStream(PARAMS)) if (event.type === 'content-delta') break;
    await api.disconnected();
    const waiting = new AbortController();
    const failed = (async () => {
      for await (const event of await wrapped.chatStream(PARAMS, { abortSignal: waiting.signal })) if (event.type === 'content-delta') waiting.abort();
    })().catch((e: unknown) => e);
    expect(await failed).toBeInstanceOf(Error);
    api.release();
    const [broken, aborted, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(broken).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left '), performance_metrics: { anomaly_flags: ['aborted'] } });
    expect(broken).not.toHaveProperty('finish_reason');
    expect(aborted).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, performance_metrics: { anomaly_flags: ['aborted'] } });
  });
});

describe('embed', () => {
  it("returns what the SDK returns; records the texts, the vectors' count and dimensions, the tokens, no output", async () => {
    const { plain, wrapped } = clients();
    const texts = ['Where is my parcel?', 'When does it arrive?'];
    const request = { model: EMBEDDING_MODEL, inputType: 'search_document' as const, texts };
    const expected = await plain.embed(request);
    const result = await wrapped.embed(request);
    expect(data(result)).toEqual(data(expected));
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'cohere',
      operation: 'embed',
      streamed: false,
      provider: 'cohere',
      response_id: 'emb-1',
      outcome: 'ok',
      input_chars: texts.join('').length,
      input_digest: hmac(texts),
      embedding_count: 2,
      embedding_dimensions: 16,
      model_context: { model_id: EMBEDDING_MODEL, model_version: 'unreported', model_type: 'embedding' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9 },
    });
  });

  it('other embedding types: int8 beside float, base64 alone, binary alone (8 dimensions a byte): the same count and dimensions', async () => {
    const { wrapped } = clients();
    const texts = ['a', 'b', 'c'];
    for (const embeddingTypes of [['int8', 'float'], ['base64'], ['ubinary']] as const) {
      const result = await wrapped.embed({ model: EMBEDDING_MODEL, inputType: 'classification', texts, embeddingTypes: [...embeddingTypes] });
      for (const type of embeddingTypes) expect(result.embeddings[type]).toHaveLength(3);
    }
    const got = await h.events();
    expect(got.map((e) => [e.embedding_count, e.embedding_dimensions])).toEqual([
      [3, 16],
      [3, 16],
      [3, 16],
    ]);
  });
});

describe('rerank', () => {
  it('returns what the SDK returns; records the query and documents as input, the count of results, no output', async () => {
    const { plain, wrapped } = clients();
    const documents = ['Parcels leave the depot at 7:00.', 'Refunds take 14 days.', 'The depot is in Lyon.'];
    const request = { model: RERANK_MODEL, query: QUESTION, documents, topN: 2 };
    const expected = await plain.rerank(request);
    const result = await wrapped.rerank(request);
    expect(data(result)).toEqual(data(expected));
    expect(result.results).toHaveLength(2);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'cohere',
      operation: 'rerank',
      streamed: false,
      provider: 'cohere',
      response_id: 'rerank-1',
      outcome: 'ok',
      input_chars: QUESTION.length + documents.join('').length,
      input_digest: hmac({ query: QUESTION, documents }),
      rerank_result_count: 2,
      model_context: { model_id: RERANK_MODEL, model_version: 'unreported', model_type: 'reranker' },
      performance_metrics: { latency_ms: expect.any(Number) },
    });
  });
});
