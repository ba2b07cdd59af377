// The OpenAI Agents SDK (`@openai/agents`) making its model calls through a wrapOpenAI-wrapped `openai` client:
// the real SDK and the real client, against the small OpenAI-compatible server on 127.0.0.1 (openai-server.ts),
// which stands in for the model provider. Tracing is off in every test (the SDK would export traces to
// api.openai.com), and each global the tests set (the default client, the API, tracing) is restored.
import { Agent, getDefaultOpenAIClient, OpenAIChatCompletionsModel, OpenAIProvider, run, Runner, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapOpenAI } from '../../src/ai/index.js';
import { textChars } from '../../src/ai/record.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { chatCompletion, chatStream, MODEL, response, responseStream, SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
/** The hosts every fetch of this file went to (the SDK's clients and its trace exporter fetch with the global one). */
const hosts = new Set<string>();
const fetched = globalThis.fetch;
beforeAll(async () => {
  globalThis.fetch = (input, init) => (hosts.add(new URL(input instanceof Request ? input.url : input).hostname), fetched(input, init));
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(async () => {
  globalThis.fetch = fetched;
  await closeBoth(h, api);
  expect([...hosts]).toEqual(['127.0.0.1']);
});

/** The globals the Agents SDK keeps, as they were before each test. */
let defaultClient: ReturnType<typeof getDefaultOpenAIClient>;
beforeEach(() => {
  defaultClient = getDefaultOpenAIClient();
  setTracingDisabled(true);
});
afterEach(() => {
  setDefaultOpenAIClient(defaultClient!);
  setOpenAIAPI('responses');
  // Off, as the SDK has it under a test runner (NODE_ENV=test) and as every test here wants it.
  setTracingDisabled(true);
});

/** A wrapped client of the fake server: every request of the Agents SDK goes to 127.0.0.1. */
const wrappedClient = () => wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: api.url, maxRetries: 0 }), { log: h.log, digestKey: DIGEST_KEY });

const INSTRUCTIONS = 'You are a support agent.';
const QUESTION = 'Where is my parcel?';

/** The request the fake received `back` requests ago (1: the last). */
const sent = (back = 1) => api.requests.at(-back)!.body;

/** The exact event of one Responses API call of the SDK, from the request as the fake received it. */
const responsesEvent = (body: any, streamed: boolean, answer: { text?: string; tools?: string[] }) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'openai',
  operation: 'responses',
  streamed,
  provider: 'openai',
  response_model_id: SNAPSHOT,
  response_id: 'resp_1',
  outcome: 'ok',
  finish_reason: answer.tools ? 'tool-calls' : 'stop',
  ...(answer.tools && { tool_calls: answer.tools }),
  ...(streamed && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: textChars(body.input) + textChars(body.instructions),
  ...(answer.text && { output_chars: answer.text.length }),
  input_digest: hmac({ instructions: body.instructions, input: body.input }),
  ...(answer.text && { output_digest: hmac(answer.text) }),
  model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9, output_tokens: 5 },
});

/** A parcel tracker the model calls; `ran` holds the inputs it ran with. */
function tracker(needsApproval = false) {
  const ran: unknown[] = [];
  const track = tool({
    name: 'track_parcel',
    description: 'Where a parcel is.',
    parameters: z.object({ city: z.string() }),
    needsApproval,
    execute: async (input) => (ran.push(input), 'In the depot.'),
  });
  return { track, ran };
}

describe('@openai/agents through wrapOpenAI', () => {
  it('run(agent, input) with setDefaultOpenAIClient: one event for its one model call (Responses API)', async () => {
    setDefaultOpenAIClient(wrappedClient());
    api.script({ json: response('Tomorrow.') });
    const result = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL }), QUESTION);
    expect(result.finalOutput).toBe('Tomorrow.');
    expect(sent()).toMatchObject({ model: MODEL, instructions: INSTRUCTIONS });
    expect(await h.events()).toEqual([responsesEvent(sent(), false, { text: 'Tomorrow.' })]);
  });

  it('run(agent, input, { stream: true }) read to its end: one event, streamed', async () => {
    setDefaultOpenAIClient(wrappedClient());
    api.script({ sse: responseStream(['Tomor', 'row.']) });
    const result = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL }), QUESTION, { stream: true });
    for await (const _ of result);
    await result.completed;
    expect(result.finalOutput).toBe('Tomorrow.');
    expect(sent().stream).toBe(true);
    expect(await h.events()).toEqual([responsesEvent(sent(), true, { text: 'Tomorrow.' })]);
  });

  it('an agent with a tool: two model calls (the tool call, then the answer), two events with their tool calls', async () => {
    setDefaultOpenAIClient(wrappedClient());
    const { track, ran } = tracker();
    api.script({ json: response('', { tools: ['track_parcel'] }) }, { json: response('It is in the depot.') });
    const result = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL, tools: [track] }), QUESTION);
    expect(result.finalOutput).toBe('It is in the depot.');
    expect(ran).toEqual([{ city: 'Paris' }]);
    expect(await h.events()).toEqual([responsesEvent(sent(2), false, { tools: ['track_parcel'] }), responsesEvent(sent(1), false, { text: 'It is in the depot.' })]);
  });

  it('a Runner with OpenAIProvider({ openAIClient }): its calls recorded, streamed with a tool too', async () => {
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: wrappedClient() }) });
    const { track } = tracker();
    api.script({ sse: responseStream([], { tools: ['track_parcel'] }) }, { sse: responseStream(['In the ', 'depot.']) });
    const result = await runner.run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL, tools: [track] }), QUESTION, { stream: true });
    for await (const _ of result);
    await result.completed;
    expect(result.finalOutput).toBe('In the depot.');
    expect(await h.events()).toEqual([responsesEvent(sent(2), true, { tools: ['track_parcel'] }), responsesEvent(sent(1), true, { text: 'In the depot.' })]);
  });

  it('chat completions (setOpenAIAPI, OpenAIChatCompletionsModel), streamed or not: one event per call', async () => {
    setDefaultOpenAIClient(wrappedClient());
    setOpenAIAPI('chat_completions');
    api.script({ json: chatCompletion('Tomorrow.') }, { json: chatCompletion('Today.') }, { sse: chatStream(['To', 'night.'], { usage: true }) });
    expect((await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL }), QUESTION)).finalOutput).toBe('Tomorrow.');
    const model = new OpenAIChatCompletionsModel(wrappedClient() as never, MODEL);
    expect((await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model }), QUESTION)).finalOutput).toBe('Today.');
    const streamed = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model }), QUESTION, { stream: true });
    for await (const _ of streamed);
    await streamed.completed;
    expect(streamed.finalOutput).toBe('Tonight.');
    const chatEvent = (body: any, text: string, stream = false) => ({
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation: 'chat.completions',
      streamed: stream,
      provider: 'openai',
      response_model_id: SNAPSHOT,
      response_id: stream ? 'chatcmpl-s1' : 'chatcmpl-1',
      ...(stream && { time_to_first_token_ms: expect.any(Number) }),
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: textChars(body.messages),
      output_chars: text.length,
      input_digest: hmac(body.messages),
      output_digest: hmac(text),
      system_fingerprint: 'fp_test',
      model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
    expect(sent().stream_options).toEqual({ include_usage: true });
    expect(await h.events()).toEqual([chatEvent(sent(3), 'Tomorrow.'), chatEvent(sent(2), 'Today.'), chatEvent(sent(1), 'Tonight.', true)]);
  });
});
