// wrapBedrock with the real AWS SDK v3 Bedrock Runtime client (`@aws-sdk/client-bedrock-runtime`) against a small
// Bedrock Runtime on 127.0.0.1 that answers JSON and streams binary event-stream frames (bedrock-server.ts: a
// stand-in for the provider, which cannot run here). The client speaks HTTP/1.1 to it through the SDK's own
// NodeHttpHandler (the scripted server's); this client's default, the SDK's HTTP/2 handler, is exercised against an
// h2c server of default answers (the wrapper sits on the middleware stack, above either). Each test compares what the
// app gets with what the SDK hands over, and checks the event.
import {
  BedrockRuntime,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type ConverseCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { SmithyMessageDecoderStream } from '@smithy/core/event-streams';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiDigest, wrapBedrock } from '../../src/ai/index.js';
import {
  claudeChunks,
  claudeMessage,
  converse,
  converseEvents,
  MODEL,
  PROFILE_ARN,
  serviceError,
  startBedrockH2Server,
  startBedrockServer,
  type BedrockServer,
} from './bedrock-server.js';
import { closeBoth, droppedEvents, dropStreams, generated, startWith, unreadEvent, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';

let h: Harness;
let api: BedrockServer;
beforeAll(async () => {
  ({ h, api } = await startWith(startBedrockServer));
});
afterAll(() => closeBoth(h, api));

const SYSTEM = 'You are a support agent.';
const QUESTION = 'Where is my parcel?';
const ANSWER = 'It left the depot this morning.';
const PIECES = ['It left ', 'the depot ', 'this morning.'];
const system = [{ text: SYSTEM }];
const messages = [{ role: 'user' as const, content: [{ text: QUESTION }] }];
const INPUT: ConverseCommandInput = { modelId: MODEL, system, messages };

const config = () => ({
  endpoint: api.origin,
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler(),
});
const make = () => new BedrockRuntimeClient(config());

/**
 * A client, wrapped or not, with a middleware of the app's own below the wrapper's that keeps each output as the SDK
 * deserialized it: what the app gets must be that very object.
 */
function client(wrap: boolean) {
  const c = make();
  const outputs: any[] = [];
  c.middlewareStack.add((next) => async (args) => {
    const result = await next(args);
    outputs.push(result.output);
    return result;
  }, { step: 'initialize', priority: 'low', name: 'appOutputs' });
  return { client: wrap ? wrapBedrock(c, { log: h.log, digestKey: DIGEST_KEY }) : c, outputs };
}

/** What the app gets, without the request id (each request has its own). */
const data = (output: any) => {
  const { $metadata, ...rest } = output;
  return { ...rest, $metadata: { ...$metadata, requestId: undefined } };
};

/** The exact event of a Converse call of INPUT answered ANSWER. */
const okEvent = (streamed: boolean, requestId: string) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'bedrock',
  operation: streamed ? 'converseStream' : 'converse',
  streamed,
  provider: 'amazon-bedrock',
  response_id: requestId,
  outcome: 'ok',
  finish_reason: 'stop',
  stop_reason: 'end_turn',
  bedrock_latency_ms: 321,
  ...(streamed && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: SYSTEM.length + QUESTION.length,
  output_chars: ANSWER.length,
  input_digest: hmac({ system, messages }),
  output_digest: hmac(ANSWER),
  model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
});

/** Reads a stream to its end, keeping its events. */
async function readAll(stream: AsyncIterable<unknown> | undefined): Promise<unknown[]> {
  const events = [];
  for await (const event of stream!) events.push(event);
  return events;
}

describe('ConverseCommand', () => {
  it('returns what the SDK returns (the same output object); records the exact event', async () => {
    const plain = client(false);
    const wrapped = client(true);
    api.script({ json: converse(ANSWER) }, { json: converse(ANSWER) });
    const expected = await plain.client.send(new ConverseCommand(INPUT));
    const result = await wrapped.client.send(new ConverseCommand(INPUT));
    expect(result).toBe(wrapped.outputs[0]);
    expect(data(result)).toEqual(data(expected));
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual(okEvent(false, result.$metadata.requestId!));
    // What an auditor runs on the messages and the answer kept.
    expect(event!.input_digest).toBe(await aiDigest({ system, messages }, DIGEST_KEY));
    expect(event!.output_digest).toBe(await aiDigest(result.output!.message!.content![0]!.text!, DIGEST_KEY));
  });

  it('BedrockRuntime (the aggregated client) records the same way; an inference profile ARN as modelId is recorded as given', async () => {
    const runtime = wrapBedrock(new BedrockRuntime(config()), { log: h.log });
    const result = await runtime.converse({ ...INPUT, modelId: PROFILE_ARN });
    expect(result.output?.message?.content?.[0]?.text).toBe(`You asked ${QUESTION.length} characters.`);
    expect(api.requests.at(-1)!.path).toBe(`/model/${encodeURIComponent(PROFILE_ARN)}/converse`);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ integration: 'bedrock', operation: 'converse', outcome: 'ok', model_context: { model_id: PROFILE_ARN, model_version: 'unreported' } });
  });

  it('multi-turn messages with an image\'s bytes and a tool result: text counted, the input digested as sent (bytes included), before the app appends to it', async () => {
    const { client: wrapped } = client(true);
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 250]);
    const turns: any[] = [
      { role: 'user', content: [{ text: QUESTION }, { image: { format: 'png', source: { bytes: image } } }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'track_parcel', input: { id: 'P1' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: { city: 'Lyon' } }] } }, { text: 'And now?' }] },
    ];
    await wrapped.send(new ConverseCommand({ modelId: MODEL, system, messages: turns }));
    const sent = turns.slice();
    turns.push({ role: 'assistant', content: [{ text: 'More.' }] });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ outcome: 'ok', input_chars: SYSTEM.length + QUESTION.length + 'And now?'.length });
    expect(event!.input_digest).toBe(await aiDigest({ system, messages: sent }, DIGEST_KEY));
    expect(event!.input_digest).not.toBe(await aiDigest({ system, messages: turns }, DIGEST_KEY));
  });

  it('a tool use answer: its names as tool_calls, finish reason tool-calls, no output; reasoning is not output', async () => {
    const { client: wrapped } = client(true);
    api.script({ json: converse('', { tools: ['track_parcel', 'notify'] }) }, { json: converse(ANSWER, { reasoning: 'It was scanned at 7:00.' }) });
    const result = await wrapped.send(new ConverseCommand(INPUT));
    expect(result.output?.message?.content?.map((b) => b.toolUse?.name)).toEqual(['track_parcel', 'notify']);
    await wrapped.send(new ConverseCommand(INPUT));
    const [tools, reasoned, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(tools).toMatchObject({ outcome: 'ok', finish_reason: 'tool-calls', stop_reason: 'tool_use', tool_calls: ['track_parcel', 'notify'] });
    expect(tools).not.toHaveProperty('output_chars');
    expect(tools).not.toHaveProperty('output_digest');
    expect(reasoned).toMatchObject({ output_chars: ANSWER.length, output_digest: hmac(ANSWER) });
  });

  it('stop reasons mapped (the word as sent kept as stop_reason); cached prompt tokens are input tokens', async () => {
    const { client: wrapped } = client(true);
    const reasons = ['max_tokens', 'guardrail_intervened', 'content_filtered', 'stop_sequence', 'malformed_model_output'];
    api.script(...reasons.map((stop) => ({ json: converse('Half', { stop }) })), { json: converse(ANSWER, { usage: { inputTokens: 3, cacheReadInputTokens: 8, cacheWriteInputTokens: 1, outputTokens: 7, totalTokens: 19 } }) });
    for (let i = 0; i <= reasons.length; i++) await wrapped.send(new ConverseCommand(INPUT));
    const events = await h.events();
    expect(events.map((e) => [e.finish_reason, e.stop_reason, e.performance_metrics.anomaly_flags])).toEqual([
      ['length', 'max_tokens', ['length']],
      ['content-filter', 'guardrail_intervened', ['content_filter']],
      ['content-filter', 'content_filtered', ['content_filter']],
      ['stop', 'stop_sequence', undefined],
      ['other', 'malformed_model_output', undefined],
      ['stop', 'end_turn', undefined],
    ]);
    expect(events.at(-1)!.performance_metrics).toEqual({ latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 });
  });

  it('a 429 ThrottlingException and a 400 ValidationException: the app gets the SDK\'s error as unwrapped; recorded with the status and the exception\'s name as code', async () => {
    const plain = client(false);
    const { client: wrapped } = client(true);
    const throttled = serviceError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
    api.script(throttled, throttled, serviceError(400, 'ValidationException', 'The provided model identifier is invalid.'));
    const expected: any = await plain.client.send(new ConverseCommand(INPUT)).catch((e: unknown) => e);
    const got: any = await wrapped.send(new ConverseCommand(INPUT)).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(expected.constructor);
    expect([got.name, got.message, got.$metadata.httpStatusCode]).toEqual([expected.name, expected.message, 429]);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    expect(got).not.toHaveProperty('code');
    await expect(wrapped.send(new ConverseCommand(INPUT))).rejects.toMatchObject({ name: 'ValidationException' });
    const [event, invalid, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'bedrock',
      operation: 'converse',
      streamed: false,
      provider: 'amazon-bedrock',
      response_id: got.$metadata.requestId,
      outcome: 'error',
      error: { name: 'ThrottlingException', message: 'Too many requests, please wait before trying again.', status: 429, code: 'ThrottlingException' },
      input_chars: SYSTEM.length + QUESTION.length,
      input_digest: hmac({ system, messages }),
      model_context: { model_id: MODEL, model_version: 'unreported', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['error'] },
    });
    expect(invalid).toMatchObject({ outcome: 'error', error: { name: 'ValidationException', status: 400, code: 'ValidationException' } });
  });

  it('aborted through send()\'s abortSignal, before the call and while the server holds it: the app gets the SDK\'s error; aborted, once each', async () => {
    const { client: wrapped } = client(true);
    const before = new AbortController();
    before.abort();
    const first: any = await wrapped.send(new ConverseCommand(INPUT), { abortSignal: before.signal }).catch((e: unknown) => e);
    expect(first.name).toBe('AbortError');
    api.script({ stall: true });
    const during = new AbortController();
    const pending = wrapped.send(new ConverseCommand(INPUT), { abortSignal: during.signal });
    await api.stalled();
    during.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await api.disconnected();
    const events = await h.events();
    expect(events.map((e) => [e.operation, e.outcome, e.error?.name, e.performance_metrics.anomaly_flags])).toEqual([
      ['converse', 'aborted', 'AbortError', ['aborted']],
      ['converse', 'aborted', 'AbortError', ['aborted']],
    ]);
  });

  it('wrapping twice records once; the client\'s other commands pass through unrecorded', async () => {
    const { client: wrapped } = client(true);
    expect(wrapBedrock(wrapped, { log: h.log, digestKey: DIGEST_KEY })).toBe(wrapped);
    await wrapped.send(new ConverseCommand(INPUT));
    await readAll((await wrapped.send(new ConverseStreamCommand(INPUT))).stream);
    api.script({ json: { inputTokens: 9 } });
    expect((await wrapped.send(new CountTokensCommand({ modelId: MODEL, input: { converse: { messages } } }))).inputTokens).toBe(9);
    expect((await h.events()).map((e) => e.operation)).toEqual(['converse', 'converseStream']);
  });

  it('nothing is thrown into the app: bad options are ERR_CONFIG as it is wrapped; a throwing redact goes to onError; an answer of a shape not foreseen is recorded as far as understood', async () => {
    expect(() => wrapBedrock(make(), { log: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'log' }));
    const errors: unknown[] = [];
    const redacting = wrapBedrock(make(), {
      log: h.log,
      onError: (error) => errors.push(error),
      redact: () => {
        throw new Error('redact failed');
      },
    });
    expect((await redacting.send(new ConverseCommand(INPUT))).output?.message?.content?.[0]?.text).toBe(`You asked ${QUESTION.length} characters.`);
    expect(await h.events()).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ message: 'redact failed' })]);
    const { client: wrapped } = client(true);
    api.script({ json: { output: {}, stopReason: 'end_turn', usage: { outputTokens: 2 } } }, { json: { output: { message: { role: 'assistant', content: [{ text: 'ok' }] } } } });
    expect((await wrapped.send(new ConverseCommand(INPUT))).output).toEqual({});
    expect((await wrapped.send(new ConverseCommand(INPUT))).output?.message?.content).toEqual([{ text: 'ok' }]);
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.performance_metrics.output_tokens])).toEqual([
      ['ok', 'stop', undefined, 2],
      ['ok', undefined, 2, undefined],
    ]);
  });
});

/** The events of a ConverseStream read to its end, then of one left after its first text: exact, then aborted with it. */
async function expectWholeThenBroken(requestId: string) {
  const [whole, broken, ...more] = await h.events();
  expect(more).toEqual([]);
  expect(whole).toEqual(okEvent(true, requestId));
  expect(broken).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left ') });
}

describe('ConverseStreamCommand', () => {
  it('read to its end: the app reads the same stream object and the same events; one event at the end with usage and time to first token', async () => {
    const plain = client(false);
    const wrapped = client(true);
    api.script({ sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES) });
    const expected = await readAll((await plain.client.send(new ConverseStreamCommand(INPUT))).stream);
    const result = await wrapped.client.send(new ConverseStreamCommand(INPUT));
    expect(result).toBe(wrapped.outputs[0]);
    expect(result.stream).toBe(wrapped.outputs[0].stream);
    const got = await readAll(result.stream);
    expect(got).toEqual(expected);
    expect(got).toHaveLength(7);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual(okEvent(true, result.$metadata.requestId!));
  });

  it('a stream the app drops, unread or read part-way and never stopped: aborted once collected (unread if never read); one kept is not', async () => {
    const handed: Promise<unknown>[] = [];
    const wrapped = wrapBedrock(make(), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
    api.script({ sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES) });
    const create = async () => (await wrapped.send(new ConverseStreamCommand(INPUT))).stream!;
    expect(await dropStreams(handed, create, (event) => event.contentBlockDelta?.delta?.text, 'It left ')).toEqual({ recorded: 2, kept: ANSWER, looped: ANSWER });
    const events = await h.events();
    const { unread, kept } = droppedEvents(events, 'It left ');
    expect(unread).toEqual(
      unreadEvent(MODEL, {
        integration: 'bedrock',
        operation: 'converseStream',
        provider: 'amazon-bedrock',
        response_id: expect.any(String),
        input_chars: SYSTEM.length + QUESTION.length,
        input_digest: hmac({ system, messages }),
      }),
    );
    expect(kept).toMatchObject({ streamed: true, outcome: 'ok', output_chars: ANSWER.length });
  });

  it('tool use and reasoning streamed; a stream that ends without messageStop is interrupted', async () => {
    const { client: wrapped } = client(true);
    api.script({ sse: converseEvents([], { tools: ['track_parcel'], reasoning: 'Look it up.' }) }, { sse: converseEvents(['It left '], { stop: null }) });
    await readAll((await wrapped.send(new ConverseStreamCommand(INPUT))).stream);
    await readAll((await wrapped.send(new ConverseStreamCommand(INPUT))).stream);
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.tool_calls, e.output_chars, typeof e.time_to_first_token_ms, e.performance_metrics.anomaly_flags])).toEqual([
      ['ok', 'tool-calls', ['track_parcel'], undefined, 'number', undefined],
      ['ok', 'interrupted', undefined, 'It left '.length, 'number', ['interrupted']],
    ]);
  });

  it('broken off by the app (break): aborted, with the text so far', async () => {
    const { client: wrapped } = client(true);
    api.script({ sse: converseEvents(PIECES), hold: 3 });
    for await (const event of (await wrapped.send(new ConverseStreamCommand(INPUT))).stream!) if (event.contentBlockDelta) break;
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, output_digest: hmac('It left '), performance_metrics: { anomaly_flags: ['aborted'] } });
    expect(event).not.toHaveProperty('finish_reason');
    api.release();
  });

  it("read by its iterator's next(), called by the app: the same events as unwrapped; recorded as for await is, return() part-way as a break", async () => {
    // In this SDK the stream is a plain async iterable the SDK's event-stream serde makes (it has read the first event
    // to look for an initial response); older 3.x clients hand over a SmithyMessageDecoderStream, whose public
    // asyncIterator() observeStream watches as well.
    const plain = client(false);
    const { client: wrapped } = client(true);
    api.script({ sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES), hold: 3 });
    const byHand = async (stream: AsyncIterable<any>) => {
      const iterator = stream[Symbol.asyncIterator]();
      const read = [];
      for (let step; !(step = await iterator.next()).done; ) read.push(step.value);
      return read;
    };
    const expected = await byHand((await plain.client.send(new ConverseStreamCommand(INPUT))).stream!);
    const result = await wrapped.send(new ConverseStreamCommand(INPUT));
    expect(await byHand(result.stream!)).toEqual(expected);
    const events = (await wrapped.send(new ConverseStreamCommand(INPUT))).stream![Symbol.asyncIterator]();
    let step;
    while (!(step = await events.next()).done && !step.value.contentBlockDelta);
    expect(step.value).toMatchObject({ contentBlockDelta: { delta: { text: 'It left ' } } });
    await events.return!(undefined);
    api.release();
    await expectWholeThenBroken(result.$metadata.requestId!);
  });

  it("an older 3.x client's stream, a SmithyMessageDecoderStream, read by its asyncIterator(): the same events; recorded as for await is", async () => {
    // Before its schema-based serde, the SDK handed over the event-stream marshaller's SmithyMessageDecoderStream, whose
    // for await reads its asyncIterator() (private in its types, a method like any other to JavaScript). A middleware
    // of the app's, below the wrapper, makes one of this SDK's stream.
    const c = make();
    c.middlewareStack.add((next) => async (args) => {
      const result: any = await next(args);
      const events = result.output.stream;
      if (events) result.output.stream = new SmithyMessageDecoderStream({ messageStream: events, deserializer: async (event: any) => event });
      return result;
    }, { step: 'initialize', priority: 'low', name: 'olderStream' });
    const wrapped = wrapBedrock(c, { log: h.log, digestKey: DIGEST_KEY });
    api.script({ sse: converseEvents(PIECES) }, { sse: converseEvents(PIECES), hold: 3 });
    const result = await wrapped.send(new ConverseStreamCommand(INPUT));
    expect(result.stream).toBeInstanceOf(SmithyMessageDecoderStream);
    const eventsOf = (stream: unknown): AsyncGenerator<any> => (stream as { asyncIterator(): AsyncGenerator<any> }).asyncIterator();
    const got = await readAll(eventsOf(result.stream));
    expect(got).toHaveLength(7);
    for await (const event of eventsOf((await wrapped.send(new ConverseStreamCommand(INPUT))).stream)) if (event.contentBlockDelta) break;
    api.release();
    await expectWholeThenBroken(result.$metadata.requestId!);
  });

  it('aborted through send()\'s abortSignal while a read waits: the app gets the SDK\'s error; aborted, with the text so far', async () => {
    const { client: wrapped } = client(true);
    api.script({ sse: converseEvents(PIECES), hold: 2 });
    const waiting = new AbortController();
    const reads: unknown[] = [];
    const failed = (async () => {
      for await (const event of (await wrapped.send(new ConverseStreamCommand(INPUT), { abortSignal: waiting.signal })).stream!) {
        reads.push(event);
        if (event.contentBlockDelta) waiting.abort();
      }
    })().catch((e: unknown) => e);
    expect(await failed).toBeInstanceOf(Error);
    expect(reads).toHaveLength(2);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: 'It left '.length, performance_metrics: { anomaly_flags: ['aborted'] } });
  });

  it('an exception mid-stream, as an exception message (the SDK throws it) or as an event (the SDK yields it), and a cut connection: failed, with the text so far', async () => {
    const { client: wrapped } = client(true);
    const head = converseEvents(PIECES).slice(0, 2);
    api.script(
      { sse: [...head, { modelStreamErrorException: { message: 'The model failed.', originalStatusCode: 500 } }] },
      { sse: [...head, { throttlingException: { message: 'Too many tokens.' } }] },
      { sse: [...head, { modelStreamErrorException: { message: 'The model failed.' }, $messageType: 'event' }] },
      { sse: converseEvents(PIECES), reset: 2 },
    );
    const thrown: any[] = [];
    for (let i = 0; i < 2; i++) thrown.push(await readAll((await wrapped.send(new ConverseStreamCommand(INPUT))).stream).catch((e: unknown) => e));
    expect(thrown.map((e) => [e.name, e.message])).toEqual([
      ['ModelStreamErrorException', 'The model failed.'],
      ['ThrottlingException', 'Too many tokens.'],
    ]);
    const yielded: any[] = await readAll((await wrapped.send(new ConverseStreamCommand(INPUT))).stream);
    expect(yielded.at(-1).modelStreamErrorException).toMatchObject({ name: 'ModelStreamErrorException', message: 'The model failed.' });
    const cut = await readAll((await wrapped.send(new ConverseStreamCommand(INPUT))).stream).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(Error);
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.error, e.output_chars, e.performance_metrics.anomaly_flags])).toEqual([
      ['error', { name: 'ModelStreamErrorException', message: 'The model failed.', code: 'ModelStreamErrorException' }, 'It left '.length, ['error']],
      ['error', { name: 'ThrottlingException', message: 'Too many tokens.', code: 'ThrottlingException' }, 'It left '.length, ['error']],
      ['error', { name: 'ModelStreamErrorException', message: 'The model failed.', code: 'ModelStreamErrorException' }, 'It left '.length, ['error']],
      ['error', { name: 'Error', message: (cut as Error).message, code: 'ECONNRESET' }, 'It left '.length, ['error']],
    ]);
  });

  it('a 429 before the stream: the app gets the SDK\'s error; recorded as a failed streamed call', async () => {
    const { client: wrapped } = client(true);
    api.script(serviceError(429, 'ThrottlingException', 'Too many requests.'));
    await expect(wrapped.send(new ConverseStreamCommand(INPUT))).rejects.toMatchObject({ name: 'ThrottlingException' });
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ operation: 'converseStream', streamed: true, outcome: 'error', error: { name: 'ThrottlingException', status: 429, code: 'ThrottlingException' } });
  });
});

describe('over HTTP/2, the client\'s default request handler', () => {
  it('Converse and ConverseStream are recorded as over HTTP/1.1', async () => {
    const h2 = await startBedrockH2Server();
    const c = wrapBedrock(new BedrockRuntimeClient({ ...config(), endpoint: h2.origin, requestHandler: undefined }), { log: h.log });
    try {
      const answer = `You asked ${QUESTION.length} characters.`;
      expect((await c.send(new ConverseCommand(INPUT))).output?.message?.content?.[0]?.text).toBe(answer);
      const events = await readAll((await c.send(new ConverseStreamCommand(INPUT))).stream);
      expect(events).toHaveLength(answer.split(' ').length + 4);
    } finally {
      c.destroy();
      await h2.close();
    }
    const recorded = await h.events();
    expect(recorded.map((e) => [e.operation, e.outcome, e.finish_reason, e.response_id, e.output_chars, e.performance_metrics.output_tokens])).toEqual([
      ['converse', 'ok', 'stop', 'req_h2', `You asked ${QUESTION.length} characters.`.length, 7],
      ['converseStream', 'ok', 'stop', 'req_h2', `You asked ${QUESTION.length} characters.`.length, 7],
    ]);
  });
});

describe('InvokeModelCommand and InvokeModelWithResponseStreamCommand', () => {
  const CLAUDE = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, system: SYSTEM, messages: [{ role: 'user', content: QUESTION }] };
  const claudeBody = JSON.stringify(CLAUDE);
  const bytes = (text: string) => Buffer.byteLength(text);

  it('an Anthropic body: the same output as unwrapped; its messages, text, usage, stop reason and model read as wrapAnthropic reads them, and the bodies\' sizes', async () => {
    const plain = client(false);
    const wrapped = client(true);
    const answer = claudeMessage(ANSWER);
    api.script({ json: answer }, { json: answer });
    const expected = await plain.client.send(new InvokeModelCommand({ modelId: MODEL, body: claudeBody }));
    const result = await wrapped.client.send(new InvokeModelCommand({ modelId: MODEL, body: new TextEncoder().encode(claudeBody) }));
    expect(result).toBe(wrapped.outputs[0]);
    expect(data(result)).toEqual(data(expected));
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'bedrock',
      operation: 'invokeModel',
      streamed: false,
      provider: 'amazon-bedrock',
      response_model_id: 'claude-test-20260501',
      response_id: 'msg_bdrk_1',
      outcome: 'ok',
      finish_reason: 'stop',
      stop_reason: 'end_turn',
      input_bytes: bytes(claudeBody),
      output_bytes: bytes(JSON.stringify(answer)),
      input_chars: SYSTEM.length + QUESTION.length,
      output_chars: ANSWER.length,
      input_digest: hmac({ system: SYSTEM, messages: CLAUDE.messages }),
      output_digest: hmac(ANSWER),
      model_context: { model_id: MODEL, model_version: 'claude-test-20260501', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
  });

  it('another model\'s body: the body digested as sent, both sizes, the token counts Bedrock sends as headers; an unreadable Anthropic answer is recorded by its size', async () => {
    const { client: wrapped } = client(true);
    const titan = JSON.stringify({ inputText: QUESTION, textGenerationConfig: { maxTokenCount: 100 } });
    const answer = { inputTextTokenCount: 5, results: [{ tokenCount: 7, outputText: ANSWER, completionReason: 'FINISH' }] };
    api.script({ json: answer, headers: { 'x-amzn-bedrock-input-token-count': '5', 'x-amzn-bedrock-output-token-count': '7' } }, { text: 'not JSON' });
    await wrapped.send(new InvokeModelCommand({ modelId: 'amazon.titan-text-test-v1', body: titan }));
    const result = await wrapped.send(new InvokeModelCommand({ modelId: MODEL, body: claudeBody }));
    expect(result.body.transformToString()).toBe('not JSON');
    const [event, unreadable, ...more] = await h.events();
    expect(more).toEqual([]);
    expect(event).toEqual({
      ...generated,
      event_type: 'model_inference',
      integration: 'bedrock',
      operation: 'invokeModel',
      streamed: false,
      provider: 'amazon-bedrock',
      response_id: expect.stringMatching(/^req_\d+$/),
      outcome: 'ok',
      input_bytes: bytes(titan),
      output_bytes: bytes(JSON.stringify(answer)),
      input_digest: hmac(titan),
      model_context: { model_id: 'amazon.titan-text-test-v1', model_version: 'unreported', model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 5, output_tokens: 7 },
    });
    expect(unreadable).toMatchObject({ outcome: 'ok', input_chars: SYSTEM.length + QUESTION.length, output_bytes: bytes('not JSON') });
    expect(unreadable).not.toHaveProperty('output_chars');
  });

  it('an Anthropic stream: the app reads the same chunks; its text, usage, stop reason and time to first token, the chunks\' bytes', async () => {
    const plain = client(false);
    const wrapped = client(true);
    const chunks = claudeChunks(PIECES);
    api.script({ sse: chunks }, { sse: chunks });
    const expected = await readAll((await plain.client.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body: claudeBody }))).body);
    const result = await wrapped.client.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body: claudeBody }));
    expect(result.body).toBe(wrapped.outputs[0].body);
    expect(await readAll(result.body)).toEqual(expected);
    const [event, ...more] = await h.events();
    expect(more).toEqual([]);
    const outBytes = chunks.reduce((n, c: any) => n + Buffer.from(c.chunk.bytes, 'base64').length, 0);
    expect(event).toMatchObject({
      operation: 'invokeModelWithResponseStream',
      streamed: true,
      response_id: 'msg_bdrk_1',
      outcome: 'ok',
      finish_reason: 'stop',
      stop_reason: 'end_turn',
      time_to_first_token_ms: expect.any(Number),
      input_bytes: bytes(claudeBody),
      output_bytes: outBytes,
      output_digest: hmac(ANSWER),
      performance_metrics: { input_tokens: 12, output_tokens: 7 },
    });
  });

  it('an Anthropic stream the app drops, unread or read part-way: aborted once collected (unread if never read), as ConverseStream\'s', async () => {
    const handed: Promise<unknown>[] = [];
    const wrapped = wrapBedrock(make(), { log: h.log, digestKey: DIGEST_KEY, waitUntil: (p) => handed.push(p) });
    const chunks = claudeChunks(PIECES);
    api.script({ sse: chunks }, { sse: chunks }, { sse: chunks }, { sse: chunks });
    const create = async () => (await wrapped.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body: claudeBody }))).body!;
    const text = (item: any) => JSON.parse(Buffer.from(item.chunk.bytes).toString()).delta?.text;
    expect(await dropStreams(handed, create, text, 'It left ')).toEqual({ recorded: 2, kept: ANSWER, looped: ANSWER });
    const events = await h.events();
    const { unread, part, kept } = droppedEvents(events, 'It left ');
    expect(unread).toMatchObject({ operation: 'invokeModelWithResponseStream', streamed: true, outcome: 'aborted', unread: true, input_bytes: bytes(claudeBody) });
    expect(unread).not.toHaveProperty('output_bytes');
    expect(part).toMatchObject({ operation: 'invokeModelWithResponseStream' });
    expect(kept).toMatchObject({ operation: 'invokeModelWithResponseStream', outcome: 'ok', finish_reason: 'stop', output_chars: ANSWER.length });
  });

  it('another model\'s stream: its bytes, and the token counts of Bedrock\'s invocation metrics; it ends with no finish reason, which is no interruption; a break is aborted', async () => {
    const { client: wrapped } = client(true);
    const chunk = (value: unknown) => ({ chunk: { bytes: Buffer.from(JSON.stringify(value)).toString('base64') } });
    const chunks = [chunk({ outputText: 'It left ', index: 0 }), chunk({ outputText: 'the depot.', index: 0, 'amazon-bedrock-invocationMetrics': { inputTokenCount: 5, outputTokenCount: 4 } })];
    api.script({ sse: chunks }, { sse: chunks, hold: 1 });
    const titan = JSON.stringify({ inputText: QUESTION });
    await readAll((await wrapped.send(new InvokeModelWithResponseStreamCommand({ modelId: 'amazon.titan-text-test-v1', body: titan }))).body);
    for await (const _ of (await wrapped.send(new InvokeModelWithResponseStreamCommand({ modelId: 'amazon.titan-text-test-v1', body: titan }))).body!) break;
    api.release();
    const events = await h.events();
    expect(events.map((e) => [e.outcome, e.finish_reason, e.output_chars, e.output_bytes, typeof e.time_to_first_token_ms, e.performance_metrics.input_tokens, e.performance_metrics.output_tokens])).toEqual([
      ['ok', undefined, undefined, chunks.reduce((n, c) => n + Buffer.from(c.chunk.bytes, 'base64').length, 0), 'number', 5, 4],
      ['aborted', undefined, undefined, Buffer.from(chunks[0]!.chunk.bytes, 'base64').length, 'number', undefined, undefined],
    ]);
    expect(events[0]).toMatchObject({ input_digest: hmac(titan), input_bytes: bytes(titan) });
  });
});
